from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.crm_sequence.models.crm_sequence_step import step_order
from odoo.addons.mail.tests.common import mail_new_test_user

from .common import CrmSequenceCommon


@tagged("post_install", "-at_install")
class TestAccessRights(CrmSequenceCommon):
    """Who may read, create, change and delete sequences and their steps.

    Roles: Sequences Administrator (sales manager), owner and other user (salespeople,
    Sequences User), internal viewer (employee without sales rights) and portal user.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the last step: editing or deleting it never breaks the day order
        cls.step = cls.sequence.step_ids.sorted(step_order)[-1]
        cls.other_sequence = cls._create_sequence(cls.env, name="Olga's sequence", user=cls.user_other)

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _new_sequence(self, user, owner=None):
        return self._create_sequence(self.env(user=user), name=f"New of {user.name}", user=owner or user)

    def _new_step(self, user, sequence):
        return (
            self.env["crm.sequence.step"]
            .with_user(user)
            .create(
                {
                    "sequence_id": sequence.id,
                    "step_type": "todo",
                    "summary": "Added",
                }
            )
        )

    def _assert_can_read(self, user):
        sequence = self.sequence.with_user(user)
        self.assertEqual(sequence.read(["name"])[0]["name"], "Welcome")
        self.assertIn(sequence, self.env["crm.sequence"].with_user(user).search([]))
        step = self.step.with_user(user)
        self.assertEqual(step.read(["summary"])[0]["summary"], "Follow up")
        self.assertEqual(len(sequence.step_ids), 4)

    # ------------------------------------------------------------------
    # Sequences Administrator: everything
    # ------------------------------------------------------------------

    def test_admin_sequence(self):
        user = self.user_seq_admin
        self._assert_can_read(user)
        created = self._new_sequence(user)
        self.assertEqual(created.user_id, user)
        for_owner = self._new_sequence(user, owner=self.user_owner)
        self.assertEqual(for_owner.user_id, self.user_owner, "administrators create sequences for others")
        self.sequence.with_user(user).write({"name": "Renamed by admin"})
        self.assertEqual(self.sequence.name, "Renamed by admin")
        self.sequence.with_user(user).unlink()
        self.assertFalse(self.sequence.exists())

    def test_admin_step(self):
        user = self.user_seq_admin
        created = self._new_step(user, self.sequence)
        self.assertEqual(created.sequence_id, self.sequence)
        self.step.with_user(user).write({"summary": "Changed by admin"})
        self.assertEqual(self.step.summary, "Changed by admin")
        created.with_user(user).unlink()
        self.step.with_user(user).unlink()
        self.assertFalse((created | self.step).exists())

    # ------------------------------------------------------------------
    # Owner: everything on their own sequences
    # ------------------------------------------------------------------

    def test_owner_sequence(self):
        user = self.user_owner
        self._assert_can_read(user)
        created = self._new_sequence(user)
        self.assertEqual(created.user_id, user)
        self.sequence.with_user(user).write({"name": "Renamed by owner", "send_hour_to": 16.0})
        self.assertEqual(self.sequence.name, "Renamed by owner")
        removal_rule = self.sequence.removal_rule_ids.filtered(lambda r: r.trigger == "reply")
        removal_rule.with_user(user).active = False
        self.assertFalse(removal_rule.active)
        self.sequence.with_user(user).action_activate()
        self.assertEqual(self.sequence.state, "active")
        self.sequence.with_user(user).action_deactivate()
        created.with_user(user).unlink()
        self.sequence.with_user(user).unlink()
        self.assertFalse((created | self.sequence).exists())

    def test_owner_step(self):
        user = self.user_owner
        created = self._new_step(user, self.sequence)
        self.assertEqual(created.day, 5)
        self.step.with_user(user).write({"summary": "Changed by owner"})
        self.assertEqual(self.step.summary, "Changed by owner")
        created.with_user(user).unlink()
        self.step.with_user(user).unlink()
        self.assertFalse((created | self.step).exists())

    # ------------------------------------------------------------------
    # Other user: reads everything, changes only their own
    # ------------------------------------------------------------------

    def test_other_user_sequence(self):
        user = self.user_other
        self._assert_can_read(user)
        created = self._new_sequence(user)
        self.assertEqual(created.user_id, user)
        created.with_user(user).write({"name": "Mine"})
        with self.assertRaises(AccessError):
            self.sequence.with_user(user).write({"name": "Not mine"})
        with self.assertRaises(AccessError):
            self.sequence.with_user(user).action_activate()
        removal_rule = self.sequence.removal_rule_ids.filtered(lambda r: r.trigger == "reply")
        with self.assertRaises(AccessError):
            removal_rule.with_user(user).active = False
        with self.assertRaises(AccessError):
            self.sequence.with_user(user).unlink()
        self.assertEqual(self.sequence.name, "Welcome")
        self.assertEqual(self.sequence.state, "draft")
        self.assertTrue(removal_rule.active)
        self.assertTrue(self.sequence.exists())
        created.with_user(user).unlink()

    def test_other_user_step(self):
        user = self.user_other
        with self.assertRaises(AccessError):
            self._new_step(user, self.sequence)
        with self.assertRaises(AccessError):
            self.step.with_user(user).write({"summary": "Not mine"})
        with self.assertRaises(AccessError):
            self.step.with_user(user).unlink()
        self.assertEqual(self.step.summary, "Follow up")
        self.assertEqual(len(self.sequence.step_ids), 4)
        # on their own sequence they do as they please
        own_step = self._new_step(user, self.other_sequence)
        own_step.with_user(user).write({"summary": "Mine"})
        own_step.with_user(user).unlink()
        self.assertFalse(own_step.exists())

    def test_user_cannot_create_for_someone_else(self):
        with self.assertRaises(AccessError):
            self._new_sequence(self.user_other, owner=self.user_owner)
        with self.assertRaises(AccessError):
            self._new_sequence(self.user_owner, owner=self.user_seq_admin)

    # ------------------------------------------------------------------
    # Internal viewer: read only
    # ------------------------------------------------------------------

    def test_viewer_sequence(self):
        user = self.user_viewer
        self.assertFalse(user.has_group("crm_sequence.group_crm_sequence_user"))
        self._assert_can_read(user)
        with self.assertRaises(AccessError):
            self._new_sequence(user)
        with self.assertRaises(AccessError):
            self.sequence.with_user(user).write({"name": "Viewer"})
        with self.assertRaises(AccessError):
            self.sequence.with_user(user).unlink()
        self.assertEqual(self.sequence.name, "Welcome")

    def test_viewer_step(self):
        user = self.user_viewer
        with self.assertRaises(AccessError):
            self._new_step(user, self.sequence)
        with self.assertRaises(AccessError):
            self.step.with_user(user).write({"summary": "Viewer"})
        with self.assertRaises(AccessError):
            self.step.with_user(user).unlink()
        self.assertEqual(self.step.summary, "Follow up")

    # ------------------------------------------------------------------
    # Portal: nothing
    # ------------------------------------------------------------------

    def test_portal_sequence(self):
        user = self.user_portal
        with self.assertRaises(AccessError):
            self.sequence.with_user(user).read(["name"])
        with self.assertRaises(AccessError):
            self.env["crm.sequence"].with_user(user).search([])
        with self.assertRaises(AccessError):
            self._new_sequence(user, owner=self.user_owner)
        with self.assertRaises(AccessError):
            self.sequence.with_user(user).write({"name": "Portal"})
        with self.assertRaises(AccessError):
            self.sequence.with_user(user).unlink()

    def test_portal_step(self):
        user = self.user_portal
        with self.assertRaises(AccessError):
            self.step.with_user(user).read(["summary"])
        with self.assertRaises(AccessError):
            self.env["crm.sequence.step"].with_user(user).search([])
        with self.assertRaises(AccessError):
            self._new_step(user, self.sequence)
        with self.assertRaises(AccessError):
            self.step.with_user(user).write({"summary": "Portal"})
        with self.assertRaises(AccessError):
            self.step.with_user(user).unlink()

    # ------------------------------------------------------------------
    # Multi-company
    # ------------------------------------------------------------------

    def test_multi_company(self):
        sequence_c2 = self._create_sequence(
            self.env,
            name="Company 2 sequence",
            user=self.user_employee_c2,
            company_id=self.company_2.id,
        )
        step_c2 = sequence_c2.step_ids[:1]
        self.assertEqual(step_c2.company_id, self.company_2)
        for user in (self.user_owner, self.user_seq_admin, self.user_viewer):
            with self.subTest(user=user.login):
                self.assertNotIn(self.company_2, user.company_ids)
                with self.assertRaises(AccessError):
                    sequence_c2.with_user(user).read(["name"])
                with self.assertRaises(AccessError):
                    step_c2.with_user(user).read(["day"])
                self.assertFalse(self.env["crm.sequence"].with_user(user).search([("id", "=", sequence_c2.id)]))
                self.assertFalse(
                    self.env["crm.sequence.step"].with_user(user).search([("sequence_id", "=", sequence_c2.id)]),
                )
        with self.assertRaises(AccessError):
            sequence_c2.with_user(self.user_seq_admin).write({"name": "Not my company"})
        # a user of company 2 sees it, and not those of company 1
        user_c2 = self.user_employee_c2
        self.assertEqual(sequence_c2.with_user(user_c2).read(["name"])[0]["name"], "Company 2 sequence")
        self.assertEqual(self.env["crm.sequence"].with_user(user_c2).search([]), sequence_c2)
        with self.assertRaises(AccessError):
            self.sequence.with_user(user_c2).read(["name"])

    # ------------------------------------------------------------------
    # Group mapping
    # ------------------------------------------------------------------

    def test_group_mapping(self):
        user_group = "crm_sequence.group_crm_sequence_user"
        manager_group = "crm_sequence.group_crm_sequence_manager"
        user_system = mail_new_test_user(
            self.env,
            login="seq_system",
            name="Sylvie System",
            email="sylvie@example.com",
            groups="base.group_user,base.group_system",
            company_id=self.company_admin.id,
        )
        expected = {
            self.user_seq_admin: (True, True),
            user_system: (True, True),
            self.user_owner: (True, False),
            self.user_other: (True, False),
            self.user_viewer: (False, False),
            self.user_portal: (False, False),
        }
        for user, (is_user, is_manager) in expected.items():
            with self.subTest(user=user.login):
                self.assertEqual(user.has_group(user_group), is_user)
                self.assertEqual(user.has_group(manager_group), is_manager)
        # the implications themselves (not only through another group)
        sequence_user = self.env.ref(user_group)
        sequence_manager = self.env.ref(manager_group)
        self.assertIn(sequence_user, self.env.ref("sales_team.group_sale_salesman").implied_ids)
        self.assertIn(sequence_manager, self.env.ref("sales_team.group_sale_manager").implied_ids)
        self.assertIn(sequence_manager, self.env.ref("base.group_system").implied_ids)

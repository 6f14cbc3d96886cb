from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import CrmSequenceCommon


@tagged("post_install", "-at_install")
class TestBadInput(CrmSequenceCommon):
    """Odd values typed in the builder or sent over RPC get an error naming what to fix,
    never a traceback or a database error, and never a silent change."""

    def _step(self, **values):
        return self.env["crm.sequence.step"].create({"sequence_id": self.sequence.id, "step_type": "todo", **values})

    def test_unknown_time_zone(self):
        with self.assertRaisesRegex(ValidationError, "“Mars/Olympus” is not a time zone"):
            self._create_sequence(self.env, name="Mars", tz="Mars/Olympus")
        with self.assertRaisesRegex(ValidationError, "is not a time zone"), self.env.cr.savepoint():
            self.sequence.write({"tz": "Europe/Atlantis"})
        self.env.invalidate_all(flush=False)
        self.assertEqual(self.sequence.tz, "Europe/Brussels")

    def test_out_of_office_pause_out_of_range(self):
        for days in (0, -3, 366, 2**31, 2.5, "7"):
            with self.subTest(days=days), self.assertRaisesRegex(ValidationError, "lasts 1 to 365 days"):
                self.sequence.write({"ooo_pause_days": days})
        with self.assertRaisesRegex(ValidationError, "lasts 1 to 365 days"):
            self._create_sequence(self.env, name="Long away", ooo_pause_days=1000)
        self.assertEqual(self.sequence.ooo_pause_days, 7)

    def test_step_days_out_of_range(self):
        for day in (0, -1, 3651, 3_000_000, 2**31, 2**63):
            with (
                self.subTest(day=day),
                self.assertRaisesRegex(ValidationError, "Day must be a whole number from 1 to 3650"),
            ):
                self._step(day=day)
        step = self._step(day=3650)
        self.assertEqual(step.day, 3650, "the last day allowed is kept as typed")
        with self.assertRaisesRegex(ValidationError, "Day must be"):
            step.write({"day": 0})
        self.assertEqual(step.day, 3650, "day 0 never silently becomes another day")

    def test_delay_days_out_of_range(self):
        for days in (0, 3651, 2**31):
            with self.subTest(days=days), self.assertRaisesRegex(ValidationError, r"Wait \(days\) must be"):
                self._step(step_type="delay", delay_days=days)

    def test_enroll_wizard_unknown_model_and_ids(self):
        self.sequence.action_activate()
        Wizard = self.env["crm.sequence.enroll"]
        wizard = Wizard.create({"res_model": "no.such.model", "res_ids": [1], "sequence_id": self.sequence.id})
        with self.assertRaisesRegex(UserError, "“no.such.model” is not a kind of records"):
            wizard.action_enroll()
        for res_ids in (["a", "b"], [1.5], [True], "1,2", {"id": 1}, [-3]):
            with self.subTest(res_ids=res_ids):
                wizard = Wizard.create({"res_model": "crm.lead", "res_ids": res_ids, "sequence_id": self.sequence.id})
                with self.assertRaisesRegex(UserError, "must be given by their ids"):
                    wizard.action_enroll()
        with self.assertRaisesRegex(UserError, "must be given by their ids"):
            self.sequence.enroll_records(["1", "2"])
        with self.assertRaisesRegex(UserError, "as a list of record ids"):
            self.sequence.enroll_records("1,2")

    def test_missing_ids_are_counted(self):
        self.sequence.action_activate()
        leads = self.leads | self.env["crm.lead"].create({"name": "Fourth", "email_from": "fourth@example.com"})
        last_id = self.env["crm.lead"].search([], order="id desc", limit=1).id
        ids = leads.ids + list(range(last_id + 1, last_id + 9997))
        wizard = self.env["crm.sequence.enroll"].create(
            {"res_model": "crm.lead", "res_ids": ids, "sequence_id": self.sequence.id}
        )
        action = wizard.action_enroll()
        message = action["params"]["message"]
        self.assertIn("4 enrolled.", message)
        self.assertIn("9,996 selected records no longer exist.", message)
        self.assertTrue(action["params"]["sticky"])
        report = self.sequence.enroll_records(ids)
        self.assertEqual((report["enrolled"], report["skipped"], report["missing"]), (0, {"already": 4}, 9996))

    def test_board_field_defaults_are_independent(self):
        """Giving one board field over RPC keeps the defaults of the others."""
        user_field = self.env["ir.model.fields"]._get("crm.lead", "user_id")
        sequence = self.env["crm.sequence"].create(
            {"name": "RPC", "model_id": self.env["ir.model"]._get_id("crm.lead"), "notify_user_field_id": user_field.id}
        )
        self.assertEqual(sequence.notify_user_field_id, user_field)
        self.assertEqual(sequence.email_field_id.name, "email_from")
        self.assertEqual(sequence.phone_field_id.name, "phone")
        phone = self.env["ir.model.fields"]._get("crm.lead", "mobile") or self.env["ir.model.fields"]._get(
            "crm.lead", "partner_name"
        )
        sequence = self.env["crm.sequence"].create(
            {"name": "RPC 2", "model_id": self.env["ir.model"]._get_id("crm.lead"), "phone_field_id": phone.id}
        )
        self.assertEqual(sequence.phone_field_id, phone)
        self.assertEqual(sequence.email_field_id.name, "email_from")
        self.assertEqual(sequence.notify_user_field_id, user_field)

    def test_rpc_arguments_of_the_wrong_kind(self):
        Enrollment = self.env["crm.sequence.enrollment"].with_user(self.user_owner)
        with self.assertRaisesRegex(UserError, "works on records"):
            Enrollment.action_remove_records([self.leads[0].id])
        with self.assertRaisesRegex(UserError, "Unknown step type “meeting”"):
            self.sequence.with_user(self.user_owner).with_context(step_type="meeting").action_add_step()
        step = self.sequence.step_ids[:1].with_user(self.user_owner)
        for position in (2**31, "1", True):
            with self.subTest(position=position), self.assertRaisesRegex(ValidationError, "position is a whole number"):
                step.write({"sequence": position})
        rule = self.sequence.removal_rule_ids[:1].with_user(self.user_owner)
        with self.assertRaisesRegex(ValidationError, "is no record"):
            rule.write({"status_ref": 2**31})

from contextlib import closing

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.crm_sequence.models.crm_sequence_step import step_order

from .common import CrmSequenceCommon

ROLES = ("admin", "owner", "other", "viewer", "portal", "public")

# Who may do what, read as a table. Each row: object, operation, then one column per
# role (Y allowed, N refused). Objects belong to Oscar (owner): his private, active
# sequence and the run of his own lead in it; "run of Olga's lead" is a lead Olga may
# edit, enrolled in Oscar's sequence (Oscar cannot see that lead, so he cannot select it
# to remove it from sequences); "run in company 2" is outside everyone's companies.
# admin: Sequences Administrator; owner, other: salespeople who see their own documents
# only; viewer: internal user without Sales rights; portal and public users.
MATRIX = """
object                  operation   admin owner other viewer portal public
sequence                read        Y     Y     Y     Y      N      N
sequence                search      Y     Y     Y     Y      N      N
sequence                read_group  Y     Y     Y     Y      N      N
sequence                create      Y     Y     Y     N      N      N
sequence                write       Y     Y     N     N      N      N
sequence                unlink      Y     Y     N     N      N      N
sequence                enroll      Y     Y     N     N      N      N
step                    read        Y     Y     Y     Y      N      N
step                    search      Y     Y     Y     Y      N      N
step                    read_group  Y     Y     Y     Y      N      N
step                    create      Y     Y     N     N      N      N
step                    write       Y     Y     N     N      N      N
step                    unlink      Y     Y     N     N      N      N
step results            read        Y     Y     Y     Y      N      N
removal rule            read        Y     Y     Y     Y      N      N
removal rule            search      Y     Y     Y     Y      N      N
removal rule            read_group  Y     Y     Y     Y      N      N
removal rule            create      Y     Y     N     N      N      N
removal rule            write       Y     Y     N     N      N      N
removal rule            unlink      Y     Y     N     N      N      N
enrollment              read        Y     Y     N     N      N      N
enrollment              search      Y     Y     N     N      N      N
enrollment              read_group  Y     Y     N     N      N      N
enrollment              create      Y     N     N     N      N      N
enrollment              write       Y     N     N     N      N      N
enrollment              unlink      Y     N     N     N      N      N
enrollment              pause       Y     Y     N     N      N      N
enrollment              resume      Y     Y     N     N      N      N
enrollment              terminate   Y     Y     N     N      N      N
enrollment              remove      Y     Y     N     N      N      N
run of Olga's lead      read        Y     Y     Y     N      N      N
run of Olga's lead      search      Y     Y     Y     N      N      N
run of Olga's lead      write       Y     N     N     N      N      N
run of Olga's lead      pause       Y     Y     Y     N      N      N
run of Olga's lead      terminate   Y     Y     Y     N      N      N
run of Olga's lead      remove      Y     N     Y     N      N      N
run in company 2        read        N     N     N     N      N      N
run in company 2        search      N     N     N     N      N      N
run in company 2        pause       N     N     N     N      N      N
touch                   read        Y     Y     N     N      N      N
touch                   search      Y     Y     N     N      N      N
touch                   read_group  Y     Y     N     N      N      N
touch                   create      Y     N     N     N      N      N
touch                   write       Y     N     N     N      N      N
touch                   unlink      Y     N     N     N      N      N
"""


def parse_matrix(text):
    """[(object, operation, {role: allowed})] from the table above."""
    lines = [line for line in text.strip().splitlines()[1:] if line.strip()]
    cells = []
    for line in lines:
        *name, operation = line.split()[: -len(ROLES)]
        answers = line.split()[-len(ROLES) :]
        cells.append((" ".join(name), operation, dict(zip(ROLES, (answer == "Y" for answer in answers)))))
    return cells


@tagged("post_install", "-at_install")
class TestAccessMatrix(CrmSequenceCommon):
    """Every role against every object and operation, through ``with_user`` as RPC
    would call them: a cell is allowed when the call succeeds (and, for searches,
    finds the record), refused when Odoo answers with an AccessError."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_public = cls.env.ref("base.public_user")
        cls.sequence.action_activate()
        cls.lead_oscar = cls.leads[0]
        cls.lead_olga = cls.env["crm.lead"].create(
            {"name": "Olga's lead", "email_from": "olga.lead@customer.example.com", "user_id": cls.user_other.id}
        )
        cls.lead_free = cls.env["crm.lead"].create(
            {"name": "Unassigned lead", "email_from": "free@customer.example.com", "user_id": False}
        )
        with freeze_time("2026-03-03 09:00:00"):
            cls.sequence.enroll_records(cls.lead_oscar | cls.lead_olga)
        enrollments = cls.sequence.enrollment_ids
        cls.enrollment = enrollments.filtered(lambda e: e.res_id == cls.lead_oscar.id)
        cls.enrollment_olga = enrollments - cls.enrollment
        cls.touch = cls.enrollment.touch_ids[:1]
        cls.step = cls.sequence.step_ids.sorted(step_order)[-1]
        cls.rule = cls.sequence.removal_rule_ids.filtered(lambda r: r.trigger == "reply")
        # a run of another company
        sequence_c2 = cls._create_sequence(
            cls.env, name="Company 2", user=cls.user_employee_c2, company_id=cls.company_2.id
        )
        sequence_c2.action_activate()
        lead_c2 = cls.env["crm.lead"].create(
            {"name": "Lead C2", "email_from": "c2@customer.example.com", "company_id": cls.company_2.id}
        )
        sequence_c2.enroll_records(lead_c2)
        cls.enrollment_c2 = sequence_c2.enrollment_ids
        cls.users = {
            "admin": cls.user_seq_admin,
            "owner": cls.user_owner,
            "other": cls.user_other,
            "viewer": cls.user_viewer,
            "portal": cls.user_portal,
            "public": cls.user_public,
        }

    # ------------------------------------------------------------------
    # Operations: each returns True when done, False when nothing was found;
    # an AccessError means refused.
    # ------------------------------------------------------------------

    def _target(self, name):
        return {
            "sequence": self.sequence,
            "step": self.step,
            "step results": self.step,
            "removal rule": self.rule,
            "enrollment": self.enrollment,
            "run of Olga's lead": self.enrollment_olga,
            "run in company 2": self.enrollment_c2,
            "touch": self.touch,
        }[name]

    def _read(self, record, name):
        fnames = {
            "step results": ["sent_count", "open_rate", "reply_rate", "done_count"],
            "crm.sequence.enrollment": ["record_name", "email", "state"],
            "crm.sequence.touch": ["record_name", "step_name", "title", "message_id"],
        }
        return bool(record.read(fnames.get(name) or fnames.get(record._name) or ["display_name"]))

    def _search(self, record, name):
        return record in record.search([("id", "=", record.id)])

    def _read_group(self, record, name):
        groups = record.formatted_read_group([("id", "=", record.id)], [], ["__count"])
        return groups[0]["__count"] == 1

    def _create(self, record, name):
        env = record.env
        values = {
            "sequence": lambda: self._create_sequence(env, name="Mine", user=env.user),
            "step": lambda: record.create({"sequence_id": self.sequence.id, "step_type": "todo", "summary": "New"}),
            "removal rule": lambda: (
                self.rule.unlink() and record.create({"sequence_id": self.sequence.id, "trigger": "reply"})
            ),
            "enrollment": lambda: record.create(
                {
                    "sequence_id": self.sequence.id,
                    "res_model": "crm.lead",
                    "res_id": self.lead_free.id,
                    "record_name": "Forged",
                }
            ),
            "touch": lambda: record.create(
                {
                    "enrollment_id": self.enrollment.id,
                    "step_id": self.step.id,
                    "step_type": "todo",
                    "date_scheduled": fields.Datetime.now(),
                }
            ),
        }[name]
        return bool(values())

    def _write(self, record, name):
        values = {
            "sequence": {"name": "Renamed"},
            "step": {"summary": "Changed"},
            "removal rule": {"active": False},
            "enrollment": {"state": "terminated", "res_id": self.lead_free.id},
            "run of Olga's lead": {"state": "terminated"},
            "touch": {"state": "scheduled", "opened": True, "replied": True},
        }[name]
        return record.write(values)

    def _unlink(self, record, name):
        if name == "sequence":
            record = record.browse(self._create_sequence(self.env, name="Draft", user=self.user_owner).id)
        return record.unlink()

    def _enroll(self, record, name):
        return record.enroll_records(self.lead_free.ids)["enrolled"] == 1

    def _pause(self, record, name):
        return record.action_pause()

    def _resume(self, record, name):
        record.sudo()._pause()
        return record.action_resume()

    def _terminate(self, record, name):
        return record.action_terminate()

    def _remove(self, record, name):
        lead = record.env["crm.lead"].browse(record.sudo().res_id)
        return bool(record.action_remove_records(lead))

    # ------------------------------------------------------------------

    def _allowed(self, role, name, operation):
        """Run one cell in a savepoint that is rolled back, so cells never see each other."""
        # steps of a running sequence change only with a choice for its runs (keep them)
        record = self._target(name).with_user(self.users[role]).with_context(crm_sequence_edit_mode="keep")
        with closing(self.env.cr.savepoint()), freeze_time("2026-03-03 10:00:00"):
            try:
                return bool(getattr(self, f"_{operation}")(record, name))
            except AccessError:
                return False
            finally:
                self.env.flush_all()
                self.env.invalidate_all(flush=False)

    def test_access_matrix(self):
        for name, operation, expected in parse_matrix(MATRIX):
            for role in ROLES:
                with self.subTest(object=name, operation=operation, role=role):
                    allowed = self._allowed(role, name, operation)
                    self.assertEqual(allowed, expected[role], f"{role} / {name} / {operation}")

    def test_refusals_change_nothing(self):
        """The refused writes of the observed attacks leave the run as it was."""
        other = self.user_other
        state, res_id = self.enrollment.state, self.enrollment.res_id
        for values in ({"state": "terminated"}, {"res_id": self.lead_free.id}, {"sequence_id": self.sequence.id}):
            with self.assertRaises(AccessError):
                self.enrollment.with_user(other).write(values)
        with self.assertRaises(AccessError):
            self.touch.with_user(self.user_owner).write({"state": "scheduled"})
        with self.assertRaises(AccessError):
            self.touch.with_user(self.user_owner).write({"opened": True})
        self.assertEqual((self.enrollment.state, self.enrollment.res_id), (state, res_id))
        self.assertFalse(self.touch.opened)

    def test_names_hidden_everywhere(self):
        """Without access to the lead, nothing of its run shows: lists, groups, exports,
        the sequence's enrollment list, the touches of the step results."""
        Enrollment = self.env["crm.sequence.enrollment"].with_user(self.user_other)
        self.assertNotIn(self.enrollment, Enrollment.search([]))
        self.assertIn(self.enrollment_olga, Enrollment.search([]), "the run of her own lead")
        groups = Enrollment.formatted_read_group([], ["record_name"], ["__count"])
        self.assertNotIn(self.lead_oscar.name, [group["record_name"] for group in groups])
        self.user_other.group_ids += self.env.ref("base.group_allow_export")
        exported = Enrollment.search([]).export_data(["record_name", "email"])["datas"]
        self.assertNotIn(self.lead_oscar.email_from, [row[1] for row in exported])
        sequence = self.sequence.with_user(self.user_other)
        self.assertEqual(sequence.enrollment_ids, self.enrollment_olga.with_user(self.user_other))
        self.assertEqual(sequence.enrolled_count, 2, "figures stay global")
        Touch = self.env["crm.sequence.touch"].with_user(self.user_other)
        self.assertFalse(Touch.search([("enrollment_id", "=", self.enrollment.id)]))
        self.assertFalse(Touch.search([("record_name", "=", self.lead_oscar.name)]))
        viewer = self.env["crm.sequence.enrollment"].with_user(self.user_viewer)
        self.assertFalse(viewer.search([]), "no Sales rights: no lead, no run")
        self.assertFalse(viewer.formatted_read_group([], ["sequence_id"], ["__count"]))

    def test_can_manage_and_can_edit(self):
        """What the forms show: buttons and fields follow the same rules."""
        self.assertTrue(self.enrollment.with_user(self.user_owner).can_manage)
        self.assertTrue(self.enrollment_olga.with_user(self.user_other).can_manage)
        self.assertTrue(self.sequence.with_user(self.user_owner).can_edit)
        self.assertTrue(self.sequence.with_user(self.user_seq_admin).can_edit)
        self.assertFalse(self.sequence.with_user(self.user_other).can_edit)
        self.assertFalse(self.sequence.with_user(self.user_viewer).can_edit)
        arch = self.env["crm.sequence"].with_user(self.user_other).get_view(view_type="form")["arch"]
        self.assertIn('readonly="not can_edit"', arch)
        self.assertIn("not can_edit or (schedule_locked)", arch)

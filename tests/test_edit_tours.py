from datetime import datetime, time, timedelta

from odoo.tests import HttpCase, tagged

from odoo.addons.crm_sequence.tests.common import CrmSequenceCommon

# Steps due at once whatever the day and hour the test runs.
ALWAYS_OPEN = {
    "tz": "UTC",
    "send_hour_from": 0.0,
    "send_hour_to": 24.0,
    "send_sat": True,
    "send_sun": True,
}


@tagged("post_install", "-at_install")
class TestCrmSequenceEditTours(HttpCase):
    """Browser tours changing the steps of a running sequence through the
    "Edit running sequence" wizard (static/tests/tours/crm_sequence_edit_tour.js)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.admin.email = "admin@example.com"

    def _start_running_sequence(self):
        """An active sequence (email day 1, call day 3) with 2 leads whose email is sent."""
        sequence = CrmSequenceCommon._create_sequence(
            self.env,
            name="Tour Edit Sequence",
            user=self.admin,
            steps=[
                {
                    "step_type": "auto_email",
                    "day": 1,
                    "subject": "Hello {{ object.contact_name }}",
                    "body_html": "<p>Dear <t t-out='object.contact_name'/>, welcome.</p>",
                },
                {"step_type": "call", "day": 3, "summary": "First call"},
            ],
            **ALWAYS_OPEN,
        )
        sequence.action_activate()
        self.assertEqual(sequence.state, "active")
        leads = self.env["crm.lead"].create(
            [
                {
                    "name": f"Edit Lead {index}",
                    "type": "lead",
                    "contact_name": f"Edit Contact {index}",
                    "email_from": f"edit{index}@customer.example.com",
                    "user_id": self.admin.id,
                }
                for index in range(2)
            ]
        )
        sequence.enroll_records(leads)
        touches = self.env["crm.sequence.touch"].search([("sequence_id", "=", sequence.id)])
        touches.filtered(lambda t: t.step_day == 1)._execute()
        enrollments = self.env["crm.sequence.enrollment"].search([("sequence_id", "=", sequence.id)])
        self.assertEqual(len(enrollments), 2)
        self.assertEqual(sorted(enrollments.mapped("res_id")), sorted(leads.ids))
        self.assertEqual(set(enrollments.mapped("state")), {"active"})
        emails = enrollments.touch_ids.filtered(lambda t: t.step_type == "auto_email")
        calls = enrollments.touch_ids.filtered(lambda t: t.step_type == "call")
        self.assertEqual((len(emails), set(emails.mapped("state"))), (2, {"done"}))
        self.assertEqual((len(calls), set(calls.mapped("state"))), (2, {"scheduled"}))
        self.assertEqual(set(calls.mapped("step_day")), {3})
        self.assertEqual(sequence.active_count, 2)
        self.assertFalse(sequence.pending_edit_mode)
        return sequence, enrollments, emails, calls

    def _url(self, sequence):
        return f"/odoo/action-crm_sequence.crm_sequence_action/{sequence.id}"

    def test_edit_running_keep(self):
        sequence, enrollments, emails, old_calls = self._start_running_sequence()
        call_step = sequence.step_ids.filtered(lambda s: s.step_type == "call")

        self.start_tour(self._url(sequence), "crm_sequence_edit_running_tour", login="admin")

        self.env.invalidate_all()
        self.assertEqual(call_step.day, 2)
        self.assertFalse(sequence.pending_edit_mode)
        self.assertEqual(enrollments.mapped("state"), ["active", "active"])
        self.assertEqual(sequence.active_count, 2)
        # the emails already sent are not touched
        self.assertEqual(emails.mapped("state"), ["done", "done"])
        # the old day-3 calls were replaced by calls on day 2
        self.assertFalse(old_calls.exists())
        for enrollment in enrollments:
            call = enrollment.touch_ids.filtered(lambda t: t.step_type == "call")
            self.assertEqual(len(call), 1)
            self.assertEqual(call.state, "scheduled")
            self.assertEqual(call.step_id, call_step)
            self.assertEqual(call.step_day, 2)
            # day 2 is the day after the start; the window opens at midnight UTC
            expected = datetime.combine(enrollment.date_start.date() + timedelta(days=1), time.min)
            self.assertEqual(call.date_scheduled, expected)
            self.assertEqual(enrollment.touch_ids.filtered(lambda t: t.state == "done").step_type, "auto_email")

    def test_edit_running_terminate(self):
        sequence, enrollments, emails, old_calls = self._start_running_sequence()
        call_step = sequence.step_ids.filtered(lambda s: s.step_type == "call")

        self.start_tour(self._url(sequence), "crm_sequence_edit_terminate_tour", login="admin")

        self.env.invalidate_all()
        self.assertEqual(call_step.day, 2)
        self.assertFalse(sequence.pending_edit_mode)
        self.assertEqual(enrollments.mapped("state"), ["terminated", "terminated"])
        self.assertEqual(enrollments.mapped("end_reason"), ["sequence_edited", "sequence_edited"])
        self.assertTrue(all(enrollments.mapped("date_end")))
        self.assertEqual(sequence.active_count, 0)
        self.assertEqual(emails.mapped("state"), ["done", "done"])
        # nothing is left to do for the terminated runs
        calls = enrollments.touch_ids.filtered(lambda t: t.step_type == "call")
        self.assertFalse(calls.filtered(lambda t: t.state == "scheduled"))

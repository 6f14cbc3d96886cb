from freezegun import freeze_time

from odoo.tests import tagged

from .common import CrmSequenceCommon


@tagged("post_install", "-at_install")
class TestChatter(CrmSequenceCommon):
    """A run leaves one note when it starts and one when it ends, saying what happened;
    automatic steps leave only their email, tasks only what the seller does."""

    def test_one_note_at_start_one_at_end(self):
        self.sequence.action_activate()
        lead = self.leads[0]
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            self.sequence.with_user(self.user_owner).enroll_records(lead)
            self._run_cron()
        email = self.sequence.enrollment_ids.touch_ids.filtered(lambda t: t.step_type == "auto_email")
        email._mark_opened()
        for day in ("2026-03-05 09:00:00", "2026-03-09 09:00:00"):
            with freeze_time(day), self.mock_mail_gateway():
                self._run_cron()
                lead.activity_ids.filtered("crm_sequence_touch_id").action_feedback("Done")
        run = self.sequence.enrollment_ids
        self.assertEqual(run.state, "completed")
        notes = lead.message_ids.filtered(lambda m: m.message_type == "notification").sorted("id")
        self.assertEqual(
            [str(note.body) for note in notes if "equence" in str(note.body)],
            [
                "<p>Enrolled in the sequence “Welcome” by Oscar Owner.</p>",
                "<p>Completed the sequence “Welcome”. Emails sent: 1 (1 opened); tasks done: 2.</p>",
            ],
        )
        emails = lead.message_ids.filtered(lambda m: m.message_type == "email_outgoing")
        self.assertEqual(len(emails), 1, "the automatic email is in the chatter, without a note of its own")

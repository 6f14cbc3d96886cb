from freezegun import freeze_time

from odoo.tests import tagged

from .common import CrmSequenceCommon


@tagged("post_install", "-at_install")
class TestExecution(CrmSequenceCommon):
    """What the cron does with due touches: emails through the mail queue, activities, failures."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sequence.action_activate()

    def _enroll(self, records, sequence=None):
        return self.env["crm.sequence.enroll"]._enroll_records(sequence or self.sequence, records, check_user=False)

    def test_auto_email_posted_and_queued(self):
        # Tuesday 10:00 Brussels = 09:00 UTC: inside the window, the email is due at once
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            self._enroll(self.leads[0])
            self._run_cron()
            enrollment = self.env["crm.sequence.enrollment"].search([("res_id", "=", self.leads[0].id)])
            touch = enrollment.touch_ids.filtered(lambda t: t.step_type == "auto_email")
            self.assertEqual(touch.state, "done")
            message = touch.message_id
            self.assertEqual(message.model, "crm.lead")
            self.assertEqual(message.res_id, self.leads[0].id)
            self.assertEqual(message.subject, "Hello Contact 0")
            self.assertIn("Dear Contact 0", str(message.body))
            self.assertNotIn("crm_sequence/open", str(message.body), "the chatter copy carries no pixel")
            self.assertEqual(message.author_id, self.user_owner.partner_id)
            mail = touch.mail_mail_id
            self.assertEqual(mail.email_to, "lead0@customer.example.com")
            self.assertIn(f"/crm_sequence/open/{touch.id}/", str(mail.body_html))
            self.assertEqual(mail.state, "outgoing", "sent by Odoo's mail queue, not inline")
            self.assertIn(message, self.leads[0].message_ids)
            # the mail queue sends it
            self.env["mail.mail"].sudo().process_email_queue()
            self.assertSentEmail(self.user_owner.partner_id, ["lead0@customer.example.com"],
                                 subject="Hello Contact 0")

    def test_call_creates_activity(self):
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            enrollment_report = self._enroll(self.leads[0])
            self.assertEqual(enrollment_report["enrolled"], 1)
        # day 3 = Thursday 5 March, window opens 09:00 Brussels = 08:00 UTC
        with freeze_time("2026-03-05 08:00:00"), self.mock_mail_gateway():
            self._run_cron()
        touch = self.env["crm.sequence.touch"].search([("res_id", "=", self.leads[0].id), ("step_type", "=", "call")])
        self.assertEqual(touch.state, "done")
        activity = touch.activity_id
        self.assertEqual(activity.activity_type_id, self.env.ref("mail.mail_activity_data_call"))
        self.assertEqual(activity.res_id, self.leads[0].id)
        self.assertEqual(str(activity.date_deadline), "2026-03-05")
        self.assertEqual(activity.user_id, self.user_owner)
        self.assertEqual(activity.crm_sequence_id, self.sequence)

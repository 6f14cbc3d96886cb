from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CrmSequenceCommon


@tagged("post_install", "-at_install")
class TestExecution(CrmSequenceCommon):
    """What the cron does with due touches: emails through the mail queue, activities, failures."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sequence.action_activate()

    def _enroll(self, records, sequence=None):
        return (sequence or self.sequence).enroll_records(records)

    def test_auto_email_posted_and_queued(self):
        # Tuesday 10:00 Brussels = 09:00 UTC: inside the window, the email is due at once
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway(mail_unlink_sent=True):
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
            self.assertEqual(mail.crm_sequence_touch_id, touch)
            self.assertNotIn("crm_sequence/open", str(mail.body_html), "the pixel joins the email as it leaves")
            self.assertIn(f"/crm_sequence/open/{touch.id}/", str(mail._prepare_outgoing_body()))
            self.assertEqual(mail.state, "outgoing", "sent by Odoo's mail queue, not inline")
            self.assertIn(message, self.leads[0].message_ids)
            # the mail queue sends it; the email is then deleted, the chatter copy stays
            self.env["mail.mail"].sudo().process_email_queue()
            self.assertSentEmail(self.user_owner.partner_id, ["lead0@customer.example.com"], subject="Hello Contact 0")
            self.assertFalse(mail.exists(), "sent emails leave the queue")
            self.assertTrue(message.exists(), "the chatter copy stays, for replies and bounces")
            self.assertEqual(touch.message_id, message)

    def test_call_creates_activity(self):
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            enrollment_report = self._enroll(self.leads[0])
            self.assertEqual(enrollment_report["enrolled"], 1)
        # day 3 = Thursday 5 March, window opens 09:00 Brussels = 08:00 UTC
        with freeze_time("2026-03-05 08:00:00"), self.mock_mail_gateway():
            self._run_cron()
        touch = self.env["crm.sequence.touch"].search([("res_id", "=", self.leads[0].id), ("step_type", "=", "call")])
        self.assertEqual(touch.state, "open", "open while its activity is")
        self.assertEqual(touch.user_id, self.user_owner)
        activity = touch.activity_id
        self.assertEqual(activity.activity_type_id, self.env.ref("mail.mail_activity_data_call"))
        self.assertEqual(activity.res_id, self.leads[0].id)
        self.assertEqual(str(activity.date_deadline), "2026-03-05")
        self.assertEqual(activity.user_id, self.user_owner)
        self.assertEqual(activity.crm_sequence_id, self.sequence)

    def test_manual_email_and_todo_tasks(self):
        sequence = self._create_sequence(
            self.env,
            name="Tasks",
            user=self.user_owner,
            steps=[
                {
                    "step_type": "manual_email",
                    "day": 1,
                    "subject": "Meeting {{ object.name }}",
                    "body_html": "<p>Hi <t t-out='object.contact_name'/></p>",
                    "summary": "Write to them",
                },
                {"step_type": "todo", "day": 1, "summary": "Check website", "note": "<p>Look at their site</p>"},
            ],
            notify_task_due=False,
        )
        sequence.action_activate()
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            self._enroll(self.leads[1], sequence)
            self._run_cron()
        touches = sequence.enrollment_ids.touch_ids
        manual = touches.filtered(lambda t: t.step_type == "manual_email").activity_id
        self.assertEqual(manual.activity_type_id, self.env.ref("mail.mail_activity_data_email"))
        self.assertIn("Meeting Lead 1", str(manual.note))
        self.assertIn("Hi Contact 1", str(manual.note))
        self.assertEqual(manual.summary, "Write to them")
        todo = touches.filtered(lambda t: t.step_type == "todo").activity_id
        self.assertEqual(todo.activity_type_id, self.env.ref("mail.mail_activity_data_todo"))
        self.assertIn("Look at their site", str(todo.note))
        self.assertEqual(todo.user_id, self.user_owner)
        self.assertFalse(
            self._new_mails.filtered(lambda m: "assigned" in (m.subject or "")),
            "no assignment email when task notifications are off",
        )
        run = sequence.enrollment_ids
        self.assertEqual((run.state, run.waiting_on_tasks), ("active", True), "every step ran, tasks are open")
        (manual | todo).with_user(self.user_owner).action_done()
        self.assertEqual(run.state, "completed")
        self.assertEqual(set(touches.mapped("state")), {"done"})

    def test_task_notification_on(self):
        """With "notify when a task is due" on, the assignee gets Odoo's assignment notification."""
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            self._enroll(self.leads[0])
        with freeze_time("2026-03-05 08:00:00"), self.mock_mail_gateway():
            self._run_cron()
        activity = self.env["mail.activity"].search([("crm_sequence_id", "=", self.sequence.id)])
        self.assertEqual(len(activity), 1)
        notification = self.env["mail.message"].search(
            [
                ("model", "=", "crm.lead"),
                ("res_id", "=", self.leads[0].id),
                ("partner_ids", "in", self.user_owner.partner_id.ids),
                ("subject", "ilike", "assigned"),
            ]
        )
        self.assertTrue(notification)

    def test_failures_do_not_stop_the_batch(self):
        """A render error, a missing address and a deleted record fail alone, with their reason."""
        sequence = self._create_sequence(
            self.env,
            name="Fragile",
            steps=[
                {
                    "step_type": "auto_email",
                    "day": 1,
                    "subject": "Hi {{ object.name }}",
                    "body_html": "<p>Dear <t t-out='object.contact_name.upper()'/></p>",
                },
            ],
        )
        sequence.action_activate()
        leads = self.env["crm.lead"].create(
            [
                {"name": "Fine 1", "contact_name": "Ann", "email_from": "ann@example.com"},
                {"name": "Broken", "contact_name": False, "email_from": "broken@example.com"},
                {"name": "Fine 2", "contact_name": "Bob", "email_from": "bob@example.com"},
                {"name": "No address", "contact_name": "Zed", "email_from": "zed@example.com"},
                {"name": "Deleted", "contact_name": "Del", "email_from": "del@example.com"},
            ]
        )
        with (
            freeze_time("2026-03-03 09:00:00"),
            self.mock_mail_gateway(),
            mute_logger("odoo.addons.mail.models.mail_render_mixin"),
        ):
            self._enroll(leads, sequence)
            leads[3].email_from = False
            touches = sequence.enrollment_ids.touch_ids
            deleted_touch = touches.filtered(lambda t: t.res_id == leads[4].id)
            self.env.cr.execute("DELETE FROM crm_lead WHERE id = %s", [leads[4].id])  # deleted behind the ORM
            self.env.invalidate_all()
            self._run_cron()
        by_lead = {touch.res_id: touch for touch in touches}
        self.assertEqual(by_lead[leads[0].id].state, "done")
        self.assertEqual(by_lead[leads[2].id].state, "done")
        self.assertEqual(by_lead[leads[1].id].state, "failed")
        self.assertIn("upper", by_lead[leads[1].id].result_message)
        self.assertEqual(by_lead[leads[3].id].state, "failed")
        self.assertIn("no email address", by_lead[leads[3].id].result_message)
        self.assertEqual(deleted_touch.state, "failed")
        self.assertIn("deleted", deleted_touch.result_message)
        self.assertEqual(deleted_touch.enrollment_id.end_reason, "record_deleted")
        self.assertEqual(len(by_lead[leads[0].id].mail_mail_id | by_lead[leads[2].id].mail_mail_id), 2)

    def _due_touches(self, count, step_type):
        """``count`` leads enrolled on a one-step sequence whose touch is due now."""
        steps = (
            [
                {
                    "step_type": "auto_email",
                    "day": 1,
                    "subject": "Hi {{ object.name }}",
                    "body_html": "<p>Dear <t t-out='object.contact_name'/></p>",
                }
            ]
            if step_type == "auto_email"
            else [{"step_type": step_type, "day": 1, "summary": "Call"}]
        )
        sequence = self._create_sequence(self.env, name=f"Budget {count}", steps=steps, notify_task_due=False)
        sequence.action_activate()
        leads = self.env["crm.lead"].create(
            [
                {
                    "name": f"Budget {count}-{i}",
                    "contact_name": f"C{i}",
                    "email_from": f"b{count}-{i}@example.com",
                    "user_id": self.user_owner.id,
                }
                for i in range(count)
            ]
        )
        self._enroll(leads, sequence)
        touch_ids = sequence.enrollment_ids.touch_ids.ids
        self.env.flush_all()
        self.env.invalidate_all()
        return self.env["crm.sequence.touch"].search([("id", "in", touch_ids)])  # as the cron finds them

    def _execute_queries(self, touches):
        before = self.cr.sql_log_count
        touches._execute()
        self.env.flush_all()
        return self.cr.sql_log_count - before

    def test_query_budget_per_touch(self):
        """Executing touches costs a bounded number of queries, whatever the batch size."""
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            for step_type, per_touch in (("auto_email", 7), ("call", 5)):
                small = self._execute_queries(self._due_touches(5, step_type))
                large = self._execute_queries(self._due_touches(25, step_type))
                message = f"{step_type}: {small} queries for 5 touches, {large} for 25"
                self.assertLessEqual(large / 25, small / 5, f"the cost per touch grows with the batch ({message})")
                self.assertLessEqual(large - small, 20, f"more than one query per extra touch ({message})")
                self.assertLessEqual(large / 25, per_touch, message)

    def test_emails_in_the_recipient_language(self):
        """Like Odoo's templates, a step is rendered in the language of the record's customer."""
        self.env["res.lang"]._activate_lang("fr_FR")
        step = self.sequence.step_ids.filtered(lambda s: s.step_type == "auto_email")
        step.with_context(lang="fr_FR").subject = "Bonjour {{ object.contact_name }}"
        french = self.env["res.partner"].create({"name": "Pierre", "email": "pierre@example.com", "lang": "fr_FR"})
        self.leads[1].partner_id = french
        self.leads[1].email_from = "pierre@example.com"
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            self._enroll(self.leads[:2])
            self._run_cron()
        touches = self.sequence.enrollment_ids.touch_ids.filtered(lambda t: t.step_type == "auto_email")
        subjects = {touch.res_id: touch.message_id.subject for touch in touches}
        self.assertEqual(subjects[self.leads[0].id], "Hello Contact 0")
        self.assertEqual(subjects[self.leads[1].id], "Bonjour Pierre")  # the partner named the contact

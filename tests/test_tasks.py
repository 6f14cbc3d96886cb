from freezegun import freeze_time

from odoo.tests import Form, tagged

from odoo.addons.crm_sequence.models.crm_sequence_step import touch_order

from .common import REPLY_TEMPLATE, CrmSequenceCommon

CALLS = [
    {"step_type": "call", "day": 1, "summary": "Intro call", "note": "<p>Ask about their project</p>"},
]


@tagged("post_install", "-at_install")
class TestTasks(CrmSequenceCommon):
    """The sellers' side: one digest per run of the cron, the task queue with "Done & next",
    manual emails sent from the composer, runs that finish when the work is done, traces."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sequence.action_activate()

    def _run_day(self, when="2026-03-03 09:00:00"):
        with freeze_time(when), self.mock_mail_gateway():
            self._run_cron()

    def test_one_digest_per_user_per_run(self):
        calls = self._create_sequence(self.env, name="Calls", user=self.user_owner, steps=CALLS)
        calls.action_activate()
        with freeze_time("2026-03-03 09:00:00"):
            calls.enroll_records(self.leads)
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            self._run_cron()
            digests = self.env["mail.message"].search(
                [("partner_ids", "in", self.user_owner.partner_id.ids), ("subject", "=", "3 new sequence tasks")]
            )
            self.assertEqual(len(digests), 1, "one notification for three tasks")
            for lead in self.leads:
                self.assertIn(lead.name, str(digests.body))
            self.assertIn("Call: Intro call", str(digests.body))
            self.assertFalse(
                self._new_mails.filtered(lambda m: "assigned to you" in (m.subject or "")),
                "no per-task assignment email",
            )
            emails_to_owner = self._new_mails.filtered(lambda m: self.user_owner.partner_id in m.recipient_ids)
            self.assertEqual(len(emails_to_owner), 1, "the seller (notified by email) gets one email")
        # a second run with nothing new sends nothing
        with freeze_time("2026-03-03 10:00:00"), self.mock_mail_gateway():
            self._run_cron()
            self.assertFalse(self._new_mails)

    def test_digest_off(self):
        calls = self._create_sequence(self.env, name="Quiet", user=self.user_owner, steps=CALLS, notify_task_due=False)
        calls.action_activate()
        with freeze_time("2026-03-03 09:00:00"):
            calls.enroll_records(self.leads[0])
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            self._run_cron()
            self.assertFalse(self._new_mails)

    def test_task_states_and_completion(self):
        calls = self._create_sequence(
            self.env,
            name="Two tasks",
            user=self.user_owner,
            steps=[*CALLS, {"step_type": "todo", "day": 1, "summary": "Note it"}],
        )
        calls.action_activate()
        with freeze_time("2026-03-03 09:00:00"):
            calls.enroll_records(self.leads[:2])
        self._run_day()
        first, second = calls.enrollment_ids.sorted("res_id")
        self.assertEqual(set(first.touch_ids.mapped("state")), {"open"})
        self.assertTrue(first.waiting_on_tasks)
        call, todo = first.touch_ids.sorted(touch_order)
        call.activity_id.with_user(self.user_owner).action_done()
        self.assertEqual((call.state, call.user_id), ("done", self.user_owner))
        self.assertEqual(first.state, "active", "the to-do is still open")
        todo.activity_id.with_user(self.user_owner).unlink()
        self.assertEqual(todo.state, "canceled")
        self.assertEqual(first.state, "completed", "nothing scheduled or open any more")
        self.assertIn("Completed the sequence", str(self.leads[0].message_ids.mapped("body")))
        self.assertEqual(second.state, "active")
        self.assertEqual(calls.waiting_count, 1)
        self.assertEqual(
            calls.with_context(enrollment_filter="waiting").action_view_enrollments()["domain"][-1],
            ("waiting_on_tasks", "=", True),
        )

    def test_queue_order_and_done_next(self):
        calls = self._create_sequence(self.env, name="Queue", user=self.user_owner, steps=CALLS)
        calls.action_activate()
        with freeze_time("2026-03-02 09:00:00"):
            calls.enroll_records(self.leads[0])
        with freeze_time("2026-03-03 09:00:00"):
            calls.enroll_records(self.leads[1:])
        self._run_day("2026-03-03 09:00:00")
        Activity = self.env["mail.activity"].with_user(self.user_owner)
        with freeze_time("2026-03-03 12:00:00"):
            queue = Activity.search(Activity._crm_sequence_queue_domain(), order="date_deadline, id")
            self.assertEqual(len(queue), 3)
            self.assertEqual(queue[0].res_id, self.leads[0].id, "the oldest task first")
            action = Activity.action_crm_sequence_start()
            self.assertEqual(action["res_id"], queue[0].id)
            task = Activity.browse(action["res_id"])
            self.assertEqual(task.crm_sequence_phone, self.leads[0].phone)
            task.write({"crm_sequence_outcome": "voicemail", "feedback": "Call back Friday"})
            action = task.action_crm_sequence_done_next()
            self.assertEqual(action["res_id"], queue[1].id)
            logged = " ".join(str(body) for body in self.leads[0].message_ids.mapped("body"))
            self.assertIn("Left a voicemail: Call back Friday", logged)
            action = Activity.browse(action["res_id"]).action_crm_sequence_skip()
            self.assertEqual(action["res_id"], queue[2].id, "later: the next one")
            Activity.browse(queue[2].id).action_crm_sequence_done_next()
            Activity.browse(queue[1].id).action_crm_sequence_done_next()
            done = Activity.action_crm_sequence_start()
            self.assertEqual(done["tag"], "display_notification", "nothing left today")
        # the other seller's queue does not show Oscar's tasks
        other = self.env["mail.activity"].with_user(self.user_other)
        self.assertFalse(other.search(other._crm_sequence_queue_domain()))

    def test_manual_email_from_the_composer_until_the_reply(self):
        sequence = self._create_sequence(
            self.env,
            name="Manual",
            user=self.user_owner,
            steps=[
                {
                    "step_type": "manual_email",
                    "day": 1,
                    "subject": "Proposal for {{ object.contact_name }}",
                    "body_html": "<p>Dear <t t-out='object.contact_name'/>, here it is.</p>",
                },
                {"step_type": "call", "day": 3, "summary": "Follow up"},
            ],
        )
        sequence.action_activate()
        with freeze_time("2026-03-03 09:00:00"):
            sequence.enroll_records(self.leads[0])
        self._run_day()
        run = sequence.enrollment_ids
        touch = run.touch_ids.filtered(lambda t: t.step_type == "manual_email")
        activity = touch.activity_id.with_user(self.user_owner)
        self.assertNotIn("{{", str(activity.note), "the task's draft is rendered")
        action = activity.action_crm_sequence_compose()
        self.assertEqual(action["res_model"], "mail.compose.message")
        with freeze_time("2026-03-03 10:00:00"), self.mock_mail_gateway():
            composer = Form(self.env["mail.compose.message"].with_user(self.user_owner).with_context(action["context"]))
            self.assertEqual(composer.subject, "Proposal for Contact 0")
            composer.save().action_send_mail()
            self.env["mail.mail"].sudo().process_email_queue()
            sent = self._new_mails.filtered(lambda m: m.subject == "Proposal for Contact 0")
            self.assertEqual(sent.state, "sent", "sent by Odoo's mail queue")
            self.assertEqual(sent.recipient_ids.mapped("email"), ["lead0@customer.example.com"])
            self.assertEqual(sent.author_id, self.user_owner.partner_id)
            self.assertEqual(sent.crm_sequence_touch_id, touch)
            [email] = [email for email in self._mails if email["subject"] == "Proposal for Contact 0"]
            self.assertIn(f"/crm_sequence/open/{touch.id}/", email["body"], "opens are tracked")
        self.assertEqual(touch.state, "done")
        self.assertTrue(touch.message_id)
        self.assertNotIn(f"/crm_sequence/open/{touch.id}/", str(touch.message_id.body), "not in the chatter copy")
        self.assertFalse(activity.active, "the task is done")
        self.assertEqual(touch.step_id.sent_count, 1, "counted as sent")
        # the contact answers that email: the reply rule ends the run, as for automatic emails
        message = touch.message_id
        with freeze_time("2026-03-04 10:00:00"), self.mock_mail_gateway():
            self.format_and_process(
                REPLY_TEMPLATE,
                "lead0@customer.example.com",
                message.reply_to,
                subject=f"Re: {message.subject}",
                extra=f"In-Reply-To: {message.message_id}\n",
                target_model="crm.lead",
                target_field="name",
            )
        self.assertTrue(touch.replied)
        self.assertEqual((run.state, run.end_reason), ("removed", "replied"))

    def test_composer_ignores_another_records_task(self):
        """The task in the composer's context must be the one of the record written to: a
        forged context never links a message to another run nor completes its task."""
        sequence = self._create_sequence(
            self.env,
            name="Manual",
            user=self.user_owner,
            steps=[{"step_type": "manual_email", "day": 1, "subject": "Hi", "body_html": "<p>Hi</p>"}],
        )
        sequence.action_activate()
        with freeze_time("2026-03-03 09:00:00"):
            sequence.enroll_records(self.leads[0])
        self._run_day()
        touch = sequence.enrollment_ids.touch_ids
        with self.mock_mail_gateway():
            composer = (
                self.env["mail.compose.message"]
                .with_user(self.user_owner)
                .with_context(crm_sequence_activity_id=touch.activity_id.id)
                .create({"model": "crm.lead", "res_ids": self.leads[1].ids, "body": "<p>Other</p>", "subject": "Other"})
            )
            composer.action_send_mail()
        self.assertEqual(touch.state, "open")
        self.assertFalse(touch.message_id)
        self.assertTrue(touch.activity_id.active)

    def test_chatter_traces(self):
        lead = self.leads[0]
        with freeze_time("2026-03-03 09:00:00"):
            self.sequence.with_user(self.user_owner).enroll_records(lead)
        run = self.sequence.enrollment_ids
        run.with_user(self.user_owner).action_pause()
        run.with_user(self.user_owner).action_resume()
        run.with_user(self.user_owner).action_terminate()
        notes = lead.message_ids.filtered(lambda m: m.message_type == "notification").mapped("body")
        text = " | ".join(str(body) for body in notes)
        for expected in (
            "Enrolled in the sequence “Welcome” by Oscar Owner.",
            "Sequence “Welcome” paused by Oscar Owner.",
            "Sequence “Welcome” resumed by Oscar Owner.",
            "Left the sequence “Welcome”: terminated by a user.",
        ):
            self.assertIn(expected, text)
        self.assertFalse(
            self.env["mail.notification"].search([("mail_message_id", "in", lead.message_ids.ids)]),
            "notes notify nobody",
        )

    def test_seller_figures(self):
        with freeze_time("2026-03-03 09:00:00"):
            self.sequence.enroll_records(self.leads)
        self._run_day("2026-03-03 09:00:00")
        self._run_day("2026-03-05 08:00:00")
        Touch = self.env["crm.sequence.touch"]
        by_seller = dict(
            Touch._read_group(
                [("sequence_id", "=", self.sequence.id), ("state", "in", ("done", "open"))], ["user_id"], ["__count"]
            )
        )
        self.assertEqual(by_seller, {self.user_owner: 6}, "3 emails sent as Oscar, 3 calls of his")

    def test_large_enrollment_notes_written_by_the_cron(self):
        """Above ``crm_sequence.trace_now_limit`` records, the enrollment notes are written by
        the cron right after the action (one chatter note costs about a millisecond)."""
        self.env["ir.config_parameter"].set_param("crm_sequence.trace_now_limit", 1)
        with freeze_time("2026-03-03 08:00:00"):
            self.sequence.with_user(self.user_owner).enroll_records(self.leads[:2])
        runs = self.sequence.enrollment_ids

        def enrolled_notes():
            bodies = self.leads[:2].message_ids.mapped("body")
            return [body for body in bodies if "Enrolled in the sequence" in str(body)]

        self.assertEqual(set(runs.mapped("trace_pending")), {True})
        self.assertFalse(enrolled_notes())
        self._run_day("2026-03-03 08:00:00")
        self.assertEqual(len(enrolled_notes()), 2)
        self.assertIn("by Oscar Owner", str(enrolled_notes()[0]), "who enrolled, not the cron's user")
        self.assertEqual(set(runs.mapped("trace_pending")), {False})

    def test_bulk_action_notes_written_by_the_cron(self):
        """Pausing, resuming or terminating more runs than ``trace_now_limit`` at once
        queues their chatter notes; the cron writes them right after, in order, once."""
        with freeze_time("2026-03-03 08:00:00"):
            self.sequence.with_user(self.user_owner).enroll_records(self.leads)
        self.env["ir.config_parameter"].set_param("crm_sequence.trace_now_limit", 2)
        runs = self.sequence.enrollment_ids.with_user(self.user_owner)

        def notes(word):
            return [b for b in self.leads.message_ids.mapped("body") if word in str(b)]

        with freeze_time("2026-03-03 09:00:00"):
            runs.action_pause()
            runs.action_resume()
        self.assertFalse(notes("paused by"))
        self.assertEqual(self.env["crm.sequence.note"].search_count([]), 6)
        self._run_day("2026-03-03 09:00:00")
        self.assertEqual(len(notes("paused by Oscar Owner")), 3)
        self.assertEqual(len(notes("resumed by Oscar Owner")), 3)
        for lead in self.leads:
            bodies = [str(b) for b in lead.message_ids.sorted("id").mapped("body")]
            paused = next(i for i, b in enumerate(bodies) if "paused by" in b)
            resumed = next(i for i, b in enumerate(bodies) if "resumed by" in b)
            self.assertLess(paused, resumed, "the notes keep their order")
        self.assertFalse(self.env["crm.sequence.note"].search_count([]))
        runs.action_terminate()
        self._run_day("2026-03-03 09:00:00")
        self.assertEqual(len(notes("Left the sequence")), 3)

"""What a sequence email looks like in the contact's inbox: threaded follow-ups, the
sender's name in Reply-To, a clean plain-text part, the contact's time zone; and the
company-wide stop on reply."""

from datetime import datetime

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.crm_sequence.models.crm_sequence_step import touch_order

from .common import CrmSequenceCommon

THREAD = [
    {"step_type": "auto_email", "day": 1, "subject": "Hello {{ object.contact_name }}", "body_html": "<p>Hi</p>"},
    {"step_type": "auto_email", "day": 3, "subject": "Ignored", "body_html": "<p>Again</p>", "reply_in_thread": True},
    {"step_type": "auto_email", "day": 5, "subject": "New topic", "body_html": "<p>Other</p>"},
]


@tagged("post_install", "-at_install")
class TestOutgoingMail(CrmSequenceCommon):
    def _run_days(self, *days):
        for day in days:
            with freeze_time(day), self.mock_mail_gateway():
                self._run_cron()

    def test_reply_in_thread(self):
        sequence = self._create_sequence(self.env, name="Thread", user=self.user_owner, steps=THREAD)
        sequence.action_activate()
        with freeze_time("2026-03-02 08:00:00"):
            sequence.enroll_records(self.leads[0])
        self._run_days("2026-03-02 08:00:00", "2026-03-04 08:00:00", "2026-03-06 08:00:00")
        first, second, third = sequence.enrollment_ids.touch_ids.sorted(touch_order)
        self.assertEqual(second.message_id.subject, "Re: Hello Contact 0")
        self.assertEqual(second.message_id.parent_id, first.message_id, "one conversation in the chatter too")
        self.assertEqual(second.mail_mail_id.references, first.message_id.message_id)
        self.assertIn(f"'In-Reply-To': '{first.message_id.message_id}'", second.mail_mail_id.headers)
        self.assertEqual(third.message_id.subject, "New topic", "a step without the option starts a new thread")
        self.assertFalse(third.message_id.parent_id)
        self.assertEqual(sequence.enrollment_ids.state, "completed")

    def test_a_thread_of_three(self):
        """The third email answers the second (the latest), once "Re:", with the whole chain."""
        steps = [THREAD[0], THREAD[1], dict(THREAD[2], reply_in_thread=True)]
        sequence = self._create_sequence(self.env, name="Long thread", user=self.user_owner, steps=steps)
        sequence.action_activate()
        with freeze_time("2026-03-02 08:00:00"):
            sequence.enroll_records(self.leads[0])
        self._run_days("2026-03-02 08:00:00", "2026-03-04 08:00:00", "2026-03-06 08:00:00")
        first, second, third = sequence.enrollment_ids.touch_ids.sorted(touch_order)
        self.assertEqual(third.message_id.subject, "Re: Hello Contact 0")
        self.assertEqual(third.message_id.parent_id, second.message_id)
        self.assertEqual(third.mail_mail_id.references, f"{first.message_id.message_id} {second.message_id.message_id}")
        self.assertIn(f"'In-Reply-To': '{second.message_id.message_id}'", third.mail_mail_id.headers)

    def test_first_email_has_nothing_to_reply_to(self):
        steps = [dict(THREAD[0], reply_in_thread=True)]
        sequence = self._create_sequence(self.env, name="Lone", user=self.user_owner, steps=steps, unsubscribe_text="")
        sequence.action_activate()
        with freeze_time("2026-03-02 08:00:00"):
            sequence.enroll_records(self.leads[0])
        self._run_days("2026-03-02 08:00:00")
        mail = sequence.enrollment_ids.touch_ids.mail_mail_id
        self.assertEqual(mail.subject, "Hello Contact 0")
        self.assertFalse(mail.references)
        self.assertNotIn("In-Reply-To", mail.headers)
        self.assertIn("want these emails? Unsubscribe</a>", str(mail.body_html), "an empty text: the default one")

    def test_reply_to_names_the_sender_and_plain_text_is_clean(self):
        sequence = self._create_sequence(self.env, name="Clean", user=self.user_owner)
        sequence.action_activate()
        with freeze_time("2026-03-03 08:00:00"):
            sequence.enroll_records(self.leads[0])
        self._run_days("2026-03-03 08:00:00")  # the cron runs as OdooBot
        mail = sequence.enrollment_ids.touch_ids.mail_mail_id
        self.assertIn("Oscar Owner", mail.reply_to)
        self.assertNotIn("OdooBot", mail.reply_to)
        [outgoing] = mail._prepare_outgoing_list()
        self.assertIn("/crm_sequence/open/", outgoing["body"], "the HTML part keeps the pixel")
        self.assertNotIn("/crm_sequence/open/", outgoing["body_alternative"])
        self.assertNotIn("Image [", outgoing["body_alternative"])
        self.assertIn("Unsubscribe", outgoing["body_alternative"], "the plain text keeps the unsubscribe link")

    def test_contact_time_zone(self):
        sequence = self._create_sequence(self.env, name="Zones", user=self.user_owner)
        sequence.action_activate()
        new_york = self.env["res.partner"].create({"name": "NY Partner", "tz": "America/New_York"})
        lead_ny, lead_plain = self.leads[:2]
        lead_ny.partner_id = new_york
        lead_ny.email_from = "ny@customer.example.com"
        with freeze_time("2026-03-03 08:00:00"):  # 09:00 in Brussels, 03:00 in New York
            sequence.enroll_records(lead_ny | lead_plain)
        runs = sequence.enrollment_ids
        run_ny = runs.filtered(lambda e: e.res_id == lead_ny.id)
        email_ny = run_ny.touch_ids.filtered(lambda t: t.step_type == "auto_email")
        email_plain = (runs - run_ny).touch_ids.filtered(lambda t: t.step_type == "auto_email")
        self.assertEqual(run_ny.tz, "America/New_York")
        self.assertEqual(email_ny.date_scheduled, datetime(2026, 3, 3, 14, 0), "09:00 in New York")
        self.assertEqual(email_plain.date_scheduled, datetime(2026, 3, 3, 8, 0), "09:00 in Brussels")
        call_ny = run_ny.touch_ids.filtered(lambda t: t.step_type == "call")
        self.assertEqual(call_ny.date_scheduled, datetime(2026, 3, 5, 14, 0), "day 3 at 09:00 New York time")

        # the option off: the sequence's time zone for everyone
        sequence.with_context(crm_sequence_edit_mode="keep").write({"use_contact_tz": False})
        other = self._create_sequence(self.env, name="One zone", user=self.user_owner, use_contact_tz=False)
        other.action_activate()
        with freeze_time("2026-03-03 08:00:00"):
            other.enroll_records(lead_ny)
        email = other.enrollment_ids.touch_ids.filtered(lambda t: t.step_type == "auto_email")
        self.assertEqual(email.date_scheduled, datetime(2026, 3, 3, 8, 0))

    def test_stop_the_company_on_reply(self):
        sequence = self._create_sequence(self.env, name="Accounts", user=self.user_owner, stop_company_on_reply=True)
        sequence.action_activate()
        acme = self.env["res.partner"].create({"name": "Acme", "is_company": True})
        alice, bob = self.env["res.partner"].create(
            [
                {"name": "Alice", "parent_id": acme.id, "email": "alice@acme-corp.example.com"},
                {"name": "Bob", "parent_id": acme.id, "email": "bob@other-mail.example.com"},
            ]
        )
        Lead = self.env["crm.lead"]
        leads = Lead.create(
            [
                {"name": "Alice's", "partner_id": alice.id, "email_from": alice.email},
                {"name": "Bob's", "partner_id": bob.id, "email_from": bob.email},  # same company
                {"name": "Carol's", "email_from": "carol@acme-corp.example.com"},  # same domain, no contact
                {"name": "Gina's", "email_from": "gina@gmail.com"},  # a personal mailbox is no company
                {"name": "Gus's", "email_from": "gus@gmail.com"},
                {"name": "Elsewhere", "email_from": "dan@elsewhere.example.com"},
            ]
        )
        other = self._create_sequence(self.env, name="Other accounts", user=self.user_owner)
        other.action_activate()
        with freeze_time("2026-03-03 08:00:00"), self.mock_mail_gateway():
            sequence.enroll_records(leads)
            other.enroll_records(leads[1])  # Bob in another sequence: that one goes on
            self._run_cron()
        runs = {run.record_name: run for run in sequence.enrollment_ids}
        self._reply(runs["Alice's"].touch_ids.filtered("message_id"))
        self._reply(runs["Gina's"].touch_ids.filtered("message_id"))
        states = {name: (run.state, run.end_reason) for name, run in runs.items()}
        self.assertEqual(
            states,
            {
                "Alice's": ("removed", "replied"),
                "Bob's": ("removed", "company_replied"),
                "Carol's": ("removed", "company_replied"),
                "Gina's": ("removed", "replied"),
                "Gus's": ("active", False),
                "Elsewhere": ("active", False),
            },
        )
        self.assertEqual(other.enrollment_ids.state, "active", "the stop is for this sequence only")
        sequence.invalidate_recordset()
        self.assertEqual((sequence.replied_count, sequence.company_replied_count), (2, 2))
        action = sequence.with_context(enrollment_filter="company_replied").action_view_enrollments()
        self.assertEqual(
            set(self.env["crm.sequence.enrollment"].search(action["domain"]).mapped("record_name")),
            {"Bob's", "Carol's"},
        )

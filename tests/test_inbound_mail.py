"""Real-world inbound mail (tests/data/mail): each sample read on its own (plain pytest),
then delivered through Odoo's mail gateway after a real sequence email (its Message-Id,
subject and addresses filled in), with the effect a user sees on the run."""

import email
import email.policy
import json
import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from unittest.mock import patch

import pytest
from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import email_normalize, html2plaintext

from odoo.addons.crm_sequence.models.inbound_mail import (
    auto_reply_kind,
    delivery_outcome,
    return_date,
    strip_reply_prefixes,
)

from .common import SENT_SUBJECT, SentEmailsCommon

MAIL_DIR = Path(__file__).parent / "data" / "mail"
CORPUS = json.loads((MAIL_DIR / "corpus.json").read_text())
RECEIVED = date(2026, 12, 7)


def fill(sample, **values):
    text = (MAIL_DIR / sample["file"]).read_text()
    defaults = {
        "message_id": "<sent.1@test.mycompany.com>",
        "subject": SENT_SUBJECT,
        "contact_email": "dana@acme.example.org",
        "contact_name": "Dana Smith",
        "our_email": "catchall.test@test.mycompany.com",
        "bounce_email": "bounce.test@test.mycompany.com",
        "date": "Mon, 07 Dec 2026 09:14:00 +0100",
    }
    for name, value in {**defaults, **values}.items():
        text = text.replace("{{" + name + "}}", value)
    return text


def renamed(raw, prefix):
    """The same sample under another Message-Id (the gateway ignores a Message-Id seen before)."""
    return re.sub(r"(?im)^(Message-ID:\s*<)", rf"\g<1>{prefix}.", raw, count=1)


def body_text(message):
    parts = [part for part in message.walk() if part.get_content_type() in ("text/plain", "text/html")]
    plain = [part for part in parts if part.get_content_type() == "text/plain"] or parts
    text = plain[0].get_content() if plain else ""
    return html2plaintext(text) if plain and plain[0].get_content_type() == "text/html" else text


@pytest.mark.parametrize("sample", CORPUS, ids=[sample["file"] for sample in CORPUS])
def test_reading_of_each_sample(sample):
    message = email.message_from_string(fill(sample), policy=email.policy.default)
    subject = str(message["Subject"] or "")
    outcome = delivery_outcome(message, subject)
    kind = {"failed": "bounce", "delayed": "delayed", "delivered": "delivered"}.get(outcome)
    if not kind:
        reading = auto_reply_kind(message, subject, body_text(message))
        kind = {"out_of_office": "out_of_office", None: "reply"}.get(reading, reading)
    assert kind == sample["kind"]
    if sample["kind"] == "out_of_office":
        expected = sample["return_date"] and date.fromisoformat(sample["return_date"])
        assert return_date(body_text(message), RECEIVED) == (expected or None)
    if sample["kind"] in ("reply", "out_of_office"):
        # the email it answers is found again from the subject (unthreaded answers)
        assert strip_reply_prefixes(subject) == SENT_SUBJECT


@pytest.mark.parametrize(
    ("subject", "stripped"),
    [
        ("Re: Hello", "Hello"),
        ("RE : AW: Antw: Hello", "Hello"),
        ("Réponse automatique : Hello", "Hello"),
        ("Automatic reply: RE: Hello", "Hello"),
        ("Hello: the sequel", "Hello: the sequel"),
        ("Auto: Hello", "Hello"),  # sieve vacation
    ],
)
def test_subject_prefixes(subject, stripped):
    assert strip_reply_prefixes(subject) == stripped


def test_exchange_header_with_absence_words_is_an_out_of_office():
    """Exchange's X-Auto-Response-Suppress and a "RE:" subject: absence words decide."""
    raw = "From: a@b.example\nSubject: RE: Hello\nX-Auto-Response-Suppress: All\n\n"
    message = email.message_from_string(raw, policy=email.policy.default)
    assert auto_reply_kind(message, "RE: Hello", "I am out of the office until 14/12/2026.") == "out_of_office"
    assert auto_reply_kind(message, "RE: Hello", "Thanks, Thursday works for me.") is None


@tagged("post_install", "-at_install")
class TestInboundMailGateway(SentEmailsCommon):
    """Every sample of the corpus through ``mail.thread.message_process``."""

    def _answer(self, touch, file):
        """The corpus sample ``file`` written back to the email of ``touch``, as raw bytes."""
        sample = next(s for s in CORPUS if s["file"] == file)
        return fill(
            sample,
            message_id=touch.message_id.message_id,
            subject=touch.message_id.subject,
            contact_email=touch.enrollment_id.email,
            our_email=email_normalize(touch.mail_mail_id.reply_to),
            bounce_email=self.env.company.bounce_email,
        ).encode()

    def test_corpus_through_the_gateway(self):
        addresses = [f"sample{index}@acme{index}.example.org" for index in range(len(CORPUS))]
        sent = self._send_to(addresses)
        self.assertEqual(len(sent), len(CORPUS))
        Lead = self.env["crm.lead"]
        for sample, address in zip(CORPUS, addresses):
            touch = sent[address]
            run = touch.enrollment_id
            raw = self._answer(touch, sample["file"])
            leads_before = Lead.search_count([])
            with self.subTest(sample=sample["file"]), freeze_time("2026-12-07 08:30:00"), self.mock_mail_gateway():
                self.env["mail.thread"].message_process("crm.lead", raw)
                kind = sample["kind"]
                # no new lead from an answer, but one for the person a referral names
                referred = 1 if touch.reply_intent == "referral" and touch.reply_referral_email else 0
                self.assertEqual(Lead.search_count([]), leads_before + referred)
                if kind == "reply":
                    self.assertEqual(touch.reply_intent, sample["intent"])
                    if sample["intent"] == "not_now":  # "check back in the third quarter"
                        self.assertEqual((run.state, run.pause_reason), ("paused", "not_now"))
                    else:
                        self.assertEqual((run.state, run.end_reason), ("removed", "replied"))
                    self.assertTrue(touch.replied)
                    lead = Lead.browse(run.res_id)
                    self.assertIn(
                        touch.message_id, lead.message_ids.parent_id, "the answer is in the lead's conversation"
                    )
                elif kind == "out_of_office":
                    self.assertEqual((run.state, run.pause_reason), ("paused", "out_of_office"))
                    self.assertFalse(touch.replied or touch.reply_intent, "an absence is no reply")
                    # back at 09:00 in Brussels on the return day (a weekend: Monday), else in 7 days
                    expected = datetime(2026, 12, 14, 8, 30)
                    if sample["return_date"]:
                        back = date.fromisoformat(sample["return_date"])
                        back += timedelta(days=max(0, 7 - back.weekday()) if back.weekday() >= 5 else 0)
                        expected = datetime.combine(back, time(8, 0))
                    self.assertEqual(run.date_resume, expected)
                elif kind == "bounce":
                    self.assertEqual((run.state, run.end_reason), ("removed", "bounced"))
                    self.assertTrue(touch.bounced)
                else:  # delayed, delivered
                    self.assertEqual(run.state, "active", "a delivery report is not a bounce")
                    self.assertFalse(touch.bounced)
                    self.assertFalse(Lead.browse(run.res_id).message_bounce, "nor counted by Odoo")

    def test_reports_on_other_emails_are_read_as_odoo_reads_them(self):
        """Delivery reports about emails that are not sequence emails (an Email
        Marketing-style ``mail.mail`` on a lead, a chatter message to a contact) keep
        Odoo's own reading: every report is a bounce, counted on the records of the
        address and on the message's notification, delayed and delivered ones too."""
        reports = [s for s in CORPUS if s["kind"] in ("delayed", "delivered", "bounce")]
        self.assertTrue({"delayed", "delivered", "bounce"} <= {s["kind"] for s in reports})
        for index, sample in enumerate(reports):
            for style in ("mass_mail", "chatter"):
                address = f"report{index}.{style}@acme.example.org"
                lead = self.env["crm.lead"].create({"name": f"Not in a sequence {index}", "email_from": address})
                partner = self.env["res.partner"].create({"name": f"Contact {index}", "email": address})
                with self.mock_mail_gateway():
                    if style == "mass_mail":
                        message = (
                            self.env["mail.mail"]
                            .sudo()
                            .create(
                                {
                                    "model": "crm.lead",
                                    "res_id": lead.id,
                                    "email_to": address,
                                    "subject": "Our spring newsletter",
                                    "body_html": "<p>News</p>",
                                }
                            )
                            .mail_message_id
                        )
                    else:
                        message = lead.message_post(
                            body="Hello",
                            subject="About your request",
                            partner_ids=partner.ids,
                            message_type="comment",
                            subtype_xmlid="mail.mt_comment",
                        )
                raw = fill(
                    sample,
                    message_id=message.message_id,
                    subject=message.subject,
                    contact_email=address,
                    bounce_email=self.env.company.bounce_email,
                )
                with self.subTest(sample=sample["file"], style=style), self.mock_mail_gateway():
                    self.env["mail.thread"].message_process("crm.lead", renamed(raw, f"{index}{style}").encode())
                    self.assertEqual(lead.message_bounce, 1, "Odoo counts every report as a bounce")
                    self.assertEqual(partner.message_bounce, 1)
                    if style == "chatter":
                        notification = message.notification_ids.filtered(lambda n, p=partner: n.res_partner_id == p)
                        self.assertEqual(notification.notification_status, "bounce")

    def test_email_marketing_answers_are_left_to_odoo(self):
        """An Email Marketing-style mailing (Odoo's mass-mail composer, as ``mass_mailing``
        sends it) to a contact who is also in a running sequence: its out-of-office
        answer, reply, delayed report and bounce are Odoo's (posted on the lead, counted
        as bounces), and leave the run and its sequence email as they were."""
        touch = self._send_to(["dana@acme.example.org"])["dana@acme.example.org"]
        run = touch.enrollment_id
        lead = self.env["crm.lead"].browse(touch.res_id)
        with freeze_time("2026-12-07 08:10:00"), self.mock_mail_gateway():
            self.env["mail.compose.message"].with_context(
                active_ids=lead.ids, default_composition_mode="mass_mail"
            ).create(
                {
                    "composition_mode": "mass_mail",
                    "model": "crm.lead",
                    "subject": "Our spring newsletter",
                    "body": "<p>News <a href='https://shop.example.com/spring'>here</a></p>",
                    "auto_delete": True,
                    "auto_delete_keep_log": True,  # Email Marketing's "reply in the record's thread"
                }
            )._action_send_mail()
            mailing = self.env["mail.mail"].sudo().search([("subject", "=", "Our spring newsletter")])
            self.assertEqual(len(mailing), 1)
            self.assertFalse(mailing.crm_sequence_touch_id)
            mailing.send()
        [sent] = [email for email in self._mails if email["subject"] == "Our spring newsletter"]
        self.assertNotIn("/crm_sequence/", sent["body"], "no pixel, no tracked link")
        self.assertIn("https://shop.example.com/spring", sent["body"])
        message = mailing.mail_message_id
        values = {
            "message_id": message.message_id,
            "subject": message.subject,
            "contact_email": "dana@acme.example.org",
            "our_email": email_normalize(mailing.reply_to),
            "bounce_email": self.env.company.bounce_email,
        }
        for index, (file, bounces) in enumerate(
            (
                ("auto_replies/gmail_vacation_en.eml", 0),
                ("replies/gmail_web.eml", 0),
                ("reports/postfix_delayed.eml", 1),  # Odoo reads every report as a bounce
                ("reports/postfix_bounce_user_unknown.eml", 2),
            )
        ):
            sample = next(s for s in CORPUS if s["file"] == file)
            raw = renamed(fill(sample, **values), f"mailing{index}")
            answers = lead.message_ids
            with self.subTest(sample=file), freeze_time("2026-12-07 08:30:00"), self.mock_mail_gateway():
                self.env["mail.thread"].message_process("crm.lead", raw.encode())
                self.env.invalidate_all()
                self.assertEqual(lead.message_bounce, bounces)
                if not bounces:
                    answer = lead.message_ids - answers
                    self.assertEqual(answer.parent_id, message, "posted on the lead in the mailing's thread")
                self.assertEqual((run.state, run.date_resume, run.end_reason), ("active", False, False))
                self.assertFalse(touch.replied or touch.reply_intent or touch.bounced)

    def test_out_of_office_resumes_by_itself(self):
        touch = self._send_to(["back.soon@acme.example.org"])["back.soon@acme.example.org"]
        run = touch.enrollment_id
        follow_up = run.touch_ids - touch
        planned = follow_up.date_scheduled  # Wednesday 9 December, 09:00 Brussels
        raw = self._answer(touch, "auto_replies/gmail_vacation_en.eml")  # back 14 December
        with freeze_time("2026-12-07 08:30:00"), self.mock_mail_gateway():
            self.env["mail.thread"].message_process("crm.lead", raw)
        self.assertEqual((run.state, run.date_resume), ("paused", datetime(2026, 12, 14, 8, 0)))
        self.sequence.invalidate_recordset()
        self.assertEqual(self.sequence.out_of_office_count, 1)
        action = self.sequence.with_context(enrollment_filter="out_of_office").action_view_enrollments()
        self.assertEqual(self.env["crm.sequence.enrollment"].search(action["domain"]), run)
        with freeze_time("2026-12-11 08:00:00"), self.mock_mail_gateway():
            self._run_cron()
        self.assertEqual(run.state, "paused", "still away")
        with freeze_time("2026-12-14 08:00:00"), self.mock_mail_gateway():
            self._run_cron()
        run.invalidate_recordset()
        self.assertEqual(run.state, "active")
        self.assertFalse(run.date_resume)
        # the follow-up moved by the time away (7 days less 30 minutes), into the window
        self.assertEqual(follow_up.date_scheduled.date(), date(2026, 12, 16))
        self.assertGreater(follow_up.date_scheduled, planned)
        lead = self.env["crm.lead"].browse(run.res_id)
        self.assertIn("the contact is back from their absence", lead.message_ids[0].body)

    def test_unthreaded_reply_needs_the_same_address_and_subject(self):
        touch = self._send_to(["dana@acme.example.org"])["dana@acme.example.org"]
        sample = next(s for s in CORPUS if s["file"] == "replies/webmail_no_threading_headers.eml")
        our_email = email_normalize(touch.mail_mail_id.reply_to)
        Lead = self.env["crm.lead"]
        # another address, same subject: not this run's answer (the catchall bounces it back)
        stranger = fill(sample, subject=SENT_SUBJECT, contact_email="someone@else.example.org", our_email=our_email)
        with freeze_time("2026-12-07 08:30:00"), self.mock_mail_gateway():
            self.env["mail.thread"].message_process("crm.lead", stranger.encode())
        self.assertEqual(touch.enrollment_id.state, "active")
        # the right address, another subject: not an answer to this email
        other = fill(sample, subject="Something else", contact_email="dana@acme.example.org", our_email=our_email)
        with freeze_time("2026-12-07 08:31:00"), self.mock_mail_gateway():
            self.env["mail.thread"].message_process("crm.lead", renamed(other, "other").encode())
        self.assertEqual(touch.enrollment_id.state, "active")
        leads = Lead.search_count([])
        answer = fill(sample, subject=SENT_SUBJECT, contact_email="dana@acme.example.org", our_email=our_email)
        with freeze_time("2026-12-07 08:32:00"), self.mock_mail_gateway():
            self.env["mail.thread"].message_process("crm.lead", renamed(answer, "answer").encode())
        self.assertEqual(touch.enrollment_id.end_reason, "replied")
        self.assertEqual(Lead.search_count([]), leads)

    def test_a_failing_reading_never_loses_the_email(self):
        """Our reading runs after Odoo has posted the answer: if it fails, the customer's
        email stays in the lead's chatter and the failure is logged."""
        touch = self._send_to(["dana@acme.example.org"])["dana@acme.example.org"]
        raw = self._answer(touch, "replies/gmail_web.eml")
        lead = self.env["crm.lead"].browse(touch.res_id)
        messages = len(lead.message_ids)
        Touch = type(self.env["crm.sequence.touch"])
        with (
            patch.object(Touch, "_read_reply", side_effect=RuntimeError("boom")),
            self.assertLogs("odoo.addons.crm_sequence.models.mail_thread", level="ERROR") as logs,
            freeze_time("2026-12-07 08:30:00"),
            self.mock_mail_gateway(),
        ):
            self.env["mail.thread"].message_process("crm.lead", raw)
        self.assertIn("not recorded", logs.output[0])
        self.assertEqual(len(lead.message_ids), messages + 1, "the answer is in the chatter")
        self.assertEqual(touch.enrollment_id.state, "active")

    def test_a_failing_routing_lets_odoo_route(self):
        """If matching an unthreaded answer fails, Odoo routes the email as it would without
        sequences (here: a new lead from the alias fallback), and the failure is logged."""
        leads = self.env["crm.lead"].search_count([])
        raw = (
            "From: Someone <someone@example.org>\nTo: sales@example.com\nSubject: Re: Anything\n"
            "Message-ID: <routing.fails@example.org>\nDate: Mon, 07 Dec 2026 09:14:00 +0100\n\nHello\n"
        )
        Touch = type(self.env["crm.sequence.touch"])
        with (
            patch.object(Touch, "_match_unthreaded_answer", side_effect=RuntimeError("boom")),
            self.assertLogs("odoo.addons.crm_sequence.models.mail_thread", level="ERROR") as logs,
            self.mock_mail_gateway(),
        ):
            self.env["mail.thread"].message_process("crm.lead", raw.encode())
        self.assertIn("Sequence routing of Message-Id <routing.fails@example.org> failed", logs.output[0])
        self.assertEqual(self.env["crm.lead"].search_count([]), leads + 1)

    def test_out_of_office_only_pauses_running_runs_and_respects_the_setting(self):
        self.sequence.ooo_pause_days = 3
        sent = self._send_to(["away@acme.example.org", "held@acme.example.org"])
        away, held = sent["away@acme.example.org"], sent["held@acme.example.org"]
        held.enrollment_id.action_pause()  # paused by a user before the answer
        no_date = "auto_replies/exchange_onprem_no_autosubmitted_en.eml"
        with freeze_time("2026-12-07 08:30:00"), self.mock_mail_gateway():
            self.env["mail.thread"].message_process("crm.lead", self._answer(away, no_date))
            self.env["mail.thread"].message_process(
                "crm.lead", renamed(self._answer(held, no_date).decode(), "held").encode()
            )
        self.assertEqual(away.enrollment_id.date_resume, datetime(2026, 12, 10, 8, 30), "the sequence's 3 days")
        self.assertEqual((held.enrollment_id.pause_reason, held.enrollment_id.date_resume), ("manual", False))
        with freeze_time("2026-12-10 09:00:00"), self.mock_mail_gateway():
            self._run_cron()
        self.assertEqual(away.enrollment_id.state, "active")
        self.assertEqual(held.enrollment_id.state, "paused", "a user's pause is not lifted by an out-of-office")

    def test_out_of_office_over_while_the_sequence_is_off(self):
        touch = self._send_to(["back@acme.example.org"])["back@acme.example.org"]
        run = touch.enrollment_id
        with freeze_time("2026-12-07 08:30:00"), self.mock_mail_gateway():
            self.env["mail.thread"].message_process(
                "crm.lead", self._answer(touch, "auto_replies/gmail_vacation_en.eml")
            )
            self.sequence.action_deactivate()
        with freeze_time("2026-12-14 09:00:00"), self.mock_mail_gateway():
            self._run_cron()
            self.assertFalse(self._new_mails)
        self.assertEqual((run.state, run.pause_reason, run.date_resume), ("paused", "sequence", False))
        with freeze_time("2026-12-15 08:00:00"):
            self.sequence.action_activate()
        self.assertEqual(run.state, "active", "reactivating the sequence resumes it")

"""End to end through a real SMTP server on loopback (aiosmtpd): Odoo's mail queue sends the
sequence emails, the test reads the MIME messages as an inbox would (unsubscribe headers,
Reply-To, plain text, threading, the hourly limit), then answers them through Odoo's mail
gateway with messages built from what was received, and unsubscribes with one click."""

import email
import email.policy
import socket
from unittest.mock import patch

from aiosmtpd.controller import Controller
from freezegun import freeze_time

from odoo.tests import HttpCase, tagged
from odoo.tools import email_normalize

from odoo.addons.base.models.ir_mail_server import IrMail_Server
from odoo.addons.mail.tests.common import mail_new_test_user

from .common import CrmSequenceCommon
from .test_inbound_mail import CORPUS, fill

STEPS = [
    {"step_type": "auto_email", "day": 1, "subject": "Meeting {{ object.contact_name }}?", "body_html": "<p>Hi</p>"},
    {"step_type": "auto_email", "day": 2, "subject": "-", "body_html": "<p>Bump</p>", "reply_in_thread": True},
    {"step_type": "todo", "day": 5, "summary": "Check in"},
]


class Inbox:
    """aiosmtpd handler keeping every message received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"

    def take(self):
        messages, self.messages = self.messages, []
        return {
            email_normalize(str(message["To"])): message
            for _rcpt, message in messages
            if str(message["To"]).endswith("@buyer.example.org")  # not Odoo's own notifications
        }


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@tagged("post_install", "-at_install")
class TestSmtpIntegration(HttpCase):
    def setUp(self):
        super().setUp()
        self.inbox = Inbox()
        self.smtp = Controller(self.inbox, hostname="127.0.0.1", port=free_port())
        self.smtp.start()
        self.addCleanup(self.smtp.stop)
        # Odoo sends nothing while testing; this test wants the real thing
        sending = patch.object(IrMail_Server, "_disable_send", classmethod(lambda cls: False))
        sending.start()
        self.addCleanup(sending.stop)
        env = self.env
        env["ir.mail_server"].search([]).active = False
        env["ir.mail_server"].create(
            {
                "name": "Loopback",
                "smtp_host": "127.0.0.1",
                "smtp_port": self.smtp.port,
                "smtp_encryption": "none",
            }
        )
        alias_domain = env["mail.alias.domain"].create(
            {"name": "sales.example.com", "bounce_alias": "bounce", "catchall_alias": "catchall"}
        )
        env.company.alias_domain_id = alias_domain
        self.seller = mail_new_test_user(
            env,
            login="smtp_seller",
            name="Sam Seller",
            email="sam@sales.example.com",
            groups="sales_team.group_sale_salesman",
            tz="Europe/Brussels",
        )
        self.seller.crm_sequence_hourly_limit = 2
        self.sequence = CrmSequenceCommon._create_sequence(
            env, name="Loopback", user=self.seller, steps=STEPS, sender_id=self.seller.id
        )
        self.sequence.action_activate()
        self.leads = env["crm.lead"].create(
            [
                {"name": f"Buyer {name}", "contact_name": name, "email_from": f"{name.lower()}@buyer.example.org"}
                for name in ("Ann", "Ben", "Cid")
            ]
        )

    def _cron_and_queue(self, moment):
        with freeze_time(moment):
            with self.enter_registry_test_mode():
                self.env.ref("crm_sequence.ir_cron_process_touches").sudo().method_direct_trigger()
        self.env["mail.mail"].sudo().process_email_queue()  # the real queue, outside frozen time
        return self.inbox.take()

    def _process(self, raw):
        self.env["mail.thread"].message_process("crm.lead", raw.encode())

    def _run(self, lead):
        self.env.invalidate_all()
        return self.sequence.enrollment_ids.filtered(lambda e: e.res_id == lead.id)

    def test_through_a_real_smtp_server(self):
        ann, ben, cid = self.leads
        with freeze_time("2026-12-07 08:00:00"):  # Monday 09:00 in Brussels
            self.sequence.enroll_records(self.leads)

        # an hourly limit of 2 spaces the emails by 30 minutes: 09:00, 09:30, 10:00 in Brussels
        first = self._cron_and_queue("2026-12-07 08:00:00")
        self.assertEqual(set(first), {"ann@buyer.example.org"})
        message = first["ann@buyer.example.org"]
        self.assertEqual(str(message["Subject"]), "Meeting Ann?")
        self.assertEqual(message["Reply-To"].addresses[0].display_name, "Sam Seller")
        self.assertTrue(message["Reply-To"].addresses[0].addr_spec.endswith("@sales.example.com"), "an alias of ours")
        unsubscribe = str(message["List-Unsubscribe"])
        self.assertRegex(unsubscribe, r"^<https?://[^>]+/crm_sequence/unsubscribe\?[^>]+>, <mailto:[^>]+>$")
        self.assertEqual(str(message["List-Unsubscribe-Post"]), "List-Unsubscribe=One-Click")
        plain = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        self.assertNotIn("/crm_sequence/open/", plain)
        self.assertNotIn("Image [", plain)
        self.assertIn("/crm_sequence/open/", html)
        self.assertIn("/crm_sequence/unsubscribe?", html)
        self.assertIn("Unsubscribe", plain)

        self.assertEqual(set(self._cron_and_queue("2026-12-07 08:29:00")), set(), "not before its slot")
        self.assertEqual(set(self._cron_and_queue("2026-12-07 08:30:00")), {"ben@buyer.example.org"})
        self.assertEqual(set(self._cron_and_queue("2026-12-07 09:00:00")), {"cid@buyer.example.org"})

        # Tuesday: the follow-ups answer the first emails, in the same thread
        tuesday = {}
        for moment in ("2026-12-08 08:00:00", "2026-12-08 08:30:00", "2026-12-08 09:00:00"):
            tuesday.update(self._cron_and_queue(moment))
        self.assertEqual(len(tuesday), 3)
        follow_up = tuesday["ann@buyer.example.org"]
        self.assertEqual(str(follow_up["Subject"]), "Re: Meeting Ann?")
        self.assertEqual(str(follow_up["In-Reply-To"]), str(message["Message-Id"]))
        self.assertIn(str(message["Message-Id"]), str(follow_up["References"]))

        # Ann answers from her mail client (In-Reply-To of the follow-up): removed as replied
        reply = (
            f"From: Ann <ann@buyer.example.org>\nTo: {follow_up['Reply-To']}\n"
            f"Subject: Re: {follow_up['Subject']}\nMessage-ID: <ann.reply@buyer.example.org>\n"
            f"In-Reply-To: {follow_up['Message-Id']}\nReferences: {follow_up['References']} {follow_up['Message-Id']}\n"
            "Date: Tue, 08 Dec 2026 10:00:00 +0100\nContent-Type: text/plain\n\nYes, Thursday works.\n"
        )
        self._process(reply)
        self.assertEqual((self._run(ann).state, self._run(ann).end_reason), ("removed", "replied"))

        # Ben's server first delays, then gives up: only the permanent failure removes
        samples = {sample["file"]: sample for sample in CORPUS}
        ben_message = tuesday["ben@buyer.example.org"]
        for name, expected in (
            ("reports/postfix_delayed.eml", "active"),
            ("reports/postfix_bounce_user_unknown.eml", "removed"),
        ):
            raw = fill(
                samples[name],
                message_id=str(ben_message["Message-Id"]),
                subject=str(ben_message["Subject"]),
                contact_email="ben@buyer.example.org",
                bounce_email=self.env.company.bounce_email,
                our_email="catchall@sales.example.com",
            )
            self._process(raw)
            self.assertEqual(self._run(ben).state, expected, name)
        self.assertEqual(self._run(ben).end_reason, "bounced")

        # Cid's Exchange answers "Automatic reply:" without Auto-Submitted nor In-Reply-To: a pause
        cid_message = tuesday["cid@buyer.example.org"]
        raw = fill(
            samples["auto_replies/exchange_onprem_no_autosubmitted_en.eml"],
            subject=str(cid_message["Subject"]),
            contact_email="cid@buyer.example.org",
            our_email=cid_message["Reply-To"].addresses[0].addr_spec,
        )
        leads = self.env["crm.lead"].search_count([])
        self._process(raw)
        self.assertEqual((self._run(cid).state, self._run(cid).pause_reason), ("paused", "out_of_office"))
        self.assertEqual(self.env["crm.lead"].search_count([]), leads, "no lead created from the auto-reply")

        # then Cid's mail client unsubscribes with one click (RFC 8058 POST on the header's URL)
        url = str(cid_message["List-Unsubscribe"]).split(">")[0].lstrip("<")
        self.assertEqual(self.url_open(url).status_code, 200)
        self.assertEqual(self._run(cid).state, "paused", "a GET (a link scanner) changes nothing")
        response = self.url_open(url, data={"List-Unsubscribe": "One-Click"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual((self._run(cid).state, self._run(cid).end_reason), ("removed", "opted_out"))
        self.assertTrue(self.env["mail.blacklist"].search([("email", "=", "cid@buyer.example.org")]))

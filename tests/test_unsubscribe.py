"""One-click unsubscribe (RFC 8058) of sequence emails: headers, visible link, the public
route (GET changes nothing, POST unsubscribes, forged tokens do nothing) and the mailto."""

from freezegun import freeze_time

from odoo.tests import HttpCase, tagged
from odoo.tools import email_normalize

from .common import CrmSequenceCommon


@tagged("post_install", "-at_install")
class TestUnsubscribe(HttpCase):
    def setUp(self):
        super().setUp()
        env = self.env
        self.sequence = CrmSequenceCommon._create_sequence(env, name="Winter offer")
        self.sequence.action_activate()
        self.other_sequence = CrmSequenceCommon._create_sequence(env, name="Other")
        self.other_sequence.action_activate()
        self.lead = env["crm.lead"].create({"name": "Reader", "email_from": '"Rita Reader" <Rita@Example.org>'})
        self.bystander = env["crm.lead"].create({"name": "Bystander", "email_from": "bystander@example.org"})
        with freeze_time("2026-03-03 09:00:00"):
            self.sequence.enroll_records(self.lead | self.bystander)
            self.other_sequence.enroll_records(self.lead)
            touches = self.sequence.enrollment_ids.touch_ids.filtered(lambda t: t.step_type == "auto_email")
            touches._execute()
        self.touch = touches.filtered(lambda t: t.res_id == self.lead.id)
        self.mail = self.touch.mail_mail_id
        self.Blacklist = env["mail.blacklist"]
        self.url, _mailto = self.Blacklist._crm_sequence_unsubscribe_links(
            self.lead.get_base_url(), "catchall@example.org", "rita@example.org"
        )

    def _runs(self, lead):
        self.env.invalidate_all()
        return self.env["crm.sequence.enrollment"].search([("res_id", "=", lead.id), ("res_model", "=", "crm.lead")])

    def _blacklisted(self, email):
        return bool(self.Blacklist.search([("email", "=", email)]))

    def test_headers_and_visible_link(self):
        headers = eval(self.mail.headers)  # noqa: S307 - Odoo stores headers as a dict literal
        url, mailto = (part.strip(" <>") for part in headers["List-Unsubscribe"].split(","))
        self.assertEqual(url, self.url)
        self.assertTrue(url.startswith("http"))
        self.assertTrue(mailto.startswith(f"mailto:{email_normalize(self.mail.reply_to)}?"), mailto)
        self.assertIn("subject=Unsubscribe%20rita%40example.org%20", mailto)
        self.assertEqual(headers["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
        self.assertIn("want these emails? Unsubscribe</a>", str(self.mail.body_html))
        self.assertIn(self.url.replace("&", "&amp;"), str(self.mail.body_html))
        self.assertNotIn("unsubscribe", str(self.touch.message_id.body), "the chatter copy has no personal link")

    def test_link_off(self):
        sequence = CrmSequenceCommon._create_sequence(self.env, name="No link", unsubscribe_link=False)
        sequence.action_activate()
        lead = self.env["crm.lead"].create({"name": "Quiet", "email_from": "quiet@example.org"})
        with freeze_time("2026-03-03 09:00:00"):
            sequence.enroll_records(lead)
            sequence.enrollment_ids.touch_ids.filtered(lambda t: t.step_type == "auto_email")._execute()
        mail = sequence.enrollment_ids.touch_ids.mail_mail_id
        self.assertNotIn("List-Unsubscribe", mail.headers or "")
        self.assertNotIn("unsubscribe", str(mail.body_html))

    def test_get_changes_nothing(self):
        response = self.url_open(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("rita@example.org", response.text)
        self.assertNotIn(self.sequence.name, response.text, "the page tells nothing of the sequences")
        company = self.env.company
        self.assertIn(company.name, response.text, "the recipient knows who they leave")
        self.assertIn(f"/logo.png?company={company.id}", response.text)
        self.assertFalse(self._blacklisted("rita@example.org"))
        self.assertEqual(set(self._runs(self.lead).mapped("state")), {"active"})

    def test_one_click_post(self):
        response = self.url_open(self.url, data={"List-Unsubscribe": "One-Click"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(self._blacklisted("rita@example.org"))
        runs = self._runs(self.lead)
        self.assertEqual(len(runs), 2, "every sequence of the address")
        self.assertEqual(set(runs.mapped("state")), {"removed"})
        self.assertEqual(set(runs.mapped("end_reason")), {"opted_out"})
        self.assertIn("Left the sequence", self.lead.message_ids[0].body)
        self.assertEqual(self._runs(self.bystander).state, "active", "only the address of the link")

    def test_confirmation_button(self):
        page = self.url_open(self.url)
        self.assertIn('name="confirm"', page.text)
        response = self.url_open(
            "/crm_sequence/unsubscribe",
            data={
                "email": "rita@example.org",
                "token": self.Blacklist._crm_sequence_token("rita@example.org"),
                "confirm": "1",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("You are unsubscribed", response.text)
        self.assertTrue(self._blacklisted("rita@example.org"))

    def test_unsubscribe_page_tour(self):
        """The contact's flow in Chromium: open the link, confirm, done."""
        path = self.url.split("/crm_sequence/", 1)[1]
        self.start_tour(f"/crm_sequence/{path}", "crm_sequence_unsubscribe_tour")
        self.assertTrue(self._blacklisted("rita@example.org"))
        self.assertEqual(set(self._runs(self.lead).mapped("state")), {"removed"})

    def test_forged_and_foreign_tokens(self):
        foreign = self.Blacklist._crm_sequence_token("bystander@example.org")
        for email, token in (
            ("rita@example.org", "é" * 64),  # no signature has such characters
            ("rita@example.org", "0" * 64),
            ("rita@example.org", foreign),  # another address's token
            ("bystander@example.org", "x"),
            ("", ""),
        ):
            with self.subTest(email=email, token=token):
                url = f"/crm_sequence/unsubscribe?email={email}&token={token}"
                get = self.url_open(url)
                post = self.url_open(url, data={"List-Unsubscribe": "One-Click"})
                self.assertEqual((get.status_code, post.status_code), (404, 404))
                self.assertNotIn("rita@example.org", get.text + post.text)
                self.assertNotIn("bystander@example.org", get.text + post.text)
        self.assertFalse(self._blacklisted("rita@example.org"))
        self.assertFalse(self._blacklisted("bystander@example.org"))
        self.assertEqual(set(self._runs(self.lead).mapped("state")), {"active"})

    def test_mailto_unsubscribe(self):
        """The mail client's unsubscribe email reaches the catchall: applied, no lead created."""
        token = self.Blacklist._crm_sequence_token("rita@example.org")
        leads = self.env["crm.lead"].search_count([])
        raw = (
            "From: Rita Reader <rita@example.org>\n"
            f"To: {self.env.company.catchall_email}\n"
            f"Subject: Unsubscribe rita@example.org {token}\n"
            "Message-ID: <unsub.1@example.org>\n"
            "Date: Tue, 03 Mar 2026 10:00:00 +0000\n\n"
            "This message was automatically generated by Gmail.\n"
        )
        self.env["mail.thread"].message_process("crm.lead", raw.encode())
        self.assertTrue(self._blacklisted("rita@example.org"))
        self.assertEqual(self.env["crm.lead"].search_count([]), leads)
        # a forged one is routed like any email: nothing unsubscribed
        forged = raw.replace(token, "0" * 64).replace("rita@", "bystander@").replace("unsub.1", "unsub.2")
        self.env["mail.thread"].message_process("crm.lead", forged.encode())
        self.assertFalse(self._blacklisted("bystander@example.org"))

import importlib.util
import re
from unittest.mock import patch
from urllib.parse import urlsplit

from freezegun import freeze_time
from markupsafe import Markup

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import config, file_path, mute_logger

from odoo.addons.crm_sequence.tests.common import CrmSequenceCommon

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)
GMAIL_PROXY = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
LINKS_BODY = (
    "<p>Dear <t t-out='object.contact_name'/>, see "
    '<a href="https://shop.example.com/pricing?plan=pro&amp;ref=seq">our prices</a>, '
    '<a href="/contactus">contact us</a>, '
    '<a href="mailto:sales@example.com">write</a>, '
    '<a href="tel:+3225550101">call</a>, '
    '<a href="#details">details</a>.</p>'
)


@tagged("post_install", "-at_install")
class TestLinkTracking(HttpCase):
    """Links of sequence emails through Odoo's link tracker, clicks on their touch with
    a verdict, through real HTTP requests on the public routes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.sequence = CrmSequenceCommon._create_sequence(
            env,
            name="Clicks",
            steps=[
                {"step_type": "auto_email", "day": 1, "subject": "Prices", "body_html": LINKS_BODY},
                {"step_type": "call", "day": 3, "summary": "Call them"},
            ],
        )
        cls.click_rule = cls.sequence.removal_rule_ids.filtered(lambda r: r.trigger == "click")
        priority = env["ir.model.fields"]._get("crm.lead", "priority")
        cls.click_rule.write(
            {
                "active": True,
                "status_field_id": priority.id,
                "status_selection_id": env["ir.model.fields.selection"]
                .search([("field_id", "=", priority.id), ("value", "=", "3")])
                .id,
            }
        )
        cls.sequence.action_activate()
        cls.leads = env["crm.lead"].create(
            # a contact name: the body's placeholder has no default (empty, the email would not go out)
            [
                {"name": f"Clicker {i}", "contact_name": f"Clara {i}", "email_from": f"clicker{i}@example.com"}
                for i in range(3)
            ]
        )
        with freeze_time("2026-03-03 09:00:00"):
            cls.sequence.enroll_records(cls.leads)
            emails = cls.sequence.enrollment_ids.touch_ids.filtered(lambda t: t.step_type == "auto_email")
            emails._execute()
        cls.touches = emails.sorted("res_id")

    def _links(self, touch):
        """The tracked links of the email as it leaves (paths on this server)."""
        body = str(touch.mail_mail_id._prepare_outgoing_body())
        return [urlsplit(href).path for href in re.findall(r'href="([^"]+/r/[^"]+)"', body)], body

    def _get(self, path, agent=CHROME, method="GET", headers=None):
        return self.url_open(
            path, headers={"User-Agent": agent, **(headers or {})}, allow_redirects=False, method=method
        )

    def test_links_rewritten_once_per_step(self):
        first, second = self.touches[:2]
        links, body = self._links(first)
        self.assertEqual(len(links), 2, "the web links only")
        for kept in ('href="mailto:sales@example.com"', 'href="tel:+3225550101"', 'href="#details"'):
            self.assertIn(kept, body)
        self.assertIn("/crm_sequence/unsubscribe", body, "the unsubscribe link is not tracked")
        self.assertEqual(first.link_count, 2)
        for link in links:
            self.assertRegex(link, rf"^/r/\w+/s/{first.id}/\w+$")
        other_links, _body = self._links(second)
        codes = [link.split("/")[2] for link in links]
        self.assertEqual(codes, [link.split("/")[2] for link in other_links], "one tracker per link for the step")
        self.assertNotEqual(links, other_links, "each email its own suffix")
        trackers = self.env["link.tracker"].search([("link_code_ids.code", "in", codes)])
        self.assertEqual(
            sorted(trackers.mapped("url")),
            [f"{self.base_url()}/contactus", "https://shop.example.com/pricing?plan=pro&ref=seq"],
        )
        chatter = str(first.message_id.body)
        self.assertIn("https://shop.example.com/pricing", chatter, "the chatter copy keeps the original links")
        self.assertNotIn("/r/", chatter)

    def test_person_click_redirects_and_removes(self):
        touch = self.touches[0]
        links, _body = self._links(touch)
        response = self._get(links[0])
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response.headers["Location"], "https://shop.example.com/pricing?plan=pro&ref=seq")
        self.env.invalidate_all()
        self.assertTrue(touch.clicked)
        self.assertTrue(touch.opened, "a person who clicks has opened the email")
        self.assertFalse(touch.machine_clicked)
        enrollment = touch.enrollment_id
        self.assertEqual((enrollment.state, enrollment.end_reason), ("removed", "clicked"))
        self.assertEqual(self.leads.browse(touch.res_id).priority, "3", "the rule's status is set")
        event = touch.event_ids
        self.assertEqual(
            (event.kind, event.verdict, event.url, event.user_agent, event.method, event.ip),
            ("click", "human", "https://shop.example.com/pricing?plan=pro&ref=seq", CHROME, "GET", "127.0.0.1"),
        )
        self.assertGreater(event.seconds_since_sent, 3600)
        self.assertEqual(event.link_id.count, 1, "Odoo's link statistics count the person's click")

        # a minute later (a person's pace: two links within a second would be a scanner's),
        # a second click on the ended run: redirected and recorded, nothing restarts
        event.sudo().write({"seconds_since_sent": event.seconds_since_sent - 60})
        response = self._get(links[1])
        self.assertEqual(response.headers["Location"], f"{self.base_url()}/contactus")
        self.env.invalidate_all()
        self.assertEqual(len(touch.event_ids), 2)
        self.assertEqual(enrollment.state, "removed")
        self.assertEqual(touch.date_clicked, event.date)

    def test_scanner_click_ignored_by_the_rule(self):
        touch = self.touches[1]
        links, _body = self._links(touch)
        response = self._get(links[0], agent="Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0.0.0 Safari/537.36")
        self.assertEqual(response.status_code, 302, "a machine is redirected too")
        self.env.invalidate_all()
        self.assertFalse(touch.clicked)
        self.assertFalse(touch.opened, "a machine's click is no open either")
        self.assertTrue(touch.machine_clicked)
        self.assertEqual(touch.enrollment_id.state, "active")
        self.assertEqual((touch.event_ids.verdict, touch.event_ids.reason), ("machine", "security_scanner"))
        self.assertEqual(touch.event_ids.link_id.count, 0, "nor in Odoo's link statistics")
        self.assertEqual(touch.engagement, "Link followed by a mail scanner (not counted)")
        # HEAD on a link, and a click right after sending: machines
        self._get(links[1], method="HEAD")
        touch.sudo().date_sent = fields.Datetime.now()
        self._get(links[1])
        self.env.invalidate_all()
        self.assertEqual(sorted(touch.event_ids.mapped("reason")), ["head_request", "security_scanner", "too_fast"])
        self.assertEqual(touch.enrollment_id.state, "active")

    def test_scanner_following_every_link(self):
        """A browser-like agent clicks both links within a second: both clicks are a
        machine's, the first one too once the burst is complete."""
        touch = self.touches[2]
        self.click_rule.active = False
        links, _body = self._links(touch)
        self._get(links[0])
        self._get(links[1])
        self.env.invalidate_all()
        self.assertEqual(set(touch.event_ids.mapped("verdict")), {"machine"})
        self.assertEqual(set(touch.event_ids.mapped("reason")), {"all_links"})
        self.assertFalse(touch.clicked)
        self.assertTrue(touch.machine_clicked)

    @mute_logger("odoo.http", "werkzeug")
    def test_forged_links(self):
        touch = self.touches[0]
        links, _body = self._links(touch)
        code = links[0].split("/")[2]
        other_token = self._links(self.touches[1])[0][0].split("/")[-1]
        target = "https://shop.example.com/pricing?plan=pro&ref=seq"
        for path in (
            f"/r/{code}/s/{touch.id}/not-the-token",
            f"/r/{code}/s/{touch.id}/{other_token}",
            f"/r/{code}/s/999999999/{other_token}",
            f"/r/{code}/s/{touch.id}/%C3%A9t%C3%A9",
            f"/r/{code}/s/{touch.id}/{'x' * 5000}",
        ):
            response = self._get(path)
            self.assertEqual((response.status_code, response.headers.get("Location")), (302, target), path)
        self.assertEqual(self._get(f"/r/unknowncode/s/{touch.id}/{links[0].split('/')[-1]}").status_code, 404)
        self.env.invalidate_all()
        self.assertFalse(touch.event_ids)
        self.assertFalse(touch.clicked or touch.machine_clicked)
        self.assertEqual(touch.enrollment_id.state, "active")

    def test_open_events_and_proxy_address(self):
        touch = self.touches[1]
        pixel = f"/crm_sequence/open/{touch.id}/{touch._open_token()}"
        self._get(pixel, agent="Mozilla/5.0", headers={"X-Forwarded-For": "17.58.63.11", "X-Forwarded-Host": "x"})
        self.env.invalidate_all()
        event = touch.event_ids
        self.assertEqual(event.ip, "127.0.0.1", "X-Forwarded-For is ignored outside proxy mode")
        self.assertEqual((event.verdict, event.reason), ("machine", "privacy_proxy"))
        self.assertTrue(touch.machine_opened)
        self.assertFalse(touch.opened)
        self.assertEqual(touch.engagement, "Opened by a mail scanner (not counted)")
        with self.patch_proxy_mode():
            self._get(pixel, agent=GMAIL_PROXY, headers={"X-Forwarded-For": "66.249.84.12", "X-Forwarded-Host": "x"})
        self.env.invalidate_all()
        latest = touch.event_ids.sorted("id")[-1]
        self.assertEqual(
            (latest.ip, latest.verdict, latest.reason_detail), ("66.249.84.12", "human", "Gmail image proxy")
        )
        self.assertTrue(touch.opened)
        self.assertEqual(touch.engagement, "Opened")

    @mute_logger("odoo.http")
    def test_malformed_request_is_stored_truncated(self):
        touch = self.touches[1]
        pixel = f"/crm_sequence/open/{touch.id}/{touch._open_token()}"
        response = self._get(pixel, agent="Mozilla/5.0 (X11; Linux)" + "é" * 20000)
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(len(touch.event_ids.user_agent), 512)

    def patch_proxy_mode(self):
        """Odoo behind a reverse proxy (``--proxy-mode``)."""
        original = type(config).__getitem__
        return patch.object(
            type(config), "__getitem__", lambda self, key: True if key == "proxy_mode" else original(self, key)
        )


def queue_emails(env, records, body, **values):
    """A one-email sequence (``values`` on it) on ``records``, its emails queued on
    Tuesday 3 March 2026: their touches."""
    sequence = CrmSequenceCommon._create_sequence(
        env,
        name="Outgoing",
        steps=[{"step_type": "auto_email", "day": 1, "subject": "Hi", "body_html": body}],
        **values,
    )
    sequence.action_activate()
    with freeze_time("2026-03-03 09:00:00"):
        sequence.enroll_records(records)
        touches = sequence.enrollment_ids.touch_ids
        touches._execute()
    return touches


@tagged("post_install", "-at_install")
class TestOutgoingTracking(CrmSequenceCommon):
    """Tracking joins sequence emails as they leave (``mail.mail._prepare_outgoing_body``),
    once, and no other email."""

    def _queue(self, body, **values):
        touch = queue_emails(self.env, self.leads[0], body, **values)
        return touch, touch.mail_mail_id

    def test_links_not_tracked(self):
        """*Track links* off: no link is shortened nor given a suffix, a short link
        written in the email included; the pixel is there."""
        short = f"{self.leads[0].get_base_url()}/r/Abc1"
        touch, mail = self._queue(
            f'<p><a href="https://shop.example.com/a">A</a> <a href="{short}">B</a></p>', track_links=False
        )
        self.assertEqual(touch.link_count, 0)
        outgoing = str(mail._prepare_outgoing_body())
        self.assertIn('href="https://shop.example.com/a"', outgoing)
        self.assertIn(f'href="{short}"', outgoing)
        self.assertEqual(outgoing.count(f"/crm_sequence/open/{touch.id}/{touch._open_token()}"), 1)

    def test_tracking_added_once(self):
        """A short link written in the email counts as tracked; an email queued with its
        tracking in (before 19.0.1.5.0) gets no second pixel or suffix."""
        short = f"{self.leads[0].get_base_url()}/r/Abc1"
        touch, mail = self._queue(f'<p><a href="https://shop.example.com/a">A</a> <a href="{short}">B</a></p>')
        self.assertEqual(touch.link_count, 2)
        outgoing = str(mail._prepare_outgoing_body())
        self.assertEqual(outgoing.count(f"/s/{touch.id}/{touch._click_token()}"), 2)
        self.assertIn(f'href="{short}/s/{touch.id}/{touch._click_token()}"', outgoing)
        # queued with its tracking in, before 19.0.1.5.0: the migration marks it, nothing is added twice
        mail.write({"body_html": outgoing, "crm_sequence_touch_id": False})
        self.env.flush_all()
        path = file_path("crm_sequence/migrations/19.0.1.5.0/post-migrate.py")
        spec = importlib.util.spec_from_file_location("crm_sequence_post_migrate_19_0_1_5_0", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(self.env.cr, "19.0.1.3.0")
        mail.invalidate_recordset()
        self.assertEqual(mail.crm_sequence_touch_id, touch)
        self.assertEqual(str(mail._prepare_outgoing_body()), outgoing)

    def test_other_emails_untouched(self):
        """An email of the same record that no touch sent leaves as Odoo writes it."""
        self._queue("<p>Hi</p>")
        customer = self.env["res.partner"].create({"name": "Customer", "email": "customer@example.com"})
        link = '<a href="https://shop.example.com/a">A</a>'
        with self.mock_mail_gateway():
            self.leads[0].message_post(
                body=Markup(f"<p>Not a sequence email {link}</p>"), partner_ids=customer.ids, message_type="comment"
            )
        email = self._find_sent_email_wemail(customer.email_formatted)
        self.assertIn("Not a sequence email", email["body"])
        self.assertIn(link, email["body"])
        self.assertNotIn("/crm_sequence/", email["body"])
        self.assertFalse(
            self.env["mail.mail"]
            .sudo()
            .search([("crm_sequence_touch_id", "=", False), ("body_html", "ilike", "crm_sequence/open")])
        )


@tagged("post_install", "-at_install")
class TestTrackingCost(CrmSequenceCommon):
    """What one click and one open cost, as the routes run them (README "Performance")."""

    def test_click_and_open_queries(self):
        touches = queue_emails(self.env, self.leads, LINKS_BODY)
        touches.write({"date_sent": "2026-03-03 09:00:00"})
        first, second = touches[:2]
        code = re.search(r"/r/(\w+)\"", str(first.mail_mail_id.body_html)).group(1)
        Touch = self.env["crm.sequence.touch"].sudo()
        self.env.flush_all()
        self.env.invalidate_all()

        def click(touch):
            link = self.env["link.tracker.code"].sudo().search([("code", "=", code)], limit=1).link_id
            Touch._crm_sequence_track("click", touch.id, touch._click_token(), "GET", CHROME, "81.2.3.4", link=link)
            return link.redirected_url

        with freeze_time("2026-03-04 09:00:00"):
            click(second)  # warm the caches (database secret, registry)
            self.env.flush_all()
            self.env.invalidate_all()
            with self.assertQueryCount(8):
                target = click(first)
                self.env.flush_all()
            self.assertEqual(target, "https://shop.example.com/pricing?plan=pro&ref=seq")
            self.env.invalidate_all()
            with self.assertQueryCount(6):
                Touch._crm_sequence_track("open", second.id, second._open_token(), "GET", GMAIL_PROXY, "66.249.84.12")
                self.env.flush_all()
        self.assertTrue(first.clicked and first.opened)
        self.assertEqual(len(first.event_ids), 1)


@tagged("post_install", "-at_install")
class TestEventAccess(CrmSequenceCommon):
    """Events name a contact's behaviour: read where the record may be read, written by no one."""

    def test_event_access_follows_the_record(self):
        self.sequence.action_activate()
        with freeze_time("2026-03-03 09:00:00"):
            self.sequence.enroll_records(self.leads[:1])
            touch = self.sequence.enrollment_ids.touch_ids.filtered(lambda t: t.step_type == "auto_email")
            touch._execute()
        touch.date_sent = "2026-03-03 09:00:00"
        with freeze_time("2026-03-03 10:00:00"):
            self.env["crm.sequence.touch"]._crm_sequence_track(
                "open", touch.id, touch._open_token(), "GET", GMAIL_PROXY, "66.249.84.12"
            )
        event = touch.event_ids
        self.assertEqual((event.verdict, event.seconds_since_sent), ("human", 3600.0))
        Event = self.env["crm.sequence.touch.event"]
        for user, visible in (
            (self.user_owner, True),  # their lead and sequence
            (self.user_seq_admin, True),
            (self.user_other, False),  # a salesperson who may not read the lead
            (self.user_viewer, False),
        ):
            self.assertEqual(bool(Event.with_user(user).search([("id", "=", event.id)])), visible, user.name)
            if not visible:
                with self.assertRaises(AccessError):
                    event.with_user(user).read(["user_agent"])
        for user in (self.user_owner, self.user_seq_admin):
            with self.assertRaises(AccessError):
                event.with_user(user).write({"verdict": "machine"})
            with self.assertRaises(AccessError):
                Event.with_user(user).create({"touch_id": touch.id, "kind": "click", "verdict": "human"})
            with self.assertRaises(AccessError):
                event.with_user(user).unlink()
        with self.assertRaises(AccessError):
            Event.with_user(self.user_portal).search([])
        self.assertEqual(event.verdict, "human")

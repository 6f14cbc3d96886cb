from freezegun import freeze_time

from odoo.tests import HttpCase, tagged

from .common import BOUNCE_TEMPLATE, CrmSequenceCommon


class EngagementCase(CrmSequenceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sequence.action_activate()

    def _send_first_email(self, lead):
        """Enroll ``lead`` on Tuesday 10:00 and let the cron send the day-1 email."""
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            self.sequence.enroll_records(lead)
            self._run_cron()
        enrollment = self.sequence.enrollment_ids.filtered(lambda e: e.res_id == lead.id)
        touch = enrollment.touch_ids.filtered(lambda t: t.step_type == "auto_email" and t.step_day == 1)
        self.assertEqual(touch.state, "done")
        return enrollment, touch


@tagged("post_install", "-at_install")
class TestEngagement(EngagementCase):
    """Replies and bounces through Odoo's mail gateway, opt-outs, removal rules and notifications."""

    def test_reply_removes_and_sets_status(self):
        lead = self.leads[0]
        rule = self.sequence.removal_rule_ids.filtered(lambda r: r.trigger == "reply")
        rule.write(
            {
                "status_field_id": self.env["ir.model.fields"]._get("crm.lead", "stage_id").id,
                "status_ref": self.stage_qualified.id,
            }
        )
        self.sequence.notify_engagement_end = True
        enrollment, touch = self._send_first_email(lead)
        self._reply(touch)
        self.assertTrue(touch.replied)
        self.assertEqual(enrollment.state, "removed")
        self.assertEqual(enrollment.end_reason, "replied")
        self.assertEqual(set((enrollment.touch_ids - touch).mapped("state")), {"canceled"})
        self.assertEqual(lead.stage_id, self.stage_qualified)
        reply = lead.message_ids.filtered(lambda m: m.message_type == "email")
        self.assertEqual(len(reply), 1, "the reply is on the lead's chatter")
        self.assertEqual(reply.parent_id, touch.message_id)
        notification = self.env["mail.message"].search(
            [
                ("model", "=", "crm.lead"),
                ("res_id", "=", lead.id),
                ("partner_ids", "in", self.user_owner.partner_id.ids),
                ("subject", "ilike", "left sequence"),
            ]
        )
        # an interested reply: one note on the lead, sent to the seller at once
        self.assertEqual(len(notification), 1)
        self.assertIn("Welcome", notification.subject)
        self.assertIn("replied", str(notification.body))

    def test_reply_without_rule_keeps_running(self):
        self.sequence.removal_rule_ids.filtered(lambda r: r.trigger == "reply").active = False
        enrollment, touch = self._send_first_email(self.leads[0])
        self._reply(touch)
        self.assertTrue(touch.replied, "the engagement is recorded")
        self.assertEqual(enrollment.state, "active")

    def test_reply_found_by_references(self):
        """Mail clients that only keep References still reach the touch."""
        enrollment, touch = self._send_first_email(self.leads[1])
        self._reply(touch, header="References")
        self.assertTrue(touch.replied)
        self.assertEqual(enrollment.end_reason, "replied")

    def test_automatic_reply_ignored(self):
        enrollment, touch = self._send_first_email(self.leads[0])
        self._reply(touch, extra_headers="Auto-Submitted: auto-replied\n")
        self.assertFalse(touch.replied)
        self.assertEqual(enrollment.state, "active")
        self.assertFalse(touch.enrollment_id.end_reason)

    def test_bounce(self):
        enrollment, touch = self._send_first_email(self.leads[0])
        mail = touch.mail_mail_id
        with self.mock_mail_gateway():
            self.format_and_process(
                BOUNCE_TEMPLATE,
                "MAILER-DAEMON@mail.customer.example.com",
                f"{self.alias_bounce}@{self.alias_domain}",
                subject="Undelivered Mail Returned to Sender",
                cc=mail.email_to,
                extra=mail.message_id,
                target_model="crm.lead",
                target_field="name",
            )
        self.assertTrue(touch.bounced)
        self.assertEqual(enrollment.state, "removed")
        self.assertEqual(enrollment.end_reason, "bounced")

    def test_opt_out_before_next_email(self):
        call_step = self.sequence.step_ids.filtered(lambda s: s.step_type == "call")
        call_step.write({"step_type": "auto_email", "subject": "Second", "body_html": "<p>Second</p>"})
        enrollment, _touch = self._send_first_email(self.leads[0])
        self.env["mail.blacklist"].sudo()._add(self.leads[0].email_from)
        with freeze_time("2026-03-05 08:00:00"), self.mock_mail_gateway():
            self._run_cron()
        second = enrollment.touch_ids.filtered(lambda t: t.step_id == call_step)
        self.assertEqual(second.state, "skipped")
        self.assertFalse(second.message_id, "no email to an opted-out address")
        self.assertEqual(enrollment.state, "removed")
        self.assertEqual(enrollment.end_reason, "opted_out")


@tagged("post_install", "-at_install")
class TestOpenTracking(HttpCase):
    """The pixel's public route: the signed token marks the email opened, a wrong one nothing."""

    def test_open_pixel(self):
        env = self.env
        sequence = CrmSequenceCommon._create_sequence(env, name="Open")
        sequence.removal_rule_ids.filtered(lambda r: r.trigger == "open").active = True
        sequence.action_activate()
        lead = env["crm.lead"].create({"name": "Opener", "email_from": "opener@example.com"})
        with freeze_time("2026-03-03 09:00:00"):
            sequence.with_env(env).enroll_records(lead)
            touches = sequence.enrollment_ids.touch_ids
            touches.filtered(lambda t: t.step_type == "auto_email")._execute()
        touch = touches.filtered(lambda t: t.step_type == "auto_email")
        outgoing = str(touch.mail_mail_id._prepare_outgoing_body())
        self.assertIn(f"/crm_sequence/open/{touch.id}/{touch._open_token()}", outgoing)

        self.assertEqual(self.url_open(f"/crm_sequence/open/{touch.id}/%C3%A9t%C3%A9").status_code, 200)
        response = self.url_open(f"/crm_sequence/open/{touch.id}/not-the-token")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "image/gif")
        self.env.invalidate_all()
        self.assertFalse(touch.opened)
        other = touches - touch
        self.url_open(f"/crm_sequence/open/{touch.id}/{other[0]._open_token()}")
        self.env.invalidate_all()
        self.assertFalse(touch.opened, "a token of another touch does not work")

        self.url_open(f"/crm_sequence/open/{touch.id}/{touch._open_token()}")
        self.env.invalidate_all()
        self.assertFalse(touch.opened, "python-requests is a machine (kept apart)")
        self.assertTrue(touch.machine_opened)
        thunderbird = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:115.0) Gecko/20100101 Thunderbird/115.9.0"
        self.url_open(f"/crm_sequence/open/{touch.id}/{touch._open_token()}", headers={"User-Agent": thunderbird})
        self.env.invalidate_all()
        self.assertTrue(touch.opened)
        self.assertEqual(sequence.enrollment_ids.state, "removed")
        self.assertEqual(sequence.enrollment_ids.end_reason, "opened")

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from odoo.addons.mail.tests.common import MailCommon, mail_new_test_user


@tagged("post_install", "-at_install")
class CrmSequenceCommon(MailCommon):
    """Users per role (lowest rights of each), a lead board and a complete sequence.

    Nothing here relies on demo data. Time is frozen by each test that needs it.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param("mail.restrict.template.rendering", True)
        company = cls.company_admin
        cls.user_seq_admin = mail_new_test_user(
            cls.env,
            login="seq_admin",
            name="Sandra Sales Admin",
            email="sandra@example.com",
            groups="sales_team.group_sale_manager",
            company_id=company.id,
            tz="Europe/Brussels",
        )
        cls.user_owner = mail_new_test_user(
            cls.env,
            login="seq_owner",
            name="Oscar Owner",
            email="oscar@example.com",
            groups="sales_team.group_sale_salesman",
            company_id=company.id,
            tz="Europe/Brussels",
        )
        cls.user_other = mail_new_test_user(
            cls.env,
            login="seq_other",
            name="Olga Other",
            email="olga@example.com",
            groups="sales_team.group_sale_salesman",
            company_id=company.id,
            tz="Europe/Brussels",
        )
        cls.user_viewer = mail_new_test_user(
            cls.env,
            login="seq_viewer",
            name="Victor Viewer",
            email="victor@example.com",
            groups="base.group_user",
            company_id=company.id,
        )
        cls.user_portal = mail_new_test_user(
            cls.env,
            login="seq_portal",
            name="Paula Portal",
            email="paula@example.com",
            groups="base.group_portal",
            company_id=company.id,
        )
        cls.stage_qualified = cls.env["crm.stage"].create({"name": "Seq Qualified", "sequence": 50})
        cls.sequence = cls._create_sequence(cls.env, name="Welcome", user=cls.user_owner)
        cls.leads = cls.env["crm.lead"].create(
            [
                {
                    "name": f"Lead {index}",
                    "type": "lead",
                    "contact_name": f"Contact {index}",
                    "email_from": f"lead{index}@customer.example.com",
                    "phone": f"+32 470 00 00 0{index}",
                    "user_id": cls.user_owner.id,
                }
                for index in range(3)
            ]
        )

    @classmethod
    def _create_sequence(cls, env, name="Sequence", user=None, model="crm.lead", steps=None, **values):
        """A complete sequence: automatic email day 1, call day 3, delay, to-do day 6.

        Its emails leave at their planned moment (``spread_sends`` off) so that tests can
        name it; spreading and limits have their own tests (test_sending_limits).
        """
        if steps is None:
            steps = [
                {
                    "step_type": "auto_email",
                    "day": 1,
                    "subject": "Hello {{ object.contact_name ||| there}}",
                    "body_html": "<p>Dear <t t-out='object.contact_name'>customer</t>, welcome.</p>",
                },
                {"step_type": "call", "day": 3, "summary": "Call them"},
                {"step_type": "delay", "day": 3, "delay_days": 2},
                {"step_type": "todo", "day": 5, "summary": "Follow up"},
            ]
        vals = {
            "name": name,
            "user_id": (user or env.user).id,
            "model_id": env["ir.model"]._get_id(model),
            "tz": "Europe/Brussels",
            "spread_sends": False,
            "step_ids": [fields.Command.create(dict(step, sequence=index)) for index, step in enumerate(steps, 1)],
            **values,
        }
        return env["crm.sequence"].create(vals)

    def _run_cron(self):
        """Run the cron as a cron worker would, in a cursor that sees the test's data."""
        with self.enter_registry_test_mode():
            self.env.ref("crm_sequence.ir_cron_process_touches").sudo().method_direct_trigger()

    def _reply(self, touch, extra_headers="", header="In-Reply-To"):
        """The contact answers the email of ``touch``, through Odoo's mail gateway."""
        mail = touch.mail_mail_id
        with self.mock_mail_gateway():
            self.format_and_process(
                REPLY_TEMPLATE,
                mail.email_to,
                mail.reply_to,
                subject=f"Re: {mail.subject}",
                extra=f"{extra_headers}{header}: {mail.message_id}\n",
                target_model="crm.lead",
                target_field="name",
            )


# The subject of the first email of SentEmailsCommon's sequence (what answers say "Re:" to).
SENT_SUBJECT = "Quick question about Acme"


class SentEmailsCommon(CrmSequenceCommon):
    """The common sequence made of two emails (day 1 "Quick question about Acme", day 3
    a follow-up) and ``_send_to``: the first email sent to new leads, for tests that write
    answers back to it through Odoo's mail gateway."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sequence.write(
            {
                "step_ids": [
                    fields.Command.clear(),
                    fields.Command.create(
                        {"step_type": "auto_email", "day": 1, "subject": SENT_SUBJECT, "body_html": "<p>Hi</p>"}
                    ),
                    fields.Command.create(
                        {"step_type": "auto_email", "day": 3, "subject": "Follow-up", "body_html": "<p>Hi</p>"}
                    ),
                ]
            }
        )

    def _send_to(self, addresses, user=None):
        """Leads (of ``user``, else the owner) enrolled on Monday 7 December 2026 at 09:00 in
        Brussels; the cron sends them the first email. Returns {address: touch of that email}."""
        leads = self.env["crm.lead"].create(
            [
                {
                    "name": f"Lead {address}",
                    "email_from": address,
                    "contact_name": "Dana Smith",
                    "user_id": (user or self.user_owner).id,
                }
                for address in addresses
            ]
        )
        if self.sequence.state != "active":
            self.sequence.action_activate()
        with freeze_time("2026-12-07 08:00:00"), self.mock_mail_gateway():
            self.sequence.enroll_records(leads)
            self._run_cron()
        touches = self.sequence.enrollment_ids.touch_ids.filtered(lambda t: t.message_id and t.res_id in leads.ids)
        return {touch.enrollment_id.email: touch for touch in touches}


# Incoming emails for the gateway (formatted by MailCase.format_and_process).
REPLY_TEMPLATE = """Return-Path: {return_path}
To: {to}
cc: {cc}
From: {email_from}
Subject: {subject}
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Date: {date}
Message-ID: {msg_id}
{extra}
Thanks, I am interested. Can we talk on Monday?
"""

BOUNCE_TEMPLATE = """Return-Path: <>
To: {to}
From: MAILER-DAEMON@mail.customer.example.com (Mail Delivery System)
Subject: {subject}
Date: {date}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
    boundary="BOUNDARY.1555335666"
Message-Id: {msg_id}

--BOUNDARY.1555335666
Content-Type: text/plain; charset=us-ascii

Your message could not be delivered: 550 No such person at this address.

--BOUNDARY.1555335666
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.customer.example.com

Final-Recipient: rfc822; {cc}
Original-Recipient: rfc822;{cc}
Action: failed
Status: 5.0.0
Diagnostic-Code: smtp; 550 No such person at this address.

--BOUNDARY.1555335666
Content-Type: message/rfc822

Return-Path: <{to}>
Message-Id: {extra}
Subject: Hello
From: Oscar Owner <oscar@example.com>
To: <{cc}>
Content-Type: text/plain

Hello

--BOUNDARY.1555335666--
"""

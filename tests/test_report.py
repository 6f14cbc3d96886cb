from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from odoo.addons.crm_sequence.models.crm_sequence_step import step_order
from odoo.addons.crm_sequence.models.reply_intent import INTENTS

from .common import CrmSequenceCommon


@tagged("post_install", "-at_install")
class TestStepResultsReport(CrmSequenceCommon):
    """Step results (``crm.sequence.report``): engagement as measures, summed and
    averaged by Odoo's ``read_group`` as pivot and graph do, and seen only where the
    user may read the contact."""

    def setUp(self):
        super().setUp()
        cls = self
        cls.sequence.action_activate()
        lead_other = cls.env["crm.lead"].create(
            {
                "name": "Olga's lead",
                "type": "lead",
                "contact_name": "Other contact",
                "email_from": "other.contact@customer.example.com",
                "user_id": cls.user_other.id,
            }
        )
        quiet_lead = cls.env["crm.lead"].create(
            {
                "name": "Quiet lead",
                "type": "lead",
                "email_from": "quiet@customer.example.com",
                "user_id": cls.user_owner.id,
            }
        )
        cls.all_leads = cls.leads | lead_other | quiet_lead
        # Tuesday: day-1 emails to all four; Thursday: the calls of day 3 become tasks
        with freeze_time("2026-03-03 09:00:00"):
            cls.sequence.enroll_records(cls.all_leads)
        with freeze_time("2026-03-03 09:00:00"), cls.mock_mail_gateway():
            cls._run_cron()
        cls.touches = cls.sequence.enrollment_ids.touch_ids
        emails = cls.touches.filtered(lambda t: t.step_type == "auto_email").sorted(lambda t: t.res_id)
        cls.email_touches = emails
        emails[0]._mark_opened()
        emails[0].write({"clicked": True})  # a person clicked its link (the tracking itself: test_link_tracking)
        emails[1]._mark_opened()
        emails[1]._mark_replied()  # the reply removes the run: its call is canceled
        emails[2]._mark_bounced()
        cls.env["mail.blacklist"]._crm_sequence_unsubscribe(emails[3].enrollment_id.email_normalized, "test")
        with freeze_time("2026-03-05 09:00:00"), cls.mock_mail_gateway():
            cls._run_cron()
        cls.calls = cls.touches.filtered(lambda t: t.step_type == "call" and t.state == "open")
        cls.calls[:1].activity_id.action_feedback("Talked")
        cls.env.flush_all()

    def _totals(self, user=None, groupby=("step_id",)):
        Report = self.env["crm.sequence.report"]
        if user:
            Report = Report.with_user(user)
        measures = [
            "sent:sum",
            "opened:sum",
            "clicked:sum",
            "replied:sum",
            "bounced:sum",
            "opted_out:sum",
            "task_count:sum",
            "task_done:sum",
            "open_rate:avg",
            "click_rate:avg",
            "reply_rate:avg",
            "bounce_rate:avg",
            "opt_out_rate:avg",
            "task_done_rate:avg",
        ]
        names = [m.split(":")[0] for m in measures]
        return {
            group[0]: dict(zip(names, group[1:]))
            for group in Report._read_group([("sequence_id", "=", self.sequence.id)], list(groupby), measures)
        }

    def test_measures_equal_counts(self):
        """Per step, the sums are the touches counted one by one, the rates their ratios."""
        totals = self._totals()
        for step in self.sequence.step_ids.filtered(lambda s: s.step_type != "delay"):
            touches = self.touches.filtered(lambda t, step=step: t.step_id == step)
            sent = touches.filtered(lambda t: t.state == "done" and t.message_id)
            tasks = touches.filtered(
                lambda t: t.step_type in ("call", "todo") and t.date_done and t.state in ("open", "done", "canceled")
            )
            expected = {
                "sent": len(sent),
                "opened": len(sent.filtered("opened")),
                "clicked": len(sent.filtered("clicked")),
                "replied": len(sent.filtered("replied")),
                "bounced": len(sent.filtered("bounced")),
                "opted_out": len(sent.filtered(lambda t: t.enrollment_id.end_reason == "opted_out")),
                "task_count": len(tasks),
                "task_done": len(tasks.filtered(lambda t: t.state == "done")),
            }
            got = {key: totals[step][key] for key in expected}
            self.assertEqual(got, expected, step.title)
        email_step = self.email_touches.step_id
        self.assertEqual(
            {key: totals[email_step][key] for key in ("sent", "opened", "clicked", "replied", "bounced", "opted_out")},
            {"sent": 5, "opened": 2, "clicked": 1, "replied": 1, "bounced": 1, "opted_out": 1},
        )
        self.assertEqual(totals[email_step]["open_rate"], 40.0)
        self.assertEqual(totals[email_step]["reply_rate"], 20.0)
        self.assertEqual(totals[email_step]["click_rate"], 20.0)
        self.assertEqual(totals[email_step]["opt_out_rate"], 20.0)
        self.assertFalse(totals[email_step]["task_done_rate"], "no task on an email step: no rate, not 0%")
        call_step = self.calls.step_id
        calls = self.touches.filtered(lambda t: t.step_id == call_step and t.date_done)
        self.assertEqual(len(calls), 2, "the two runs still going after day 1 got their call as a task")
        self.assertEqual(totals[call_step]["task_count"], len(calls))
        self.assertEqual(totals[call_step]["task_done"], 1)
        self.assertEqual(totals[call_step]["task_done_rate"], 50.0)
        self.assertFalse(totals[call_step]["sent"])

    def test_by_seller_and_week(self):
        by_seller = self._totals(groupby=("user_id",))
        self.assertEqual(by_seller[self.user_owner]["sent"], 5, "the sequence sends as its owner")
        by_week = self._totals(groupby=("date:week",))
        self.assertEqual(sum(values["sent"] for values in by_week.values()), 5)

    def test_no_day_sums(self):
        """Day numbers and positions are no measures (nothing to add up)."""
        for model, fname in (
            ("crm.sequence.touch", "step_day"),
            ("crm.sequence.step", "day"),
            ("crm.sequence.step", "delay_days"),
            ("crm.sequence.step", "sequence"),
            ("crm.sequence.report", "res_id"),
        ):
            self.assertFalse(self.env[model]._fields[fname].aggregator, f"{model}.{fname}")
        fields_info = self.env["crm.sequence.report"].fields_get(attributes=["aggregator"])
        measures = {name for name, info in fields_info.items() if info.get("aggregator")}
        self.assertEqual(
            measures,
            {
                "sent",
                "opened",
                "clicked",
                "replied",
                "bounced",
                "opted_out",
                "task_count",
                "task_done",
                "open_rate",
                "click_rate",
                "reply_rate",
                "bounce_rate",
                "opt_out_rate",
                "task_done_rate",
                # replies by what they say (test_report_replies)
                *(f"reply_{intent}_count" for intent in INTENTS),
                "reply_corrected_count",
                "positive_reply_rate",
            },
        )

    def test_access_follows_the_record(self):
        """A salesperson sees the results of the leads they may read; the owner of the
        sequence and administrators all of them; a user without CRM rights none."""
        other_lead = self.all_leads.filtered(lambda lead: lead.user_id == self.user_other)
        Report = self.env["crm.sequence.report"]
        self.assertEqual(set(Report.with_user(self.user_other).search([]).mapped("res_id")), set(other_lead.ids))
        self.assertEqual(self._totals(self.user_other)[self.email_touches.step_id]["sent"], 1)
        self.assertEqual(self._totals(self.user_owner)[self.email_touches.step_id]["sent"], 5)
        self.assertEqual(self._totals(self.user_seq_admin)[self.email_touches.step_id]["sent"], 5)
        self.assertFalse(Report.with_user(self.user_viewer).search([]))
        self.assertFalse(self._totals(self.user_viewer))
        hidden = Report.search([("res_id", "in", self.leads.ids)], limit=1)
        with self.assertRaises(AccessError):
            hidden.with_user(self.user_other).read(["record_name"])


@tagged("post_install", "-at_install")
class TestStepResultsTour(HttpCase):
    """The Step results pivot in the browser: replies per step."""

    def test_report_tour(self):
        admin = self.env.ref("base.user_admin")
        admin.email = "admin@example.com"
        sequence = CrmSequenceCommon._create_sequence(
            self.env(user=admin),
            name="Report tour",
            steps=[
                {"step_type": "auto_email", "day": 1, "subject": "Report first email", "body_html": "<p>Hi</p>"},
                {"step_type": "auto_email", "day": 2, "subject": "Report second email", "body_html": "<p>Hi</p>"},
            ],
        )
        sequence.removal_rule_ids.active = False  # replies are recorded, the runs go on
        sequence.action_activate()
        leads = self.env["crm.lead"].create(
            [{"name": f"Report lead {index}", "email_from": f"report{index}@example.com"} for index in range(3)]
        )
        sequence.enroll_records(leads)
        first, second = sequence.step_ids.sorted(step_order)
        touches = sequence.enrollment_ids.touch_ids
        firsts = touches.filtered(lambda t: t.step_id == first)
        firsts._execute()
        firsts[:2]._mark_opened()
        firsts[:1]._mark_replied()
        seconds = touches.filtered(lambda t: t.step_id == second)[:2]
        seconds._execute()
        seconds._mark_replied()
        self.start_tour(
            "/odoo/action-crm_sequence.crm_sequence_report_action", "crm_sequence_report_tour", login="admin"
        )

from odoo import api, fields, models
from odoo.tools import SQL, drop_view_if_exists

from ..models.crm_sequence_step import STEP_TYPES
from ..models.crm_sequence_touch import TOUCH_STATES


class CrmSequenceReport(models.Model):
    """Step results as a reporting view: one row per touch, with engagement as measures.

    Pivot and graph sum the 0/1 measures (sent, opened, replied, bounced, opted out,
    tasks done) and average the rates (0 or 100 on each email sent or task given,
    empty elsewhere, so that an average over any group is the rate of that group).
    A row names a contact, so it follows that record's access as runs and touches
    do (``crm.sequence.run.access`` filters on ``res_model``/``res_id``).
    """

    _name = "crm.sequence.report"
    _inherit = ["crm.sequence.run.access"]
    _description = "Sequence Step Results"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "step_name"

    touch_id = fields.Many2one("crm.sequence.touch", "Touch", readonly=True)
    enrollment_id = fields.Many2one("crm.sequence.enrollment", "Run", readonly=True)
    sequence_id = fields.Many2one("crm.sequence", "Sequence", readonly=True)
    step_id = fields.Many2one("crm.sequence.step", "Step", readonly=True)
    variant_id = fields.Many2one(
        "crm.sequence.step.variant", "Variant", readonly=True, help="The version of the email (A/B test)."
    )
    step_name = fields.Char("Step name", readonly=True)
    step_type = fields.Selection(STEP_TYPES, string="Step type", readonly=True)
    state = fields.Selection(TOUCH_STATES, string="Status", readonly=True)
    user_id = fields.Many2one("res.users", "Seller", readonly=True)
    company_id = fields.Many2one("res.company", "Company", readonly=True)
    res_model = fields.Char("Record model", readonly=True)
    res_id = fields.Many2oneReference("Record ID", model_field="res_model", readonly=True, aggregator=False)
    record_name = fields.Char("Record", readonly=True)
    date = fields.Datetime(
        "Date", readonly=True, help="When the email was sent or the task given; the planned moment before."
    )
    engagement = fields.Selection(
        [
            ("replied", "Replied"),
            ("clicked", "Clicked"),
            ("opened", "Opened"),
            ("unopened", "Not opened"),
            ("bounced", "Bounced"),
        ],
        readonly=True,
        help="What the contact did with the email, the furthest first (replied, else clicked, else opened...); "
        "empty for tasks. Opens and clicks are people's (machines' are apart, on the touch).",
    )
    sent = fields.Integer("Sent", readonly=True, aggregator="sum")
    opened = fields.Integer("Opened", readonly=True, aggregator="sum")
    clicked = fields.Integer("Clicked", readonly=True, aggregator="sum", help="A person clicked a link of the email.")
    replied = fields.Integer("Replied", readonly=True, aggregator="sum")
    bounced = fields.Integer("Bounced", readonly=True, aggregator="sum")
    opted_out = fields.Integer(
        "Opted out", readonly=True, aggregator="sum", help="The last email a run sent before its contact opted out."
    )
    task_count = fields.Integer("Tasks given", readonly=True, aggregator="sum")
    task_done = fields.Integer("Tasks done", readonly=True, aggregator="sum")
    open_rate = fields.Float("Open rate (%)", readonly=True, aggregator="avg")
    click_rate = fields.Float("Click rate (%)", readonly=True, aggregator="avg")
    reply_rate = fields.Float("Reply rate (%)", readonly=True, aggregator="avg")
    bounce_rate = fields.Float("Bounce rate (%)", readonly=True, aggregator="avg")
    opt_out_rate = fields.Float("Opt-out rate (%)", readonly=True, aggregator="avg")
    task_done_rate = fields.Float("Tasks done rate (%)", readonly=True, aggregator="avg")

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, **kwargs):
        """The view reads touches and runs in SQL: write what the ORM still holds first."""
        self.env["crm.sequence.touch"].flush_model()
        self.env["crm.sequence.enrollment"].flush_model(["record_name", "end_reason"])
        return super()._search(domain, offset, limit, order, **kwargs)

    def _query(self):
        sent = SQL("(touch.state = 'done' AND touch.message_id IS NOT NULL)")
        # a task given to a seller (scheduled touches canceled with their run never were)
        task = SQL(
            """(touch.step_type IN ('call', 'todo', 'manual_email') AND touch.date_done IS NOT NULL
                AND touch.state IN ('open', 'done', 'canceled'))"""
        )
        # the run's last email: the one its contact left from
        opted_out = SQL(
            """(%s AND enrollment.end_reason = 'opted_out' AND NOT EXISTS (
                   SELECT 1 FROM crm_sequence_touch later
                    WHERE later.enrollment_id = touch.enrollment_id AND later.state = 'done'
                      AND later.message_id IS NOT NULL
                      AND (later.date_done, later.id) > (touch.date_done, touch.id)))""",
            sent,
        )

        def rate(condition, flag):
            return SQL("CASE WHEN %s THEN (CASE WHEN %s THEN 100.0 ELSE 0.0 END) END", condition, flag)

        def count(flag):
            return SQL("(CASE WHEN %s THEN 1 ELSE 0 END)", flag)

        done = SQL("touch.state = 'done'")
        # each measure, then each rate, by its column: a 0/1 count, or 100/0 where it applies
        measures = {"sent": count(sent)}
        rates = {}
        for flag, rate_name in (("opened", "open"), ("clicked", "click"), ("replied", "reply"), ("bounced", "bounce")):
            measures[flag] = count(SQL("%s AND %s", sent, SQL.identifier("touch", flag)))
            rates[f"{rate_name}_rate"] = rate(sent, SQL.identifier("touch", flag))
        measures.update(
            opted_out=count(opted_out), task_count=count(task), task_done=count(SQL("%s AND %s", task, done))
        )
        rates.update(opt_out_rate=rate(sent, opted_out), task_done_rate=rate(task, done))
        columns = SQL(",\n").join(
            SQL("%s AS %s", expression, SQL.identifier(column)) for column, expression in {**measures, **rates}.items()
        )
        return SQL(
            """
            SELECT touch.id, touch.id AS touch_id, touch.enrollment_id, touch.sequence_id, touch.step_id,
                   touch.variant_id, touch.step_name, touch.step_type, touch.state, touch.user_id, touch.company_id,
                   touch.res_model, touch.res_id, enrollment.record_name,
                   COALESCE(touch.date_done, touch.date_scheduled, touch.create_date) AS date,
                   CASE WHEN NOT %(is_sent)s THEN NULL
                        WHEN touch.bounced THEN 'bounced'
                        WHEN touch.replied THEN 'replied'
                        WHEN touch.clicked THEN 'clicked'
                        WHEN touch.opened THEN 'opened'
                        ELSE 'unopened' END AS engagement,
                   %(columns)s
              FROM crm_sequence_touch touch
              JOIN crm_sequence_enrollment enrollment ON enrollment.id = touch.enrollment_id
            """,
            is_sent=sent,
            columns=columns,
        )

    def init(self):
        drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))

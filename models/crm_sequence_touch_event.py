from odoo import fields, models

from . import tracking_verdict as tv

EVENT_KINDS = [("open", "Open"), ("click", "Click")]
VERDICTS = [(tv.HUMAN, "Person"), (tv.MACHINE, "Machine")]
REASONS = [
    (tv.PRIVACY_PROXY, "Privacy proxy prefetch"),
    (tv.SECURITY_SCANNER, "Security scanner"),
    (tv.TOO_FAST, "Less than 5 seconds after sending"),
    (tv.HEAD_REQUEST, "HEAD request"),
    (tv.ALL_LINKS, "Every link clicked within a second"),
    (tv.BOT, "Known bot"),
]


class CrmSequenceTouchEvent(models.Model):
    """One open or click of a sequence email, as it reached the server, with the verdict
    of ``tracking_verdict``: a person's or a machine's, and why.

    Kept for every request that carried a valid token, so that a manager can see why a
    touch counts as opened (or not). Only the engine creates events (the public
    tracking routes, in sudo); users read those of the records they may read, like
    the touch (``crm.sequence.run.access``).
    """

    _name = "crm.sequence.touch.event"
    _inherit = ["crm.sequence.run.access"]
    _description = "Sequence Email Event"
    _order = "date desc, id desc"
    _rec_name = "kind"

    touch_id = fields.Many2one("crm.sequence.touch", required=True, ondelete="cascade", index=True, readonly=True)
    # copies of the touch's, for access checks and reports
    sequence_id = fields.Many2one("crm.sequence", readonly=True, index=True)
    step_id = fields.Many2one("crm.sequence.step", readonly=True, ondelete="set null")
    company_id = fields.Many2one("res.company", readonly=True)
    res_model = fields.Char(readonly=True)
    res_id = fields.Many2oneReference(model_field="res_model", readonly=True)
    kind = fields.Selection(EVENT_KINDS, required=True, readonly=True)
    verdict = fields.Selection(VERDICTS, required=True, readonly=True)
    reason = fields.Selection(REASONS, readonly=True, help="Why a machine: empty for a person.")
    reason_detail = fields.Char("Rule", readonly=True, help="The rule that decided, e.g. “Mimecast”.")
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    seconds_since_sent = fields.Float(
        "Seconds after sending", readonly=True, help="Since the email was handed to the SMTP server."
    )
    method = fields.Char("HTTP method", readonly=True)
    user_agent = fields.Char(readonly=True)
    ip = fields.Char("IP address", readonly=True)
    url = fields.Char("Target URL", readonly=True, help="Where the clicked link leads.")
    link_id = fields.Many2one("link.tracker", string="Tracked link", readonly=True, ondelete="set null")

    _touch_kind_idx = models.Index("(touch_id, kind, date)")

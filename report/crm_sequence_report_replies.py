from odoo import fields, models
from odoo.tools import SQL

from ..models.crm_sequence_reply_action import INTENT_LABELS
from ..models.reply_intent import INTENTS


class CrmSequenceReport(models.Model):
    """Step results by what the replies said: the reading of each email's reply
    (``crm.sequence.touch.reply_intent``, after the seller's corrections) as a dimension,
    one sum per intent and the positive reply rate, so that a manager compares steps,
    sequences and sellers by interested replies rather than by any reply.

    The columns come from the classifier's intents (``reply_intent.INTENTS``): the view
    reads the base view's rows and joins their touch once."""

    _inherit = "crm.sequence.report"

    reply_intent = fields.Selection(
        INTENT_LABELS, string="Reply read as", readonly=True, help="How the email's reply reads, corrections included."
    )
    reply_positive_count = fields.Integer("Reply: interested", readonly=True, aggregator="sum")
    reply_not_now_count = fields.Integer("Reply: not now", readonly=True, aggregator="sum")
    reply_referral_count = fields.Integer("Reply: ask someone else", readonly=True, aggregator="sum")
    reply_left_company_count = fields.Integer("Reply: left the company", readonly=True, aggregator="sum")
    reply_unsubscribe_count = fields.Integer("Reply: stop emailing me", readonly=True, aggregator="sum")
    reply_not_interested_count = fields.Integer("Reply: not interested", readonly=True, aggregator="sum")
    reply_other_count = fields.Integer("Reply: other", readonly=True, aggregator="sum")
    reply_corrected_count = fields.Integer(
        "Reply: reading corrected", readonly=True, aggregator="sum", help="Replies whose reading a seller corrected."
    )
    positive_reply_rate = fields.Float(
        "Positive reply rate (%)",
        readonly=True,
        aggregator="avg",
        help="Emails whose reply reads as interested, of the emails sent (each email sent counts 0 or 100).",
    )

    def _query(self):
        sent = SQL("base.sent = 1")
        intent = SQL("CASE WHEN %s THEN touch_reply.reply_intent END", sent)
        counts = [
            SQL("CASE WHEN %s = %s THEN 1 ELSE 0 END AS %s", intent, key, SQL.identifier(f"reply_{key}_count"))
            for key in INTENTS
        ]
        return SQL(
            """
            SELECT base.*, %(intent)s AS reply_intent, %(counts)s,
                   CASE WHEN %(sent)s AND touch_reply.reply_corrected THEN 1 ELSE 0 END AS reply_corrected_count,
                   CASE WHEN %(sent)s THEN (CASE WHEN touch_reply.reply_intent = 'positive' THEN 100.0 ELSE 0.0 END)
                   END AS positive_reply_rate
              FROM (%(base)s) base
              JOIN crm_sequence_touch touch_reply ON touch_reply.id = base.touch_id
            """,
            intent=intent,
            counts=SQL(", ").join(counts),
            sent=sent,
            base=super()._query(),
        )

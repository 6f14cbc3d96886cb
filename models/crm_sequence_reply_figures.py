from odoo import fields, models


class CrmSequenceReplyFigures(models.AbstractModel):
    """Replies counted by what they say (the touches' ``reply_intent``) and the positive
    reply rate (interested / emails sent), per sequence or per step: the metric sales
    teams want, in grouped queries for every record shown
    (``crm.sequence.touch._reply_figures``). ``_reply_figures_key`` is the touch field
    pointing at the inheriting model."""

    _name = "crm.sequence.reply.figures"
    _description = "Replies by intent"
    _reply_figures_key = None

    reply_positive_count = fields.Integer("Interested", compute="_compute_reply_figures")
    reply_not_now_count = fields.Integer("Not now", compute="_compute_reply_figures")
    reply_referral_count = fields.Integer("Referrals", compute="_compute_reply_figures")
    reply_left_company_count = fields.Integer("Left the company", compute="_compute_reply_figures")
    reply_unsubscribe_count = fields.Integer("Asked to stop", compute="_compute_reply_figures")
    reply_not_interested_count = fields.Integer("Not interested", compute="_compute_reply_figures")
    reply_other_count = fields.Integer("Other replies", compute="_compute_reply_figures")
    reply_corrected_count = fields.Integer(
        "Corrected readings", compute="_compute_reply_figures", help="Replies whose intent a seller corrected."
    )
    positive_reply_rate = fields.Float(
        "Positive reply rate", compute="_compute_reply_figures", help="Replies read as interested / emails sent."
    )

    def _compute_reply_figures(self):
        figures = self.env["crm.sequence.touch"]._reply_figures(self._reply_figures_key, self.filtered("id").ids)
        for record in self:
            record.update(figures[record.id])

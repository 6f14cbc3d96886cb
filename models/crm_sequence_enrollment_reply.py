from odoo import fields, models


class CrmSequenceEnrollment(models.Model):
    """The runs a reply's reading ended besides its own: the other runs of the company
    ("Stop the whole company on reply") and the other runs of an address that asked to
    stop. A seller's correction of that reading revives them
    (``crm.sequence.touch.action_set_reply_intent``)."""

    _inherit = "crm.sequence.enrollment"

    reply_stop_touch_id = fields.Many2one(
        "crm.sequence.touch",
        string="Stopped by the reply to",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The email whose reply, as read, ended this run too (its company replied, or its address asked to "
        "stop); a correction of that reading brings the run back.",
    )

from odoo import fields, models


class MailActivity(models.Model):
    """Activities created by a sequence know their run, so sellers can filter and group them,
    and completing a "wait until done" task releases the steps that waited for it."""

    _inherit = "mail.activity"

    crm_sequence_touch_id = fields.Many2one(
        "crm.sequence.touch",
        string="Sequence touch",
        ondelete="set null",
        index="btree_not_null",
        readonly=True,
    )
    crm_sequence_id = fields.Many2one(
        "crm.sequence",
        string="Sequence",
        index="btree_not_null",
        readonly=True,
        ondelete="set null",
    )
    crm_sequence_step_id = fields.Many2one(
        "crm.sequence.step",
        string="Sequence step",
        readonly=True,
        ondelete="set null",
    )

    def _action_done(self, feedback=False, attachment_ids=None):
        touches = self.sudo().crm_sequence_touch_id
        done_at = fields.Datetime.now()
        result = super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
        for touch in touches.filtered(lambda t: t.step_id.wait_until_done):
            if touch.enrollment_id.state == "active":
                touch.enrollment_id._shift_waiting(touch, done_at)
        return result

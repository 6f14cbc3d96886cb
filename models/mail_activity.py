from odoo import api, fields, models
from odoo.exceptions import AccessError

# Links set by the sequence engine only: a user pointing an activity at another run
# would release or count someone else's steps.
SEQUENCE_FIELDS = {"crm_sequence_touch_id", "crm_sequence_id", "crm_sequence_step_id"}


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
        copy=False,
    )
    crm_sequence_id = fields.Many2one(
        "crm.sequence",
        string="Sequence",
        index="btree_not_null",
        readonly=True,
        copy=False,
        ondelete="set null",
    )
    crm_sequence_step_id = fields.Many2one(
        "crm.sequence.step",
        string="Sequence step",
        readonly=True,
        copy=False,
        ondelete="set null",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(SEQUENCE_FIELDS.intersection(vals) for vals in vals_list):
            self._raise_sequence_fields()
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and SEQUENCE_FIELDS.intersection(vals):
            self._raise_sequence_fields()
        return super().write(vals)

    def _raise_sequence_fields(self):
        raise AccessError(self.env._("Sequence tasks are linked to their run by the sequence engine only."))

    def unlink(self):
        """A canceled "wait until done" task must not block its run: the next steps go on from now."""
        touches = self._crm_sequence_waiting_touches()
        result = super().unlink()
        for touch in touches:
            touch.enrollment_id._shift_waiting(touch, fields.Datetime.now())
        return result

    def _crm_sequence_waiting_touches(self):
        return self.sudo().crm_sequence_touch_id.filtered(
            lambda t: t.step_id.wait_until_done and t.enrollment_id.state == "active"
        )

    def _action_done(self, feedback=False, attachment_ids=None):
        touches = self._crm_sequence_waiting_touches()
        done_at = fields.Datetime.now()
        result = super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
        for touch in touches:
            touch.enrollment_id._shift_waiting(touch, done_at)
        return result

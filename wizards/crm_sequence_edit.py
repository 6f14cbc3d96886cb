from odoo import fields, models


class CrmSequenceEdit(models.TransientModel):
    """Asked before the steps or timing of a running sequence change: what happens to
    the contacts already in it. The choice applies to the next save of the sequence."""

    _name = "crm.sequence.edit"
    _description = "Edit a running sequence"

    sequence_id = fields.Many2one("crm.sequence", required=True, ondelete="cascade")
    running_count = fields.Integer(compute="_compute_running_count")
    mode = fields.Selection(
        [("terminate", "Terminate their runs"), ("keep", "Keep them: apply the new steps to what remains")],
        required=True,
        default="keep",
    )

    def _compute_running_count(self):
        for wizard in self:
            wizard.running_count = len(wizard.sequence_id._running_enrollments())

    def action_confirm(self):
        self.ensure_one()
        self.sequence_id.check_access("write")
        self.sequence_id.sudo().pending_edit_mode = self.mode
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.sequence",
            "res_id": self.sequence_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

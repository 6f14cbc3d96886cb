from odoo import api, fields, models
from odoo.exceptions import UserError


class CrmSequenceEnroll(models.TransientModel):
    """“Add to sequence” from a list or kanban: enroll the selected records and say
    exactly how many were enrolled and why the others were skipped.

    The rules live in ``crm.sequence.enroll_records``; this wizard only collects the
    selection and offers the sequences the user may use.
    """

    _name = "crm.sequence.enroll"
    _description = "Add to sequence"

    res_model = fields.Char(required=True, default=lambda self: self.env.context.get("active_model"))
    res_ids = fields.Json(default=lambda self: self._default_res_ids())
    record_count = fields.Integer(compute="_compute_record_count")
    sequence_id = fields.Many2one(
        "crm.sequence",
        required=True,
        domain="[('id', 'in', available_sequence_ids)]",
    )
    available_sequence_ids = fields.Many2many("crm.sequence", compute="_compute_available_sequence_ids")

    @api.model
    def _default_res_ids(self):
        ctx = self.env.context
        return ctx.get("active_ids") or ([ctx["active_id"]] if ctx.get("active_id") else [])

    @api.depends("res_ids")
    def _compute_record_count(self):
        for wizard in self:
            wizard.record_count = len(wizard.res_ids) if isinstance(wizard.res_ids, list) else 0

    @api.depends("res_model")
    def _compute_available_sequence_ids(self):
        Sequence = self.env["crm.sequence"]
        for wizard in self:
            wizard.available_sequence_ids = Sequence.search(Sequence._usable_domain(wizard.res_model))

    def action_enroll(self):
        self.ensure_one()
        if self.res_model not in self.env or self.env[self.res_model]._abstract:
            raise UserError(self.env._("“%s” is not a kind of records that can be enrolled.", self.res_model))
        if not self.res_ids:
            raise UserError(self.env._("Select the records to add to the sequence."))
        if not isinstance(self.res_ids, list):
            raise UserError(self.env._("The records to enroll must be given by their ids (positive whole numbers)."))
        sequence = self.sequence_id
        sequence._check_board(self.res_model)
        report = sequence.enroll_records(self.res_ids)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Added to “%s”", sequence.name),
                "message": report["message"],
                "type": "success" if report["enrolled"] else "warning",
                "sticky": bool(report["skipped"] or report["missing"]),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

from odoo import api, fields, models


class CrmSequenceStepPreview(models.TransientModel):
    """Render an email step for one record of the board, as the cron would send it."""

    _name = "crm.sequence.step.preview"
    _description = "Sequence email preview"

    @api.model
    def _selection_target_model(self):
        return [
            (model.model, model.name) for model in self.env["ir.model"].sudo().search([("is_mail_thread", "=", True)])
        ]

    step_id = fields.Many2one("crm.sequence.step", required=True, ondelete="cascade")
    resource_ref = fields.Reference(
        string="Record",
        selection="_selection_target_model",
        compute="_compute_resource_ref",
        readonly=False,
        store=True,
    )
    subject = fields.Char(compute="_compute_preview")
    body_html = fields.Html(compute="_compute_preview", sanitize=False)
    error_msg = fields.Char(compute="_compute_preview")
    empty_warning = fields.Char(compute="_compute_preview")

    @api.depends("step_id")
    def _compute_resource_ref(self):
        for preview in self:
            model = preview.step_id.sequence_id.model
            record = self.env[model].search([], limit=1) if model else False
            preview.resource_ref = f"{model},{record.id}" if record else False

    @api.depends("step_id", "resource_ref")
    def _compute_preview(self):
        for preview in self:
            preview.subject = preview.body_html = preview.error_msg = preview.empty_warning = False
            record = preview.resource_ref
            if not record or not preview.step_id or record._name != preview.step_id.sequence_id.model:
                continue
            try:
                step = preview.step_id
                preview.subject = step._render_field("subject", record.ids)[record.id]
                preview.body_html = step._render_field("body_html", record.ids)[record.id]
                empty = step._empty_placeholders(record)
                if empty:
                    preview.empty_warning = self.env._(
                        "%(fields)s is empty for this record: this email would not be sent to it. Fill it in, "
                        "or give the placeholder a default.",
                        fields=", ".join(empty[record.id]),
                    )
            except Exception as error:  # noqa: BLE001 - shown to the author so they can fix the placeholder
                preview.error_msg = str(error)

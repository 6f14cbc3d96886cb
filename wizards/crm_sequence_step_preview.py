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
    variant_id = fields.Many2one(
        "crm.sequence.step.variant",
        string="Variant",
        compute="_compute_variant_id",
        readonly=False,
        store=True,
        domain="[('step_id', '=', step_id)]",
        help="The version of the email to preview (A/B test).",
    )
    has_variants = fields.Boolean(compute="_compute_has_variants")
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

    @api.depends("step_id")
    def _compute_variant_id(self):
        for preview in self:
            if preview.variant_id.step_id != preview.step_id:
                variants = preview.step_id.variant_ids.filtered("active")
                preview.variant_id = variants.sorted(lambda v: (v.sequence, v.id))[:1]

    @api.depends("step_id")
    def _compute_has_variants(self):
        for preview in self:
            preview.has_variants = bool(preview.step_id.variant_ids)

    @api.depends("step_id", "variant_id", "resource_ref")
    def _compute_preview(self):
        for preview in self:
            preview.subject = preview.body_html = preview.error_msg = preview.empty_warning = False
            record = preview.resource_ref
            if not record or not preview.step_id or record._name != preview.step_id.sequence_id.model:
                continue
            try:
                step = preview.step_id
                email = preview.variant_id or step
                preview.subject = email._render_field("subject", record.ids)[record.id]
                preview.body_html = email._render_field("body_html", record.ids)[record.id]
                empty = step._empty_placeholders(record, template=preview.variant_id or None)
                if empty:
                    preview.empty_warning = self.env._(
                        "%(fields)s is empty for this record: this email would not be sent to it. Fill it in, "
                        "or give the placeholder a default.",
                        fields=", ".join(empty[record.id]),
                    )
            except Exception as error:  # noqa: BLE001 - shown to the author so they can fix the placeholder
                preview.error_msg = str(error)

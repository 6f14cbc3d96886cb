from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import html_sanitize

from .placeholders import readable_body


class CrmSequenceReadableMixin(models.AbstractModel):
    """An email's subject and body as a seller reads them: placeholders shown as
    ``{Field}`` chips (with their default, " or “there”") instead of QWeb.

    Shared by steps and A/B variants, which show a locked email the same way. The
    readable body is built from the stored body and passed through Odoo's HTML
    sanitizer, so that whatever markup the body holds is shown as Odoo shows any
    other rich text field. The model says which step names its placeholders
    (``_readable_step``)."""

    _name = "crm.sequence.readable.mixin"
    _description = "Sequence email as it reads"

    # declared here so that the computes' dependencies resolve; defined fully by the models
    sequence_id = fields.Many2one("crm.sequence")
    subject = fields.Char()
    body_html = fields.Html()

    subject_readable = fields.Char(
        "Subject as it reads", compute="_compute_subject_readable", help="The subject with {Field} for placeholders."
    )
    body_readable = fields.Html(
        "Body as it reads",
        compute="_compute_body_readable",
        sanitize=False,  # sanitized by the compute, once, after the chips are built
        help="The body with {Field} for placeholders, as a locked step shows it.",
    )
    body_locked = fields.Boolean(
        compute="_compute_body_readable",
        help="The current user reads this email's body without editing it (locked schedule or no right).",
    )

    def _readable_step(self):
        """The step whose board names the placeholders (``crm.sequence.step``)."""
        raise NotImplementedError

    @api.depends("subject", "sequence_id.model")
    def _compute_subject_readable(self):
        for record in self:
            step = record._readable_step()
            record.subject_readable = (
                step._readable_placeholders(record.subject) if step and record.subject else (record.subject or False)
            )

    @api.depends("body_html", "sequence_id.model", "sequence_id.schedule_locked", "sequence_id.can_edit")
    @api.depends_context("lang", "uid")
    def _compute_body_readable(self):
        default_text = self.env._(" or “{}”")
        for record in self:
            sequence = record.sequence_id
            # an email being written in the builder (its sequence not known yet) is not locked
            record.body_locked = bool(sequence) and bool(sequence.schedule_locked or not sequence.can_edit)
            label_of = record._readable_step()._expression_label
            record.body_readable = Markup(
                html_sanitize(
                    readable_body(record.body_html, label_of, default_text),
                    sanitize_attributes=True,
                    sanitize_form=False,
                )
            )

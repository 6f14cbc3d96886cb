from odoo import api, fields, models
from odoo.exceptions import UserError

TRIGGERS = [
    ("reply", "Replied"),
    ("open", "Opened an email"),
    ("click", "Clicked a link"),
    ("bounce", "Email bounced"),
]
END_REASON_BY_TRIGGER = {"reply": "replied", "open": "opened", "click": "clicked", "bounce": "bounced"}


class CrmSequenceRemovalRule(models.Model):
    """When a contact engages (reply, open, click, bounce), stop its enrollment and optionally
    move the record to a status, e.g. set the lead's stage to "Qualified"
    (``crm.sequence.status.mixin``)."""

    _name = "crm.sequence.removal.rule"
    _inherit = ["crm.sequence.status.mixin"]
    _description = "Sequence Removal Rule"
    _order = "sequence_id, id"

    trigger = fields.Selection(TRIGGERS, required=True)
    active = fields.Boolean(default=True, help="When off, the engagement is recorded but the enrollment goes on.")

    _trigger_unique = models.Constraint(
        "UNIQUE(sequence_id, trigger)",
        "A sequence has one removal rule per trigger.",
    )

    @api.depends("trigger", "active")
    def _compute_display_name(self):
        labels = dict(self._fields["trigger"]._description_selection(self.env))
        for rule in self:
            rule.display_name = labels.get(rule.trigger, "")

    def _status_owner_label(self):
        return self.env._("Removal rule “%s”", self.display_name)

    def write(self, vals):
        if "sequence_id" in vals and any(rule.sequence_id.id != vals["sequence_id"] for rule in self):
            # record rules are checked on the rule as it was: moving it would change another's sequence
            raise UserError(self.env._("A removal rule stays in its sequence: add one to the other sequence."))
        return super().write(vals)

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .value_checks import is_whole_number


class CrmSequenceStatusMixin(models.AbstractModel):
    """A status to set on the record when a run ends, picked the way ``base_automation``
    picks trigger values: a selection value for selection fields, a record for many2one
    fields. Shared by removal rules and reply actions (lines of a sequence)."""

    _name = "crm.sequence.status.mixin"
    _description = "Status set on a sequence's record"

    sequence_id = fields.Many2one("crm.sequence", required=True, ondelete="cascade", index=True)
    model_id = fields.Many2one(related="sequence_id.model_id")
    status_field_id = fields.Many2one(
        "ir.model.fields",
        string="Then set",
        ondelete="cascade",
        domain="[('model_id', '=', model_id), ('ttype', 'in', ('selection', 'many2one')), ('store', '=', True)]",
        help="Optional field of the record to update when the run ends this way.",
    )
    status_field_type = fields.Selection(related="status_field_id.ttype")
    status_selection_id = fields.Many2one(
        "ir.model.fields.selection",
        string="To value",
        ondelete="set null",
        domain="[('field_id', '=', status_field_id)]",
    )
    status_ref_model = fields.Char(compute="_compute_status_ref_model")
    status_ref = fields.Many2oneReference(string="To record", model_field="status_ref_model")

    @api.depends("status_field_id")
    def _compute_status_ref_model(self):
        for rule in self:
            rule.status_ref_model = rule.status_field_id.relation if rule.status_field_type == "many2one" else False

    @api.onchange("status_field_id")
    def _onchange_status_field_id(self):
        self.status_selection_id = False
        self.status_ref = False

    @api.constrains("status_field_id", "status_selection_id", "status_ref")
    def _check_status_value(self):
        for rule in self.filtered("status_field_id"):
            field = rule.status_field_id
            if field.model_id != rule.sequence_id.model_id:
                raise ValidationError(
                    self.env._("The field “%s” is not a field of the sequence's board.", field.field_description)
                )
            if field.ttype == "selection" and rule.status_selection_id.field_id != field:
                raise ValidationError(
                    self.env._(
                        "%(rule)s: choose which value of “%(field)s” to set.",
                        rule=rule._status_owner_label(),
                        field=field.field_description,
                    )
                )
            if field.ttype == "many2one" and not (
                rule.status_ref and self.env[field.relation].browse(rule.status_ref).exists()
            ):
                raise ValidationError(
                    self.env._(
                        "%(rule)s: choose which “%(field)s” to set.",
                        rule=rule._status_owner_label(),
                        field=field.field_description,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_status_ref_value(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_status_ref_value(vals)
        return super().write(vals)

    def _check_status_ref_value(self, vals):
        ref = vals.get("status_ref")
        if ref and not is_whole_number(ref, 1):
            raise ValidationError(self.env._("“%s” is no record: pick the value in the list.", ref))

    def _status_owner_label(self):
        """How error messages name this line, e.g. "Removal rule “Replied”"."""
        return self.display_name

    def _status_values(self):
        """Values to write on the record when this ends its run."""
        self.ensure_one()
        field = self.status_field_id
        if not field:
            return {}
        if field.ttype == "selection":
            return {field.name: self.status_selection_id.value}
        return {field.name: self.status_ref}

from odoo import fields, models


class CrmSequenceEnrolledMixin(models.AbstractModel):
    """For board models whose form shows a "Sequences" smart button: how many runs a
    record has, and the list of them (each opening its timeline)."""

    _name = "crm.sequence.enrolled.mixin"
    _description = "Records enrolled in sequences"

    crm_sequence_enrollment_count = fields.Integer("Sequences", compute="_compute_crm_sequence_enrollment_count")

    def _compute_crm_sequence_enrollment_count(self):
        counts = dict(
            self.env["crm.sequence.enrollment"]._read_group(
                [("res_model", "=", self._name), ("res_id", "in", self.ids)],
                ["res_id"],
                ["__count"],
            )
        )
        for record in self:
            record.crm_sequence_enrollment_count = counts.get(record.id, 0)

    def action_view_crm_sequence_enrollments(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_sequence.crm_sequence_enrollment_action")
        name = self.env._("Sequences of %s", self.display_name)
        action.update(
            {
                "domain": [("res_model", "=", self._name), ("res_id", "=", self.id)],
                "context": {"default_res_model": self._name, "default_res_id": self.id},
                "name": name,
                "display_name": name,
            }
        )
        return action

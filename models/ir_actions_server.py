import logging

from odoo import api, fields, models
from odoo.exceptions import ValidationError

_logger = logging.getLogger(__name__)


class IrActionsServer(models.Model):
    """ "Enroll in sequence" server actions, so Automation Rules can enroll records
    (e.g. when a lead's stage is set to X), configured in the standard screen."""

    _inherit = "ir.actions.server"

    state = fields.Selection(
        selection_add=[("crm_sequence_enroll", "Enroll in sequence")],
        ondelete={"crm_sequence_enroll": "cascade"},
    )
    crm_sequence_id = fields.Many2one(
        "crm.sequence",
        string="Sequence to enroll in",
        ondelete="cascade",
        domain="[('model_id', '=', model_id), ('state', '=', 'active')]",
    )

    @api.constrains("crm_sequence_id")
    def _check_crm_sequence_id(self):
        """Whoever configures the rule must be allowed to use its sequence: the rule then
        enrolls with that approval, whoever triggers it."""
        if self.env.su:
            return
        for sequence in self.crm_sequence_id:
            if not sequence.filtered_domain(sequence._usable_domain(sequence.model, active_only=False)):
                raise ValidationError(
                    self.env._(
                        "You may not use the sequence “%s” in an automation: it is not shared with you.", sequence.name
                    )
                )

    def _name_depends(self):
        return [*super()._name_depends(), "crm_sequence_id"]

    def _generate_action_name(self):
        self.ensure_one()
        if self.state == "crm_sequence_enroll" and self.crm_sequence_id:
            return self.env._("Enroll in %(sequence)s", sequence=self.crm_sequence_id.name)
        return super()._generate_action_name()

    @api.depends("state")
    def _compute_available_model_ids(self):
        enrolling = self.filtered(lambda action: action.state == "crm_sequence_enroll")
        if enrolling:
            mail_models = self.env["ir.model"].search([("is_mail_thread", "=", True), ("transient", "=", False)])
            enrolling.available_model_ids = mail_models.ids
        return super(IrActionsServer, self - enrolling)._compute_available_model_ids()

    @api.model
    def _warning_depends(self):
        return [*super()._warning_depends(), "crm_sequence_id", "model_id"]

    def _get_warning_messages(self):
        self.ensure_one()
        warnings = super()._get_warning_messages()
        if self.state == "crm_sequence_enroll":
            if not self.crm_sequence_id:
                warnings.append(self.env._("Choose the sequence to enroll the records in."))
            elif self.crm_sequence_id.model_id != self.model_id:
                warnings.append(self.env._("The sequence “%s” works on another model.", self.crm_sequence_id.name))
            # no warning for an inactive sequence: Odoo refuses to run an action with warnings,
            # which would block the user's own change (the rule just enrolls nobody meanwhile)
        return warnings

    def _run_action_crm_sequence_enroll_multi(self, eval_context=None):
        records = eval_context.get("records") or eval_context.get("record")
        sequence = self.crm_sequence_id
        if not records or not sequence or self._is_recompute():
            return False
        if sequence.state != "active" or records._name != sequence.model:
            # the rule's warning says so; a paused sequence must not block the user's own edit
            _logger.info("Automation %s: sequence %s cannot enroll %s now", self.id, sequence.id, records._name)
            return False
        # The sequence was approved when the rule was configured (``_check_crm_sequence_id``);
        # the records are those of the user whose change triggered the rule.
        readable = records._filtered_access("read")
        if readable != records:
            _logger.info("Automation %s: %s unreadable records not enrolled", self.id, len(records - readable))
        sequence._enroll_records(readable)
        return False

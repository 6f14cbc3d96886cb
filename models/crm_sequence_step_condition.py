import dataclasses

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from . import record_filters
from .crm_sequence_step import EMAIL_TYPES, step_order
from .engine_flags import engine_flag_set

CONDITIONS = [
    ("always", "Always"),
    ("opened", "Email opened"),
    ("not_opened", "Email not opened"),
    ("clicked", "Link clicked"),
    ("not_clicked", "No link clicked"),
    ("call_outcome", "Call outcome"),
]
ENGAGEMENT_CONDITIONS = ("opened", "not_opened", "clicked", "not_clicked")
# How a call went, as the seller records it in the task's work form (mail.activity)
CALL_OUTCOMES = [
    ("connected", "Connected"),
    ("voicemail", "Left a voicemail"),
    ("no_answer", "No answer"),
    ("wrong_number", "Wrong number"),
]


class CrmSequenceStep(models.Model):
    """A step's condition: it happens only when the contact did (or did not) open or
    click an earlier email of the run, when an earlier call had a given outcome, and/or
    when the record matches a filter. Checked when the step is due (see
    ``crm.sequence.touch._apply_conditions``); a false condition skips the step and the
    run goes on, so two steps on the same day with opposite conditions make a branch.

    A step conditioned on a call's outcome is planned once that call is done: it waits
    like the steps after a "wait until done" task, but keeps its own day.
    """

    _inherit = "crm.sequence.step"
    # the condition's step is picked by its subject or summary
    _rec_names_search = ["subject", "summary"]

    condition = fields.Selection(
        CONDITIONS,
        default="always",
        required=True,
        help="When the step happens: always, or depending on what the contact did with an earlier email "
        "(people's opens and clicks only; mail scanners do not count) or on an earlier call's outcome.",
    )
    condition_step_id = fields.Many2one(
        "crm.sequence.step",
        string="Condition on",
        compute="_compute_condition_step_id",
        store=True,
        readonly=False,
        precompute=True,
        ondelete="set null",
        index="btree_not_null",
        help="The earlier email (opened, clicked) or call (outcome) of this sequence the condition looks at.",
    )
    condition_call_outcome = fields.Selection(
        CALL_OUTCOMES,
        string="Outcome",
        compute="_compute_condition_call_outcome",
        store=True,
        readonly=False,
        precompute=True,
        help="The outcome the call must have had for this step to happen.",
    )
    filter_domain = fields.Char(
        "Only for records",
        help="The step happens only for records matching this filter when it is due (empty: every record).",
    )
    dependent_step_ids = fields.One2many(
        "crm.sequence.step", "condition_step_id", string="Steps conditioned on this one"
    )
    condition_summary = fields.Char(
        "Condition as it reads",
        compute="_compute_condition_summary",
        help="The step's condition as the list and the planned schedule say it.",
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends("condition")
    def _compute_condition_step_id(self):
        """A step of the wrong kind for the condition chosen is dropped (the form then asks
        for the right one)."""
        for step in self:
            if step.condition_step_id.step_type not in step._condition_step_types():
                step.condition_step_id = False

    @api.depends("condition")
    def _compute_condition_call_outcome(self):
        for step in self:
            if step.condition != "call_outcome":
                step.condition_call_outcome = False

    @api.depends("condition", "condition_step_id.title", "condition_call_outcome", "filter_domain", "sequence_id.model")
    @api.depends_context("lang")
    def _compute_condition_summary(self):
        for step in self:
            parts = []
            if step.condition != "always":
                parts.append(step._condition_text())
            if record_filters.is_set(step.filter_domain):
                parts.append(self.env._("if the record matches the filter"))
            step.condition_summary = ", ".join(parts) or False

    def _condition_step_types(self):
        """Types of step the condition may look at."""
        self.ensure_one()
        if self.condition == "call_outcome":
            return ("call",)
        if self.condition in ENGAGEMENT_CONDITIONS:
            return EMAIL_TYPES
        return ()

    def _condition_text(self):
        """ "if “Intro” clicked", "if “Discovery call”: Connected"."""
        self.ensure_one()
        # in the builder's dialog the step looked at is a copy of the saved one: read the saved one
        source = self.condition_step_id._origin.title or self.condition_step_id.title or "?"
        if self.condition == "call_outcome":
            outcomes = dict(self._fields["condition_call_outcome"]._description_selection(self.env))
            return self.env._(
                "if “%(step)s”: %(outcome)s", step=source, outcome=outcomes.get(self.condition_call_outcome, "?")
            )
        texts = {
            "opened": self.env._("if “%s” opened", source),
            "not_opened": self.env._("if “%s” not opened", source),
            "clicked": self.env._("if “%s” clicked", source),
            "not_clicked": self.env._("if “%s” not clicked", source),
        }
        return texts[self.condition]

    def _plan_step(self, planned_steps=None):
        """A step whose condition is the outcome of a call planned with it (among
        ``planned_steps``) waits for that call: no date until it is done."""
        plan_step = super()._plan_step()
        if planned_steps is not None and self._waits_for_call(planned_steps):
            plan_step = dataclasses.replace(plan_step, waits=True)
        return plan_step

    def _waits_for_call(self, planned_steps):
        """This step waits for its call to be done: its condition is a call's outcome and
        that call is among ``planned_steps`` (planned now, so not done yet)."""
        self.ensure_one()
        return self.condition == "call_outcome" and self.condition_step_id in planned_steps

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------

    @api.constrains("condition", "condition_step_id", "condition_call_outcome", "step_type", "filter_domain")
    def _check_condition_fields(self):
        if not engine_flag_set(self.env, "defer_day_check"):
            self._check_conditions()

    @api.constrains("day", "sequence", "delay_days", "step_type", "sequence_id")
    def _check_day_order(self):
        """Moves, duplicates and delay changes check the order once done (``defer_day_check``):
        a condition must still look at an earlier step then."""
        super()._check_day_order()
        if not engine_flag_set(self.env, "defer_day_check"):
            self._check_conditions()

    def _check_conditions(self):
        """A condition looks at an earlier step of the same sequence, of the kind it needs
        (an email for opened/clicked, a call for an outcome); delays have none. Also checked
        for the steps that look at these ones (one of them moved or changed type)."""
        steps = self | self.dependent_step_ids
        for step in steps.filtered(lambda s: s.sequence_id):
            problem = step._condition_problem()
            if problem:
                raise ValidationError(problem)

    def _condition_problem(self):
        self.ensure_one()
        label = self._label()
        source = self.condition_step_id
        if self.step_type == "delay" and (self.condition != "always" or record_filters.is_set(self.filter_domain)):
            return self.env._("%s: a delay has no condition; put it on the step after the delay.", label)
        if self.condition == "always":
            if source or self.condition_call_outcome:
                return self.env._("%s: a step without condition looks at no other step.", label)
            return False
        if not source:
            return self.env._("%s: choose the step its condition looks at.", label)
        if source.sequence_id != self.sequence_id:
            return self.env._("%s: its condition must look at a step of the same sequence.", label)
        if source == self or step_order(source) > step_order(self):
            return self.env._(
                "%(step)s: its condition looks at %(other)s, which does not come before it.",
                step=label,
                other=source._label(),
            )
        if source.step_type not in self._condition_step_types():
            return (
                self.env._(
                    "%(step)s: an outcome condition looks at a call, and %(other)s is not one.",
                    step=label,
                    other=source._label(),
                )
                if self.condition == "call_outcome"
                else self.env._(
                    "%(step)s: an opened or clicked condition looks at an email, and %(other)s is not one.",
                    step=label,
                    other=source._label(),
                )
            )
        if self.condition == "call_outcome" and not self.condition_call_outcome:
            return self.env._("%s: choose the call outcome the step waits for.", label)
        if self.condition != "call_outcome" and self.condition_call_outcome:
            return self.env._("%s: only a call outcome condition has an outcome.", label)
        return False

    @api.constrains("filter_domain", "sequence_id")
    def _check_filter_domain(self):
        """The filter must evaluate on the board, with the rights of whoever saves it."""
        for step in self.filtered(lambda s: record_filters.is_set(s.filter_domain) and s.sequence_id.model):
            sequence = step.sequence_id
            try:
                record_filters.check(self.env[sequence.model], step.filter_domain, sequence.user_id)
            except record_filters.FilterError as error:
                raise ValidationError(
                    self.env._(
                        "%(step)s: the filter does not work on %(board)s (%(error)s).",
                        step=step._label(),
                        board=sequence.model_id.name,
                        error=error,
                    )
                ) from error

    @api.ondelete(at_uninstall=False)
    def _unlink_except_condition_source(self):
        """Deleting a step that another step's condition looks at would turn a branch into
        two steps that both happen: change that condition first."""
        for step in self:
            dependents = step.dependent_step_ids - self
            if dependents:
                raise UserError(
                    self.env._(
                        "%(step)s cannot be deleted: the condition of %(dependent)s looks at it. "
                        "Change that condition first.",
                        step=step._label(),
                        dependent=dependents[0]._label(),
                    )
                )

import logging
from collections import defaultdict

from odoo import fields, models

from . import record_filters
from .crm_sequence_step import step_order, touch_order
from .crm_sequence_step_condition import CALL_OUTCOMES, ENGAGEMENT_CONDITIONS

_logger = logging.getLogger(__name__)

# Which touch of a run's step a condition reads when the step has several (re-planned runs)
STATE_RANK = {"done": 0, "open": 1, "scheduled": 2}


class CrmSequenceTouch(models.Model):
    """Step conditions at due time: for a batch of touches of one step, the earlier
    touches their condition looks at are read in one query and the step's record filter
    runs as one search, whatever the batch size. A false condition skips the touch with
    the reason in the timeline; a call not done yet makes it wait for the call."""

    _inherit = "crm.sequence.touch"

    call_outcome = fields.Selection(
        CALL_OUTCOMES, string="Call outcome", readonly=True, help="How the call went, as the seller recorded it."
    )

    def _apply_conditions(self, step):
        """The touches of ``step`` (due now) whose condition and record filter hold; the
        others are skipped with the reason, or wait for their call to be done."""
        if step.condition == "always" and not record_filters.is_set(step.filter_domain):
            return self
        reasons = {}  # touch: why it is skipped
        waiting = self.browse()
        if step.condition != "always" and not step.condition_step_id:
            reason = self.env._("Skipped: the step its condition looked at was deleted.")
            reasons.update(dict.fromkeys(self, reason))
        elif step.condition != "always":
            sources = self._condition_sources(step.condition_step_id)
            texts = self._condition_texts(step)
            for touch in self:
                verdict = self._condition_verdict(step, sources.get(touch.enrollment_id.id), texts)
                if verdict == "wait":
                    waiting |= touch
                elif verdict is not True:
                    reasons[touch] = verdict
        passed = self.filtered(lambda t: t not in reasons) - waiting
        if passed and record_filters.is_set(step.filter_domain):
            sequence = step.sequence_id
            try:
                matching = record_filters.matching_ids(
                    self.env[sequence.model], step.filter_domain, sequence.user_id, passed.mapped("res_id")
                )
            except record_filters.FilterError as error:
                _logger.info("Filter of sequence step %s failed: %s", step.id, error)
                reason = self.env._("Skipped: the step's filter failed (%s).", error)
                reasons.update(dict.fromkeys(passed, reason[:500]))
            else:
                reason = self.env._("Skipped: the record does not match the step's filter.")
                reasons.update({touch: reason for touch in passed if touch.res_id not in matching})
        self._skip(reasons)
        waiting._wait_for_call(step.condition_step_id)
        return self.filtered(lambda t: t not in reasons) - waiting

    def _condition_sources(self, source_step):
        """{run id: its touch of ``source_step``}, read in one query for the batch (the done
        one first when a re-planned run has several)."""
        found = self.sudo().search_fetch(
            [("enrollment_id", "in", self.enrollment_id.ids), ("step_id", "=", source_step.id)],
            ["enrollment_id", "state", "opened", "clicked", "call_outcome", "message_id"],
            order="id desc",
        )
        sources = {}
        for touch in found:
            run_id = touch.enrollment_id.id
            current = sources.get(run_id)
            if current is None or STATE_RANK.get(touch.state, 9) < STATE_RANK.get(current.state, 9):
                sources[run_id] = touch
        return sources

    def _condition_texts(self, step):
        """The reasons a touch of ``step`` may be skipped for, translated once per batch."""
        title = step.condition_step_id.title
        if step.condition in ENGAGEMENT_CONDITIONS:
            return {
                "not_sent": self.env._("Skipped: “%s” was not sent.", title),
                "opened": self.env._("Skipped: “%s” not opened.", title),
                "not_opened": self.env._("Skipped: “%s” opened.", title),
                "clicked": self.env._("Skipped: “%s” not clicked.", title),
                "not_clicked": self.env._("Skipped: “%s” clicked.", title),
            }
        outcomes = dict(self._fields["call_outcome"]._description_selection(self.env))
        expected = outcomes.get(step.condition_call_outcome, "?")
        texts = {
            "not_done": self.env._("Skipped: “%s” was not done.", title),
            False: self.env._(
                "Skipped: “%(call)s” was done without an outcome (expected: %(expected)s).",
                call=title,
                expected=expected,
            ),
        }
        for outcome, label in outcomes.items():
            texts[outcome] = self.env._(
                "Skipped: “%(call)s” outcome was %(outcome)s, not %(expected)s.",
                call=title,
                outcome=label,
                expected=expected,
            )
        return texts

    @staticmethod
    def _condition_verdict(step, source, texts):
        """True when the condition of ``step`` holds given the run's ``source`` touch (the
        one the condition looks at), "wait" when that call is still to be done, else the
        reason to skip ("Skipped: “Intro” not clicked.")."""
        if step.condition in ENGAGEMENT_CONDITIONS:
            if not source or source.state != "done" or not source.message_id:
                return texts["not_sent"]
            holds = {
                "opened": source.opened,
                "not_opened": not source.opened,
                "clicked": source.clicked,
                "not_clicked": not source.clicked,
            }[step.condition]
            return True if holds else texts[step.condition]
        # a call's outcome
        if source and source.state in ("open", "scheduled"):
            return "wait"
        if not source or source.state != "done":
            return texts["not_done"]
        if source.call_outcome == step.condition_call_outcome:
            return True
        return texts[source.call_outcome or False]

    def _skip(self, reasons):
        """Mark touches skipped, one write per distinct reason ({touch: reason})."""
        by_reason = defaultdict(lambda: self.browse())
        for touch, reason in reasons.items():
            by_reason[reason] |= touch
        now = fields.Datetime.now()
        for reason, touches in by_reason.items():
            touches.write({"state": "skipped", "date_done": now, "result_message": reason})

    def _wait_for_call(self, call_step):
        """These touches became due before the call their condition looks at was done (a
        run re-planned while the call was open): they and the later steps of their run wait
        for it, and are planned when it is done."""
        if not self:
            return
        note = self.env._("Waiting for “%s” to be done.", call_step.title)
        later = self.browse()
        for touch in self:
            later |= touch.enrollment_id.touch_ids.filtered(
                lambda t, touch=touch: t.state == "scheduled" and touch_order(t) >= touch_order(touch)
            )
        later.write({"date_scheduled": False})
        self.write({"result_message": note})

    def _is_condition_source(self):
        """This task is a call that a later step's condition waits on."""
        self.ensure_one()
        return any(
            dependent.condition == "call_outcome" and step_order(dependent) > step_order(self.step_id)
            for dependent in self.step_id.dependent_step_ids
        )

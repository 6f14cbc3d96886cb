import logging

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

from . import record_filters

# Sequence fields whose change alters which fields of which boards the goals watch
GOAL_CACHE_FIELDS = {"goal_domain", "state", "model_id"}

_logger = logging.getLogger(__name__)


class CrmSequence(models.Model):
    """A sequence's goal: a filter on its board ("stage is Won", "has a meeting") that
    ends a run as soon as its record matches it (end reason ``goal_reached``).

    It is checked before each step (per batch, see ``crm.sequence.touch._execute``) and
    when a record is written (``mail.thread.write``). So that writes stay free, the
    fields each board's goals read are kept in a registry cache
    (``_goal_watched_fields``): a write that changes none of them costs no query.
    """

    _inherit = "crm.sequence"

    goal_domain = fields.Char(
        "Goal",
        help="A run whose record matches this filter ends: the goal is reached (e.g. the lead's stage is Won). "
        "Checked before each step and whenever the record changes. Empty: no goal.",
    )
    has_goal = fields.Boolean(
        "Has a goal",
        compute="_compute_has_goal",
        inverse="_inverse_has_goal",
        help="Runs end when their record meets the goal's conditions.",
    )

    @api.depends("goal_domain")
    def _compute_has_goal(self):
        for sequence in self:
            sequence.has_goal = record_filters.is_set(sequence.goal_domain)

    def _inverse_has_goal(self):
        self.filtered(lambda s: not s.has_goal and s.goal_domain).goal_domain = False

    @api.constrains("goal_domain", "model_id")
    def _check_goal_domain(self):
        for sequence in self.filtered(lambda s: record_filters.is_set(s.goal_domain) and s.model):
            try:
                record_filters.check(self.env[sequence.model], sequence.goal_domain, sequence.user_id)
            except record_filters.FilterError as error:
                raise ValidationError(
                    self.env._(
                        "Sequence “%(name)s”: the goal does not work on %(board)s (%(error)s).",
                        name=sequence.name,
                        board=sequence.model_id.name,
                        error=error,
                    )
                ) from error

    @api.model_create_multi
    def create(self, vals_list):
        sequences = super().create(vals_list)
        if any(record_filters.is_set(vals.get("goal_domain")) for vals in vals_list):
            self.env.registry.clear_cache()
        return sequences

    def write(self, vals):
        had_goal = any(record_filters.is_set(goal) for goal in self.mapped("goal_domain"))
        result = super().write(vals)
        if "model_id" in vals:
            self.step_ids._check_filter_domain()
        if GOAL_CACHE_FIELDS.intersection(vals) and (
            had_goal or any(record_filters.is_set(goal) for goal in self.mapped("goal_domain"))
        ):
            self.env.registry.clear_cache()
        return result

    def unlink(self):
        had_goal = any(record_filters.is_set(goal) for goal in self.mapped("goal_domain"))
        result = super().unlink()
        if had_goal:
            self.env.registry.clear_cache()
        return result

    def _classify(self, records):
        """Records already meeting the goal are not enrolled (their run would end at once,
        "goal reached", before its first step): one search for the selection. A goal that
        no longer evaluates skips nothing."""
        skipped = super()._classify(records)
        if not record_filters.is_set(self.goal_domain):
            return skipped
        taken = {res_id for recs in skipped.values() for res_id in recs.ids}
        candidates = [res_id for res_id in records.ids if res_id not in taken]
        try:
            matching = record_filters.matching_ids(self.env[self.model], self.goal_domain, self.user_id, candidates)
        except record_filters.FilterError as error:
            _logger.info("Goal of sequence %s does not evaluate: %s", self.id, error)
            return skipped
        skipped["goal_reached"] = records.browse([res_id for res_id in candidates if res_id in matching])
        return skipped

    @api.model
    @tools.ormcache()
    def _goal_watched_fields(self):
        """{board model: frozenset of field names} whose write may make a record reach the
        goal of a started sequence: the fields its goal names and the fields those are
        computed from. Cached per registry (cleared when a goal, a status or a board
        changes), so that ``mail.thread.write`` decides without a query."""
        sequences = (
            self.sudo()
            .with_context(active_test=False)
            .search_fetch([("state", "!=", "draft"), ("goal_domain", "!=", False)], ["model", "goal_domain", "user_id"])
        )
        watched = {}
        for sequence in sequences.filtered(lambda s: record_filters.is_set(s.goal_domain) and s.model in self.env):
            names = record_filters.field_names(sequence.goal_domain, sequence.user_id)
            watched.setdefault(sequence.model, set()).update(names)
        return {model: frozenset(self._goal_trigger_fields(model, names)) for model, names in watched.items()}

    @api.model
    def _goal_trigger_fields(self, model, names):
        """``names`` and the fields of ``model`` whose change recomputes one of them (a
        goal on a stored computed field is met when what it is computed from is written)."""
        Model = self.env[model]
        goal_fields = {Model._fields[name] for name in names if name in Model._fields}
        triggers = {field.name for field in goal_fields}
        for field in Model._fields.values():
            if any(dependent in goal_fields for dependent in self.env.registry.get_dependent_fields(field)):
                triggers.add(field.name)
        return triggers

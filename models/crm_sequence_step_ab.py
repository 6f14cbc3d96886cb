import random

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from . import ab_test
from .crm_sequence_step_variant import LETTERS
from .engine_flags import engine_flag, engine_flag_set
from .value_checks import is_whole_number

AB_METRICS = [
    ("reply", "Reply rate"),
    ("positive", "Positive reply rate"),
    ("click", "Click rate"),
    ("open", "Open rate"),
]
# position of each metric's count in crm.sequence.step.variant._figures' rows
METRIC_POSITIONS = {"open": 1, "click": 2, "reply": 3, "positive": 4}
MIN_SAMPLE, MAX_SAMPLE = 10, 100_000
MIN_CONFIDENCE, MAX_CONFIDENCE = 80.0, 99.9
# fields only the A/B engine writes (a decision or a person's pick archives the others and
# tells the chatter: a plain write over RPC would skip that)
ENGINE_FIELDS = {"ab_winner_id", "ab_decision"}


class CrmSequenceStepAb(models.Model):
    """A/B test of an automatic-email step: its variants, and a winner proven before it is picked.

    Each run is given one variant when its touch is planned (balanced, ``ab_test.
    balanced_assignment``). The cron (and *Decide now*) tests the best variant against
    every other one on the step's metric once each has its minimum sample
    (``ab_test.decide``: two-proportion z-test, Holm's correction for three or four); a
    significant winner becomes the only variant of the runs planned from then on, the
    others are archived with their figures, and the sequence's chatter says so. A
    person may also pick a winner (``crm.sequence.step.variant.action_pick_winner``).
    """

    _inherit = "crm.sequence.step"

    variant_ids = fields.One2many(
        "crm.sequence.step.variant",
        "step_id",
        string="Variants",
        context={"active_test": False},
        copy=True,
        help="Versions of this email tested against each other (2 to 4); archived ones lost a test.",
    )
    variant_count = fields.Integer("Variants tested", compute="_compute_variant_count")
    ab_metric = fields.Selection(
        AB_METRICS,
        string="Winner by",
        default="reply",
        required=True,
        help="The rate the variants are compared on (people's opens and clicks only).",
    )
    ab_min_sample = fields.Integer(
        "Minimum sample",
        default=100,
        aggregator=False,
        help="Emails each variant must have sent before the test may decide (10 to 100,000).",
    )
    ab_confidence = fields.Float(
        "Confidence (%)",
        default=95.0,
        aggregator=False,
        help="How sure the test must be that the best variant beats every other one (80 to 99.9%).",
    )
    ab_winner_id = fields.Many2one(
        "crm.sequence.step.variant",
        string="Winner",
        readonly=True,
        ondelete="set null",
        copy=False,
        help="Set by the test (or a person's pick): the only variant of runs planned from then on.",
    )
    ab_decision = fields.Char("Decision", readonly=True, copy=False, help="How the winner was decided, as it was then.")
    ab_status = fields.Char("A/B test", compute="_compute_ab_status")

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends("variant_ids.active")
    def _compute_variant_count(self):
        for step in self:
            step.variant_count = len(step.variant_ids.filtered("active"))

    @api.depends(
        "step_type", "variant_ids.active", "ab_metric", "ab_min_sample", "ab_confidence", "ab_winner_id", "ab_decision"
    )
    @api.depends_context("lang")
    def _compute_ab_status(self):
        """What the test says now, from live figures (one grouped query for every step shown)."""
        testing = self.filtered(lambda s: s.step_type == "auto_email" and not s.ab_winner_id)
        decisions = testing._ab_decisions()
        for step in self:
            if step.step_type != "auto_email":
                step.ab_status = False
            elif step.ab_winner_id:
                step.ab_status = step.ab_decision
            elif step in decisions:
                step.ab_status = step._ab_sentence(decisions[step])
            elif len(step.variant_ids.filtered("active")) == 1:
                step.ab_status = self.env._("Add a second variant to start the test.")
            else:
                step.ab_status = False

    @api.depends("step_type", "subject", "summary", "delay_days", "sequence_id.model", "variant_ids.subject")
    def _compute_title(self):
        super()._compute_title()
        for step in self.filtered(lambda s: s.step_type == "auto_email" and len(s._email_templates()) > 1):
            step.title = self.env._(
                "%(title)s (A/B test: %(count)s variants)", title=step.title, count=len(step._email_templates())
            )

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------

    @api.constrains("step_type")
    def _check_variants_type(self):
        for step in self:
            if step.step_type != "auto_email" and step.variant_ids:
                raise ValidationError(
                    self.env._(
                        "%s has email variants (an A/B test): only automatic emails have some. Delete them "
                        "before changing its type.",
                        step._label(),
                    )
                )

    @api.model
    def _check_ab_values(self, vals):
        """Refuse an A/B sample or confidence out of range before it reaches the database."""
        # a key given empty (JSON null, False) would be stored as 0: refused like any other value
        sample = vals.get("ab_min_sample")
        if "ab_min_sample" in vals and not is_whole_number(sample, MIN_SAMPLE, MAX_SAMPLE):
            raise ValidationError(
                self.env._(
                    "The minimum sample is a whole number of emails per variant from %(low)s to %(high)s, "
                    "not %(value)s.",
                    low=MIN_SAMPLE,
                    high=f"{MAX_SAMPLE:,}",
                    value=sample,
                )
            )
        confidence = vals.get("ab_confidence")
        if "ab_confidence" in vals and (
            confidence is None
            or isinstance(confidence, bool)
            or not isinstance(confidence, (int, float))
            or not MIN_CONFIDENCE <= confidence <= MAX_CONFIDENCE
        ):
            raise ValidationError(
                self.env._(
                    "The confidence is a percentage from %(low)s to %(high)s, not %(value)s.",
                    low=MIN_CONFIDENCE,
                    high=MAX_CONFIDENCE,
                    value=confidence,
                )
            )

    def _check_ab_engine_fields(self, vals):
        if self.env.su or engine_flag_set(self.env, "ab_decision") or not ENGINE_FIELDS.intersection(vals):
            return
        raise UserError(
            self.env._(
                "A winner is decided by the A/B test (Decide now, action_ab_decide) or picked with "
                "“Pick as winner” on a variant (action_pick_winner)."
            )
        )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_ab_values(vals)
            self._check_ab_engine_fields(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_ab_values(vals)
        self._check_ab_engine_fields(vals)
        return super().write(vals)

    # ------------------------------------------------------------------
    # Onchange
    # ------------------------------------------------------------------

    @api.onchange("variant_ids")
    def _onchange_variant_ids(self):
        """In the form as over RPC: adding the first variant moves the step's own email
        into variant A, and unnamed variants get the next free letters."""
        if self.variant_ids and not self._origin.variant_ids and self._has_own_email():
            Variant = self.env["crm.sequence.step.variant"]
            # made again after A: the web client lists new lines in the order they came
            fnames = ("name", "sequence", "subject", "body_html", "active")
            self.variant_ids = Variant.new(
                {"name": LETTERS[0], "sequence": 0, "subject": self.subject, "body_html": self.body_html}
            ) | Variant.concat(*(Variant.new({f: variant[f] for f in fnames}) for variant in self.variant_ids))
            self.subject = False
            self.body_html = False
        used = set(self.variant_ids.mapped("name"))
        free = (letter for letter in LETTERS if letter not in used)
        for variant in self.variant_ids:
            if not (variant.name or "").strip():
                variant.name = next(free, "")

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_ab_decide(self):
        """Run the A/B test of this step now, as the cron does at each run: a winner is
        kept when the figures prove it; ``ab_status`` says what they say."""
        self.ensure_one()
        self.check_access("write")
        if len(self.variant_ids.filtered("active")) < 2:
            raise UserError(self.env._("%s has no A/B test running: add two variants first.", self._label()))
        self.sudo()._ab_decide()
        return True

    def action_ab_results(self):
        """Step results (the reporting pivot) of this step's emails, a row per variant."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_sequence.crm_sequence_report_action")
        action.update(
            name=self.env._("Results by variant"),
            domain=[("step_id", "=", self.id)],
            views=[(False, "pivot"), (False, "graph"), (False, "list")],
            view_mode="pivot,graph,list",
            context={
                "search_default_emails_sent": 1,
                "pivot_row_groupby": ["variant_id"],
                "graph_groupbys": ["variant_id", "engagement"],
            },
        )
        return action

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------

    def _email_templates(self):
        self.ensure_one()
        variants = self.variant_ids.filtered("active").sorted(lambda v: (v.sequence, v.id))
        return list(variants) if variants and self.step_type == "auto_email" else [self]

    def _assign_variants(self, count, rng=None):
        """The variant of each of ``count`` runs whose touch of this step is planned now:
        balanced (``ab_test.balanced_assignment``; the extra ones to the variants given
        least so far, counted in one grouped query), in random order; ``[None] * count``
        for a step without variants."""
        self.ensure_one()
        if self.step_type != "auto_email":
            return [None] * count
        variants = self.sudo().variant_ids.filtered("active")
        if not variants:
            return [None] * count
        if len(variants) == 1:
            return [variants.id] * count
        given = dict(
            self.env["crm.sequence.touch"]
            .sudo()
            ._read_group([("variant_id", "in", variants.ids)], ["variant_id"], ["__count"])
        )
        counts = {variant.id: number for variant, number in given.items()}
        return ab_test.balanced_assignment(variants.ids, count, rng or random.SystemRandom(), counts)

    def _ab_decisions(self):
        """{step: ab_test.Decision} for these steps with two active variants or more, from
        their figures read in one grouped query (``crm.sequence.step.variant._figures``)."""
        tested = {step: step.sudo().variant_ids.filtered("active") for step in self}
        tested = {step: variants for step, variants in tested.items() if len(variants) >= 2}
        if not tested:
            return {}
        figures = self.env["crm.sequence.step.variant"].union(*tested.values())._figures()
        decisions = {}
        for step, variants in tested.items():
            position = METRIC_POSITIONS[step.ab_metric]
            arms = []
            for variant in variants.sorted(lambda v: (v.sequence, v.id)):
                row = figures.get(variant.id, (0, 0, 0, 0, 0))
                arms.append(ab_test.Arm(variant, row[0], row[position]))
            decisions[step] = ab_test.decide(arms, step.ab_min_sample, step.ab_confidence)
        return decisions

    def _ab_decide(self):
        """Decide the A/B tests of these steps: a proven winner is kept (``_ab_declare_winner``)."""
        for step, decision in self.filtered(lambda s: not s.ab_winner_id)._ab_decisions().items():
            if decision.winner:
                step._ab_declare_winner(decision.winner.key, decision=decision)

    @api.model
    def _cron_ab_decide(self):
        """The cron's part: every A/B test still running in an active sequence."""
        Variant = self.env["crm.sequence.step.variant"].sudo()
        groups = Variant._read_group(
            [("active", "=", True), ("step_id.ab_winner_id", "=", False), ("sequence_id.state", "=", "active")],
            ["step_id"],
            having=[("__count", ">", 1)],
        )
        self.browse([step.id for (step,) in groups]).sudo()._ab_decide()

    def _ab_declare_winner(self, winner, decision=None, picked_by=None):
        """``winner`` becomes this step's only active variant (the others are archived with
        their figures) and the sequence's chatter says which won, by how much and the
        p-value: proven by ``decision``, or picked by a person (``picked_by``)."""
        self.ensure_one()
        losers = self.variant_ids.filtered(lambda v: v.active and v != winner)
        if decision is None:
            decisions = self._ab_decisions()
            decision = decisions.get(self)
        sentence = self._ab_sentence(decision, winner=winner, picked_by=picked_by)
        with engine_flag(self.env, "ab_decision"):
            losers.write({"active": False})
            self.write({"ab_winner_id": winner.id, "ab_decision": sentence})
        self.sequence_id.message_post(
            body=self._ab_note(winner, losers, decision, picked_by),
            subtype_xmlid="mail.mt_note",
        )

    def _ab_check_winner(self):
        """A winner stands while it is its step's only active variant: restoring a loser
        or adding a challenger starts a new test, archiving the winner ends it."""
        for step in self.filtered("ab_winner_id"):
            active = step.variant_ids.filtered("active")
            if active != step.ab_winner_id:
                with engine_flag(self.env, "ab_decision"):
                    step.sudo().write({"ab_winner_id": False, "ab_decision": False})

    def _ab_sentence(self, decision, winner=None, picked_by=None):
        """What ``ab_status`` says for ``decision``: "No winner yet: 37 more sends needed.",
        "Difference not significant yet (p = 0.31): ...", "Variant B won: reply rate 12.0%
        vs 7.5%, p = 0.003." or, for a person's pick, who picked which variant."""
        self.ensure_one()
        metric = dict(self._fields["ab_metric"]._description_selection(self.env))[self.ab_metric].lower()
        if picked_by is not None:
            if decision is None:
                return self.env._("Variant %(name)s picked by %(user)s.", name=winner.name, user=picked_by.name)
            arm, other, p_value = self._ab_pair(decision, winner)
            return self.env._(
                "Variant %(name)s picked by %(user)s: %(metric)s %(rate)s vs %(other)s%(p)s.",
                name=winner.name,
                user=picked_by.name,
                metric=metric,
                rate=f"{arm.rate:.1%}",
                other=f"{other.rate:.1%}",
                p=f", {ab_test.format_p(p_value)}" if p_value is not None else "",
            )
        if decision.outcome == ab_test.SAMPLE:
            return self.env._("No winner yet: %s more sends needed.", f"{decision.missing:,}")
        if decision.outcome == ab_test.NOT_SIGNIFICANT:
            return self.env._(
                "Difference not significant yet (%(p)s): %(metric)s %(rate)s for %(best)s vs %(other)s.",
                p=ab_test.format_p(decision.p_value),
                metric=metric,
                rate=f"{decision.best.rate:.1%}",
                best=decision.best.key.name,
                other=f"{decision.runner_up.rate:.1%}",
            )
        return self.env._(
            "Variant %(name)s won: %(metric)s %(rate)s vs %(other)s, %(p)s.",
            name=decision.best.key.name,
            metric=metric,
            rate=f"{decision.best.rate:.1%}",
            other=f"{decision.runner_up.rate:.1%}",
            p=ab_test.format_p(decision.p_value),
        )

    @api.model
    def _ab_pair(self, decision, variant):
        """(arm of ``variant``, best arm among the others, p-value of ``variant`` against
        all others or None while one has sent nothing) in ``decision``."""
        arm = decision.arm(variant)
        others = [other for other in decision.arms if other is not arm]
        return arm, ab_test.best_other(arm, decision.arms), ab_test.p_against(arm, others)

    def _ab_note(self, winner, losers, decision, picked_by):
        """The sequence's chatter note: which variant won, by how much, and the p-value."""
        self.ensure_one()
        step = self._long_title()
        if picked_by is not None:
            head = self.env._(
                "A/B test of “%(step)s”: %(user)s picked variant %(name)s.",
                step=step,
                user=picked_by.name,
                name=winner.name,
            )
        else:
            head = self.env._("A/B test of “%(step)s”: variant %(name)s won.", step=step, name=winner.name)
        lines = [head]
        if decision is not None:
            arm, other, p_value = self._ab_pair(decision, winner)
            metric = dict(self._fields["ab_metric"]._description_selection(self.env))[self.ab_metric]
            lines.append(
                self.env._(
                    "%(metric)s %(rate)s against %(other_rate)s for variant %(other)s: %(diff)s points "
                    "(%(sent)s and %(other_sent)s emails sent).",
                    metric=metric,
                    rate=f"{arm.rate:.1%}",
                    other_rate=f"{other.rate:.1%}",
                    other=other.key.name,
                    diff=f"{(arm.rate - other.rate) * 100:+.1f}",
                    sent=f"{arm.sent:,}",
                    other_sent=f"{other.sent:,}",
                )
            )
            if p_value is not None:
                lines.append(
                    self.env._(
                        "Two-proportion z-test against every other variant%(holm)s: %(p)s (confidence asked: "
                        "%(confidence)s%%).",
                        holm=self.env._(", Holm-corrected") if len(decision.arms) > 2 else "",
                        p=ab_test.format_p(p_value),
                        confidence=f"{self.ab_confidence:g}",
                    )
                )
        if losers:
            lines.append(
                self.env._(
                    "Archived with their figures: %(names)s. Runs planned from now on get variant %(name)s.",
                    names=", ".join(losers.mapped("name")),
                    name=winner.name,
                )
            )
        return Markup("<br/>").join(lines)

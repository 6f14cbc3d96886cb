from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

MAX_VARIANTS = 4
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class CrmSequenceStepVariant(models.Model):
    """One version (subject and body) of an automatic email in an A/B test.

    A step with variants sends each run the variant it was given when its touch was
    planned (``crm.sequence.step._assign_variants``, balanced); the step's own subject
    and body became its first variant. Figures count people's opens and clicks only.
    Variants are edited with their step: the step's record rules (its sequence's owner
    and Sequences Administrators) apply to them, and rendering is trusted at send time
    like the step's (only template editors may write more than simple field paths).
    Archived variants (the losers of a decided test) keep their figures.
    """

    _name = "crm.sequence.step.variant"
    _description = "Sequence Email Variant"
    _inherit = ["mail.render.mixin", "crm.sequence.readable.mixin", "crm.sequence.reply.figures"]
    _order = "step_id, sequence, id"
    _reply_figures_key = "variant_id"
    _unrestricted_rendering = True

    step_id = fields.Many2one("crm.sequence.step", required=True, ondelete="cascade", index=True)
    sequence_id = fields.Many2one(related="step_id.sequence_id", store=True, index=True)
    company_id = fields.Many2one(related="step_id.company_id", store=True)
    sequence = fields.Integer("Position", default=10, aggregator=False)
    name = fields.Char("Variant", help="A, B, C... given in order when left empty.")
    active = fields.Boolean(default=True, help="Archived variants (a decided test's losers) keep their figures.")
    subject = fields.Char(translate=True, render_engine="inline_template")
    body_html = fields.Html(
        "Body",
        translate=True,
        sanitize="email_outgoing",
        render_engine="qweb",
        render_options={"post_process": True},
    )
    lang = fields.Char(related="step_id.lang")
    is_winner = fields.Boolean("Winner", compute="_compute_is_winner")

    # Figures (people's opens and clicks), in one grouped query for every variant shown
    sent_count = fields.Integer("Sent", compute="_compute_figures")
    opened_count = fields.Integer("Opened", compute="_compute_figures", help="Emails opened by a person.")
    clicked_count = fields.Integer(
        "Clicked", compute="_compute_figures", help="Emails of which a person clicked a link."
    )
    replied_count = fields.Integer("Replied", compute="_compute_figures")
    open_rate = fields.Float("Open rate", compute="_compute_figures", help="Opened / sent (0 when nothing was sent).")
    click_rate = fields.Float("Click rate", compute="_compute_figures", help="Clicked / sent.")
    reply_rate = fields.Float("Reply rate", compute="_compute_figures", help="Replied / sent.")

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends("step_id.sequence_id.model")
    def _compute_render_model(self):
        for variant in self:
            variant.render_model = variant.step_id.sequence_id.model

    def _readable_step(self):
        return self.step_id

    @api.depends("name")
    def _compute_display_name(self):
        for variant in self:
            variant.display_name = self.env._("Variant %s", variant.name or "")

    @api.depends("step_id.ab_winner_id")
    def _compute_is_winner(self):
        for variant in self:
            variant.is_winner = bool(variant.id) and variant.step_id.ab_winner_id.id == variant.id

    def _compute_figures(self):
        figures = self._figures()
        for variant in self:
            sent, opened, clicked, replied, _positive = figures.get(variant.id, (0, 0, 0, 0, 0))
            variant.sent_count, variant.opened_count = sent, opened
            variant.clicked_count, variant.replied_count = clicked, replied
            variant.open_rate = opened / sent if sent else 0.0
            variant.click_rate = clicked / sent if sent else 0.0
            variant.reply_rate = replied / sent if sent else 0.0

    def _figures(self):
        """{variant id: (sent, opened, clicked, replied, positive)}: emails sent with each
        variant and what people did with them (machines' opens and clicks are not counted;
        ``positive``: replies read as interested, corrections included), in one grouped
        query whatever the number of emails."""
        ids = self.filtered("id").ids
        if not ids:
            return {}
        Touch = self.env["crm.sequence.touch"].sudo()
        figures = {}
        for variant, opened, clicked, replied, intent, count in Touch._read_group(
            [("variant_id", "in", ids), ("state", "=", "done"), ("message_id", "!=", False)],
            ["variant_id", "opened", "clicked", "replied", "reply_intent"],
            ["__count"],
        ):
            sent, opened_count, clicked_count, replied_count, positive = figures.get(variant.id, (0, 0, 0, 0, 0))
            figures[variant.id] = (
                sent + count,
                opened_count + (count if opened else 0),
                clicked_count + (count if clicked else 0),
                replied_count + (count if replied else 0),
                positive + (count if intent == "positive" else 0),
            )
        return figures

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------

    @api.constrains("step_id", "active")
    def _check_variant_count(self):
        for step in self.step_id:
            if step.step_type != "auto_email":
                raise ValidationError(self.env._("%s: only automatic emails have variants (A/B tests).", step._label()))
            active = step.variant_ids.filtered("active")
            if len(active) > MAX_VARIANTS:
                raise ValidationError(
                    self.env._(
                        "%(step)s: an A/B test compares at most %(max)s variants (the step's own email "
                        "counts as the first one); archive or delete one first.",
                        step=step._label(),
                        max=MAX_VARIANTS,
                    )
                )

    def _check_placeholders(self):
        """Placeholders must name fields of the board, as on steps; called by ``create`` and
        ``write`` after ``mail.render.mixin`` has refused unsafe expressions to
        non-template-editors (see ``crm.sequence.step._check_placeholders``)."""
        Step = self.env["crm.sequence.step"]
        for variant in self.filtered(lambda v: v.step_id.sequence_id.model):
            Model = self.env[variant.step_id.sequence_id.model]
            for path in Step._paths_in(variant.subject, variant.body_html):
                error = Step._check_field_path(Model, path)
                if error:
                    raise ValidationError(
                        self.env._(
                            "%(step)s, variant %(variant)s: the placeholder “object.%(path)s” is not valid for "
                            "%(board)s (%(error)s).",
                            step=variant.step_id._label(),
                            variant=variant.name,
                            path=path,
                            board=variant.step_id.sequence_id.model_id.name,
                            error=error,
                        )
                    )

    @api.constrains("subject", "body_html", "active")
    def _check_sequence_complete(self):
        self.step_id.sequence_id._check_complete()

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        Step = self.env["crm.sequence.step"]
        for vals in vals_list:
            if vals.get("body_html"):
                vals["body_html"] = Step._inline_to_qweb(vals["body_html"])
        steps = Step.browse({vals["step_id"] for vals in vals_list if vals.get("step_id")}).exists()
        # the step's own email becomes its first variant when the test starts
        firsts = self.browse()
        for step in steps.filtered(lambda s: not s.variant_ids and s._has_own_email()):
            email = {"subject": step.subject, "body_html": step.body_html}
            first = super().create([{"step_id": step.id, "name": LETTERS[0], "sequence": 0, **email}])
            first._copy_email_of(step)
            firsts |= first
        firsts.step_id.write({"subject": False, "body_html": False})
        self._name_unnamed(vals_list)
        variants = super().create(vals_list)
        variants._check_placeholders()
        return variants

    def write(self, vals):
        if "step_id" in vals and any(variant.step_id.id != vals["step_id"] for variant in self):
            # record rules are checked on the variant as it was: moving it would write into
            # a step the user may not change
            raise UserError(self.env._("A variant stays in its step: add a new variant to the other step."))
        if vals.get("body_html"):
            vals["body_html"] = self.env["crm.sequence.step"]._inline_to_qweb(vals["body_html"])
        result = super().write(vals)
        if {"subject", "body_html"} & set(vals):
            self._check_placeholders()
        if "active" in vals:
            self.step_id._ab_check_winner()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent(self):
        """A variant that sent emails holds figures (its emails' touches point at it):
        archive it instead. Deleting its step or sequence still deletes it."""
        sent = self.filtered(lambda v: v.sent_count)
        if sent:
            raise UserError(
                self.env._("Variant %s has sent emails: archive it instead, so that its figures stay.", sent[0].name)
            )

    def unlink(self):
        steps = self.step_id
        result = super().unlink()
        steps = steps.exists()
        steps._ab_check_winner()
        # deleting the last variants of an active sequence's email would leave it empty
        steps.sequence_id._check_complete()
        return result

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_pick_winner(self):
        """A person picks this variant as the winner, whatever the figures say: the step
        keeps only it for the runs planned from now on (the others are archived with their
        figures) and the sequence's chatter says who picked it and what the figures were."""
        self.ensure_one()
        self.check_access("write")
        if not self.active:
            raise UserError(self.env._("Variant %s is archived: restore it before picking it.", self.name))
        self.step_id.sudo()._ab_declare_winner(self.sudo(), picked_by=self.env.user)
        return True

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------

    @api.model
    def _name_unnamed(self, vals_list):
        """Letters for the variants created unnamed: the first ones not used in their step."""
        used = {}
        for vals in vals_list:
            step = self.env["crm.sequence.step"].browse(vals.get("step_id"))
            if step.id not in used:
                used[step.id] = set(step.variant_ids.mapped("name"))
                used[step.id] |= {vals.get("name") for vals in vals_list if vals.get("step_id") == step.id}
            if not (vals.get("name") or "").strip():
                vals["name"] = next((letter for letter in LETTERS if letter not in used[step.id]), "?")
                used[step.id].add(vals["name"])

    def _render_email(self, res_ids):
        """Subject, body and language per record, as ``crm.sequence.step._render_email``."""
        self.ensure_one()
        return self.env["crm.sequence.step"]._render_email_of(self, res_ids)

    def _copy_email_of(self, step):
        """The step's subject and body in every language onto this variant (both are
        translated fields stored the same way): one UPDATE."""
        self.ensure_one()
        self.env.flush_all()
        self.env.execute_query(
            SQL(
                """
                UPDATE crm_sequence_step_variant variant
                   SET subject = step.subject, body_html = step.body_html
                  FROM crm_sequence_step step
                 WHERE variant.id = %s AND step.id = %s
                """,
                self.id,
                step.id,
            )
        )
        self.invalidate_recordset(["subject", "body_html"])

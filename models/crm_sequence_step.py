import re
from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.mail import is_html_empty

from .engine_flags import engine_flag, engine_flag_set
from .placeholders import is_empty, required_paths
from .send_calendar import PlanStep
from .value_checks import MAX_INT, is_whole_number

STEP_TYPES = [
    ("auto_email", "Automatic email"),
    ("manual_email", "Manual email"),
    ("call", "Call"),
    ("todo", "To-do"),
    ("delay", "Delay"),
]
STEP_ICONS = {
    "auto_email": "fa-paper-plane",
    "manual_email": "fa-envelope",
    "call": "fa-phone",
    "todo": "fa-check-square-o",
    "delay": "fa-hourglass-half",
}
EMAIL_TYPES = ("auto_email", "manual_email")
TASK_TYPES = ("manual_email", "call", "todo")
# A step's results (``_compute_results``): its touches by state, its emails by what became of
# them (machines' opens and clicks apart), and the rates: {rate: (part, whole)}.
RESULT_STATES = ("scheduled", "open", "done", "skipped", "failed")
ENGAGEMENT = ("sent", "opened", "clicked", "replied", "bounced", "machine_opened", "machine_clicked")
RATES = {
    "open_rate": ("opened", "sent"),
    "click_rate": ("clicked", "sent"),
    "click_to_open_rate": ("clicked", "opened"),
    "reply_rate": ("replied", "sent"),
    "bounce_rate": ("bounced", "sent"),
}
DEFAULT_ACTIVITY_TYPES = {
    "manual_email": "mail.mail_activity_data_email",
    "call": "mail.mail_activity_data_call",
    "todo": "mail.mail_activity_data_todo",
}
# A sequence spans at most ten years: days and delays beyond are typing mistakes.
MAX_DAYS = 3650
# Step fields that change when touches happen (edits of an active sequence are confirmed first);
# a step never changes sequence (``write`` refuses it).
SCHEDULE_FIELDS = {
    "day",
    "delay_days",
    "sequence",
    "step_type",
    "wait_until_done",
    # a condition on a call's outcome makes the step wait for that call
    "condition",
    "condition_step_id",
}
# `object.a.b` paths in an inline expression ({{ ... }}) or a QWeb attribute (t-out="...").
OBJECT_PATH_RE = re.compile(r"\bobject((?:\.\w+)+)")
QWEB_EXPRESSION_RE = re.compile(r"""\bt-(?:out|esc|if|elif|foreach|att-\w+|attf-\w+)=(["'])(.*?)\1""", re.S)
INLINE_EXPRESSION_RE = re.compile(r"\{\{(.*?)\}\}", re.S)
TAG_RE = re.compile(r"(<[^>]*>)")


def step_order(step):
    """Sort key of steps in their sequence: position, then creation (a new step last)."""
    return (step.sequence, step.id or 0)


def touch_order(touch):
    """Sort key of a run's touches: their step's order."""
    return step_order(touch.step_id)


class CrmSequenceStep(models.Model):
    """One step of a sequence: an automatic email, a task for a person, or a delay.

    ``day`` is the day of the sequence the step happens on (1 = enrollment day);
    along the step order days never decrease, and a delay pushes the next step
    at least ``delay_days`` further. Email content is rendered per record by
    ``mail.render.mixin``; like ``mail.template`` rendering is trusted at send
    time (the cron runs as superuser), so only template editors may write
    anything but simple field paths (checked at create/write by the mixin).
    """

    _name = "crm.sequence.step"
    _description = "Sequence Step"
    _inherit = ["mail.render.mixin", "crm.sequence.readable.mixin", "crm.sequence.reply.figures"]
    _order = "sequence_id, sequence, id"
    _reply_figures_key = "step_id"
    _unrestricted_rendering = True

    sequence_id = fields.Many2one("crm.sequence", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="sequence_id.company_id", store=True)
    model = fields.Char(related="sequence_id.model")
    sequence = fields.Integer(
        "Position",
        aggregator=False,
        compute="_compute_position",
        store=True,
        readonly=False,
        precompute=True,
    )
    step_type = fields.Selection(STEP_TYPES, string="Type", required=True, default="auto_email")
    icon = fields.Char(compute="_compute_icon")
    title = fields.Char("Step", compute="_compute_title", help="Subject or summary of the step, without day or type.")
    step_number = fields.Integer("#", compute="_compute_step_number")
    day = fields.Integer(
        aggregator=False,
        compute="_compute_day",
        store=True,
        readonly=False,
        precompute=True,
        help="Day of the sequence this step happens on; day 1 is the day of enrollment.",
    )
    delay_days = fields.Integer(
        "Wait (days)", default=1, aggregator=False, help="Days a delay step waits before the next step."
    )
    subject = fields.Char(translate=True, render_engine="inline_template")
    body_html = fields.Html(
        "Body",
        translate=True,
        sanitize="email_outgoing",
        render_engine="qweb",
        render_options={"post_process": True},
    )
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        string="Activity type",
        compute="_compute_activity_type_id",
        store=True,
        readonly=False,
        ondelete="restrict",
    )
    summary = fields.Char()
    note = fields.Html()
    wait_until_done = fields.Boolean(
        "Wait until done",
        help="Later steps are timed from the day this task is marked done instead of its planned day.",
    )
    reply_in_thread = fields.Boolean(
        "Reply in the same thread",
        help='Send this email as a reply to the run\'s previous sequence email ("Re: <its subject>", '
        "In-Reply-To and References), so that mail clients show one conversation.",
    )

    # Results (computed from the touches in grouped queries)
    scheduled_count = fields.Integer("Scheduled", compute="_compute_results")
    open_count = fields.Integer("Open tasks", compute="_compute_results")
    done_count = fields.Integer("Done", compute="_compute_results")
    skipped_count = fields.Integer("Skipped", compute="_compute_results")
    failed_count = fields.Integer("Failed", compute="_compute_results")
    sent_count = fields.Integer("Sent", compute="_compute_results")
    opened_count = fields.Integer("Opened", compute="_compute_results", help="Emails opened by a person.")
    clicked_count = fields.Integer(
        "Clicked", compute="_compute_results", help="Emails of which a person clicked a link."
    )
    machine_opened_count = fields.Integer(
        "Opened by machines",
        compute="_compute_results",
        help="Emails whose images only privacy proxies or mail scanners fetched (not counted as opened).",
    )
    machine_clicked_count = fields.Integer(
        "Clicked by machines",
        compute="_compute_results",
        help="Emails whose links only mail scanners or bots followed (not counted as clicked).",
    )
    replied_count = fields.Integer("Replied", compute="_compute_results")
    bounced_count = fields.Integer("Bounced", compute="_compute_results")
    open_rate = fields.Float("Open rate", compute="_compute_results", help="Opened / sent (0 when nothing was sent).")
    click_rate = fields.Float("Click rate", compute="_compute_results", help="Clicked / sent.")
    click_to_open_rate = fields.Float("Click-to-open rate", compute="_compute_results", help="Clicked / opened.")
    reply_rate = fields.Float("Reply rate", compute="_compute_results")
    bounce_rate = fields.Float("Bounce rate", compute="_compute_results")

    _delay_days_range = models.Constraint(
        f"CHECK(step_type != 'delay' OR delay_days BETWEEN 1 AND {MAX_DAYS})",
        f"A delay waits between 1 and {MAX_DAYS} days.",
    )
    _day_range = models.Constraint(
        f"CHECK(day BETWEEN 1 AND {MAX_DAYS})", f"Step days go from day 1 to day {MAX_DAYS}."
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends("sequence_id")
    def _compute_render_model(self):
        for step in self:
            step.render_model = step.sequence_id.model

    @api.depends("sequence_id")
    def _compute_position(self):
        for step in self:
            if not step.sequence:
                siblings = step.sequence_id.step_ids - step
                step.sequence = max(siblings.mapped("sequence"), default=0) + 1

    @api.depends("sequence_id")
    def _compute_day(self):
        for step in self:
            if not step.day:
                siblings = (step.sequence_id.step_ids - step).filtered(lambda s: s.day)
                last = siblings.sorted(step_order)[-1:] if siblings else siblings
                step.day = last._end_day() if last else 1

    def _compute_results(self):
        """Per-step outcome of every run, in two grouped queries for all steps shown."""
        Touch = self.env["crm.sequence.touch"].sudo()
        steps = self.filtered("id")
        by_state = {
            (step.id, state): count
            for step, state, count in Touch._read_group(
                [("step_id", "in", steps.ids)],
                ["step_id", "state"],
                ["__count"],
            )
        }
        engagement = defaultdict(lambda: dict.fromkeys(ENGAGEMENT, 0))
        for step, opened, clicked, replied, bounced, machine_opened, machine_clicked, count in Touch._read_group(
            [("step_id", "in", steps.ids), ("state", "=", "done"), ("message_id", "!=", False)],
            ["step_id", "opened", "clicked", "replied", "bounced", "machine_opened", "machine_clicked"],
            ["__count"],
        ):
            flags = {
                "sent": True,
                "opened": opened,
                "clicked": clicked,
                "replied": replied,
                "bounced": bounced,
                "machine_opened": machine_opened and not opened,
                "machine_clicked": machine_clicked and not clicked,
            }
            for name, flag in flags.items():
                engagement[step.id][name] += count if flag else 0
        for step in self:
            counts = {state: by_state.get((step.id, state), 0) for state in RESULT_STATES}
            counts.update(engagement[step.id])
            values = {f"{name}_count": count for name, count in counts.items()}
            for rate, (part, whole) in RATES.items():
                values[rate] = counts[part] / counts[whole] if counts[whole] else 0.0
            step.update(values)

    @api.depends("step_type")
    def _compute_icon(self):
        for step in self:
            step.icon = STEP_ICONS.get(step.step_type, "fa-circle")

    @api.depends("sequence_id.step_ids", "sequence")
    def _compute_step_number(self):
        for step in self:
            ordered = step.sequence_id.step_ids.sorted(step_order)
            step.step_number = list(ordered).index(step) + 1 if step in ordered else 0

    @api.depends("step_type")
    def _compute_activity_type_id(self):
        for step in self:
            xmlid = DEFAULT_ACTIVITY_TYPES.get(step.step_type)
            if not xmlid:
                step.activity_type_id = False
            elif (
                not step.activity_type_id
                or step.activity_type_id.category not in ("default", "phonecall", False)
                or step._origin.step_type != step.step_type
            ):
                step.activity_type_id = self.env.ref(xmlid, raise_if_not_found=False)

    @api.depends("title", "day", "step_type")
    def _compute_display_name(self):
        for step in self:
            step.display_name = self.env._("Day %(day)s · %(label)s", day=step.day, label=step._long_title())

    @api.depends("step_type", "subject", "summary", "delay_days", "sequence_id.model")
    def _compute_title(self):
        """What the step says (its subject or summary), shown beside its type badge, with
        placeholders as their field labels: "Hello {{ object.contact_name }}" reads
        "Hello {Contact Name}"."""
        for step in self:
            subject = step._email_templates()[0].subject if step.step_type in EMAIL_TYPES else False
            if subject:
                step.title = step._readable_placeholders(subject)
            elif step.step_type in TASK_TYPES and step.summary:
                step.title = step.summary
            elif step.step_type == "delay":
                step.title = self.env._("Wait %s days", step.delay_days)
            else:
                step.title = step._type_label()

    def _type_label(self):
        """The step type as the user reads it (translated)."""
        self.ensure_one()
        return dict(self._fields["step_type"]._description_selection(self.env)).get(self.step_type, "")

    def _long_title(self, title=None):
        """Type and title, e.g. "Call: Introduction call", for places without a type column."""
        self.ensure_one()
        title = title or self.title
        label = self._type_label()
        if self.step_type == "delay" or title == label:
            return title
        return self.env._("%(type)s: %(title)s", type=label, title=title)

    def _readable_step(self):
        return self

    def _expression_label(self, expression):
        """The field label a placeholder expression prints ("object.partner_id.name" → "Customer Name")."""
        path = OBJECT_PATH_RE.search(expression or "")
        return (path and self._path_label(path.group(1).lstrip("."))) or expression

    def _readable_placeholders(self, text):
        """``text`` with each ``{{ object.path }}`` shown as ``{Field label}``."""
        self.ensure_one()

        def label(match):
            return f"{{{self._expression_label(match.group(1).partition('|||')[0].strip())}}}"

        return INLINE_EXPRESSION_RE.sub(label, text)

    def _path_label(self, path):
        """The field labels along ``path`` of the board ("partner_id.name" → "Customer Name")."""
        self.ensure_one()
        model = self.sequence_id.model
        if not model or model not in self.env:
            return ""
        current, labels = self.env[model], []
        for name in path.split("."):
            field = current._fields.get(name)
            if field is None:
                break
            labels.append(field._description_string(self.env))
            if not field.relational:
                break
            current = self.env[field.comodel_name]
        return " ".join(labels)

    def _empty_placeholders(self, records, template=None):
        """{record id: [field labels]} of ``records`` for which a placeholder of these
        email steps without a default would print nothing (see ``placeholders``): of
        every email a step may send (its own, or each of its active variants), or of
        ``template`` only (the variant a run was given)."""
        empty = {}
        for step in self.filtered(lambda s: s.step_type in EMAIL_TYPES):
            paths = []
            for email in [template] if template else step._email_templates():
                paths += required_paths(email.subject, email.body_html)
            paths = [path for path in dict.fromkeys(paths) if not self._check_field_path(records, path)]
            for path in paths:
                label = step._path_label(path)
                for record in records.sudo():
                    if is_empty(record.mapped(path)):
                        labels = empty.setdefault(record.id, [])
                        if label not in labels:
                            labels.append(label)
        return empty

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------

    @api.constrains("day", "sequence", "delay_days", "step_type")
    def _check_day_order(self):
        if engine_flag_set(self.env, "defer_day_check"):
            return
        for sequence in self.sequence_id:
            previous = None
            # numbered as the builder lists them, whatever the cached step numbers say
            for number, step in enumerate(sequence.step_ids.sorted(step_order), 1):
                if previous and step.day < previous._end_day():
                    raise ValidationError(
                        self.env._(
                            "Sequence “%(name)s”: %(step)s comes after %(previous)s, which ends on day %(end)s. "
                            "Days must not decrease along the step order: change the day of one of them "
                            "or move it.",
                            name=sequence.name,
                            step=step._label(number),
                            previous=previous._label(number - 1),
                            end=previous._end_day(),
                        )
                    )
                previous = step

    @api.model
    def _check_day_values(self, vals):
        """Refuse days and delays out of range before they reach the database (where a
        huge number is a raw error and day 0 would read as "no day given")."""
        labels = {"day": self.env._("Day"), "delay_days": self.env._("Wait (days)")}
        for fname, label in labels.items():
            if fname not in vals:
                continue
            value = vals[fname]
            if not is_whole_number(value, 1, MAX_DAYS):
                raise ValidationError(
                    self.env._(
                        "%(field)s must be a whole number from 1 to %(max)s, not %(value)s.",
                        field=label,
                        max=MAX_DAYS,
                        value=value,
                    )
                )
        position = vals.get("sequence")
        if position is not None and not is_whole_number(position, -MAX_INT - 1):
            raise ValidationError(self.env._("A step's position is a whole number, not %s.", position))

    def _check_placeholders(self):
        """Placeholders must name fields of the board, so a typo fails here, not at send time.

        Called by ``create``/``write`` after ``super()`` rather than as a constraint:
        ``mail.render.mixin`` refuses unsafe expressions to non-template-editors after
        the constraints have run, and ``object.sudo()`` must be refused as such (an
        ``AccessError``), not as an unknown field."""
        for step in self.filtered(lambda s: s.step_type in EMAIL_TYPES and s.sequence_id.model):
            Model = self.env[step.sequence_id.model]
            for path in step._placeholder_paths():
                error = self._check_field_path(Model, path)
                if error:
                    raise ValidationError(
                        self.env._(
                            "%(step)s: the placeholder “object.%(path)s” is not valid for %(board)s (%(error)s).",
                            step=step._label(),
                            path=path,
                            board=step.sequence_id.model_id.name,
                            error=error,
                        )
                    )

    @api.constrains("step_type", "subject", "body_html", "activity_type_id")
    def _check_sequence_complete(self):
        self.sequence_id._check_complete()

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_day_values(vals)
        ends = {}
        for vals in vals_list:
            sequence_id = vals.get("sequence_id")
            if not sequence_id:
                continue
            if sequence_id not in ends:
                last = self.env["crm.sequence"].browse(sequence_id).step_ids.sorted(step_order)[-1:]
                ends[sequence_id] = last._end_day() if last else 1
            if "day" not in vals:
                vals["day"] = ends[sequence_id]
            ends[sequence_id] = vals["day"] + (vals.get("delay_days", 1) if vals.get("step_type") == "delay" else 0)
        for vals in vals_list:
            if vals.get("body_html"):
                vals["body_html"] = self._inline_to_qweb(vals["body_html"])
        steps = super().create(vals_list)
        steps._check_placeholders()
        steps.sequence_id._apply_running_edit_policy()
        return steps

    def write(self, vals):
        self._check_day_values(vals)
        if "sequence_id" in vals and any(step.sequence_id.id != vals["sequence_id"] for step in self):
            # record rules are checked on the step as it was: moving it would write into a
            # sequence the user may not change
            raise UserError(self.env._("A step stays in its sequence: duplicate the sequence or add a new step."))
        if vals.get("body_html"):
            vals["body_html"] = self._inline_to_qweb(vals["body_html"])
        shifts = self._delay_shifts(vals.get("delay_days")) if "delay_days" in vals else []
        with engine_flag(self.env, *(["defer_day_check"] if shifts else [])):
            result = super().write(vals)
        if {"subject", "body_html", "step_type"} & set(vals):
            self._check_placeholders()
        if shifts:
            self._apply_shifts(shifts)
        if set(vals) & SCHEDULE_FIELDS:
            self.sequence_id._apply_running_edit_policy()
        return result

    def unlink(self):
        sequences = self.sequence_id
        shifts = self.filtered(lambda s: s.step_type == "delay")._delay_shifts(0)
        result = super().unlink()
        if shifts:
            self._apply_shifts([(steps.exists(), delta) for steps, delta in shifts])
        sequences._apply_running_edit_policy()
        return result

    # ------------------------------------------------------------------
    # Actions (buttons of the builder)
    # ------------------------------------------------------------------

    def action_move_up(self):
        self.ensure_one()
        return self._move(-1)

    def action_move_down(self):
        self.ensure_one()
        return self._move(1)

    def action_preview(self):
        """Open the preview of this email rendered for a record of the board."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Preview"),
            "res_model": "crm.sequence.step.preview",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_step_id": self.id},
        }

    def action_duplicate(self):
        """Insert a copy right after this step, on the same day."""
        self.ensure_one()
        steps = self.sequence_id.step_ids.sorted(step_order)
        index = list(steps).index(self)
        with engine_flag(self.env, "in_write", "defer_day_check"):
            for position, step in enumerate(steps):
                new_position = position + 1 if position <= index else position + 2
                if step.sequence != new_position:
                    step.sequence = new_position
            self.copy({"sequence": index + 2, "sequence_id": self.sequence_id.id, "day": self._end_day()})
        self.sequence_id.step_ids._check_day_order()
        self.sequence_id._apply_running_edit_policy()
        return True

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------

    def _delay_shifts(self, new_delay_days):
        """[(later steps, days to add)] when these delays come to wait ``new_delay_days``:
        a delay adds its days to every step after it, so changing (or removing) it moves
        them by the difference and leaves what comes before untouched."""
        shifts = []
        for delay in self.filtered(lambda s: s.step_type == "delay"):
            delta = (new_delay_days or 0) - delay.delay_days
            later = delay.sequence_id.step_ids.filtered(lambda s, d=delay: step_order(s) > step_order(d))
            if delta and later:
                shifts.append((later, delta))
        return shifts

    def _apply_shifts(self, shifts):
        with engine_flag(self.env, "defer_day_check", "in_write"):
            for steps, delta in shifts:
                for step in steps:
                    step.day = max(1, step.day + delta)
        sequences = self.env["crm.sequence"].union(*(steps.sequence_id for steps, _delta in shifts))
        sequences.step_ids._check_day_order()

    def _render_email(self, res_ids):
        """Subject, body and language of this email step for each record: ``({res_id:
        subject}, {res_id: body}, {res_id: lang})``, in the language of the record's
        customer like Odoo's templates, looked up once for both fields."""
        self.ensure_one()
        return self._render_email_of(self, res_ids)

    @api.model
    def _render_email_of(self, template, res_ids):
        """``_render_email`` of ``template``: a step or one of its variants (both
        ``mail.render.mixin`` records with a subject and a body)."""
        if not template.lang:
            # Odoo reads each customer's language one by one (its recordsets lose their
            # prefetch): read them all at once first
            customers = self.env[template.render_model].browse(res_ids)._mail_get_partners()
            self.env["res.partner"].browse({pid for partners in customers.values() for pid in partners.ids}).mapped(
                "lang"
            )
        subjects, bodies, langs = {}, {}, {}
        for lang, (email, lang_res_ids) in template._classify_per_lang(res_ids).items():
            subjects.update(email._render_field("subject", lang_res_ids))
            bodies.update(email._render_field("body_html", lang_res_ids))
            langs.update(dict.fromkeys(lang_res_ids, lang or self.env.lang))
        return subjects, bodies, langs

    def _email_templates(self):
        """The records holding what this email step sends: the step itself, or its
        active variants once it has some (an A/B test, ``crm_sequence_step_ab``)."""
        self.ensure_one()
        return [self]

    def _has_own_email(self):
        self.ensure_one()
        return bool((self.subject or "").strip()) or not is_html_empty(self.body_html)

    def _unsubscribe_footer(self, lang):
        """Footer of an automatic email, with a ``%s`` for the unsubscribe URL: the
        sequence's unsubscribe text in ``lang``."""
        self.ensure_one()
        text = self.sequence_id.with_context(lang=lang).unsubscribe_text or self.with_context(lang=lang).env._(
            "Don't want these emails? Unsubscribe"
        )
        return (
            Markup(
                '<p style="margin-top:24px;font-size:12px;color:#6c757d;">'
                '<a href="%%s" style="color:#6c757d;">%s</a></p>'
            )
            % text
        )

    def _plan_step(self):
        """What the planner needs of this step (``send_calendar.PlanStep``)."""
        self.ensure_one()
        return PlanStep(
            self,
            self.day,
            in_window=self._sends_in_window(),
            wait_until_done=self.wait_until_done and self.step_type in TASK_TYPES,
            email=self.step_type == "auto_email",
        )

    def _sends_in_window(self):
        """Emails wait for the send window; tasks are due from its opening on their day."""
        self.ensure_one()
        return self.step_type == "auto_email"

    def _end_day(self):
        """Day from which the next step may happen."""
        self.ensure_one()
        return self.day + (self.delay_days if self.step_type == "delay" else 0)

    def _label(self, number=None):
        """How the builder's list shows the step: its number in the list, type and day."""
        self.ensure_one()
        return self.env._(
            "Step %(number)s (%(type)s, day %(day)s)",
            number=number or self.step_number,
            type=self._type_label(),
            day=self.day,
        )

    def _get_missing_data(self):
        self.ensure_one()
        missing = []
        if self.step_type in EMAIL_TYPES:
            for email in self._email_templates():
                label = self._label() if email == self else f"{self._label()}, {email.display_name}"
                if not (email.subject or "").strip():
                    missing.append(self.env._("%s: add a subject.", label))
                if is_html_empty(email.body_html):
                    missing.append(self.env._("%s: write the email body.", label))
        if self.step_type in TASK_TYPES and not self.activity_type_id:
            missing.append(self.env._("%s: choose an activity type.", self._label()))
        return missing

    def _move(self, offset):
        """Swap this step with its neighbour: each keeps its content and its day, except
        that a delay keeps adding its days to what follows it. A move that would make
        days decrease is refused, naming the steps as the builder numbers them now."""
        steps = self.sequence_id.step_ids.sorted(step_order)
        index = list(steps).index(self)
        target = index + offset
        if not 0 <= target < len(steps):
            return True
        first, second = steps[min(index, target)], steps[max(index, target)]
        numbers = {first: min(index, target) + 1, second: max(index, target) + 1}
        days = {first: first.day, second: second.day}
        if first.step_type == "delay":  # `second` no longer waits for the delay
            days[second] = max(first.day, second.day - first.delay_days)
            days[first] = days[second] + (second.delay_days if second.step_type == "delay" else 0)
        elif second.step_type == "delay":  # `first` now waits for the delay
            days[second] = first.day
            days[first] = first.day + second.delay_days
        if days[first] < days[second] + (second.delay_days if second.step_type == "delay" else 0):
            raise ValidationError(
                self.env._(
                    "%(step)s cannot move %(direction)s %(other)s: days must not decrease along the step order. "
                    "Change the day of one of them first.",
                    step=self._label(numbers[self]),
                    direction=self.env._("above") if offset < 0 else self.env._("below"),
                    other=(steps[target])._label(numbers[steps[target]]),
                )
            )
        positions = {step: position for position, step in enumerate(steps, 1)}
        positions[first], positions[second] = positions[second], positions[first]
        with engine_flag(self.env, "defer_day_check", "in_write"):
            for step in steps:
                vals = {}
                if step.sequence != positions[step]:
                    vals["sequence"] = positions[step]
                if step in days and step.day != days[step]:
                    vals["day"] = days[step]
                if vals:
                    step.write(vals)
        self.sequence_id.step_ids._check_day_order()
        self.sequence_id._apply_running_edit_policy()
        return True

    def _placeholder_paths(self):
        """Every ``object.<path>`` used by the subject and body of this step."""
        self.ensure_one()
        return self._paths_in(self.subject, self.body_html)

    @api.model
    def _paths_in(self, subject, body):
        """Every ``object.<path>`` used by ``subject`` (inline template) and ``body`` (QWeb)."""
        expressions = list(INLINE_EXPRESSION_RE.findall(subject or ""))
        body = str(body or "")
        expressions += [match[1] for match in QWEB_EXPRESSION_RE.findall(body)]
        expressions += INLINE_EXPRESSION_RE.findall(body)
        paths = []
        for expression in expressions:
            paths += [path.lstrip(".") for path in OBJECT_PATH_RE.findall(expression)]
        return paths

    @api.model
    def _check_field_path(self, Model, path):
        """Return why ``path`` is not a field path of ``Model`` (False when it is)."""
        current = Model
        for name in path.split("."):
            field = current._fields.get(name)
            if field is None:
                return self.env._("“%(name)s” is not a field of %(model)s", name=name, model=current._description)
            if not field.relational:
                return False  # what follows is Python on the value (template editors only)
            current = self.env[field.comodel_name]
        return False

    @api.model
    def _inline_to_qweb(self, html):
        """Turn ``{{ object.x ||| default }}`` typed in the body into QWeb ``t-out``.

        The body is rendered by QWeb (what Odoo's placeholder picker inserts); users
        also type the inline syntax they use in subjects, which QWeb would print as is.
        """
        html = str(html)
        if "{{" not in html:
            return html

        def replace(match):
            expression, _sep, default = match.group(1).partition("|||")
            expression = expression.strip().replace('"', "&quot;")
            return f'<t t-out="{expression}">{default.strip()}</t>'

        # Only text between tags: a placeholder inside an attribute stays inline.
        parts = TAG_RE.split(html)
        return "".join(part if TAG_RE.fullmatch(part) else INLINE_EXPRESSION_RE.sub(replace, part) for part in parts)

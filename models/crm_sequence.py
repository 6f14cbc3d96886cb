from collections import defaultdict
from datetime import timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import email_normalize, format_date, format_datetime, formatLang
from odoo.tools.translate import LazyTranslate

from odoo.addons.base.models.res_partner import _tz_get

from .crm_sequence_step import EMAIL_TYPES, STEP_TYPES, step_order
from .engine_flags import engine_flag, engine_flag_set
from .planner import SequenceRules
from .send_calendar import MAX_SEARCH_DAYS, SendCalendar
from .value_checks import is_whole_number

RUNNING_STATES = ("active", "paused")
# End reasons of removed runs counted apart on the sequence (``<reason>_count``).
REMOVAL_REASONS = ("replied", "opened", "clicked", "bounced", "opted_out", "company_replied", "goal_reached")

WEEKDAY_FIELDS = ("send_mon", "send_tue", "send_wed", "send_thu", "send_fri", "send_sat", "send_sun")
# Fields whose change moves the schedule of running enrollments (see crm.sequence.edit).
TIMING_FIELDS = {
    "day_mode",
    "tz",
    "use_contact_tz",
    "send_hour_from",
    "send_hour_to",
    "holiday_calendar_id",
    *WEEKDAY_FIELDS,
}
# Default fields per board, first existing candidate wins; any mail.thread model can be a board.
EMAIL_FIELD_CANDIDATES = ("email_from", "email", "partner_email", "email_normalized")
PHONE_FIELD_CANDIDATES = ("phone", "mobile", "partner_phone", "phone_sanitized")
USER_FIELD_CANDIDATES = ("user_id",)
MANAGER_GROUP = "crm_sequence.group_crm_sequence_manager"

_lt = LazyTranslate(__name__)
# Why a record was not enrolled, in the order they are checked (see ``_classify``).
SKIP_REASONS = {
    "already": _lt("already active in this sequence"),
    "goal_reached": _lt("already meeting the sequence's goal"),
    "no_email": _lt("without email address"),
    "opted_out": _lt("opted out of emails"),
    "exclusive": _lt("already in another sequence"),
}


class CrmSequence(models.Model):
    """A reusable, multi-step engagement plan run on records of one "board" model.

    Drafts always save; what blocks activation is listed in ``missing_data`` and
    enforced by ``action_activate`` and, once active, by ``_check_complete``.
    """

    _name = "crm.sequence"
    _description = "Sequence"
    _inherit = ["mail.thread", "crm.sequence.reply.figures"]
    _order = "name, id"
    _reply_figures_key = "sequence_id"

    name = fields.Char(required=True, tracking=True)
    state = fields.Selection(
        [("draft", "Draft"), ("active", "Active"), ("inactive", "Inactive")],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    active = fields.Boolean(default=True)
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        required=True,
        index=True,
        tracking=True,
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    model_id = fields.Many2one(
        "ir.model",
        string="Applies to",
        required=True,
        ondelete="cascade",
        default=lambda self: self._default_model_id(),
        domain="[('is_mail_thread', '=', True), ('transient', '=', False)]",
        help="The kind of records this sequence works on: Leads, Contacts or any model with a chatter.",
    )
    model = fields.Char(related="model_id.model", string="Applies to (model)", store=True, index=True)
    step_ids = fields.One2many("crm.sequence.step", "sequence_id", string="Steps", copy=True)
    step_count = fields.Integer(compute="_compute_step_count")
    has_conditions = fields.Boolean(
        compute="_compute_has_conditions",
        help="A step has a condition or a record filter: the step list shows its Condition column.",
    )
    sender_id = fields.Many2one(
        "res.users",
        string="Send email as",
        compute="_compute_sender_id",
        store=True,
        readonly=False,
        domain="[('share', '=', False)]",
        help="Automatic emails are sent with this user's name and address.",
    )
    share_mode = fields.Selection(
        [("private", "Only me"), ("users", "Selected users"), ("everyone", "Everyone")],
        string="Who may enroll",
        default="private",
        required=True,
    )
    shared_user_ids = fields.Many2many(
        "res.users",
        "crm_sequence_shared_user_rel",
        "sequence_id",
        "user_id",
        string="Shared with",
        domain="[('share', '=', False)]",
    )
    exclusive = fields.Boolean(
        help="A record already running in another sequence is not enrolled in this one.",
    )
    email_field_id = fields.Many2one(
        "ir.model.fields",
        string="Email field",
        compute="_compute_email_field_id",
        store=True,
        readonly=False,
        ondelete="set null",
        domain="[('model_id', '=', model_id), ('ttype', '=', 'char')]",
    )
    phone_field_id = fields.Many2one(
        "ir.model.fields",
        string="Phone field",
        compute="_compute_phone_field_id",
        store=True,
        readonly=False,
        ondelete="set null",
        domain="[('model_id', '=', model_id), ('ttype', '=', 'char')]",
    )
    removal_rule_ids = fields.One2many(
        "crm.sequence.removal.rule",
        "sequence_id",
        string="Removal rules",
        copy=True,
        context={"active_test": False},
        default=lambda self: self._default_removal_rules(),
    )
    reply_action_ids = fields.One2many(
        "crm.sequence.reply.action",
        "sequence_id",
        string="Replies",
        copy=True,
        default=lambda self: self.env["crm.sequence.reply.action"]._default_commands(),
        help="What the run does with a reply, by what the reply says (read in its new text).",
    )
    not_now_pause_days = fields.Integer(
        "“Not now” pause (days)",
        default=90,
        help="A “not now” reply without a date pauses the run this many days.",
    )
    referral_enroll = fields.Boolean(
        "Enroll referred leads",
        help="A lead created for the person a reply refers to is enrolled in this sequence.",
    )
    tz = fields.Selection(
        _tz_get,
        string="Time zone",
        required=True,
        default=lambda self: self.env.user.tz or "UTC",
    )
    day_mode = fields.Selection(
        [("sending", "Sending days"), ("calendar", "Calendar days")],
        "Count days in",
        required=True,
        default="sending",
        help="Sending days: day N is the Nth sending day of the run (weekends and holidays are not counted), "
        "so two steps fall on the same day only when they have the same day, and a delay always shows. "
        "Calendar days: day N is calendar day N of the run; a step on a weekend or holiday moves to the next "
        "sending day and may meet a later step there.",
    )
    use_contact_tz = fields.Boolean(
        "Contact's time zone",
        default=True,
        help="Send days and window apply in the time zone of the record or its contact when it has one; "
        "otherwise in the sequence's.",
    )
    spread_sends = fields.Boolean(
        "Spread emails",
        default=True,
        help="Space the emails of a day over the send window instead of sending them all at its opening.",
    )
    track_links = fields.Boolean(
        "Track links",
        default=True,
        help="Links of the sequence's emails go through Odoo's link tracker, so that a person's click is "
        "recorded on its email (mail scanners' clicks are kept apart).",
    )
    unsubscribe_link = fields.Boolean(
        "Unsubscribe link",
        default=True,
        help="Add a one-click unsubscribe (List-Unsubscribe headers, RFC 8058) and a visible link to every "
        "automatic email. Gmail and Yahoo require it from bulk senders.",
    )
    unsubscribe_text = fields.Char(
        "Unsubscribe text",
        translate=True,
        help="Text of the link at the bottom of automatic emails; empty, “Don't want these emails? "
        "Unsubscribe” in the contact's language.",
    )
    ooo_pause_days = fields.Integer(
        "Out-of-office pause (days)",
        default=7,
        aggregator=False,
        help="An out-of-office reply pauses the run until the return date it gives; when it gives none, for "
        "this many days.",
    )
    missing_field_mode = fields.Selection(
        [("skip", "Don't enroll them"), ("send", "Enroll them")],
        string="Records with an empty placeholder",
        default="skip",
        required=True,
        help="A placeholder without default (e.g. {Contact Name}) that is empty for a record would print nothing. "
        "Don't enroll them: enrolling skips such records and names them. Enroll them: they are enrolled; an "
        "email whose field is still empty when it is due is not sent (the step fails with the reason, the run "
        "goes on).",
    )
    stop_company_on_reply = fields.Boolean(
        "Stop the whole company on reply",
        help="A reply also ends the runs of this sequence for the other records of the same company "
        "(same commercial contact, or same email domain when there is no contact).",
    )
    send_mon = fields.Boolean("Monday", default=True)
    send_tue = fields.Boolean("Tuesday", default=True)
    send_wed = fields.Boolean("Wednesday", default=True)
    send_thu = fields.Boolean("Thursday", default=True)
    send_fri = fields.Boolean("Friday", default=True)
    send_sat = fields.Boolean("Saturday")
    send_sun = fields.Boolean("Sunday")
    send_hour_from = fields.Float("Send from", default=9.0, help="Start of the send window (local hour).")
    send_hour_to = fields.Float("Send until", default=17.0, help="End of the send window (local hour).")
    holiday_calendar_id = fields.Many2one(
        "resource.calendar",
        string="Holidays",
        help="Company-wide time off of this working schedule are days without sending.",
    )
    notify_task_due = fields.Boolean("Notify when a task is due", default=True)
    notify_engagement_end = fields.Boolean("Notify when a contact engages")
    notify_user_field_id = fields.Many2one(
        "ir.model.fields",
        string="Salesperson field",
        compute="_compute_notify_user_field_id",
        store=True,
        readonly=False,
        ondelete="set null",
        domain="[('model_id', '=', model_id), ('ttype', '=', 'many2one'), ('relation', '=', 'res.users')]",
        help="User field of the record (e.g. the salesperson); the owner is notified when it is empty.",
    )
    missing_data = fields.Text(compute="_compute_missing_data", string="Missing to activate")
    enrollment_ids = fields.One2many("crm.sequence.enrollment", "sequence_id", string="Enrollments")
    enrolled_count = fields.Integer("Enrolled", compute="_compute_enrollment_counts")
    active_count = fields.Integer("Running", compute="_compute_enrollment_counts")
    completed_count = fields.Integer("Completed", compute="_compute_enrollment_counts")
    removed_count = fields.Integer("Removed", compute="_compute_enrollment_counts")
    automation_action_count = fields.Integer(
        "Actions run",
        compute="_compute_enrollment_counts",
        help="What this sequence did by itself: one per executed step (email sent, task created) and one "
        "per run completed. Tools such as HubSpot or monday.com count these against automation quotas; "
        "in Odoo nothing is limited, the figure tells how much work the sequence took off your hands.",
    )
    # Removed runs split by reason (REMOVAL_REASONS; engagement of single emails is on the steps)
    replied_count = fields.Integer("Removed on reply", compute="_compute_enrollment_counts")
    opened_count = fields.Integer("Removed on open", compute="_compute_enrollment_counts")
    clicked_count = fields.Integer("Removed on click", compute="_compute_enrollment_counts")
    bounced_count = fields.Integer("Removed on bounce", compute="_compute_enrollment_counts")
    opted_out_count = fields.Integer("Opted out", compute="_compute_enrollment_counts")
    company_replied_count = fields.Integer(
        "Removed: company replied",
        compute="_compute_enrollment_counts",
        help="Runs ended because someone else of the same company replied (Stop the whole company on reply).",
    )
    out_of_office_count = fields.Integer(
        "Out of office",
        compute="_compute_enrollment_counts",
        help="Runs paused by an out-of-office reply until the contact is back.",
    )
    goal_reached_count = fields.Integer(
        "Goal reached", compute="_compute_enrollment_counts", help="Runs ended because their record met the goal."
    )
    terminated_count = fields.Integer("Terminated", compute="_compute_enrollment_counts")
    waiting_count = fields.Integer(
        "Waiting on tasks",
        compute="_compute_enrollment_counts",
        help="Running enrollments whose steps have all run and whose tasks are still open.",
    )
    planned_schedule = fields.Json(
        compute="_compute_planned_schedule",
        help="When each step would happen for a record enrolled now, under the current timing rules.",
    )
    can_edit = fields.Boolean(
        compute="_compute_can_edit",
        help="The current user may change this sequence (its owner or a Sequences Administrator).",
    )
    schedule_locked = fields.Boolean(
        compute="_compute_schedule_locked",
        help="Steps and sending rules are locked while records run through this started sequence, "
        "until “Edit running sequence” says what happens to them.",
    )
    pending_edit_mode = fields.Selection(
        [("terminate", "Terminate running enrollments"), ("keep", "Keep them on the new steps")],
        copy=False,
        readonly=True,
        help="Set by the 'Edit steps' confirmation of an active sequence; consumed by the next edit.",
    )

    # ------------------------------------------------------------------
    # Defaults and computes
    # ------------------------------------------------------------------

    @api.model
    def _default_model_id(self):
        """The board preset by the calling view (``crm_sequence_board``), else Leads."""
        model_name = self.env.context.get("crm_sequence_board") or "crm.lead"
        return self.env["ir.model"]._get_id(model_name)

    @api.model
    def _default_removal_rules(self):
        return [
            fields.Command.create({"trigger": "reply", "active": True}),
            fields.Command.create({"trigger": "bounce", "active": True}),
            fields.Command.create({"trigger": "open", "active": False}),
            fields.Command.create({"trigger": "click", "active": False}),
        ]

    @api.depends("user_id")
    @api.depends_context("uid")
    def _compute_can_edit(self):
        editable = self._origin._filtered_access("write")
        may_create = self.browse().has_access("create")
        for sequence in self:
            sequence.can_edit = sequence._origin in editable if sequence._origin else may_create

    @api.depends("state", "pending_edit_mode")
    def _compute_schedule_locked(self):
        for sequence in self:
            sequence.schedule_locked = bool(
                sequence.state != "draft" and sequence.active_count and not sequence.pending_edit_mode
            )

    @api.depends("step_ids")
    def _compute_step_count(self):
        for sequence in self:
            sequence.step_count = len(sequence.step_ids)

    @api.depends("step_ids.condition_summary")
    def _compute_has_conditions(self):
        for sequence in self:
            sequence.has_conditions = any(sequence.step_ids.mapped("condition_summary"))

    @api.depends("user_id")
    def _compute_sender_id(self):
        for sequence in self:
            if not sequence.sender_id or sequence.sender_id == sequence._origin.user_id:
                sequence.sender_id = sequence.user_id

    # One compute per board field: a value given for one of them (over RPC or in the
    # form) must never leave the others without their default.
    @api.depends("model_id")
    def _compute_email_field_id(self):
        self._compute_board_field("email_field_id", EMAIL_FIELD_CANDIDATES, lambda f: f.type == "char")

    @api.depends("model_id")
    def _compute_phone_field_id(self):
        self._compute_board_field("phone_field_id", PHONE_FIELD_CANDIDATES, lambda f: f.type == "char")

    @api.depends("model_id")
    def _compute_notify_user_field_id(self):
        self._compute_board_field(
            "notify_user_field_id",
            USER_FIELD_CANDIDATES,
            lambda f: f.type == "many2one" and f.comodel_name == "res.users",
        )

    def _compute_board_field(self, fname, candidates, accept):
        """Keep a field of the current board, else take the board's default."""
        for sequence in self:
            if sequence[fname].model_id != sequence.model_id:
                sequence[fname] = sequence._board_field(candidates, accept)

    def _board_field(self, candidates, accept):
        """The first stored field of the board among ``candidates`` that ``accept`` takes."""
        model = self.model_id.model
        if not model or model not in self.env:
            return self.env["ir.model.fields"]
        for name in candidates:
            field = self.env[model]._fields.get(name)
            if field and field.store and accept(field):
                return self.env["ir.model.fields"]._get(model, name)
        return self.env["ir.model.fields"]

    def _compute_enrollment_counts(self):
        """Counted in two grouped queries for the whole list, whatever its size."""
        Enrollment = self.env["crm.sequence.enrollment"].sudo()
        by_state = defaultdict(int)
        by_reason = defaultdict(int)
        waiting = defaultdict(int)
        away = defaultdict(int)
        for sequence, state, reason, pause_reason, waiting_on_tasks, count in Enrollment._read_group(
            [("sequence_id", "in", self.ids)],
            ["sequence_id", "state", "end_reason", "pause_reason", "waiting_on_tasks"],
            ["__count"],
        ):
            by_state[sequence.id, state] += count
            by_reason[sequence.id, reason] += count
            waiting[sequence.id] += count if waiting_on_tasks else 0
            away[sequence.id] += count if state == "paused" and pause_reason == "out_of_office" else 0
        executed = dict(
            self.env["crm.sequence.touch"]
            .sudo()
            ._read_group(
                [("sequence_id", "in", self.ids), ("state", "in", ("done", "open"))],
                ["sequence_id"],
                ["__count"],
            )
        )
        for sequence in self:
            counts = {
                state: by_state[sequence.id, state]
                for state in ("active", "paused", "completed", "removed", "terminated")
            }
            sequence.update(
                {
                    "enrolled_count": sum(counts.values()),
                    "active_count": counts["active"] + counts["paused"],
                    "completed_count": counts["completed"],
                    "removed_count": counts["removed"],
                    "terminated_count": counts["terminated"],
                    "automation_action_count": executed.get(sequence, 0) + counts["completed"],
                    "out_of_office_count": away[sequence.id],
                    "waiting_count": waiting[sequence.id],
                    **{f"{reason}_count": by_reason[sequence.id, reason] for reason in REMOVAL_REASONS},
                }
            )

    @api.depends(
        "step_ids.day",
        "step_ids.step_type",
        "step_ids.sequence",
        "step_ids.wait_until_done",
        "day_mode",
        "step_ids.condition_summary",
        "step_ids.condition_step_id",
        "tz",
        "send_hour_from",
        "send_hour_to",
        "holiday_calendar_id",
        *WEEKDAY_FIELDS,
    )
    @api.depends_context("lang")
    def _compute_planned_schedule(self):
        """When each step would happen for a record enrolled now, as lines the view
        renders (``crm_sequence_schedule`` widget): dates in the sequence's time zone,
        why a step landed on another day than its own, and its condition."""
        now = fields.Datetime.now()
        Touch = self.env["crm.sequence.touch"]
        labels = dict(self.env["crm.sequence.step"]._fields["step_type"]._description_selection(self.env))
        for sequence in self:
            steps = sequence.step_ids.filtered(lambda s: s.step_type != "delay").sorted(step_order)
            if not steps or sequence._check_send_window_values():
                sequence.planned_schedule = False
                continue
            lines = []
            with Touch._explained():
                schedule = Touch._planner().schedule(sequence._plan_rules(), [s._plan_step(steps) for s in steps], now)
            for planned in schedule:
                step = planned.key
                line = {
                    "day": step.day,
                    "type": labels.get(step.step_type),
                    "title": step.title,
                    "condition": step.condition_summary or False,
                    "date": (
                        self.env._("when “%s” is done", step.condition_step_id.title)
                        if step._waits_for_call(steps)
                        else self.env._("when the previous task is done")
                    ),
                    "moved": False,
                }
                if planned.local:
                    line["date"] = format_datetime(
                        self.env, planned.date, tz=sequence.tz, dt_format="EEE dd MMM y HH:mm"
                    )
                if planned.moved:
                    line["moved"] = self.env._(
                        "%(day)s → %(landed)s",
                        day=format_date(self.env, planned.day_date, date_format="EEEE"),
                        landed=format_date(self.env, planned.local.date(), date_format="EEEE"),
                    )
                lines.append(line)
            counting = (
                self.env._("days count sending days: weekends and holidays are skipped")
                if sequence.day_mode == "sending"
                else self.env._("days count calendar days: a step on a day off moves to the next sending day")
            )
            sequence.planned_schedule = {"tz": sequence.tz, "counting": counting, "lines": lines}

    @api.depends(
        "step_ids",
        "step_ids.step_type",
        "step_ids.subject",
        "step_ids.body_html",
        "step_ids.variant_ids.subject",
        "step_ids.variant_ids.body_html",
        "step_ids.variant_ids.active",
        "step_ids.activity_type_id",
        "sender_id.email",
        "email_field_id",
        "phone_field_id",
        "sender_id",
        "notify_task_due",
        "notify_engagement_end",
        "notify_user_field_id",
    )
    def _compute_missing_data(self):
        for sequence in self:
            sequence.missing_data = "\n".join(sequence._get_missing_data()) or False

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------

    @api.constrains("model_id")
    def _check_model_id(self):
        for sequence in self:
            if not sequence.model_id.is_mail_thread or sequence.model_id.transient:
                raise ValidationError(
                    self.env._(
                        "The board of sequence “%(name)s” must be a model with a chatter (mail.thread); "
                        "“%(model)s” is not.",
                        name=sequence.name,
                        model=sequence.model_id.name,
                    )
                )

    def _check_send_window_values(self):
        """Why the sending rules cannot work, as a message naming what to fix (False when they can)."""
        self.ensure_one()
        if self.tz not in pytz.all_timezones_set:
            return self.env._(
                "Sequence “%(name)s”: “%(tz)s” is not a time zone; pick one of the list "
                "(for example Europe/Brussels or America/New_York).",
                name=self.name,
                tz=self.tz,
            )
        if not (0 <= self.send_hour_from < self.send_hour_to <= 24):
            return self.env._(
                "Sequence “%(name)s”: the send window must start before it ends, within the day "
                "(for example from 09:00 to 17:00).",
                name=self.name,
            )
        if not any(self[fname] for fname in WEEKDAY_FIELDS):
            return self.env._("Sequence “%(name)s”: select at least one send day.", name=self.name)
        return False

    @api.constrains("tz", "send_hour_from", "send_hour_to", *WEEKDAY_FIELDS)
    def _check_send_window(self):
        for sequence in self:
            problem = sequence._check_send_window_values()
            if problem:
                raise ValidationError(problem)

    def _check_engine_fields(self, vals, creating=False):
        """The status changes only through Activate/Deactivate (which check what is missing,
        pause and resume the runs), the edit choice only through “Edit running sequence”:
        over RPC a plain write of them would skip all that."""
        if self.env.su or engine_flag_set(self.env, "state_change"):
            return
        if creating and vals.get("state", "draft") == "draft" and not vals.get("pending_edit_mode"):
            return
        if not creating and "state" not in vals and "pending_edit_mode" not in vals:
            return
        raise UserError(
            self.env._(
                "A sequence's status changes with its Activate and Deactivate buttons "
                "(action_activate/action_deactivate), the choice for running enrollments with "
                "“Edit running sequence”."
            )
        )

    def _check_ooo_pause_days(self, vals):
        """Checked on the values, before the database refuses what does not fit a number."""
        days = vals.get("ooo_pause_days")
        if days is not None and not is_whole_number(days, 1, 365):
            raise ValidationError(self.env._("An out-of-office pause lasts 1 to 365 days, not “%(days)s”.", days=days))
        days = vals.get("not_now_pause_days")
        if days is not None and not is_whole_number(days, 1, 730):
            raise ValidationError(self.env._("A “not now” pause lasts 1 to 730 days, not “%(days)s”.", days=days))

    @api.constrains("model_id", "email_field_id", "phone_field_id", "notify_user_field_id")
    def _check_board_fields(self):
        for sequence in self:
            for field, label in (
                (sequence.email_field_id, self.env._("email field")),
                (sequence.phone_field_id, self.env._("phone field")),
                (sequence.notify_user_field_id, self.env._("user to notify")),
            ):
                if field and field.model_id != sequence.model_id:
                    raise ValidationError(
                        self.env._(
                            "Sequence “%(name)s”: the %(label)s “%(field)s” is not a field of %(board)s.",
                            name=sequence.name,
                            label=label,
                            field=field.field_description,
                            board=sequence.model_id.name,
                        )
                    )
            if sequence.notify_user_field_id and sequence.notify_user_field_id.relation != "res.users":
                raise ValidationError(
                    self.env._(
                        "Sequence “%(name)s”: the user to notify must be a field pointing to users.",
                        name=sequence.name,
                    )
                )

    @api.constrains(
        "state",
        "step_ids",
        "email_field_id",
        "phone_field_id",
        "sender_id",
        "notify_task_due",
        "notify_engagement_end",
        "notify_user_field_id",
    )
    def _check_complete(self):
        """An active sequence must stay runnable: edits may not reintroduce missing data."""
        for sequence in self.filtered(lambda s: s.state == "active"):
            missing = sequence._get_missing_data()
            if missing:
                raise ValidationError(
                    self.env._(
                        "Sequence “%(name)s” is active and cannot run with:\n%(missing)s",
                        name=sequence.name,
                        missing="\n".join(missing),
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        """The form is read-only for whoever may not change the sequence (``can_edit``):
        every field of the sheet gets ``readonly`` in one place rather than in each
        node, so a field added later (or by another addon) cannot forget it."""
        arch, view = super()._get_view(view_id, view_type, **options)
        if view_type == "form":
            for node in arch.xpath("//field[not(ancestor::field)][not(@name='can_edit')]"):
                readonly = node.get("readonly")
                node.set("readonly", f"not can_edit or ({readonly})" if readonly else "not can_edit")
        return arch, view

    @api.ondelete(at_uninstall=False)
    def _unlink_except_running(self):
        """Deleting a sequence would silently drop the contacts in it: end their runs first."""
        running = self._running_enrollments()
        if running:
            raise UserError(
                self.env._(
                    "Sequence “%(name)s” still has %(count)s running enrollments: terminate them (or archive "
                    "the sequence) before deleting it.",
                    name=running[0].sequence_id.name,
                    count=len(running),
                )
            )

    def copy(self, default=None):
        """Step conditions of a copy look at the copy's own steps."""
        with engine_flag(self.env, "defer_day_check"):
            copies = super().copy(default=default)
            for original, copied in zip(self, copies):
                twins = dict(zip(original.step_ids.sorted(step_order), copied.step_ids.sorted(step_order)))
                for step in copied.step_ids.filtered("condition_step_id"):
                    step.condition_step_id = twins.get(step.condition_step_id._origin, False)
        copies.step_ids._check_day_order()
        return copies

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        if not (default or {}).get("name"):
            for sequence, vals in zip(self, vals_list):
                vals["name"] = self.env._("%s (copy)", sequence.name)
        return vals_list

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_engine_fields(vals, creating=True)
            self.browse()._check_identity(vals)
            self._check_ooo_pause_days(vals)
        sequences = super().create(vals_list)
        self.env["crm.sequence.reply.action"]._ensure_for(sequences)
        return sequences

    def write(self, vals):
        self._check_engine_fields(vals)
        self._check_identity(vals)
        self._check_ooo_pause_days(vals)
        if vals.get("active") is False:
            # an archived sequence must not keep running out of sight
            self.filtered(lambda s: s.state == "active").action_deactivate()
        if "model_id" in vals:
            self._check_board_change(vals["model_id"])
        timing_change = bool(TIMING_FIELDS.intersection(vals) or "step_ids" in vals)
        pending = {sequence.pending_edit_mode for sequence in self if sequence.pending_edit_mode}
        edit_mode = self.env.context.get("crm_sequence_edit_mode") or (pending.pop() if len(pending) == 1 else False)
        self_ctx = self.with_context(crm_sequence_edit_mode=edit_mode)
        with engine_flag(self.env, "in_write"):  # the steps written with it: the policy runs once, below
            result = super(CrmSequence, self_ctx).write(vals)
        if "model_id" in vals:
            self.step_ids._check_placeholders()
        if "sender_id" in vals:
            # emails to come count in their new sender's limits
            self.env["crm.sequence.touch"].sudo().search(
                [("sequence_id", "in", self.ids), ("state", "=", "scheduled"), ("step_type", "=", "auto_email")]
            ).write({"user_id": vals["sender_id"]})
        if timing_change:
            self_ctx._apply_running_edit_policy()
            to_reset = self.filtered("pending_edit_mode")
            if to_reset:
                super(CrmSequence, to_reset).write({"pending_edit_mode": False})
        return result

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_activate(self):
        """Activate the sequences, or refuse naming every missing item of each."""
        archived = self.filtered(lambda s: not s.active)
        if archived:
            raise UserError(self.env._("Unarchive the sequence “%s” before activating it.", archived[0].name))
        problems = []
        for sequence in self:
            missing = sequence._get_missing_data()
            if missing:
                problems.append(
                    self.env._(
                        "“%(name)s”:\n%(missing)s",
                        name=sequence.name,
                        missing="\n".join(f"- {item}" for item in missing),
                    )
                )
        if problems:
            if len(self) == 1 and self.env.context.get("crm_sequence_explain"):
                # the form's button: a dialog listing what to complete, not a generic error
                return {
                    "type": "ir.actions.act_window",
                    "name": self.env._("Complete the sequence before activating it"),
                    "res_model": "crm.sequence",
                    "res_id": self.id,
                    "views": [(self.env.ref("crm_sequence.crm_sequence_view_form_missing").id, "form")],
                    "target": "new",
                }
            raise UserError(self.env._("Complete the sequence before activating it.\n\n%s", "\n\n".join(problems)))
        to_resume = self.filtered(lambda s: s.state == "inactive")
        with engine_flag(self.env, "state_change"):
            self.write({"state": "active"})
        to_resume._resume_enrollments()
        self._ensure_list_actions()
        return True

    def action_deactivate(self):
        """Stop the sequences; their running enrollments are paused until reactivation."""
        with engine_flag(self.env, "state_change"):
            self.filtered(lambda s: s.state == "active").write({"state": "inactive"})
        self._pause_enrollments()
        return True

    def action_fill_missing_data(self):
        """Open the form, whose banner lists what is missing, so the owner can complete it."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.sequence",
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def action_view_enrollments(self):
        """Open the enrollments behind a figure of the manager (``enrollment_filter`` in context:
        a state such as ``completed`` or an end reason such as ``replied``)."""
        self.ensure_one()
        selected = self.env.context.get("enrollment_filter")
        domain = [("sequence_id", "=", self.id)]
        if selected == "active":
            domain.append(("state", "in", RUNNING_STATES))
        elif selected in ("completed", "removed", "terminated", "paused"):
            domain.append(("state", "=", selected))
        elif selected == "waiting":
            domain.append(("waiting_on_tasks", "=", True))
        elif selected == "out_of_office":
            domain += [("state", "=", "paused"), ("pause_reason", "=", "out_of_office")]
        elif selected:
            domain.append(("end_reason", "=", selected))
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_sequence.crm_sequence_enrollment_action")
        name = self.env._("Enrollments of %s", self.name)
        action.update({"domain": domain, "context": {"create": False}, "name": name, "display_name": name})
        return action

    def action_add_records(self):
        """Open the board's list to pick records from; the selection is enrolled with
        ``enroll_records`` (client action ``crm_sequence_add_records``)."""
        self.ensure_one()
        self._check_usable()
        return {
            "type": "ir.actions.client",
            "tag": "crm_sequence_add_records",
            "params": {
                "sequence_id": self.id,
                "res_model": self.model,
                "title": self.env._("Add records to “%s”", self.name),
            },
        }

    def action_add_step(self):
        """Append a step of the type given in context (the builder's "Add" buttons)."""
        self.ensure_one()
        step_type = self.env.context.get("step_type", "auto_email")
        if step_type not in dict(STEP_TYPES):
            raise UserError(self.env._("Unknown step type “%s”.", step_type))
        self.env["crm.sequence.step"].create({"sequence_id": self.id, "step_type": step_type})
        return True

    def enroll_records(self, records):
        """Enroll ``records`` in this sequence and say what happened.

        The one way in, whatever the path (list action, Automation Rule, RPC): the
        sequence must be active, of the records' board and usable by the user (own,
        sending as them, shared, or the user is a Sequences Administrator), and the
        user must be able to read every record. Records that may not run are
        skipped with their reason.

        :param records: records of the board, or a list of their ids (over RPC)
        :return: ``{'enrolled': n, 'skipped': {reason: n}, 'missing': n, 'message': text}``
            where ``missing`` counts the given ids that no longer exist
        """
        self.ensure_one()
        self._check_usable()
        records, missing = self._enroll_targets(records)
        records.check_access("read")
        return self._enroll_records(records, missing)

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------

    @api.model
    def _usable_domain(self, res_model, active_only=True):
        """Sequences of ``res_model`` the user may enroll records in: their own, those
        sending as them, those shared with them or with everyone; all for administrators."""
        domain = Domain("model", "=", res_model)
        if active_only:
            domain &= Domain("state", "=", "active")
        if self.env.su or self.env.user.has_group(MANAGER_GROUP):
            return domain
        uid = self.env.uid
        return domain & Domain.OR(
            [
                [("user_id", "=", uid)],
                [("sender_id", "=", uid)],
                [("share_mode", "=", "everyone")],
                [("share_mode", "=", "users"), ("shared_user_ids", "in", uid)],
            ]
        )

    def _check_usable(self):
        """Refuse a sequence that is not active, or that the user may not enroll records in."""
        self.ensure_one()
        if self.state != "active":
            raise UserError(
                self.env._("The sequence “%s” is not active: activate it before adding records.", self.name)
            )
        if not self.filtered_domain(self._usable_domain(self.model)):
            raise AccessError(self.env._("You may not use the sequence “%s”: it is not shared with you.", self.name))

    def _check_board(self, res_model):
        """Refuse records of another model than the sequence's board."""
        self.ensure_one()
        if res_model != self.model:
            raise UserError(
                self.env._(
                    "The sequence “%(sequence)s” works on %(board)s, not on these records.",
                    sequence=self.name,
                    board=self.model_id.name,
                )
            )

    def _enroll_targets(self, records):
        """(existing records of the board, count of the given ids that no longer exist),
        from a recordset or from ids received over RPC."""
        self.ensure_one()
        if isinstance(records, models.BaseModel):
            self._check_board(records._name)
            ids = list(records._ids)
        elif isinstance(records, (list, tuple)):
            ids = list(records)
        else:
            raise UserError(self.env._("Give the records to enroll as a list of record ids."))
        if not all(is_whole_number(id_, 1) for id_ in ids):
            raise UserError(self.env._("The records to enroll must be given by their ids (positive whole numbers)."))
        ids = list(dict.fromkeys(ids))
        existing = self.env[self.model].browse(ids).exists()
        return existing, len(ids) - len(existing)

    def _enroll_records(self, records, missing=0):
        """Enroll what may be enrolled among ``records`` (already checked) and build the report."""
        self.ensure_one()
        skipped = self._classify(records)
        skipped_ids = {res_id for recs in skipped.values() for res_id in recs.ids}
        ok = records.browse([res_id for res_id in records.ids if res_id not in skipped_ids])
        empty = self._records_by_empty_fields(ok)
        if self.missing_field_mode == "skip" and empty:
            empty_ids = {res_id for recs in empty.values() for res_id in recs.ids}
            skipped["missing_field"] = records.browse([res_id for res_id in ok.ids if res_id in empty_ids])
            ok = records.browse([res_id for res_id in ok.ids if res_id not in empty_ids])
        self.env["crm.sequence.enrollment"]._enroll(self, ok)
        report = {
            "enrolled": len(ok),
            "skipped": {reason: len(recs) for reason, recs in skipped.items() if recs},
            "missing": missing,
            "empty_fields": {labels: len(recs) for labels, recs in empty.items()},
        }
        report["message"] = self._report_message(report, skipped, empty)
        return report

    def _records_by_empty_fields(self, records):
        """{"Contact Name, City": records} of ``records`` for which a placeholder of the
        email steps without a default would print nothing."""
        groups = defaultdict(list)
        for res_id, labels in self.step_ids._empty_placeholders(records).items():
            groups[", ".join(labels)].append(res_id)
        return {labels: records.browse(res_ids) for labels, res_ids in groups.items()}

    def _classify(self, records):
        """{reason: records} of records that may not be enrolled, one reason each (linear
        in the selection: ids are collected, each recordset built once)."""
        self.ensure_one()
        running = self.env["crm.sequence.enrollment"]._running_for_records(records._name, records.ids)
        already_ids, other_ids = set(), set()
        for enrollment in running:
            (already_ids if enrollment.sequence_id == self else other_ids).add(enrollment.res_id)
        skipped_ids = {reason: [] for reason in SKIP_REASONS}
        sends_email = any(step.step_type in EMAIL_TYPES for step in self.step_ids)
        addresses = self._addresses(records) if sends_email else {}
        for res_id in records.ids:
            if res_id in already_ids:
                skipped_ids["already"].append(res_id)
            elif sends_email and not addresses[res_id][0]:
                skipped_ids["no_email"].append(res_id)
            elif sends_email and addresses[res_id][1]:
                skipped_ids["opted_out"].append(res_id)
            elif self.exclusive and res_id in other_ids:
                skipped_ids["exclusive"].append(res_id)
        return {reason: records.browse(ids) for reason, ids in skipped_ids.items()}

    @api.model
    def _report_message(self, report, skipped=None, empty=None):
        """The enrollment report as the user reads it, naming skipped records (ten at
        most per reason, then "and 35 more")."""

        def number(count):
            return formatLang(self.env, count, digits=0)

        def names(records):
            return f" ({self._name_list(records)})" if records else ""

        skipped, empty = skipped or {}, empty or {}
        lines = [self.env._("%s enrolled.", number(report["enrolled"]))]
        for reason, count in report["skipped"].items():
            if reason == "missing_field":
                for labels, records in empty.items():
                    lines.append(
                        self.env._(
                            "%(count)s skipped: without %(fields)s%(names)s.",
                            count=number(len(records)),
                            fields=labels,
                            names=names(records),
                        )
                    )
                continue
            lines.append(
                self.env._(
                    "%(count)s skipped: %(reason)s%(names)s.",
                    count=number(count),
                    reason=str(SKIP_REASONS[reason]),
                    names=names(skipped.get(reason)),
                )
            )
        if "missing_field" not in report["skipped"]:
            for labels, records in empty.items():
                lines.append(
                    self.env._(
                        "%(count)s enrolled without %(fields)s%(names)s: fill it in before their emails are due, "
                        "an email that would print an empty field is not sent.",
                        count=number(len(records)),
                        fields=labels,
                        names=names(records),
                    )
                )
        if report.get("missing"):
            lines.append(self.env._("%s selected records no longer exist.", number(report["missing"])))
        return "\n".join(lines)

    @api.model
    def _name_list(self, records, limit=10):
        """ "A, B, C" for up to ``limit`` records, then "A, ..., J and 35 more"."""
        shown = ", ".join(records[:limit].sudo().mapped("display_name"))
        if len(records) <= limit:
            return shown
        return self.env._("%(names)s and %(count)s more", names=shown, count=len(records) - limit)

    def _get_missing_data(self):
        """Human-readable list of what blocks activation (empty when the sequence can run)."""
        self.ensure_one()
        missing = []
        steps = self.step_ids.sorted(step_order)
        if not steps.filtered(lambda s: s.step_type != "delay"):
            missing.append(self.env._("Add at least one email, call or to-do step."))
        for step in steps:
            missing.extend(step._get_missing_data())
        email_steps = steps.filtered(lambda s: s.step_type in EMAIL_TYPES)
        if email_steps and not self.email_field_id:
            missing.append(self.env._("Email field: choose the field holding the address (there are email steps)."))
        if steps.filtered(lambda s: s.step_type == "call") and not self.phone_field_id:
            missing.append(self.env._("Phone field: choose the field holding the phone number (there are call steps)."))
        if steps.filtered(lambda s: s.step_type == "auto_email"):
            if not self.sender_id:
                missing.append(self.env._("Send email as: choose the sender of the automatic emails."))
            elif not self.sender_id.email:
                missing.append(
                    self.env._("Send email as: %s has no email address; set one on the user.", self.sender_id.name)
                )
        if (self.notify_task_due or self.notify_engagement_end) and not self.notify_user_field_id:
            missing.append(self.env._("Salesperson field: choose the user field of the record (notifications are on)."))
        return missing

    def _check_identity(self, vals):
        """Emails go out under the sender's name and address: a Sequences User sends as
        themselves and keeps their sequences; only a Sequences Administrator sets another
        sender (who then approves it) or gives a sequence to someone else. Checked on the
        values, before they are written, because constraints run as superuser."""
        if self.env.su or self.env.user.has_group(MANAGER_GROUP):
            return
        uid = self.env.uid
        user_id = vals.get("user_id")
        if user_id and user_id != uid and (not self or any(s.user_id.id != user_id for s in self)):
            raise AccessError(self.env._("Only a Sequences Administrator may give a sequence to another user."))
        sender_id = vals.get("sender_id")
        if sender_id and sender_id != uid and (not self or any(s.sender_id.id != sender_id for s in self)):
            raise AccessError(
                self.env._(
                    "You may only send emails as yourself; ask a Sequences Administrator to send as %s.",
                    self.env["res.users"].sudo().browse(sender_id).name,
                )
            )

    def _check_board_change(self, model_id):
        for sequence in self:
            if sequence.model_id.id != model_id and sequence.state != "draft":
                raise UserError(
                    self.env._(
                        "Sequence “%(name)s” has run: its board can no longer change. Duplicate it instead.",
                        name=sequence.name,
                    )
                )

    def _plan_rules(self):
        """What the planner needs of this sequence (``planner.SequenceRules``)."""
        self.ensure_one()
        return SequenceRules(self, self.sender_id, self.spread_sends, self.day_mode == "sending")

    def _run_tz(self, contact_tz):
        """The time zone a run of this sequence sends in: its contact's (``contact_tz``,
        kept on the run) when the sequence uses contact time zones, else the sequence's."""
        self.ensure_one()
        return (self.use_contact_tz and contact_tz) or self.tz

    def _send_calendar(self, start, tz=None):
        """The sending rules of this sequence from ``start`` (UTC) on, holidays included,
        in the time zone ``tz`` (a contact's) when the sequence uses contact time zones."""
        self.ensure_one()
        return SendCalendar(
            (self.use_contact_tz and tz) or self.tz,
            {index for index, fname in enumerate(WEEKDAY_FIELDS) if self[fname]},
            self.send_hour_from,
            self.send_hour_to,
            self._holiday_dates(start, start + timedelta(days=2 * MAX_SEARCH_DAYS)),
        )

    def _holiday_dates(self, date_from, date_to):
        """Local dates touched by the holiday calendar's company-wide time off (Odoo's own
        leave intervals, in the calendar's time zone)."""
        self.ensure_one()
        calendar = self.holiday_calendar_id.sudo()
        if not calendar:
            return set()
        intervals = calendar._leave_intervals_batch(pytz.utc.localize(date_from), pytz.utc.localize(date_to))[False]
        dates = set()
        for start, stop, _leaves in intervals:
            last = (stop - timedelta(seconds=1)).date()  # a leave ending at midnight spares the next day
            dates.update(start.date() + timedelta(days=offset) for offset in range((last - start.date()).days + 1))
        return dates

    def _ensure_list_actions(self):
        """Offer “Add to sequence” and “Remove from sequences” in the Action menu of every board
        with an active sequence (Leads and Contacts have theirs in XML; other models get them
        on first activation)."""
        env = self.sudo().env  # owners may activate; binding actions is technical
        enroll_action = env.ref("crm_sequence.crm_sequence_enroll_action", raise_if_not_found=False)
        remove_action = env.ref("crm_sequence.crm_lead_action_crm_sequence_remove", raise_if_not_found=False)
        if not (enroll_action and remove_action):
            return
        enroll_bound = env["ir.actions.act_window"].search([("res_model", "=", "crm.sequence.enroll")])
        remove_bound = env["ir.actions.server"].search([("code", "=", remove_action.code)])
        bound_enroll, bound_remove = set(enroll_bound.binding_model_id.ids), set(remove_bound.binding_model_id.ids)
        for model in self.model_id:
            if model.id not in bound_enroll:
                enroll_action.copy({"binding_model_id": model.id, "binding_view_types": "list,kanban"})
                bound_enroll.add(model.id)
            if model.id not in bound_remove:
                remove_action.copy({"model_id": model.id, "binding_model_id": model.id, "name": remove_action.name})
                bound_remove.add(model.id)

    @api.model
    def _contact_tz(self, records):
        """{record id: time zone} of ``records`` that have one: the record's own ``tz``,
        else its contact's (``partner_id.tz``, e.g. a lead's customer)."""
        if "tz" in records._fields:
            zones = {record.id: record.tz for record in records.sudo()}
        elif "partner_id" in records._fields and records._fields["partner_id"].comodel_name == "res.partner":
            zones = {record.id: record.partner_id.tz for record in records.sudo()}
        else:
            return {}
        return {res_id: tz for res_id, tz in zones.items() if tz in pytz.all_timezones_set}

    def _addresses(self, records):
        """{record id: (address, opted out)} of ``records`` of the board: the address as
        written in the email field (False when it holds none) and whether Odoo's email
        blacklist excludes it (the first address decides for a field holding several)."""
        self.ensure_one()
        email_field = self.email_field_id.name
        if not email_field:
            return {record.id: (False, False) for record in records}
        raw = {record.id: (record.sudo()[email_field] or "").strip() for record in records}
        normalized = {res_id: email_normalize(email, strict=False) for res_id, email in raw.items()}
        emails = [email for email in normalized.values() if email]
        blacklisted = (
            set(self.env["mail.blacklist"].sudo().search([("email", "in", emails)]).mapped("email"))
            if emails
            else set()
        )
        return {
            res_id: (raw[res_id] if normalized[res_id] else False, normalized[res_id] in blacklisted) for res_id in raw
        }

    def _running_enrollments(self):
        return (
            self.env["crm.sequence.enrollment"]
            .sudo()
            .search(
                [
                    ("sequence_id", "in", self.ids),
                    ("state", "in", RUNNING_STATES),
                ]
            )
        )

    def _apply_running_edit_policy(self):
        """After the steps or timing of a started sequence changed, treat its running enrollments.

        The user chose beforehand (``crm.sequence.edit`` sets ``pending_edit_mode``,
        integrations pass ``crm_sequence_edit_mode`` in context): terminate them, or
        keep them and re-plan what remains of their schedule on the new steps.
        Without a choice the edit is refused, so running contacts are never surprised.
        """
        if engine_flag_set(self.env, "in_write"):
            return
        started = self.filtered(lambda s: s.state != "draft")
        if not started:
            return
        running = started._running_enrollments()
        for sequence in started:
            enrollments = running.filtered(lambda e: e.sequence_id == sequence)
            if not enrollments:
                continue
            mode = self.env.context.get("crm_sequence_edit_mode") or sequence.pending_edit_mode
            if mode and mode not in ("terminate", "keep"):
                raise UserError(self.env._("Unknown edit mode “%s”: use “terminate” or “keep”.", mode))
            if not mode:
                raise UserError(
                    self.env._(
                        "Sequence “%(name)s” has %(count)s running enrollments. Click “Edit running "
                        "sequence” first to choose whether to terminate them or keep them on the new steps.",
                        name=sequence.name,
                        count=len(enrollments),
                    )
                )
            if mode == "terminate":
                enrollments._end("terminated", "sequence_edited")
            else:
                enrollments._reschedule_remaining()
            if sequence.pending_edit_mode:  # the choice was for this edit only
                sequence.sudo().pending_edit_mode = False

    def _pause_enrollments(self):
        self._running_enrollments().filtered(lambda e: e.state == "active")._pause(by_sequence=True)

    def _resume_enrollments(self):
        self._running_enrollments().filtered(lambda e: e.state == "paused" and e.paused_by_sequence)._resume()

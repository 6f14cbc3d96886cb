import logging
from collections import defaultdict
from contextlib import contextmanager
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, email_normalize, format_datetime

from odoo.addons.iap.tools.iap_tools import mail_prepare_for_domain_search

from . import record_filters
from .crm_sequence import RUNNING_STATES
from .crm_sequence_removal_rule import END_REASON_BY_TRIGGER
from .crm_sequence_step import TASK_TYPES, step_order, touch_order
from .cron_batches import take_locked
from .planner import PlannedTouch

_logger = logging.getLogger(__name__)

# runs written per chunk by the bulk actions on 100,000 runs (see _enroll, _resume)
BULK_CHUNK = 5000

# cursor cache key of the texts waiting for a run's next chatter note (see _trace_first)
TRACE_FIRST_KEY = "crm_sequence_trace_first"
# cursor cache key of the runs whose record is known to exist within a _trace_first block
TRACE_RECORD_KEY = "crm_sequence_trace_record"
END_REASONS = [
    ("replied", "Replied"),
    ("opened", "Opened"),
    ("clicked", "Clicked a link"),
    ("bounced", "Bounced"),
    ("opted_out", "Opted out"),
    ("company_replied", "Someone of the company replied"),
    ("left_company", "Left the company"),
    ("goal_reached", "Goal reached"),
    ("manual", "Terminated by a user"),
    ("sequence_edited", "Sequence edited"),
    ("record_deleted", "Record deleted"),
    ("completed", "All steps done"),
]


class CrmSequenceEnrollment(models.Model):
    """One record going through one sequence.

    Its touches are planned at enrollment (see ``crm.sequence.touch._plan``), so
    the timeline shows the upcoming dates; pausing shifts them, editing the
    sequence re-plans the remaining ones, ending cancels them.
    """

    _name = "crm.sequence.enrollment"
    _inherit = ["crm.sequence.run.access"]
    _description = "Sequence Enrollment"
    _order = "date_start desc, id desc"
    _rec_name = "record_name"

    sequence_id = fields.Many2one("crm.sequence", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="sequence_id.company_id", store=True, precompute=True, index=True)
    res_model = fields.Char("Record model", required=True, index=True)
    res_id = fields.Many2oneReference("Record ID", model_field="res_model", required=True, index=True)
    record_name = fields.Char("Record", readonly=True)
    state = fields.Selection(
        [
            ("active", "Running"),
            ("paused", "Paused"),
            ("completed", "Completed"),
            ("removed", "Removed"),
            ("terminated", "Terminated"),
        ],
        default="active",
        required=True,
        readonly=True,
        index=True,
    )
    end_reason = fields.Selection(END_REASONS, string="End reason", readonly=True)
    date_start = fields.Datetime("Enrolled on", default=fields.Datetime.now, required=True, readonly=True)
    date_end = fields.Datetime("Ended on", readonly=True)
    date_paused = fields.Datetime("Paused on", readonly=True)
    paused_by_sequence = fields.Boolean(
        compute="_compute_paused_by_sequence",
        store=True,
        help="Paused because the sequence was deactivated; resumed on reactivation.",
    )
    pause_reason = fields.Selection(
        string="Pause reason",
        selection=[
            ("manual", "Paused by a user"),
            ("sequence", "Sequence deactivated"),
            ("out_of_office", "Out of office"),
            ("not_now", "Not now (reply)"),
        ],
        readonly=True,
    )
    date_resume = fields.Datetime(
        "Resumes on",
        readonly=True,
        help="An out-of-office or a “not now” reply paused the run: it resumes by itself on this day.",
    )
    tz = fields.Char(
        "Contact time zone",
        readonly=True,
        help="The record's or its contact's time zone at enrollment; the sequence sends in it when it uses "
        "contact time zones.",
    )
    touch_ids = fields.One2many("crm.sequence.touch", "enrollment_id", string="Timeline")
    next_touch_date = fields.Datetime("Next step on", compute="_compute_next_touch", store=True, index=True)
    waiting_on_tasks = fields.Boolean(
        "Waiting on tasks",
        compute="_compute_waiting_on_tasks",
        store=True,
        help="Every step has run; the run completes when its open tasks are done or canceled.",
    )
    next_step_id = fields.Many2one("crm.sequence.step", string="Next step", compute="_compute_next_touch", store=True)
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        readonly=True,
        index=True,
        help="Who gets the tasks and the notifications of this run: the record's user field, else the owner.",
    )
    email = fields.Char(
        readonly=True, help="The record's address when it was enrolled; emails go to its address at sending time."
    )
    email_normalized = fields.Char(
        compute="_compute_email_normalized",
        store=True,
        index="btree_not_null",
        help="Finds the run of an address (replies, unsubscribe).",
    )
    enrolled_by_id = fields.Many2one(
        "res.users", string="Enrolled by", default=lambda self: self.env.user, readonly=True
    )
    trace_pending = fields.Boolean(
        readonly=True,
        help="Enrolled with many others: the cron writes its enrollment note in the record's chatter.",
    )
    end_note = fields.Char(
        "Note",
        readonly=True,
        help="What the removal rule could not do, e.g. a status the sequence owner may not set on the record.",
    )
    can_manage = fields.Boolean(
        compute="_compute_can_manage",
        help="The current user may pause, resume and terminate this run.",
    )

    _record_sequence_idx = models.Index("(res_model, res_id, sequence_id)")
    _trace_pending_idx = models.Index("(id) WHERE trace_pending IS TRUE")
    _resume_idx = models.Index("(date_resume) WHERE state = 'paused' AND date_resume IS NOT NULL")

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends("touch_ids.state", "touch_ids.date_scheduled", "state")
    def _compute_next_touch(self):
        """The first scheduled touch in step order: one query for all runs (bulk actions
        recompute it for thousands of runs at once); none for ended runs, which have
        nothing scheduled (ending one cancels what it had left)."""
        upcoming = {}  # run id: (date, step id)
        stored = [run.id for run in self if isinstance(run.id, int) and run.state in RUNNING_STATES]
        if stored:
            self._flush_touches()
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT DISTINCT ON (touch.enrollment_id) touch.enrollment_id, touch.date_scheduled, touch.step_id
                      FROM crm_sequence_touch touch
                 LEFT JOIN crm_sequence_step step ON step.id = touch.step_id
                     WHERE touch.enrollment_id = ANY(%s) AND touch.state = 'scheduled'
                  ORDER BY touch.enrollment_id, COALESCE(step.sequence, 0), COALESCE(step.id, 0),
                           touch.date_scheduled, touch.id
                    """,
                    stored,
                )
            )
            upcoming = {run_id: (date, step_id) for run_id, date, step_id in rows}
        Step = self.env["crm.sequence.step"]
        for enrollment in self:
            if isinstance(enrollment.id, int):
                date, step_id = upcoming.get(enrollment.id, (False, False))
                step = Step.browse(step_id)
            else:  # a run being built in a form: its touches in memory
                first = enrollment.touch_ids.filtered(lambda t: t.state == "scheduled").sorted(touch_order)[:1]
                date, step = first.date_scheduled, first.step_id
            enrollment.next_touch_date = date if enrollment.state == "active" else False
            enrollment.next_step_id = step

    @api.depends("touch_ids.state", "state")
    def _compute_waiting_on_tasks(self):
        """One grouped query for all running runs: which have open tasks and nothing
        scheduled (a paused or ended run waits on nothing)."""
        stored = [run.id for run in self if isinstance(run.id, int) and run.state == "active"]
        states = defaultdict(set)
        if stored:
            self._flush_touches()
            rows = self.env.execute_query(
                SQL(
                    "SELECT DISTINCT enrollment_id, state FROM crm_sequence_touch WHERE enrollment_id = ANY(%s)",
                    stored,
                )
            )
            for run_id, state in rows:
                states[run_id].add(state)
        for enrollment in self:
            found = (
                states[enrollment.id] if isinstance(enrollment.id, int) else set(enrollment.touch_ids.mapped("state"))
            )
            enrollment.waiting_on_tasks = enrollment.state == "active" and "open" in found and "scheduled" not in found

    def _flush_touches(self):
        """Write pending touch changes before the queries that compute the runs' figures."""
        self.env["crm.sequence.touch"].flush_model(["enrollment_id", "state", "date_scheduled", "step_id"])
        self.env["crm.sequence.step"].flush_model(["sequence"])

    @api.depends("pause_reason")
    def _compute_paused_by_sequence(self):
        for enrollment in self:
            enrollment.paused_by_sequence = enrollment.pause_reason == "sequence"

    @api.depends("email")
    def _compute_email_normalized(self):
        for enrollment in self:
            enrollment.email_normalized = email_normalize(enrollment.email or "", strict=False) or False

    @api.depends_context("uid")
    def _compute_can_manage(self):
        allowed = self._crm_sequence_allowed_ids(self._crm_sequence_rows(), "write")
        for enrollment in self:
            enrollment.can_manage = enrollment.id in allowed

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_pause(self):
        self._check_manage()
        not_active = self.filtered(lambda e: e.state != "active")
        if not_active:
            raise UserError(
                self.env._("Only active enrollments can be paused (%s).", ", ".join(not_active.mapped("display_name")))
            )
        self._pause()
        return True

    def action_resume(self):
        self._check_manage()
        not_paused = self.filtered(lambda e: e.state != "paused")
        if not_paused:
            raise UserError(
                self.env._("Only paused enrollments can be resumed (%s).", ", ".join(not_paused.mapped("display_name")))
            )
        inactive = self.sequence_id.filtered(lambda s: s.state != "active")
        if inactive:
            raise UserError(self.env._("Activate the sequence “%s” before resuming its enrollments.", inactive[0].name))
        self._resume()
        return True

    def action_terminate(self):
        """Stop these runs for good (the record may be enrolled again later)."""
        self._check_manage()
        self.filtered(lambda e: e.state in RUNNING_STATES)._end("terminated", "manual")
        return True

    @api.model
    def action_remove_records(self, records):
        """“Remove from sequences”: terminate every running enrollment of ``records``.

        All or nothing: when one of the runs is not the user's to change, nothing ends.
        """
        if not isinstance(records, models.BaseModel):
            raise UserError(self.env._("Remove from sequences works on records (a server action's “records”)."))
        records.check_access("read")
        running = self._running_for_records(records._name, records.ids)
        running.with_env(self.env)._check_manage()
        running._end("terminated", "manual")
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Removed from sequences"),
                "message": self.env._("%s running enrollments terminated.", len(running)),
                "type": "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _check_manage(self):
        self.check_access("read")
        self._crm_sequence_check_manage()

    def action_open_record(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------

    @api.model
    def _enroll(self, sequence, records, date_start=None):
        """Create the runs of ``records`` in ``sequence`` and plan their touches.

        Callers filter what may not be enrolled (``crm.sequence._classify``). A selection
        of 100,000 records is one user action: it is planned in one piece per send time
        zone (emails spread and sender quotas as for one batch), then its runs are
        inserted in chunks of ``BULK_CHUNK`` with their touches (``_insert_runs``), the
        cache emptied after each chunk (the rows were written by SQL, and each chunk then
        costs the same). Returns the new runs.
        """
        if not records:
            return self.browse()
        now = date_start or fields.Datetime.now()
        # a chatter note costs about a millisecond per record in Odoo: for a large selection
        # the cron writes them right after, so that the user's action stays quick
        deferred = len(records) > self._trace_now_limit()
        Touch = self.env["crm.sequence.touch"].sudo()
        planner = Touch._planner()
        plan = Touch._touch_plan(sequence.step_ids, len(records))
        zones = sequence._contact_tz(records)
        by_tz = defaultdict(list)
        for res_id in records.ids:
            by_tz[sequence._run_tz(zones.get(res_id))].append(res_id)
        ids = []
        for tz, res_ids in by_tz.items():
            planned = Touch._plan_dates(planner, sequence, tz, plan, now, len(res_ids)) if plan else []
            for start in range(0, len(res_ids), BULK_CHUNK):
                dates = [(step, slots[start : start + BULK_CHUNK]) for step, slots in planned]
                chunk = records.browse(res_ids[start : start + BULK_CHUNK])
                runs = self._insert_runs(sequence, chunk, zones, now, deferred, dates[0] if dates else None)
                Touch._insert_touches(Touch._touch_rows(plan, runs.ids, dates, sequence.sender_id) if plan else [])
                ids += runs.ids
                # rows the cache does not know (e.g. the sequence's runs): read again from here on;
                # for a large selection, each chunk starts with an empty cache
                self.env.invalidate_all()
        enrollments = self.browse(ids)
        if not deferred:
            enrollments._log_enrolled()
        Touch._wake_cron()  # now, when notes are pending
        return enrollments

    def _insert_runs(self, sequence, records, zones, now, trace_pending, first=None):
        """Insert the runs of ``records`` in ``sequence`` in one statement, with the values
        the ORM would give them (tested field by field against ``create``): enrolling is
        the one bulk action that creates rows by the hundred thousand, and the ORM's create
        costs as much as the rest together. Rows come back in the order of ``records``
        (as from the ORM's own ``INSERT ... RETURNING``). ``first``: (first step, its
        slot per record) as planned, the run's next step (what ``_compute_next_touch``
        reads once the touches are in, so the ORM need not recompute it)."""
        user_field = sequence.notify_user_field_id.name
        email_field = sequence.email_field_id.name
        first_step, first_slots = first or (None, [None] * len(records))
        rows = []
        for record, slot in zip(records, first_slots):
            user = record[user_field] if user_field else False
            email = (record[email_field] if email_field else False) or None
            rows.append(
                SQL(
                    "(%s, %s, %s::int, %s, %s, %s, %s, %s::int, %s::timestamp)",
                    record.id,
                    record.display_name,
                    (user or sequence.user_id).id or None,
                    email,
                    email_normalize(email or "", strict=False) or None,
                    zones.get(record.id),
                    bool(trace_pending),
                    first_step and first_step.id,
                    slot and slot.date,
                )
            )
        ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """
                    INSERT INTO crm_sequence_enrollment (
                        sequence_id, company_id, res_model, res_id, record_name, user_id, email, email_normalized,
                        tz, trace_pending, next_step_id, next_touch_date, state, date_start, enrolled_by_id,
                        paused_by_sequence, waiting_on_tasks, create_uid, create_date, write_uid, write_date
                    )
                    SELECT %(sequence)s, %(company)s, %(model)s, run.res_id, run.record_name, run.user_id, run.email,
                           run.email_normalized, run.tz, run.trace_pending, run.next_step_id, run.next_touch_date,
                           'active', %(now)s, %(uid)s, FALSE, FALSE, %(uid)s, %(write_date)s, %(uid)s, %(write_date)s
                      FROM (VALUES %(rows)s)
                           AS run(res_id, record_name, user_id, email, email_normalized, tz, trace_pending,
                                  next_step_id, next_touch_date)
                 RETURNING id
                    """,
                    sequence=sequence.id,
                    company=sequence.company_id.id or None,
                    model=records._name,
                    now=now,
                    uid=self.env.uid,
                    write_date=self.env.cr.now(),  # as the ORM stamps its rows
                    rows=SQL(", ").join(rows),
                )
            )
        ]
        return self.browse(ids)

    def _log_enrolled(self):
        self._log_trace(
            lambda e: e.env._(
                "Enrolled in the sequence “%(sequence)s” by %(user)s.",
                sequence=e.sequence_id.name,
                user=e.enrolled_by_id.name,
            )
        )
        self.filtered("trace_pending").write({"trace_pending": False})

    @api.model
    def _cron_log_pending_traces(self, batch_size):
        """Write the enrollment notes of large enrollments, in committed batches (runs
        another worker holds are left to it, see ``cron_batches``)."""
        while pending := self._take_locked(SQL("trace_pending IS TRUE"), SQL("id"), batch_size):
            pending._log_enrolled()
            remaining = self.sudo().search_count([("trace_pending", "=", True)], limit=batch_size * 10)
            if not self.env["ir.cron"]._commit_progress(len(pending), remaining=remaining):
                break

    @api.model
    def _take_locked(self, where, order, limit):
        """Up to ``limit`` runs matching ``where`` (the partial indexes), locked for this
        worker with ``SKIP LOCKED``, read as they are now."""
        ids = take_locked(
            self.env,
            SQL(
                "SELECT id FROM crm_sequence_enrollment WHERE %s ORDER BY %s LIMIT %s FOR NO KEY UPDATE SKIP LOCKED",
                where,
                order,
                limit,
            ),
        )
        runs = self.sudo().browse(ids)
        runs.invalidate_recordset()
        return runs

    def _end(self, state, reason, date=None, trace=True):
        """Finish these runs: cancel what they still had to do; a chatter note says why
        (unless ``trace`` is off: the caller writes its own)."""
        if not self:
            return
        self = self.sudo()
        date = date or fields.Datetime.now()
        # searched, not filtered: ending thousands of runs (deleted records, a terminated
        # list) would otherwise read every touch they ever had; their run read with them
        # (the write recomputes the runs' next step: no second query)
        self.env["crm.sequence.touch"].sudo().search_fetch(
            [("enrollment_id", "in", self.ids), ("state", "=", "scheduled")], ["enrollment_id"]
        ).write({"state": "canceled"})
        self.write({"state": state, "end_reason": reason, "date_end": date, **self._pause_values(False)})
        if trace and reason != "record_deleted":
            reasons = dict(self._fields["end_reason"]._description_selection(self.env))
            self._log_trace(
                lambda e: e.env._(
                    "Left the sequence “%(sequence)s”: %(reason)s.%(outcome)s",
                    sequence=e.sequence_id.name,
                    reason=reasons.get(reason, reason).lower(),
                    outcome=e._outcome_text(),
                )
            )

    def _pause(self, by_sequence=False):
        self.sudo().write({"state": "paused", **self._pause_values("sequence" if by_sequence else "manual")})
        self._log_trace(
            lambda e: (
                e.env._("Sequence “%s” paused: the sequence was deactivated.", e.sequence_id.name)
                if by_sequence
                else e.env._(
                    "Sequence “%(sequence)s” paused by %(user)s.", sequence=e.sequence_id.name, user=e.env.user.name
                )
            )
        )

    @api.model
    def _pause_values(self, reason, date=None, date_resume=False):
        """The pause fields of a run paused for ``reason`` (False: not paused)."""
        return {
            "pause_reason": reason,
            "date_paused": (date or fields.Datetime.now()) if reason else False,
            "date_resume": date_resume,
        }

    def _pause_out_of_office(self, return_date):
        """The contact's out-of-office answered: pause until ``return_date`` (a local date
        in the run's time zone) at the opening of the send window, or for the sequence's
        default pause when the message gave none. Runs already paused by a user or the
        sequence stay as they are."""
        self._pause_until("out_of_office", return_date)

    def _pause_until(self, reason, local_date):
        """Pause these runs for ``reason`` (``out_of_office``, ``not_now``) until ``local_date``
        (in the run's time zone, at the opening of its send window), else for the sequence's
        days for that reason. Runs paused by a user or the sequence stay as they are; an
        out-of-office pause gives way to a "not now" one."""
        now = fields.Datetime.now()
        pausable = ("out_of_office",) if reason == "not_now" else ()
        runs = self.sudo().filtered(
            lambda e: e.state == "active" or (e.state == "paused" and e.pause_reason in pausable)
        )
        planner = self.env["crm.sequence.touch"]._planner()
        for enrollment in runs:
            sequence = enrollment.sequence_id
            days = sequence.not_now_pause_days if reason == "not_now" else sequence.ooo_pause_days
            with self.env["crm.sequence.touch"]._explained():
                resume = planner.pause_until(sequence._plan_rules(), enrollment._send_tz(), now, local_date, days)
            paused_on = enrollment.date_paused if enrollment.state == "paused" else now
            enrollment.write({"state": "paused", **self._pause_values(reason, paused_on, resume)})
            enrollment._log_trace(
                lambda e, resume=resume: (
                    e.env._(
                        "Sequence “%(sequence)s” paused: out-of-office reply, resumes on %(date)s.",
                        sequence=e.sequence_id.name,
                        date=format_datetime(e.env, resume, tz=e._send_tz(), dt_format="medium"),
                    )
                    if reason == "out_of_office"
                    else e.env._(
                        "Sequence “%(sequence)s” paused: the contact asked to be contacted later, resumes on %(date)s.",
                        sequence=e.sequence_id.name,
                        date=format_datetime(e.env, resume, tz=e._send_tz(), dt_format="medium"),
                    )
                )
            )

    @api.model
    def _cron_resume_out_of_office(self, batch_size=500):
        """Resume the runs whose pause with a date is over (out of office, "not now"), in
        committed batches shared with other workers."""
        now = fields.Datetime.now()
        due = SQL("state = 'paused' AND date_resume IS NOT NULL AND date_resume <= %s", now)
        while runs := self._take_locked(due, SQL("date_resume, id"), batch_size):
            inactive = runs.filtered(lambda e: e.sequence_id.state != "active")
            # the sequence was deactivated meanwhile: it resumes them on reactivation
            inactive.write({"pause_reason": "sequence", "date_resume": False})
            (runs - inactive)._resume(after_reply=True)
            if not self.env["ir.cron"]._commit_progress(len(runs)):
                break

    def _outcome_text(self):
        """What happened in this run, for its end note: " Emails sent: 2 (1 opened,
        1 replied); tasks done: 1." (empty when nothing happened)."""
        self.ensure_one()
        touches = self.touch_ids
        sent = touches.filtered(lambda t: t.state == "done" and t.message_id)
        tasks = touches.filtered(lambda t: t.step_type in TASK_TYPES and t.date_done)
        parts = []
        if sent:
            engaged = ", ".join(
                label % count
                for label, count in (
                    (self.env._("%s opened"), len(sent.filtered("opened"))),
                    (self.env._("%s clicked"), len(sent.filtered("clicked"))),
                    (self.env._("%s replied"), len(sent.filtered("replied"))),
                    (self.env._("%s bounced"), len(sent.filtered("bounced"))),
                )
                if count
            )
            parts.append(
                self.env._("Emails sent: %(count)s (%(engaged)s)", count=len(sent), engaged=engaged)
                if engaged
                else self.env._("Emails sent: %s", len(sent))
            )
        counts = (
            (self.env._("tasks done: %s"), len(tasks.filtered(lambda t: t.state == "done"))),
            (self.env._("tasks left open: %s"), len(tasks.filtered(lambda t: t.state == "open"))),
            (self.env._("failed steps: %s"), len(touches.filtered(lambda t: t.state == "failed"))),
        )
        parts += [label % count for label, count in counts if count]
        if not parts:
            return ""
        text = "; ".join(parts)
        return f" {text[0].upper()}{text[1:]}."

    def _log_trace(self, body):
        """A note on each enrolled record's chatter (no notification), ``body(enrollment)``
        giving its text: who enrolled, paused, resumed or ended the run, and why. Above
        ``crm_sequence.trace_now_limit`` runs the cron writes them right after
        (``crm.sequence.note``): the action stays quick. A text waiting for the run's next
        note (``_trace_first``) opens it."""
        runs = self.sudo()
        if not runs:
            return
        if len(runs) > self._trace_now_limit():
            runs.env["crm.sequence.note"]._queue(runs, [Markup("<p>%s</p>") % body(e) for e in self])
            return
        first = self.env.cr.cache.get(TRACE_FIRST_KEY, {})
        known = self.env.cr.cache.get(TRACE_RECORD_KEY, set())
        for res_model, enrollments in runs.grouped("res_model").items():
            Model = self.env[res_model]
            if not hasattr(Model, "_message_log_batch"):
                continue
            existing = {e.res_id for e in enrollments if e.id in known}
            existing.update(Model.browse(set(enrollments.mapped("res_id")) - existing).exists().ids)
            records = Model.browse(sorted(existing))
            bodies = {}
            for e in enrollments.filtered(lambda e: e.res_id in existing):
                opening = first.pop(e.id, None)
                bodies[e.res_id] = Markup("<p>%s</p>") % body(e)
                if opening:
                    bodies[e.res_id] = Markup("<p>%s</p>") % opening(e.env) + bodies[e.res_id]
            records._message_log_batch(bodies=bodies)

    @api.model
    def _trace_now_limit(self):
        """Above this many runs at once, their chatter notes are left to the cron."""
        return int(self.env["ir.config_parameter"].sudo().get_param("crm_sequence.trace_now_limit", 500))

    @contextmanager
    def _trace_first(self, text, record_exists=False):
        """Within the block, the run's next chatter note opens with ``text(env)`` (one note
        for "Reply read as: …" and what the run did); written alone if none comes.
        ``record_exists``: the caller knows the run's record exists (a reply was just
        posted on it), so the note checks nothing (one query less per reply)."""
        self.ensure_one()
        first = self.env.cr.cache.setdefault(TRACE_FIRST_KEY, {})
        known = self.env.cr.cache.setdefault(TRACE_RECORD_KEY, set())
        first[self.id] = text
        if record_exists:
            known.add(self.id)
        try:
            yield
            if first.pop(self.id, None):
                self._log_trace(lambda e: text(e.env))
        finally:
            first.pop(self.id, None)
            known.discard(self.id)

    def _resume(self, after_reply=False):
        """Shift what remains by the time spent paused, then re-fit it into the send window;
        automatic emails are spread again within their sender's limits.

        Reactivating a sequence resumes 100,000 runs in one request: the touches are read
        in one query, planned in one piece (``planner.resume``: spread and quotas as for
        one batch), then written ``BULK_CHUNK`` runs at a time (``_chunks``), so that the
        ORM's work per chunk stays the same."""
        if not self:
            return
        reasons = {enrollment.id: enrollment.pause_reason for enrollment in self}
        now = fields.Datetime.now()
        Touch = self.env["crm.sequence.touch"].sudo()
        runs = self.sudo()
        by_run = defaultdict(list)  # run id: [(touch id, step id, date)] in step order
        self._flush_touches()  # read by SQL below
        for run_id, touch_id, step_id, date in self.env.execute_query(
            SQL(
                """
                SELECT touch.enrollment_id, touch.id, touch.step_id, touch.date_scheduled
                  FROM crm_sequence_touch touch
             LEFT JOIN crm_sequence_step step ON step.id = touch.step_id
                 WHERE touch.enrollment_id = ANY(%s) AND touch.state = 'scheduled'
                   AND touch.date_scheduled IS NOT NULL AND touch.step_id IS NOT NULL
              ORDER BY touch.enrollment_id, COALESCE(step.sequence, 0), COALESCE(step.id, 0),
                       touch.date_scheduled, touch.id
                """,
                runs.ids,
            )
        ):
            by_run[run_id].append((touch_id, step_id, date))
        steps = self.env["crm.sequence.step"].browse({step_id for rows in by_run.values() for _t, step_id, _d in rows})
        plan_steps = {step.id: step._plan_step() for step in steps}
        rules = {sequence: sequence._plan_rules() for sequence in runs.sequence_id}
        planner = Touch._planner(exclude=[touch_id for rows in by_run.values() for touch_id, _s, _d in rows])
        with Touch._explained():
            slots = planner.resume(
                [
                    (
                        rules[run.sequence_id],
                        run._send_tz(),
                        now - (run.date_paused or now),
                        [PlannedTouch(touch, plan_steps[step], date) for touch, step, date in by_run[run.id]],
                    )
                    for run in runs
                ],
                now,
            )
        for chunk in runs._chunks():
            chunk.write({"state": "active", **self._pause_values(False)})
            ids = [touch_id for run_id in chunk.ids for touch_id, _s, _d in by_run[run_id]]
            Touch._write_slots({touch_id: slots[touch_id] for touch_id in ids})
        Touch._wake_cron()
        self._log_trace(
            lambda e: (
                e.env._("Sequence “%s” resumed: the contact is back from their absence.", e.sequence_id.name)
                if after_reply and reasons.get(e.id) == "out_of_office"
                else e.env._("Sequence “%s” resumed: the “not now” pause is over.", e.sequence_id.name)
                if after_reply
                else e.env._(
                    "Sequence “%(sequence)s” resumed by %(user)s.", sequence=e.sequence_id.name, user=e.env.user.name
                )
            )
        )

    def _chunks(self, size=None):
        """These runs ``size`` (``BULK_CHUNK``) at a time, everything written and the
        cache emptied after each chunk: a bulk action on 100,000 runs then costs the same
        per chunk (the ORM's prefetching and recomputing grow faster than linearly on one
        recordset of that size)."""
        size = size or BULK_CHUNK
        if len(self) <= size:
            yield self
            return
        for start in range(0, len(self), size):
            yield self[start : start + size]
            self.env.invalidate_all()

    def _send_tz(self):
        """The time zone this run sends in: its contact's when the sequence uses it."""
        self.ensure_one()
        return self.sequence_id._run_tz(self.tz)

    def _keep_step_order(self, planner=None):
        """No scheduled step before an earlier step of its run (after emails moved later)."""
        Touch = self.env["crm.sequence.touch"].sudo()
        planner = planner or Touch._planner()
        scheduled = Touch.search_fetch(
            [("enrollment_id", "in", self.ids), ("state", "=", "scheduled"), ("date_scheduled", "!=", False)],
            ["enrollment_id", "step_id", "date_scheduled"],
        ).sorted(touch_order)
        moved = {}
        for run, touches in scheduled.grouped("enrollment_id").items():
            with Touch._explained():
                moved.update(
                    planner.keep_order(
                        run.sequence_id._plan_rules(),
                        run._send_tz(),
                        [PlannedTouch(t, t.step_id._plan_step(), t.date_scheduled) for t in touches],
                    )
                )
        for touch, date in moved.items():
            touch.date_scheduled = date

    def _reschedule_remaining(self):
        """Apply the sequence's current steps and timing to what remains of these runs.

        The steps still to come are those after the last executed one in the new
        order (or, when that step was deleted, those on a later day).
        """
        Touch = self.env["crm.sequence.touch"]
        now = fields.Datetime.now()
        runs = self.sudo()
        Touch.sudo().search([("enrollment_id", "in", runs.ids), ("state", "=", "scheduled")]).unlink()
        # runs at the same point of the same steps are planned together (one insert)
        groups = defaultdict(lambda: self.browse())
        for enrollment in runs:
            # an open task and a canceled one (date_done) happened too; steps canceled
            # when the run ended (no date_done) come again if it is revived
            done = enrollment.touch_ids.filtered(
                lambda t: t.state not in ("scheduled", "canceled") or (t.state == "canceled" and t.date_done)
            )
            last = done.sorted(lambda t: (t.date_done or t.create_date, t.id))[-1:]
            steps = enrollment.sequence_id.step_ids.sorted(step_order)
            if not last:
                groups[steps, enrollment.date_start, 1] |= enrollment
                continue
            if last.step_id in steps:
                remaining = steps[list(steps).index(last.step_id) + 1 :]
            else:
                remaining = steps.filtered(lambda s: s.day > last.step_day)
            groups[remaining, max(last.date_done or now, now), last.step_day] |= enrollment
        planner = Touch._planner()  # shared by the groups
        for (steps, start, start_day), enrollments in groups.items():
            Touch._plan(enrollments, steps, start, start_day=start_day, planner=planner)
        Touch._wake_cron()

    def _complete_finished(self):
        """Complete the runs that have nothing left to do: no step to come, no task open."""
        finished = self.filtered(
            lambda e: e.state == "active" and not any(t.state in ("scheduled", "open") for t in e.touch_ids)
        )
        finished.write({"state": "completed", "end_reason": "completed", "date_end": fields.Datetime.now()})
        finished._log_trace(
            lambda e: e.env._(
                "Completed the sequence “%(sequence)s”.%(outcome)s",
                sequence=e.sequence_id.name,
                outcome=e._outcome_text(),
            )
        )
        return finished

    def _end_goal_reached(self):
        """End the running runs whose record meets their sequence's goal: one search per
        sequence with a goal for all its runs here. A goal that no longer evaluates (a
        field removed since) ends nothing; the runs go on."""
        runs = self.sudo().filtered(
            lambda e: e.state in RUNNING_STATES and record_filters.is_set(e.sequence_id.goal_domain)
        )
        reached = self.browse()
        for sequence, enrollments in runs.grouped("sequence_id").items():
            try:
                matching = record_filters.matching_ids(
                    self.env[sequence.model], sequence.goal_domain, sequence.user_id, enrollments.mapped("res_id")
                )
            except record_filters.FilterError as error:
                _logger.info("Goal of sequence %s does not evaluate: %s", sequence.id, error)
                continue
            reached |= enrollments.filtered(lambda e: e.res_id in matching)
        reached._end("completed", "goal_reached")
        return reached

    @api.model
    def _end_goal_reached_for(self, res_model, res_ids):
        """Records of ``res_model`` were written: end their runs that reached the goal."""
        runs = self.sudo().search(
            [
                ("res_model", "=", res_model),
                ("res_id", "in", list(res_ids)),
                ("state", "in", RUNNING_STATES),
                ("sequence_id.goal_domain", "!=", False),
            ]
        )
        return runs._end_goal_reached()

    def _remove_on_engagement(self, trigger):
        """A contact engaged: apply the sequence's removal rule for ``trigger``.

        Ends the run (``removed``), sets the rule's status on the record with the
        rights of the sequence's owner (what the owner may not change is left as is
        and noted on the run) and notifies the user when the sequence asks for it.
        Without an active rule nothing ends.
        """
        for enrollment in self.sudo().filtered(lambda e: e.state in RUNNING_STATES):
            rule = enrollment.sequence_id.removal_rule_ids.filtered(lambda r: r.trigger == trigger and r.active)
            if not rule:
                continue
            enrollment._end("removed", END_REASON_BY_TRIGGER[trigger])
            record = self.env[enrollment.res_model].sudo().browse(enrollment.res_id).exists()
            values = rule[:1]._status_values()
            if record and values:
                enrollment._apply_status(record, values)
            if record and enrollment.sequence_id.notify_engagement_end:
                enrollment._notify_engagement(record, trigger)

    def _revive(self):
        """A run ended by a reply whose reading a seller corrected goes on: the steps
        still to come after its last done one are planned again from now. A run of a
        sequence deactivated meanwhile comes back paused by it (its reactivation resumes
        it, as the runs it paused)."""
        runs = self.sudo()
        runs.write({"state": "active", "end_reason": False, "date_end": False, "end_note": False})
        runs._reschedule_remaining()
        runs._log_trace(lambda e: e.env._("Back in the sequence “%s”: the reply was read again.", e.sequence_id.name))
        inactive = runs.filtered(lambda e: e.sequence_id.state != "active")
        if inactive:
            inactive._pause(by_sequence=True)

    def _notify_interested(self, record, reading_note, ended):
        """One note on the record for an interested reply, sent at once to the run's user
        (inbox or email, their preference) in their language: how the reply was read
        (``reading_note(env)``), that the run ended (``ended``), and to answer now. It
        stands for the run's chatter note of the reading and of its end."""
        self.ensure_one()
        self.env.cr.cache.get(TRACE_FIRST_KEY, {}).pop(self.id, None)
        user = self.user_id or self.sequence_id.user_id
        env = self.with_context(lang=user.lang or self.env.lang).env
        lines = [reading_note(env)]
        if ended:
            lines.append(env._("Left the sequence “%s”: replied.", self.sequence_id.name))
        lines.append(env._("%s is interested: answer now.", record.display_name))
        record.message_post(
            body=Markup("").join(Markup("<p>%s</p>") % line for line in lines),
            subject=env._(
                "%(record)s left sequence %(sequence)s: interested",
                record=record.display_name,
                sequence=self.sequence_id.name,
            ),
            subtype_xmlid="mail.mt_note",
            partner_ids=user.partner_id.ids,
        )

    def _end_company_runs(self):
        """“Stop the whole company on reply”: end the runs of the same sequence for the
        other records of these runs' companies (same commercial contact, or same email
        domain; personal mailboxes like gmail.com are no company). Returns the runs it
        ended."""
        replied = self.sudo().filtered(lambda e: e.sequence_id.stop_company_on_reply)
        stopped = self.browse().sudo()
        for sequence, enrollments in replied.grouped("sequence_id").items():
            others = sequence._running_enrollments() - enrollments
            if not others:
                continue
            keys = (enrollments | others)._company_keys()
            wanted = set().union(*(keys[e] for e in enrollments))
            ended = others.filtered(lambda e: keys[e] & wanted)
            ended._end("removed", "company_replied")
            stopped |= ended
        return stopped

    def _company_keys(self):
        """{run: {("partner", commercial partner id), ("address", "@domain" or personal address)}}."""
        keys = {}
        for res_model, enrollments in self.grouped("res_model").items():
            Model = self.env[res_model].sudo()
            records = {record.id: record for record in Model.browse(enrollments.mapped("res_id")).exists()}
            for enrollment in enrollments:
                record = records.get(enrollment.res_id)
                partner = self.env["res.partner"]
                if record and res_model == "res.partner":
                    partner = record
                elif (
                    record
                    and "partner_id" in Model._fields
                    and Model._fields["partner_id"].comodel_name == "res.partner"
                ):
                    partner = record.partner_id
                found = set()
                company = partner.commercial_partner_id
                if company and (company.is_company or company != partner):
                    found.add(("partner", company.id))
                # "@acme.com"; a personal mailbox (gmail.com...) is only its own address
                address = mail_prepare_for_domain_search(enrollment.email_normalized)
                if address:
                    found.add(("address", address))
                keys[enrollment] = found
        return keys

    def _apply_status(self, record, values):
        """Write the removal rule's status as the sequence owner would, or note why not."""
        self.ensure_one()
        owner = self.sequence_id.user_id
        try:
            with self.env.cr.savepoint():
                record.with_user(owner).write(values)
        except AccessError:
            self.end_note = self.env._(
                "Status not changed: %(owner)s, owner of the sequence, may not edit %(record)s.",
                owner=owner.name,
                record=record.display_name,
            )
        except UserError as error:
            self.end_note = self.env._("Status not changed: %s", error)

    def _notify_engagement(self, record, trigger):
        """Tell the run's user, in their language, that the contact engaged and left."""
        self.ensure_one()
        user = self.user_id or self.sequence_id.user_id
        env = self.with_context(lang=user.lang or self.env.lang).env
        reason = dict(self.env["crm.sequence.removal.rule"]._fields["trigger"]._description_selection(env))[trigger]
        record.message_notify(
            partner_ids=user.partner_id.ids,
            subject=env._(
                "%(record)s left sequence %(sequence)s", record=record.display_name, sequence=self.sequence_id.name
            ),
            body=env._(
                "%(record)s left the sequence “%(sequence)s”: %(reason)s.",
                record=record.display_name,
                sequence=self.sequence_id.name,
                reason=reason.lower(),
            ),
            model_description=self.sequence_id.model_id.with_env(env).name,
        )

    @api.model
    def _running_for_records(self, res_model, res_ids):
        return self.sudo().search(
            [
                ("res_model", "=", res_model),
                ("res_id", "in", list(res_ids)),
                ("state", "in", RUNNING_STATES),
            ]
        )

    @api.model
    def _end_for_records(self, res_model, res_ids, state, reason):
        enrollments = self._running_for_records(res_model, res_ids)
        enrollments._end(state, reason)
        return enrollments

    def _days_late(self, planned, done):
        """Run days from the local day of ``planned`` to that of ``done`` (UTC), as the
        sequence counts them: calendar days, or sending days (a day off counts as the
        sending day after it)."""
        self.ensure_one()
        sequence = self.sequence_id
        calendar = sequence._send_calendar(planned, self._send_tz())
        first, last = calendar.to_local(planned).date(), calendar.to_local(done).date()
        days = (last - first).days
        if days <= 0:
            return 0
        if sequence.day_mode != "sending":
            return days
        sending = sum(1 for offset in range(1, days + 1) if calendar.is_sending_day(first + timedelta(days=offset)))
        return sending + (0 if calendar.is_sending_day(last) else 1)

    def _shift_waiting(self, touch, date_done):
        """A "wait until done" task, or a call that a later step's condition looks at, was
        completed (or canceled): plan the steps that waited for it. After a "wait until
        done" task they are timed from the day it was done; after a call they keep their
        own day (those whose day is past happen now)."""
        Touch = self.env["crm.sequence.touch"]
        waiting = self.touch_ids.filtered(lambda t: t.state == "scheduled" and not t.date_scheduled)
        if waiting:
            steps = waiting.step_id.sorted(step_order)
            start_day = touch.step_day
            if not touch.step_id.wait_until_done and touch.date_scheduled:
                # the run's day when the call was done: its own day plus the days it was late
                start_day += self._days_late(touch.date_scheduled, date_done)
            waiting.unlink()
            Touch._plan(self, steps, date_done, start_day=start_day)
            Touch._wake_cron()

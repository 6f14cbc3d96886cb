import logging
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, consteq, email_normalize, email_split, format_date, hmac
from odoo.tools.mail import append_content_to_html

from . import tracked_links
from . import tracking_verdict as tv
from .crm_sequence import RUNNING_STATES
from .crm_sequence_step import EMAIL_TYPES, STEP_TYPES, step_order
from .cron_batches import claim_senders, create_claim_table, take_locked
from .inbound_mail import strip_reply_prefixes
from .planner import Planner
from .send_calendar import NoSendingDay, SenderQuota, to_local

_logger = logging.getLogger(__name__)

TOUCH_STATES = [
    ("scheduled", "Scheduled"),
    ("open", "Open task"),
    ("done", "Done"),
    ("skipped", "Skipped"),
    ("canceled", "Canceled"),
    ("failed", "Failed"),
]


class CrmSequenceTouch(models.Model):
    """One step for one enrollment: planned, then done by the cron (or skipped, failed, canceled).

    Executed touches keep what they produced (the email's ``mail.message``, the
    ``mail.activity``) and what the contact did with it (opened, replied, bounced).
    """

    _name = "crm.sequence.touch"
    _inherit = ["crm.sequence.run.access"]
    _description = "Sequence Touch"
    _order = "date_scheduled, id"
    _rec_name = "step_name"

    enrollment_id = fields.Many2one("crm.sequence.enrollment", required=True, ondelete="cascade", index=True)
    # read through the run (not stored): pausing or ending many runs updates no touch
    enrollment_state = fields.Selection(related="enrollment_id.state", string="Enrollment state")
    # copies of the run's fields, computed before the insert (precompute): no UPDATE per touch
    sequence_id = fields.Many2one(related="enrollment_id.sequence_id", store=True, precompute=True, index=True)
    company_id = fields.Many2one(related="enrollment_id.company_id", store=True, precompute=True)
    # stored so that access checks read them with the touch (see crm.sequence.run.access)
    res_model = fields.Char(related="enrollment_id.res_model", store=True, precompute=True)
    res_id = fields.Many2oneReference(related="enrollment_id.res_id", store=True, precompute=True)
    record_name = fields.Char(related="enrollment_id.record_name")
    step_id = fields.Many2one("crm.sequence.step", string="Sequence step", ondelete="set null", index="btree_not_null")
    step_type = fields.Selection(STEP_TYPES, string="Type", required=True)
    variant_id = fields.Many2one(
        "crm.sequence.step.variant",
        string="Variant",
        ondelete="set null",
        index="btree_not_null",
        help="The version of the email this run was given (A/B test), when its touch was planned.",
    )
    step_day = fields.Integer("Day", aggregator=False)
    step_name = fields.Char("Step name")
    title = fields.Char(
        "Step",
        compute="_compute_title",
        help="The step as it reads for this record: the email's subject rendered for it.",
    )
    state = fields.Selection(TOUCH_STATES, default="scheduled", required=True, index=True)
    date_scheduled = fields.Datetime("Planned on", help="Empty while it waits for a task to be done.")
    date_done = fields.Datetime("Done on")
    message_id = fields.Many2one("mail.message", string="Email", ondelete="set null", index="btree_not_null")
    mail_mail_id = fields.Many2one("mail.mail", string="Outgoing email", ondelete="set null", index="btree_not_null")
    activity_id = fields.Many2one("mail.activity", ondelete="set null", index="btree_not_null")
    date_sent = fields.Datetime(
        "Sent on", readonly=True, help="When the mail queue handed the email to the SMTP server."
    )
    link_count = fields.Integer("Tracked links", readonly=True, aggregator=False)
    opened = fields.Boolean(
        readonly=True, help="A person opened the email (or clicked one of its links); machines' opens are apart."
    )
    clicked = fields.Boolean(readonly=True, help="A person clicked a link of the email.")
    machine_opened = fields.Boolean(
        "Opened by a machine", readonly=True, help="A privacy proxy or a mail scanner fetched the email's images."
    )
    machine_clicked = fields.Boolean(
        "Clicked by a machine", readonly=True, help="A mail scanner or a bot followed a link of the email."
    )
    replied = fields.Boolean(readonly=True)
    bounced = fields.Boolean(readonly=True)
    date_opened = fields.Datetime("Opened on", readonly=True)
    date_clicked = fields.Datetime("Clicked on", readonly=True)
    date_replied = fields.Datetime("Replied on", readonly=True)
    # measures of the Step results pivot (a boolean is no measure): 1 or 0
    opened_number = fields.Integer("Opened (people)", compute="_compute_numbers", store=True, aggregator="sum")
    clicked_number = fields.Integer("Clicked (people)", compute="_compute_numbers", store=True, aggregator="sum")
    machine_opened_number = fields.Integer(
        "Opened by machines only", compute="_compute_numbers", store=True, aggregator="sum"
    )
    machine_clicked_number = fields.Integer(
        "Clicked by machines only", compute="_compute_numbers", store=True, aggregator="sum"
    )
    event_ids = fields.One2many("crm.sequence.touch.event", "touch_id", string="Opens and clicks", readonly=True)
    engagement = fields.Char(
        compute="_compute_engagement", help="What people and machines did with the email, as the timeline says it."
    )
    result_message = fields.Char("Details", help="Why the touch was deferred, skipped or failed.")
    user_id = fields.Many2one(
        "res.users",
        string="Seller",
        index="btree_not_null",
        help="Who sent the email, or who has (then who did) the task.",
    )

    _due_idx = models.Index("(date_scheduled, id) WHERE state = 'scheduled'")
    # a sender's emails per hour (sending limits, see _sender_quota)
    _sender_planned_idx = models.Index(
        "(user_id, date_scheduled) WHERE step_type = 'auto_email' AND state = 'scheduled'"
    )
    _sender_sent_idx = models.Index("(user_id, date_done) WHERE step_type = 'auto_email' AND state = 'done'")

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends("step_name", "message_id", "step_id.subject", "variant_id.subject")
    @api.depends_context("lang")
    def _compute_title(self):
        """Sent emails show their subject; emails to come are rendered for their record,
        one render per step (and variant) for all touches shown."""
        for touch in self.filtered(lambda t: t.message_id):
            touch.title = (
                touch.step_id._long_title(touch.message_id.sudo().subject) if touch.step_id else touch.step_name
            )
        pending = self.filtered(lambda t: not t.message_id)
        for (step, variant), touches in pending.grouped(lambda t: (t.step_id, t.variant_id)).items():
            subjects = {}
            email = variant or step
            if step.step_type in EMAIL_TYPES and email.subject:
                try:
                    subjects = email.sudo()._render_field("subject", touches.mapped("res_id"), compute_lang=True)
                except Exception:  # noqa: BLE001 - a record gone or a broken placeholder: show the step itself
                    _logger.info("Could not render the subject of step %s", step.id, exc_info=True)
            for touch in touches:
                subject = subjects.get(touch.res_id)
                touch.title = step._long_title(subject) if step and subject else touch.step_name

    @api.depends("opened", "clicked", "machine_opened", "machine_clicked")
    def _compute_numbers(self):
        for touch in self:
            touch.opened_number = int(touch.opened)
            touch.clicked_number = int(touch.clicked)
            touch.machine_opened_number = int(touch.machine_opened and not touch.opened)
            touch.machine_clicked_number = int(touch.machine_clicked and not touch.clicked)

    @api.depends("opened", "clicked", "machine_opened", "machine_clicked", "replied", "bounced")
    @api.depends_context("lang")
    def _compute_engagement(self):
        for touch in self:
            parts = []
            if touch.clicked:
                parts.append(self.env._("clicked"))
            elif touch.opened:
                parts.append(self.env._("opened"))
            if touch.replied:
                parts.append(self.env._("replied"))
            if touch.bounced:
                parts.append(self.env._("bounced"))
            if touch.machine_clicked and not touch.clicked:
                parts.append(self.env._("link followed by a mail scanner (not counted)"))
            elif touch.machine_opened and not touch.opened:
                parts.append(self.env._("opened by a mail scanner (not counted)"))
            text = ", ".join(parts)
            touch.engagement = text[:1].upper() + text[1:]

    # ------------------------------------------------------------------
    # Planning
    # ------------------------------------------------------------------

    @api.model
    def _planner(self, exclude=()):
        """The planner of a batch (``planner.Planner``): send calendars of the sequences
        (holidays included) and senders' quotas read from the database once each;
        ``exclude`` are touches being planned again (not counted in the quotas)."""
        return Planner(
            lambda sequence, tz, start: sequence._send_calendar(start, tz),
            lambda sender, sent_only: self._sender_quota(sender, exclude=exclude, sent_only=sent_only),
        )

    @contextmanager
    def _explained(self):
        """Planning errors as the user reads them."""
        try:
            yield
        except NoSendingDay as error:
            raise self._no_sending_day_error(error) from error

    @api.model
    def _plan(self, enrollments, steps, start, start_day=1, planner=None):
        """Create the scheduled touches of ``steps`` for ``enrollments`` continued from
        step day ``start_day`` at ``start``: re-planning after an edit, continuing after a
        "wait until done" task (enrolling plans before the runs exist, see
        ``crm.sequence.enrollment._enroll``).

        The planner dates them per sequence and send time zone (the contact's when the
        sequence uses it); the touches are inserted in one ``INSERT ... SELECT`` and the
        runs' fields that depend on them are then recomputed by the ORM. ``planner`` is
        shared by the calls of one batch.
        """
        plan = self._touch_plan(steps, len(enrollments))
        if not plan or not enrollments:
            return self.browse()
        enrollments.flush_recordset()
        planner = planner or self._planner()
        rows = []
        for (sequence, tz), group in enrollments.sudo().grouped(lambda e: (e.sequence_id, e._send_tz())).items():
            planned = self._plan_dates(planner, sequence, tz, plan, start, len(group), start_day)
            rows += self._touch_rows(plan, group.ids, planned, sequence.sender_id)
        ids = self._insert_touches(rows)
        enrollments.invalidate_recordset(["touch_ids"])
        enrollments.modified(["touch_ids"])
        return self.browse(ids)

    @api.model
    def _touch_plan(self, steps, runs):
        """What planning ``steps`` for ``runs`` runs needs once per batch: the steps that
        make touches in order, their planner keys and titles, and each run's variant of
        the A/B-tested steps (balanced over the batch, taken in order)."""
        steps = steps.filtered(lambda s: s.step_type != "delay").sorted(step_order)
        if not steps:
            return None
        return {
            "steps": [step._plan_step(steps) for step in steps],
            "titles": {step: step._long_title() for step in steps},
            "variants": {step: iter(step._assign_variants(runs)) for step in steps},
        }

    @api.model
    def _plan_dates(self, planner, sequence, tz, plan, start, runs, start_day=1):
        """``[(step, [Slot | None per run])]`` for ``runs`` runs of ``sequence`` sending in ``tz``."""
        with self._explained():
            return planner.plan_runs(sequence._plan_rules(), tz, plan["steps"], start, runs, start_day)

    @api.model
    def _touch_rows(self, plan, run_ids, planned, sender):
        """The VALUES rows of the touches of ``run_ids``, dated by ``planned`` (in order)."""
        rows = []
        for step, slots in planned:
            user_id = sender.id if step.step_type == "auto_email" else None
            title, variants = plan["titles"][step], plan["variants"][step]
            rows += [
                SQL(
                    "(%s, %s, %s, %s, %s, %s::timestamp, %s::int, %s, %s::int)",
                    run_id,
                    step.id,
                    step.step_type,
                    step.day,
                    title,
                    slot and slot.date,
                    user_id,
                    slot and self._deferred_note(slot.deferred, sender),
                    next(variants),
                )
                for run_id, slot in zip(run_ids, slots)
            ]
        return rows

    @api.model
    def _insert_touches(self, rows):
        """Insert planned touches (``_touch_rows``) in one statement; their ids."""
        if not rows:
            return []
        return [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """
                    INSERT INTO crm_sequence_touch (
                        enrollment_id, step_id, step_type, step_day, step_name, date_scheduled, user_id,
                        result_message, variant_id, state, sequence_id, company_id, res_model, res_id,
                        create_uid, create_date, write_uid, write_date
                    )
                    SELECT enrollment.id, plan.step_id, plan.step_type, plan.step_day, plan.step_name,
                           plan.date_scheduled, plan.user_id, plan.result_message, plan.variant_id, 'scheduled',
                           enrollment.sequence_id, enrollment.company_id,
                           enrollment.res_model, enrollment.res_id,
                           %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM (VALUES %(plan)s)
                           AS plan(enrollment_id, step_id, step_type, step_day, step_name, date_scheduled,
                                   user_id, result_message, variant_id)
                      JOIN crm_sequence_enrollment enrollment ON enrollment.id = plan.enrollment_id
                     ORDER BY enrollment.id, plan.step_id
                 RETURNING id
                    """,
                    uid=self.env.uid,
                    now=self.env.cr.now(),  # as the ORM stamps its rows
                    plan=SQL(", ").join(rows),
                )
            )
        ]

    def init(self):
        super().init()
        create_claim_table(self.env.cr)

    @api.model
    def _deferred_note(self, limit, sender):
        if limit == "daily":
            return self.env._("Deferred: daily limit of %s", sender.name)
        if limit == "hourly":
            return self.env._("Deferred: hourly limit of %s", sender.name)
        return None

    @api.model
    def _sender_quota(self, sender, exclude=(), sent_only=False):
        """The hourly and daily room left to ``sender`` (``send_calendar.SenderQuota``):
        their automatic emails of every sequence, planned (unless ``sent_only``) or sent,
        are counted per hour, one query per day used; ``exclude`` are touches being
        planned again."""
        sender = sender.sudo()

        def load(start, end):
            planned = (
                SQL("FALSE")
                if sent_only
                else SQL("(state = 'scheduled' AND date_scheduled >= %s AND date_scheduled < %s)", start, end)
            )
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT date_trunc('hour', CASE WHEN state = 'done' THEN date_done ELSE date_scheduled END),
                           count(*)
                      FROM crm_sequence_touch
                     WHERE user_id = %(sender)s AND step_type = 'auto_email'
                       AND (%(planned)s OR (state = 'done' AND date_done >= %(start)s AND date_done < %(end)s))
                       AND NOT (id = ANY(%(exclude)s))
                  GROUP BY 1
                    """,
                    sender=sender.id,
                    planned=planned,
                    start=start,
                    end=end,
                    exclude=list(exclude),
                )
            )
            return dict(rows)

        return SenderQuota(
            sender.crm_sequence_daily_limit,
            sender.crm_sequence_hourly_limit,
            sender.tz or "UTC",
            load,
        )

    def _write_slots(self, slots):
        """Write planned moments {touch or touch id: Slot} (thousands at once when runs
        resume): one grouped ``UPDATE`` by the ORM's own ``_write_multi``, with the ORM
        told before and after, instead of a ``write`` per distinct moment."""
        if not slots:
            return
        # keyed by touches or by their ids; read as one recordset (one prefetch)
        touches = self.browse([getattr(key, "id", key) for key in slots])
        touches.fetch(["step_type", "sequence_id"])  # what the loop reads, not every column
        vals_list = []
        for touch, slot in zip(touches, slots.values()):
            values = {"date_scheduled": slot.date}
            if touch.step_type == "auto_email":
                sender = touch.sequence_id.sender_id
                values["result_message"] = self._deferred_note(slot.deferred, sender)
                values["user_id"] = sender.id
            vals_list.append(values)
        fnames = ["date_scheduled", "result_message", "user_id"]
        touches.flush_recordset(fnames)
        touches.modified(fnames, before=True)
        touches._write_multi(vals_list)
        touches.invalidate_recordset(fnames)
        touches.modified(fnames)

    @api.model
    def _reslot(self, touches, earliest):
        """Plan these scheduled automatic emails again from ``earliest`` {touch id: UTC}
        (emails over a limit at sending time): spread and within their sender's limits,
        then every run keeps its later steps after them."""
        touches = touches.sudo().filtered(lambda t: t.step_type == "auto_email" and t.state == "scheduled")
        if not touches:
            return
        planner = self._planner(exclude=touches.ids)
        slots = {}
        for (sequence, tz), group in touches.grouped(lambda t: (t.sequence_id, t.enrollment_id._send_tz())).items():
            group = group.sorted(lambda t: (earliest[t.id], t.id))
            with self._explained():
                planned = planner.reslot(sequence._plan_rules(), tz, [earliest[t.id] for t in group])
            slots.update(zip(group, planned))
        self._write_slots(slots)
        touches.enrollment_id._keep_step_order(planner)

    @api.model
    def _no_sending_day_error(self, error):
        return UserError(
            self.env._(
                "No sending day within a year after %(date)s: check the send days, the send window and the "
                "holiday calendar of the sequence.",
                date=error.start,
            )
        )

    # ------------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------------

    @api.model
    def _due_domain(self):
        return [
            ("state", "=", "scheduled"),
            ("date_scheduled", "<=", fields.Datetime.now()),
            ("enrollment_state", "=", "active"),
        ]

    @api.model
    def _cron_process_touches(self, batch_size=None):
        """Run the due touches in committed batches; several workers share the work.

        Every part takes its batch with ``SKIP LOCKED`` (``cron_batches.take_locked``):
        two calls at once (two servers, "Run manually" while the cron runs) split the
        work, both finish, and nothing is done twice. Each batch commits with its
        effects (emails are only queued in the same transaction), so a crash never
        sends an email twice. The cron is then woken for the next due moment.
        """
        batch_size = batch_size or int(self.env["ir.config_parameter"].sudo().get_param("crm_sequence.batch_size", 500))
        Enrollment = self.env["crm.sequence.enrollment"]
        Note = self.env["crm.sequence.note"]
        traces, notes, resumes, due, ab_tests = self._pending_work()  # idle: one query, then the wake-up
        if traces:
            Enrollment._cron_log_pending_traces(batch_size)
        if notes:
            Note._cron_write_notes(batch_size)
        if resumes:
            Enrollment._cron_resume_out_of_office(batch_size)
        new_tasks = self.browse()
        while due and (touches := self._take_due(batch_size)):
            touches._execute()
            new_tasks |= touches.filtered(lambda t: t.state == "open")
            remaining = self.search_count(self._due_domain(), limit=batch_size * 10)
            if not self.env["ir.cron"]._commit_progress(len(touches), remaining=remaining):
                break
        if any((traces, notes, resumes, due)):
            # the notes of runs another worker held meanwhile, and those of this call's work
            Enrollment._cron_log_pending_traces(batch_size)
            Note._cron_write_notes(batch_size)
        self._notify_task_digest(new_tasks)
        if ab_tests:
            self.env["crm.sequence.step"]._cron_ab_decide()
        self._wake_cron()

    @api.model
    def _pending_work(self):
        """(enrollment notes, queued notes, out-of-office pauses over, due touches, A/B tests
        running in active sequences): whether each part of the cron has something to do,
        in one query on the partial indexes."""
        self.env.flush_all()
        return self.env.execute_query(
            SQL(
                """
                SELECT EXISTS(SELECT 1 FROM crm_sequence_enrollment WHERE trace_pending IS TRUE),
                       EXISTS(SELECT 1 FROM crm_sequence_note),
                       EXISTS(SELECT 1 FROM crm_sequence_enrollment
                               WHERE state = 'paused' AND date_resume IS NOT NULL AND date_resume <= %(now)s),
                       EXISTS(SELECT 1 FROM crm_sequence_touch touch
                                JOIN crm_sequence_enrollment run ON run.id = touch.enrollment_id
                               WHERE touch.state = 'scheduled' AND touch.date_scheduled <= %(now)s
                                 AND run.state = 'active'),
                       EXISTS(SELECT 1 FROM crm_sequence_step_variant variant
                                JOIN crm_sequence_step step ON step.id = variant.step_id
                                JOIN crm_sequence sequence ON sequence.id = step.sequence_id
                               WHERE variant.active AND step.ab_winner_id IS NULL AND sequence.state = 'active'
                                 AND EXISTS(SELECT 1 FROM crm_sequence_step_variant other
                                             WHERE other.step_id = variant.step_id AND other.active
                                               AND other.id != variant.id))
                """,
                now=fields.Datetime.now(),
            )
        )[0]

    @api.model
    def _take_due(self, limit):
        """Up to ``limit`` due touches, locked with their runs (``SKIP LOCKED``): a run
        held by another worker (its touches, pause, notes) is left to it."""
        ids = take_locked(
            self.env,
            SQL(
                """
                SELECT touch.id
                  FROM crm_sequence_touch touch
                  JOIN crm_sequence_enrollment run ON run.id = touch.enrollment_id
                 WHERE touch.state = 'scheduled' AND touch.date_scheduled <= %s AND run.state = 'active'
              ORDER BY touch.date_scheduled, touch.id
                 LIMIT %s
                   FOR NO KEY UPDATE OF touch, run SKIP LOCKED
                """,
                fields.Datetime.now(),
                limit,
            ),
        )
        touches = self.browse(ids)
        # rows locked now are read as they are now
        touches.invalidate_recordset()
        touches.enrollment_id.invalidate_recordset()
        return touches

    @api.model
    def _wake_cron(self):
        """Trigger the cron at the next planned touch or resume, now if notes are waiting
        (ir.cron keeps only the earliest). One query on the partial indexes."""
        self.env.flush_all()
        next_touch, next_resume, notes = self.env.execute_query(
            SQL(
                """
                SELECT (SELECT touch.date_scheduled FROM crm_sequence_touch touch
                          JOIN crm_sequence_enrollment run ON run.id = touch.enrollment_id
                         WHERE touch.state = 'scheduled' AND touch.date_scheduled IS NOT NULL AND run.state = 'active'
                      ORDER BY touch.date_scheduled LIMIT 1),
                       (SELECT min(date_resume) FROM crm_sequence_enrollment
                         WHERE state = 'paused' AND date_resume IS NOT NULL),
                       EXISTS(SELECT 1 FROM crm_sequence_enrollment WHERE trace_pending IS TRUE)
                    OR EXISTS(SELECT 1 FROM crm_sequence_note)
                """
            )
        )[0]
        now = fields.Datetime.now()
        moments = [moment for moment in (next_touch, next_resume, notes and now) if moment]
        if moments:
            cron = self.env.ref("crm_sequence.ir_cron_process_touches", raise_if_not_found=False)
            if cron:
                cron._trigger(max(min(moments), now))

    # ------------------------------------------------------------------
    # Execution
    # ------------------------------------------------------------------

    def _execute(self):
        """Execute these due touches, step by step in batches.

        Runs whose record reached the sequence's goal end first; each step's conditions
        and record filter are then checked for the whole batch (``_apply_conditions``).
        A failure in a batch is retried touch by touch, so that one bad record
        (render error, deleted record, no address) is marked failed with its
        reason and never stops the others.
        """
        self = self.sudo()
        self._check_records()
        self.enrollment_id._end_goal_reached()
        # in step order: a condition looks at an earlier step, executed first when both are due
        by_step = self.filtered(lambda t: t.state == "scheduled").grouped("step_id")
        # emails of a sender another worker is sending for wait for the next batch (its room)
        blocked = self._claim_senders(by_step)
        for step in sorted(by_step, key=step_order):
            if step.step_type == "auto_email" and step.sequence_id.sender_id.id in blocked:
                continue
            # an earlier step of this batch may have ended the run (opt-out, deleted record, goal)
            # or made it wait for a call (a condition on its outcome)
            touches = by_step[step].filtered(
                lambda t: t.state == "scheduled" and t.date_scheduled and t.enrollment_id.state == "active"
            )
            touches = touches._apply_conditions(step)
            if not touches:
                continue
            try:
                with self.env.cr.savepoint():
                    touches._execute_step(step)
            except Exception:  # noqa: BLE001 - isolate the faulty touch below
                _logger.info("Sequence step %s failed in batch, retrying touch by touch", step.id, exc_info=True)
                for touch in touches:
                    try:
                        with self.env.cr.savepoint():
                            touch._execute_step(step)
                    except Exception as error:  # noqa: BLE001 - recorded on the touch
                        touch.write(
                            {
                                "state": "failed",
                                "date_done": fields.Datetime.now(),
                                "result_message": str(error)[:500],
                            }
                        )
        self.enrollment_id._complete_finished()

    @api.model
    def _claim_senders(self, steps):
        """Ids of the senders of these steps' automatic emails, with sending limits, that
        another worker sent for since this transaction began (``cron_batches.claim_senders``)."""
        senders = {
            step.sequence_id.sender_id
            for step in steps
            if step.step_type == "auto_email" and step.sequence_id.sender_id
        }
        limited = [
            sender.id
            for sender in senders
            if sender.sudo().crm_sequence_daily_limit or sender.sudo().crm_sequence_hourly_limit
        ]
        return claim_senders(self.env, limited) if limited else set()

    def _check_records(self):
        """Fail touches whose record is gone or whose step was deleted."""
        now = fields.Datetime.now()
        no_step = self.filtered(lambda t: not t.step_id)
        no_step.write({"state": "canceled", "date_done": now, "result_message": self.env._("The step was deleted.")})
        for res_model, touches in (self - no_step).grouped("res_model").items():
            existing = set(self.env[res_model].browse(touches.mapped("res_id")).exists().ids)
            gone = touches.filtered(lambda t: t.res_id not in existing)
            if gone:
                gone.write(
                    {"state": "failed", "date_done": now, "result_message": self.env._("The record was deleted.")}
                )
                gone.enrollment_id._end("terminated", "record_deleted")

    def _execute_step(self, step):
        """Run these touches of ``step`` with ``_execute_<step type>``: an addon adds a
        step type with ``selection_add`` on ``step_type`` and one such method."""
        getattr(self, f"_execute_{step.step_type}")(step)

    def _execute_delay(self, step):
        """The step became a delay after this touch was planned: nothing to do."""
        self.write({"state": "skipped", "date_done": fields.Datetime.now()})

    def _execute_call(self, step):
        self._execute_activity(step)

    def _execute_todo(self, step):
        self._execute_activity(step)

    def _execute_manual_email(self, step):
        self._execute_activity(step)

    def _recipients(self, step):
        """Split these touches by their recipient's address: {touch: email} to send,
        and mark the others (no address: failed; opted out: run ended)."""
        sequence = step.sequence_id
        addresses = sequence._addresses(self.env[sequence.model].browse(self.mapped("res_id")))
        now = fields.Datetime.now()
        to_send, no_address, opted_out = {}, self.browse(), self.browse()
        for touch in self:
            email, is_opted_out = addresses.get(touch.res_id, (False, False))
            if not email:
                no_address |= touch
            elif is_opted_out:
                opted_out |= touch
            else:
                to_send[touch] = email
        no_address.write(
            {"state": "failed", "date_done": now, "result_message": self.env._("The record has no email address.")}
        )
        if opted_out:
            opted_out.write(
                {
                    "state": "skipped",
                    "date_done": now,
                    "result_message": self.env._("The address opted out of emails (blacklist)."),
                }
            )
            opted_out.enrollment_id._end("removed", "opted_out")
        return to_send

    def _fail_empty_placeholders(self, step, to_send):
        """Never send "Hello ,": the touches of ``to_send`` ({touch: email}) whose record
        leaves a placeholder without default empty fail, saying which field to fill in;
        their run goes on with its next steps. Returns the others."""
        touches = self.browse([touch.id for touch in to_send])
        empty = {}  # {touch: labels}, each run checked on the email it gets (its variant)
        for variant, group in touches.grouped("variant_id").items():
            records = self.env[step.sequence_id.model].browse(group.mapped("res_id"))
            labels = step._empty_placeholders(records, template=variant or None)
            empty.update({touch: labels[touch.res_id] for touch in group if touch.res_id in labels})
        if not empty:
            return to_send
        now = fields.Datetime.now()
        failed = self.browse([touch.id for touch in empty])
        for labels, group in failed.grouped(lambda t: ", ".join(empty[t])).items():
            group.write(
                {
                    "state": "failed",
                    "date_done": now,
                    "result_message": self.env._("Not sent: %s is empty for this record.", labels),
                }
            )
        return {touch: email for touch, email in to_send.items() if touch not in empty}

    def _execute_auto_email(self, step):
        """Queue the emails of one step: logged on each record's chatter, sent by the mail queue.

        Built like the mail composer's mass mode (one ``mail.mail`` per record, kept
        as a chatter message) but in one batch: the reply-to is the record's, named
        after the sender, so replies come back to it, and the Message-Id lets the
        gateway link them here. Emails over the sender's limits wait for its next free
        slot (``_defer_over_limit``); each email carries the one-click unsubscribe
        headers (RFC 8058) and, for a "reply in the same thread" step, answers the
        run's previous email.
        """
        sequence = step.sequence_id
        sender = sequence.sender_id
        to_send = self._recipients(step)
        self.browse([touch.id for touch in to_send])._give_variants(step)
        to_send = self._fail_empty_placeholders(step, to_send)
        if not to_send:
            return
        touches = self._defer_over_limit(self.browse([touch.id for touch in to_send]), sender)
        if not touches:
            return
        res_ids = touches.mapped("res_id")
        subjects, bodies, langs = touches._render_emails(step)
        records = self.env[sequence.model].browse(res_ids)
        reply_to = records._notify_get_reply_to(default=sender.email_formatted, author_id=sender.partner_id.id)
        base_url = records[:1].get_base_url()
        subtype_id = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_comment")
        names = dict(zip(records.ids, records.mapped("display_name")))
        previous = touches._previous_emails() if step.reply_in_thread else {}
        footers = {lang: step._unsubscribe_footer(lang) for lang in set(langs.values()) if sequence.unsubscribe_link}
        tracked, link_counts = {}, {}
        if sequence.track_links:
            tracked, link_counts = touches._track_links(bodies, base_url)
        Blacklist = self.env["mail.blacklist"]
        mailboxes = {}  # reply-to: its address
        vals_list = []
        for touch in touches:
            body = Markup(bodies[touch] or "")
            email = to_send[touch]
            values = {
                "model": sequence.model,
                "res_id": touch.res_id,
                "record_name": names.get(touch.res_id),
                "message_type": "email_outgoing",
                "subtype_id": subtype_id,
                "author_id": sender.partner_id.id,
                "email_from": sender.email_formatted,
                "reply_to": reply_to.get(touch.res_id),
                "subject": subjects[touch],
                "body": body,
                # the touch's link suffix and open pixel join it as it leaves (mail.mail)
                "body_html": Markup(tracked.get(touch, body)),
                "crm_sequence_touch_id": touch.id,
                "email_to": email,
                "auto_delete": True,  # the chatter copy stays (is_notification)
                "is_notification": True,
            }
            headers = {}
            if sequence.unsubscribe_link:
                if values["reply_to"] not in mailboxes:
                    mailboxes[values["reply_to"]] = (email_split(values["reply_to"] or "") or [sender.email])[0]
                url, mailto = Blacklist._crm_sequence_unsubscribe_links(base_url, mailboxes[values["reply_to"]], email)
                headers["List-Unsubscribe"] = f"<{url}>, <{mailto}>"
                headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
                values["body_html"] += footers[langs[touch]] % url
            parent = previous.get(touch.enrollment_id)
            if parent:
                values["subject"] = f"Re: {strip_reply_prefixes(parent.subject)}"
                values["parent_id"] = parent.id
                values["references"] = " ".join(self._thread_references(parent))
                headers["In-Reply-To"] = parent.message_id
            if headers:
                values["headers"] = repr(headers)
            vals_list.append(values)
        mails = self.env["mail.mail"].sudo().create(vals_list)
        now = fields.Datetime.now()
        touches.write({"user_id": sender.id, "state": "done", "date_done": now, "result_message": False})
        # each touch its email: the ORM flushes them as one grouped UPDATE
        for touch, mail in zip(touches, mails):
            touch.write(
                {
                    "mail_mail_id": mail.id,
                    "message_id": mail.mail_message_id.id,
                    "link_count": link_counts.get(touch, 0),
                }
            )

    def _give_variants(self, step):
        """These touches of an A/B-tested step planned before its test started get their
        variant now, balanced as at planning; the others keep theirs (a variant archived
        since, a decided test's loser, still sends the runs it was given)."""
        touches = self.filtered(lambda t: not t.variant_id)
        if not touches or not step.variant_ids.filtered("active"):
            return
        per_variant = defaultdict(list)
        for touch, variant_id in zip(touches, step._assign_variants(len(touches))):
            per_variant[variant_id].append(touch.id)
        for variant_id, ids in per_variant.items():
            self.browse(ids).write({"variant_id": variant_id})

    def _render_emails(self, step):
        """({touch: subject}, {touch: body}, {touch: lang}) of these touches of ``step``:
        one render per variant for the whole batch (the step's own email without one)."""
        subjects, bodies, langs = {}, {}, {}
        for variant, touches in self.grouped("variant_id").items():
            rendered = (variant or step)._render_email(touches.mapped("res_id"))
            for result, values in zip((subjects, bodies, langs), rendered):
                result.update({touch: values[touch.res_id] for touch in touches})
        return subjects, bodies, langs

    def _defer_over_limit(self, touches, sender):
        """The touches ``sender`` may still send now (hourly and daily limits, counting
        what was sent); the others move to the sender's next free slots."""
        now = fields.Datetime.now()
        room = self._planner().room_now(sender, now)
        if room is None:
            return touches
        touches = touches.sorted(lambda t: (t.date_scheduled, t.id))
        allowed = touches[:room]
        over = touches - allowed
        if over:
            self._reslot(over, dict.fromkeys(over.ids, now))
        return allowed

    @api.model
    def _thread_references(self, parent):
        """Message-Ids of the conversation up to ``parent``, oldest first (RFC 5322 References)."""
        references, message = [], parent
        while message and len(references) < 20:
            if message.message_id:
                references.insert(0, message.message_id)
            message = message.parent_id
        return references

    def _previous_emails(self):
        """{run: its latest email already sent} for these touches' runs (threading)."""
        sent = self.sudo().search(
            [
                ("enrollment_id", "in", self.enrollment_id.ids),
                ("message_id", "!=", False),
                ("id", "not in", self.ids),
            ],
            order="date_done desc, id desc",
        )
        previous = {}
        for touch in sent:
            previous.setdefault(touch.enrollment_id, touch.message_id)
        return previous

    def _execute_activity(self, step):
        """Create the step's activity on each record, due on its planned day."""
        sequence = step.sequence_id
        model_id = self.env["ir.model"]._get_id(sequence.model)
        notes, subjects = {}, {}
        if step.step_type == "manual_email":
            res_ids = self.mapped("res_id")
            subjects, bodies, _langs = step._render_email(res_ids)
            # the seller sends the draft: warn where a field left it as "Hello ,"
            empty = step._empty_placeholders(self.env[sequence.model].browse(res_ids))
            notes = {
                res_id: self._empty_fields_warning(empty.get(res_id))
                + Markup("<p><strong>%s</strong> %s</p>%s")
                % (self.env._("Subject:"), subjects[res_id], Markup(bodies[res_id] or ""))
                for res_id in res_ids
            }
        # Warm the cache: Odoo names each new activity after its record, one by one.
        self.env[sequence.model].browse(self.mapped("res_id")).mapped("display_name")
        vals_list = [
            {
                "res_model_id": model_id,
                "res_id": touch.res_id,
                "activity_type_id": step.activity_type_id.id,
                "summary": step.summary or subjects.get(touch.res_id) or step.title,
                "note": notes.get(touch.res_id) or step.note,
                "date_deadline": to_local(touch.enrollment_id._send_tz(), touch.date_scheduled).date(),
                "user_id": (touch.enrollment_id.user_id or sequence.user_id).id,
                "crm_sequence_touch_id": touch.id,
                "crm_sequence_id": sequence.id,
                "crm_sequence_step_id": step.id,
            }
            for touch in self
        ]
        # no "assigned to you" email per task: the cron sends one digest per user instead
        activities = self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(vals_list)
        # no note in the chatter: the activity is there, and its feedback when the seller does it
        now = fields.Datetime.now()
        for touch, activity in zip(self, activities):
            touch.write({"state": "open", "date_done": now, "activity_id": activity.id, "user_id": activity.user_id.id})

    def _empty_fields_warning(self, labels):
        """The line opening a manual email's draft whose record leaves fields empty."""
        if not labels:
            return Markup()
        return Markup('<p class="text-warning"><strong>%s</strong></p>') % self.env._(
            "%s is empty for this record: complete the draft before sending it.", ", ".join(labels)
        )

    def _task_done(self, user):
        """The task of these open touches was marked done by ``user``."""
        touches = self.filtered(lambda t: t.state == "open")
        touches.write({"state": "done", "date_done": fields.Datetime.now(), "user_id": user.id})
        touches.enrollment_id._complete_finished()

    def _task_canceled(self):
        """The task of these open touches was deleted: the step will not be done."""
        touches = self.filtered(lambda t: t.state == "open")
        touches.write(
            {
                "state": "canceled",
                "date_done": fields.Datetime.now(),
                "result_message": self.env._("The task was canceled."),
            }
        )
        touches.enrollment_id._complete_finished()

    @api.model
    def _notify_task_digest(self, touches):
        """One notification per user listing their new sequence tasks (record, step, due
        date, link), sent through their notification preference (inbox or email)."""
        touches = touches.filtered(lambda t: t.state == "open" and t.activity_id and t.sequence_id.notify_task_due)
        for user, user_touches in touches.grouped("user_id").items():
            if not user:
                continue
            Touch = user_touches.with_context(lang=user.lang or self.env.lang)
            lines = [
                {
                    "url": f"/mail/view?model={touch.res_model}&res_id={touch.res_id}",
                    "record": touch.record_name,
                    "step": touch.title,
                    "due": format_date(Touch.env, touch.activity_id.date_deadline),
                }
                for touch in Touch.sorted(lambda t: (t.activity_id.date_deadline, t.id))
            ]
            body = Touch.env["ir.qweb"]._render(
                "crm_sequence.crm_sequence_task_digest",
                {"lines": lines, "queue_url": "/odoo/action-crm_sequence.mail_activity_action_crm_sequence_queue"},
                minimal_qcontext=True,
            )
            self.env["mail.thread"].message_notify(
                partner_ids=user.partner_id.ids,
                subject=Touch.env._("%s new sequence tasks", len(user_touches)),
                body=body,
                subtype_xmlid="mail.mt_note",
                email_layout_xmlid="mail.mail_notification_light",
            )

    # ------------------------------------------------------------------
    # Engagement
    # ------------------------------------------------------------------

    def _open_token(self):
        self.ensure_one()
        return hmac(self.env(su=True), "crm_sequence_open", self.id)

    def _click_token(self):
        self.ensure_one()
        return hmac(self.env(su=True), "crm_sequence_click", self.id)

    def _open_pixel(self, base_url):
        url = f"{base_url}/crm_sequence/open/{self.id}/{self._open_token()}"
        return Markup('<img src="%s" alt="" width="1" height="1" style="display:none"/>') % url

    def _base_url(self):
        """The address of this Odoo for the touch's record: its links, pixel and
        unsubscribe page, as ``_execute_auto_email`` builds them."""
        self.ensure_one()
        return self.env[self.res_model].browse(self.res_id).get_base_url()

    def _track_links(self, bodies, base_url):
        """Links of these touches' emails through Odoo's link tracker: ``({touch: body
        with short links}, {touch: number of distinct short links})``, for the emails
        with links. The distinct URLs of all the bodies are shortened at once
        (``link.tracker.search_or_create``); each email gets its touch's suffix as it
        leaves (``_outgoing_body``). See ``tracked_links`` for the links left as they are."""
        found = {touch: tracked_links.find_urls(body, base_url) for touch, body in bodies.items()}
        urls = list(dict.fromkeys(url for touch_urls in found.values() for url in touch_urls))
        short_urls = {}
        if urls:
            # the title given: Odoo would otherwise fetch each new page to read its title
            trackers = self.env["link.tracker"].sudo().search_or_create([{"url": url, "title": url} for url in urls])
            # on the record's address, as the pixel: the short link as the recipient will see it
            short_urls = {url: f"{base_url}/r/{code}" for url, code in zip(urls, trackers.mapped("code"))}
        tracked, counts = {}, {}
        for touch, body in bodies.items():
            if found[touch]:
                body = tracked[touch] = tracked_links.rewrite(body, base_url, short_urls)
            count = len(tracked_links.short_links(body, base_url))
            if count:
                counts[touch] = count
        return tracked, counts

    def _outgoing_body(self, body):
        """This touch's email as it leaves (``mail.mail._prepare_outgoing_body``, as
        Email Marketing adds its tracking): each short link with the touch's suffix
        ``/s/<touch id>/<token>`` (those ``_track_links`` counted: none when the
        sequence does not track links), and the open pixel at the end. The chatter
        copy and the queued email keep neither."""
        self.ensure_one()
        base_url = self._base_url()
        if self.link_count:
            body = tracked_links.add_suffix(body, base_url, f"/s/{self.id}/{self._click_token()}")
        if "/crm_sequence/open/" not in body:  # queued before 19.0.1.5.0, the pixel is in already
            body = append_content_to_html(body, self._open_pixel(base_url), plaintext=False)
        return Markup(body)

    def _mark_opened(self):
        """A person opened these emails (the open pixel's verdict, or a click)."""
        touches = self.filtered(lambda t: not t.opened and t.state == "done")
        touches.sudo().write({"opened": True, "date_opened": fields.Datetime.now()})
        touches.enrollment_id._remove_on_engagement("open")

    @api.model
    def _crm_sequence_track(self, kind, touch_id, token, method, user_agent, ip, link=None):
        """An open (pixel) or a click (tracked link) reached the server: when ``token``
        is this touch's, keep the event with its verdict (``tracking_verdict``) and,
        for a person, mark the touch opened or clicked and apply the removal rules.
        Anything else (unknown touch, wrong token) changes nothing and says nothing.

        Called by the public routes; reads what it needs in one query so that an open
        or a click costs a handful of queries.
        """
        if not isinstance(touch_id, int) or not token or not token.isascii():
            return
        touch = self.sudo().browse(touch_id)
        expected = touch._click_token() if kind == "click" else touch._open_token()
        if not consteq(expected, token):
            return
        self.env["crm.sequence.touch"].flush_model()
        self.env["crm.sequence.touch.event"].flush_model()
        rows = self.env.execute_query_dict(
            SQL(
                """
                SELECT touch.state, touch.opened, touch.clicked, touch.machine_opened, touch.machine_clicked,
                       COALESCE(touch.date_sent, touch.date_done) AS date_sent, touch.link_count,
                       run.state AS enrollment_state, touch.sequence_id, touch.step_id, touch.company_id,
                       touch.res_model, touch.res_id,
                       ARRAY(SELECT rule.trigger FROM crm_sequence_removal_rule rule
                              WHERE rule.sequence_id = touch.sequence_id AND rule.active) AS triggers,
                       ARRAY(SELECT json_build_array(event.seconds_since_sent, event.url)
                               FROM crm_sequence_touch_event event
                              WHERE event.touch_id = touch.id AND event.kind = 'click'
                                AND event.date >= %(recent)s) AS recent_clicks
                  FROM crm_sequence_touch touch
                  JOIN crm_sequence_enrollment run ON run.id = touch.enrollment_id
                 WHERE touch.id = %(id)s
                """,
                id=touch_id,
                recent=fields.Datetime.now() - timedelta(seconds=2 * tv.BURST_SECONDS + 1),
            )
        )
        if not rows or rows[0]["state"] != "done":
            return
        row = rows[0]
        now = datetime.now()
        seconds = (now - row["date_sent"]).total_seconds() if row["date_sent"] else None
        url = tv.clean_url(link.url) if link else ""
        verdict = tv.judge(
            tv.Hit(
                kind,
                method=method,
                user_agent=user_agent,
                ip=ip,
                seconds=seconds,
                url=url,
                earlier_clicks=tuple(tuple(click) for click in row["recent_clicks"]),
                link_count=row["link_count"],
            )
        )
        self.env["crm.sequence.touch.event"].sudo().create(
            {
                "touch_id": touch_id,
                "sequence_id": row["sequence_id"],
                "step_id": row["step_id"],
                "company_id": row["company_id"],
                "res_model": row["res_model"],
                "res_id": row["res_id"],
                "kind": kind,
                "verdict": verdict.verdict,
                "reason": verdict.reason or False,
                "reason_detail": verdict.detail[:128] or False,
                "seconds_since_sent": seconds,
                "method": tv.clean_user_agent(method)[:16],
                "user_agent": tv.clean_user_agent(user_agent),
                "ip": tv.clean_ip(ip),
                "url": url or False,
                "link_id": link.id if link else False,
            }
        )
        # all four flags written: the pivot's numbers are computed without reading the touch again
        flags = ("opened", "clicked", "machine_opened", "machine_clicked")
        values, triggers = {flag: row[flag] for flag in flags}, []
        if verdict.is_human:
            if kind == "click" and not row["clicked"]:
                values.update(clicked=True, date_clicked=now.replace(microsecond=0))
                triggers.append("click")
            if not row["opened"]:  # a person who clicks has opened the email
                values.update(opened=True, date_opened=now.replace(microsecond=0))
                triggers.append("open")
        else:
            values[f"machine_{'clicked' if kind == 'click' else 'opened'}"] = True
        if verdict.reason == tv.ALL_LINKS:
            values.update(touch._burst_was_a_machine(seconds))
        if any(values[flag] != row[flag] for flag in flags) or "date_clicked" in values:
            touch.write(values)
        if link and verdict.is_human:  # Odoo's link statistics count people only too
            touch._add_link_click(link, tv.clean_ip(ip))
        triggers = [trigger for trigger in triggers if trigger in row["triggers"]]
        if triggers and row["enrollment_state"] in RUNNING_STATES:
            for trigger in triggers:  # a click ends the run as "clicked" first
                touch.enrollment_id._remove_on_engagement(trigger)

    @api.model
    def _add_link_click(self, link, ip):
        """A person's click in Odoo's link statistics (``link.tracker.click`` and the link's
        stored ``count``) in one statement: what ``link.tracker.click.create`` does in four
        queries on the route that must stay cheap."""
        self.env["link.tracker"].flush_model(["count"])
        self.env.execute_query(
            SQL(
                """
                WITH click AS (
                    INSERT INTO link_tracker_click (link_id, campaign_id, ip, create_uid, create_date,
                                                    write_uid, write_date)
                    SELECT id, campaign_id, %(ip)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM link_tracker WHERE id = %(link)s
                 RETURNING link_id
                )
                UPDATE link_tracker SET count = COALESCE(count, 0) + 1 WHERE id IN (SELECT link_id FROM click)
                """,
                ip=ip,
                uid=self.env.uid,
                now=fields.Datetime.now(),
                link=link.id,
            )
        )
        link.invalidate_recordset(["count", "link_click_ids"])

    def _burst_was_a_machine(self, seconds):
        """Every link was just clicked within a second: the clicks of that burst judged
        as a person's before it was complete are a machine's too. Returns the touch's
        click values as the remaining people's clicks make them (a run that one of
        those clicks already ended stays ended)."""
        self.ensure_one()
        self.env.execute_query(
            SQL(
                """
                UPDATE crm_sequence_touch_event
                   SET verdict = 'machine', reason = %(reason)s
                 WHERE touch_id = %(touch)s AND kind = 'click' AND verdict = 'human'
                   AND seconds_since_sent >= %(since)s
                """,
                reason=tv.ALL_LINKS,
                touch=self.id,
                since=seconds - tv.BURST_SECONDS,
            )
        )
        self.env["crm.sequence.touch.event"].invalidate_model(["verdict", "reason"])
        first = self.env.execute_query(
            SQL(
                "SELECT min(date) FROM crm_sequence_touch_event"
                " WHERE touch_id = %s AND kind = 'click' AND verdict = 'human'",
                self.id,
            )
        )[0][0]
        return {"clicked": bool(first), "date_clicked": first, "machine_clicked": True}

    def _mark_bounced(self):
        touches = self.filtered(lambda t: not t.bounced)
        touches.sudo().write({"bounced": True})
        touches.enrollment_id._remove_on_engagement("bounce")

    @api.model
    def _match_unthreaded_answer(self, email_from, subject):
        """The sequence email that an answer without In-Reply-To or References is for:
        sent in the last 60 days to the answer's address by a run still going, with the
        subject the answer repeats after its "Re:" (or "Automatic reply:"...)."""
        email = email_normalize(email_from or "", strict=False)
        stripped = strip_reply_prefixes(subject)
        if not email or not stripped or stripped == " ".join((subject or "").split()):
            return self.browse()
        candidates = self.sudo().search(
            [
                ("enrollment_id.email_normalized", "=", email),
                ("enrollment_state", "in", ("active", "paused")),
                ("message_id", "!=", False),
                ("date_done", ">=", fields.Datetime.now() - timedelta(days=60)),
            ],
            order="date_done desc, id desc",
        )
        wanted = stripped.casefold()
        return candidates.filtered(lambda t: strip_reply_prefixes(t.message_id.subject).casefold() == wanted)[:1]

    @api.model
    def _from_messages(self, messages):
        if not messages:
            return self.browse()
        return self.sudo().search([("message_id", "in", messages.ids)])

    # ------------------------------------------------------------------
    # Demo
    # ------------------------------------------------------------------

    @api.model
    def _demo_backdate(self, sequence_ids):
        """Demo data runs its history at installation: give what happened then the dates
        it would have had (emails sent and tasks given at their planned moment, tasks
        done three hours later, opens and replies after the email), so that timelines,
        reports and "Done on" read like a real past."""
        now = fields.Datetime.now()
        touches = self.sudo().search(
            [("sequence_id", "in", sequence_ids), ("date_done", "!=", False), ("date_scheduled", "!=", False)]
        )
        for touch in touches:
            done = touch.date_scheduled
            if touch.state == "done" and touch.step_type != "auto_email":
                done = min(done + timedelta(hours=3), now)
            values = {"date_done": done}
            if touch.date_opened:
                values["date_opened"] = min(done + timedelta(hours=2), now)
            if touch.date_replied:
                values["date_replied"] = min(done + timedelta(hours=20), now)
            touch.write(values)
            if touch.message_id:
                touch.message_id.sudo().date = done
        for enrollment in touches.enrollment_id.filtered("date_end"):
            enrollment.sudo().date_end = max(
                touch.date_replied or touch.date_done or enrollment.date_start for touch in enrollment.touch_ids
            )
        # the run's notes in the chatter: enrolled on its first day, ended on its last
        Message = self.env["mail.message"].sudo()
        for enrollment in touches.enrollment_id:
            notes = Message.search(
                [
                    ("model", "=", enrollment.res_model),
                    ("res_id", "=", enrollment.res_id),
                    ("message_type", "=", "notification"),
                    ("body", "ilike", enrollment.sequence_id.name),
                ]
            )
            for note in notes:
                started = "Enrolled in" in str(note.body)
                note.date = enrollment.date_start if started else enrollment.date_end or note.date
        return True

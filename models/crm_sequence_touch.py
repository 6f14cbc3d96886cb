import logging

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date, hmac

from .crm_sequence_step import EMAIL_TYPES, STEP_TYPES, TASK_TYPES
from .send_calendar import NoSendingDay, PlanStep, to_local

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
    # copies of the run's fields, computed before the insert (precompute): no UPDATE per touch
    enrollment_state = fields.Selection(
        related="enrollment_id.state", store=True, precompute=True, string="Enrollment state"
    )
    sequence_id = fields.Many2one(related="enrollment_id.sequence_id", store=True, precompute=True, index=True)
    company_id = fields.Many2one(related="enrollment_id.company_id", store=True, precompute=True)
    # stored so that access checks read them with the touch (see crm.sequence.run.access)
    res_model = fields.Char(related="enrollment_id.res_model", store=True, precompute=True)
    res_id = fields.Many2oneReference(related="enrollment_id.res_id", store=True, precompute=True)
    record_name = fields.Char(related="enrollment_id.record_name")
    step_id = fields.Many2one("crm.sequence.step", string="Sequence step", ondelete="set null", index="btree_not_null")
    step_type = fields.Selection(STEP_TYPES, string="Type", required=True)
    step_day = fields.Integer("Day")
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
    mail_mail_id = fields.Many2one("mail.mail", string="Outgoing email", ondelete="set null")
    activity_id = fields.Many2one("mail.activity", ondelete="set null", index="btree_not_null")
    opened = fields.Boolean(readonly=True)
    replied = fields.Boolean(readonly=True)
    bounced = fields.Boolean(readonly=True)
    date_opened = fields.Datetime(readonly=True)
    date_replied = fields.Datetime(readonly=True)
    result_message = fields.Char("Details", help="Why the touch was skipped or failed.")
    user_id = fields.Many2one(
        "res.users",
        string="Seller",
        index="btree_not_null",
        help="Who sent the email, or who has (then who did) the task.",
    )

    _due_idx = models.Index("(date_scheduled, id) WHERE state = 'scheduled'")

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends("step_name", "message_id", "step_id.subject")
    @api.depends_context("lang")
    def _compute_title(self):
        """Sent emails show their subject; emails to come are rendered for their record,
        one render per step for all touches shown."""
        for touch in self.filtered(lambda t: t.message_id):
            touch.title = (
                touch.step_id._long_title(touch.message_id.sudo().subject) if touch.step_id else touch.step_name
            )
        pending = self.filtered(lambda t: not t.message_id)
        for step, touches in pending.grouped("step_id").items():
            subjects = {}
            if step.step_type in EMAIL_TYPES and step.subject:
                try:
                    subjects = step.sudo()._render_field("subject", touches.mapped("res_id"), compute_lang=True)
                except Exception:  # noqa: BLE001 - a record gone or a broken placeholder: show the step itself
                    _logger.info("Could not render the subject of step %s", step.id, exc_info=True)
            for touch in touches:
                subject = subjects.get(touch.res_id)
                touch.title = step._long_title(subject) if step and subject else touch.step_name

    # ------------------------------------------------------------------
    # Planning
    # ------------------------------------------------------------------

    @api.model
    def _plan(self, enrollments, steps, start, start_day=1, calendar=None):
        """Create the scheduled touches of ``steps`` for ``enrollments`` (see
        ``SendCalendar.plan`` for what a step's day means).

        Every run of a sequence gets the same plan, so the touches are inserted in one
        ``INSERT ... SELECT`` joining the runs to the plan, instead of one ORM create per
        touch: enrolling 10,000 records plans 30,000 touches in one query. The runs'
        fields that depend on their touches are then recomputed by the ORM.
        """
        steps = steps.filtered(lambda s: s.step_type != "delay").sorted(lambda s: (s.sequence, s.id))
        if not steps or not enrollments:
            return self.browse()
        enrollments.flush_recordset()
        plan_rows = []
        for sequence in enrollments.sequence_id:
            plan = self._plan_dates(calendar or sequence._send_calendar(start), steps, start, start_day)
            plan_rows += [
                SQL(
                    "(%s, %s, %s, %s, %s, %s::timestamp)",
                    sequence.id,
                    planned.key.id,
                    planned.key.step_type,
                    planned.key.day,
                    planned.key._long_title(),
                    planned.date,
                )
                for planned in plan
            ]
        ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """
                    INSERT INTO crm_sequence_touch (
                        enrollment_id, step_id, step_type, step_day, step_name, date_scheduled, state,
                        enrollment_state, sequence_id, company_id, res_model, res_id,
                        create_uid, create_date, write_uid, write_date
                    )
                    SELECT enrollment.id, plan.step_id, plan.step_type, plan.step_day, plan.step_name,
                           plan.date_scheduled, 'scheduled',
                           enrollment.state, enrollment.sequence_id, enrollment.company_id,
                           enrollment.res_model, enrollment.res_id,
                           %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM crm_sequence_enrollment enrollment
                      JOIN (VALUES %(plan)s)
                           AS plan(sequence_id, step_id, step_type, step_day, step_name, date_scheduled)
                        ON plan.sequence_id = enrollment.sequence_id
                     WHERE enrollment.id IN %(enrollment_ids)s
                     ORDER BY enrollment.id, plan.step_id
                 RETURNING id
                    """,
                    uid=self.env.uid,
                    now=fields.Datetime.now(),
                    plan=SQL(", ").join(plan_rows),
                    enrollment_ids=tuple(enrollments.ids),
                )
            )
        ]
        enrollments.invalidate_recordset(["touch_ids"])
        enrollments.modified(["touch_ids"])
        return self.browse(ids)

    @api.model
    def _plan_dates(self, calendar, steps, start, start_day=1):
        """[PlannedStep] of ``steps`` (records, in order) for a run started at ``start``."""
        plan_steps = [
            PlanStep(
                step,
                step.day,
                in_window=step._sends_in_window(),
                wait_until_done=step.wait_until_done and step.step_type in TASK_TYPES,
            )
            for step in steps
        ]
        try:
            return calendar.plan(plan_steps, start, start_day)
        except NoSendingDay as error:
            raise self._no_sending_day_error(error) from error

    @api.model
    def _fit(self, calendar, date_utc, step):
        """Move one planned UTC moment into the sequence's sending days (and window)."""
        try:
            return calendar.fit_utc(date_utc, in_window=step._sends_in_window())
        except NoSendingDay as error:
            raise self._no_sending_day_error(error) from error

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

        Each batch locks its rows (SKIP LOCKED), so a touch is never run twice, and
        commits with its effects (emails are only queued in the same transaction),
        so a crash never sends an email twice. The cron is then woken for the next
        due touch.
        """
        batch_size = batch_size or int(self.env["ir.config_parameter"].sudo().get_param("crm_sequence.batch_size", 500))
        self.env["crm.sequence.enrollment"]._cron_log_pending_traces(batch_size)
        domain = self._due_domain()
        new_tasks = self.browse()
        while True:
            candidates = self.search(domain, limit=batch_size)
            if not candidates:
                break
            touches = candidates.try_lock_for_update(allow_referencing=True)
            if not touches:
                break  # another worker holds all of them
            touches.invalidate_recordset(["state"])
            touches = touches.filtered(lambda t: t.state == "scheduled")
            touches._execute()
            new_tasks |= touches.filtered(lambda t: t.state == "open")
            remaining = self.search_count(domain, limit=batch_size * 10)
            if not self.env["ir.cron"]._commit_progress(len(touches), remaining=remaining):
                break
        self._notify_task_digest(new_tasks)
        self._wake_cron()

    @api.model
    def _wake_cron(self):
        """Trigger the cron at the next planned touch (ir.cron keeps only the earliest)."""
        next_touch = self.sudo().search(
            [
                ("state", "=", "scheduled"),
                ("date_scheduled", "!=", False),
                ("enrollment_state", "=", "active"),
            ],
            limit=1,
            order="date_scheduled",
        )
        if next_touch:
            cron = self.env.ref("crm_sequence.ir_cron_process_touches", raise_if_not_found=False)
            if cron:
                cron._trigger(max(next_touch.date_scheduled, fields.Datetime.now()))

    # ------------------------------------------------------------------
    # Execution
    # ------------------------------------------------------------------

    def _execute(self):
        """Execute these due touches, step by step in batches.

        A failure in a batch is retried touch by touch, so that one bad record
        (render error, deleted record, no address) is marked failed with its
        reason and never stops the others.
        """
        self = self.sudo()
        self._check_records()
        for step, touches in self.filtered(lambda t: t.state == "scheduled").grouped("step_id").items():
            # an earlier step of this batch may have ended the run (opt-out, deleted record)
            touches = touches.filtered(lambda t: t.state == "scheduled" and t.enrollment_id.state == "active")
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

    def _execute_auto_email(self, step):
        """Queue the emails of one step: logged on each record's chatter, sent by the mail queue.

        Built like the mail composer's mass mode (one ``mail.mail`` per record, kept
        as a chatter message) but in one batch: the reply-to is the record's, so
        replies come back to it, and the Message-Id lets the gateway link them here.
        """
        sequence = step.sequence_id
        to_send = self._recipients(step)
        if not to_send:
            return
        touches = self.browse([touch.id for touch in to_send])
        res_ids = touches.mapped("res_id")
        subjects = step._render_field("subject", res_ids, compute_lang=True)
        bodies = step._render_field("body_html", res_ids, compute_lang=True)
        records = self.env[sequence.model].browse(res_ids)
        sender = sequence.sender_id
        reply_to = records._notify_get_reply_to(default=sender.email_formatted)
        base_url = records[:1].get_base_url()
        subtype_id = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_comment")
        names = dict(zip(records.ids, records.mapped("display_name")))
        vals_list = []
        for touch in touches:
            body = Markup(bodies[touch.res_id] or "")
            vals_list.append(
                {
                    "model": sequence.model,
                    "res_id": touch.res_id,
                    "record_name": names.get(touch.res_id),
                    "message_type": "email_outgoing",
                    "subtype_id": subtype_id,
                    "author_id": sender.partner_id.id,
                    "email_from": sender.email_formatted,
                    "reply_to": reply_to.get(touch.res_id),
                    "subject": subjects[touch.res_id],
                    "body": body,
                    "body_html": body + touch._open_pixel(base_url),
                    "email_to": to_send[touch],
                    "auto_delete": True,  # the chatter copy stays (is_notification)
                    "is_notification": True,
                }
            )
        mails = self.env["mail.mail"].sudo().create(vals_list)
        now = fields.Datetime.now()
        for touch, mail in zip(touches, mails):
            touch.write(
                {
                    "user_id": sender.id,
                    "state": "done",
                    "date_done": now,
                    "mail_mail_id": mail.id,
                    "message_id": mail.mail_message_id.id,
                }
            )

    def _execute_activity(self, step):
        """Create the step's activity on each record, due on its planned day."""
        sequence = step.sequence_id
        model_id = self.env["ir.model"]._get_id(sequence.model)
        notes, subjects = {}, {}
        if step.step_type == "manual_email":
            res_ids = self.mapped("res_id")
            subjects = step._render_field("subject", res_ids, compute_lang=True)
            bodies = step._render_field("body_html", res_ids, compute_lang=True)
            notes = {
                res_id: Markup("<p><strong>%s</strong> %s</p>%s")
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
                "date_deadline": to_local(sequence.tz, touch.date_scheduled).date(),
                "user_id": (touch.enrollment_id.user_id or sequence.user_id).id,
                "crm_sequence_touch_id": touch.id,
                "crm_sequence_id": sequence.id,
                "crm_sequence_step_id": step.id,
            }
            for touch in self
        ]
        # no "assigned to you" email per task: the cron sends one digest per user instead
        activities = self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(vals_list)
        # a trace in each record's chatter, in the language of the user who has the task
        records = self.env[sequence.model].browse(self.mapped("res_id"))
        titles = dict(zip(self.mapped("res_id"), self.mapped("title")))
        records._message_log_batch(
            bodies={
                activity.res_id: Markup("<p>%s</p>")
                % self.with_context(lang=activity.user_id.lang or self.env.lang).env._(
                    "Sequence “%(sequence)s”: %(step)s planned for %(user)s, due %(date)s.",
                    sequence=sequence.name,
                    step=titles[activity.res_id],
                    user=activity.user_id.name,
                    date=format_date(self.env, activity.date_deadline, lang_code=activity.user_id.lang),
                )
                for activity in activities
            }
        )
        now = fields.Datetime.now()
        for touch, activity in zip(self, activities):
            touch.write({"state": "open", "date_done": now, "activity_id": activity.id, "user_id": activity.user_id.id})

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

    def _open_pixel(self, base_url):
        url = f"{base_url}/crm_sequence/open/{self.id}/{self._open_token()}"
        return Markup('<img src="%s" alt="" width="1" height="1" style="display:none"/>') % url

    def _mark_opened(self):
        touches = self.filtered(lambda t: not t.opened and t.state == "done")
        touches.sudo().write({"opened": True, "date_opened": fields.Datetime.now()})
        touches.enrollment_id._remove_on_engagement("open")

    def _mark_replied(self):
        touches = self.filtered(lambda t: not t.replied)
        touches.sudo().write({"replied": True, "date_replied": fields.Datetime.now()})
        touches.enrollment_id._remove_on_engagement("reply")

    def _mark_bounced(self):
        touches = self.filtered(lambda t: not t.bounced)
        touches.sudo().write({"bounced": True})
        touches.enrollment_id._remove_on_engagement("bounce")

    @api.model
    def _from_messages(self, messages):
        if not messages:
            return self.browse()
        return self.sudo().search([("message_id", "in", messages.ids)])

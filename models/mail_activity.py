from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .crm_sequence_step_condition import CALL_OUTCOMES

# Links set by the sequence engine only: a user pointing an activity at another run
# would release or count someone else's steps.
SEQUENCE_FIELDS = {"crm_sequence_touch_id", "crm_sequence_id", "crm_sequence_step_id"}


class MailActivity(models.Model):
    """Activities created by a sequence know their run, so sellers can filter and group them;
    completing a "wait until done" task (or a call a later step's condition looks at)
    releases the steps that waited for it, and a call's outcome is kept on its touch."""

    _inherit = "mail.activity"

    crm_sequence_touch_id = fields.Many2one(
        "crm.sequence.touch",
        string="Sequence touch",
        ondelete="set null",
        index="btree_not_null",
        readonly=True,
        copy=False,
    )
    crm_sequence_id = fields.Many2one(
        "crm.sequence",
        string="Sequence",
        index="btree_not_null",
        readonly=True,
        copy=False,
        ondelete="set null",
    )
    crm_sequence_step_id = fields.Many2one(
        "crm.sequence.step",
        string="Sequence step",
        readonly=True,
        copy=False,
        ondelete="set null",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(SEQUENCE_FIELDS.intersection(vals) for vals in vals_list):
            self._raise_sequence_fields()
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and SEQUENCE_FIELDS.intersection(vals):
            self._raise_sequence_fields()
        return super().write(vals)

    def _raise_sequence_fields(self):
        raise AccessError(self.env._("Sequence tasks are linked to their run by the sequence engine only."))

    crm_sequence_step_type = fields.Selection(related="crm_sequence_step_id.step_type", string="Step type")
    crm_sequence_phone = fields.Char("Phone", compute="_compute_crm_sequence_contact")
    crm_sequence_email = fields.Char("Email", compute="_compute_crm_sequence_contact")
    crm_sequence_outcome = fields.Selection(
        CALL_OUTCOMES,
        string="Outcome",
        help="How the call went; logged with the task when it is marked done.",
    )

    @api.depends("crm_sequence_id", "res_model", "res_id")
    def _compute_crm_sequence_contact(self):
        """The phone and address of the record, read through the sequence's contact fields,
        for the records the user may read (one access check and one read per model)."""
        self.crm_sequence_phone = self.crm_sequence_email = False
        tasks = self.filtered(lambda a: a.crm_sequence_id and a.res_model in self.env)
        for res_model, activities in tasks.grouped("res_model").items():
            records = self.env[res_model].browse(activities.mapped("res_id")).exists()._filtered_access("read")
            readable = {record.id: record for record in records}
            for activity in activities:
                record = readable.get(activity.res_id)
                sequence = activity.crm_sequence_id
                if record and sequence.phone_field_id:
                    activity.crm_sequence_phone = record[sequence.phone_field_id.name]
                if record and sequence.email_field_id:
                    activity.crm_sequence_email = record[sequence.email_field_id.name]

    def _crm_sequence_record(self):
        self.ensure_one()
        if not (self.crm_sequence_id and self.res_model in self.env):
            return None
        record = self.env[self.res_model].browse(self.res_id).exists()
        return record if record.has_access("read") else None

    def unlink(self):
        """A canceled task cancels its step; a canceled "wait until done" task must not block
        its run: the next steps go on from now."""
        waiting = self._crm_sequence_waiting_touches()
        open_touches = self.sudo().crm_sequence_touch_id.filtered(lambda t: t.state == "open")
        result = super().unlink()
        open_touches._task_canceled()
        for touch in waiting:
            touch.enrollment_id._shift_waiting(touch, fields.Datetime.now())
        return result

    def _crm_sequence_waiting_touches(self):
        """Touches of these tasks that later steps wait for: "wait until done" tasks, and
        calls whose outcome a later step's condition looks at."""
        return self.sudo().crm_sequence_touch_id.filtered(
            lambda t: t.enrollment_id.state == "active" and (t.step_id.wait_until_done or t._is_condition_source())
        )

    def _action_done(self, feedback=False, attachment_ids=None):
        """A sequence task marked done completes its step (and releases what waited for it)."""
        waiting = self._crm_sequence_waiting_touches()
        open_touches = self.sudo().crm_sequence_touch_id.filtered(lambda t: t.state == "open")
        done_at = fields.Datetime.now()
        outcomes = dict(self._fields["crm_sequence_outcome"]._description_selection(self.env))
        if len(self) == 1 and self.crm_sequence_outcome:
            outcome = outcomes[self.crm_sequence_outcome]
            feedback = self.env._("%(outcome)s: %(notes)s", outcome=outcome, notes=feedback) if feedback else outcome
        for activity in self.filtered("crm_sequence_outcome"):
            # kept on the touch: a later step's condition reads it once the activity is gone
            touch = activity.sudo().crm_sequence_touch_id
            if touch in open_touches and touch.step_type == "call":
                touch.call_outcome = activity.crm_sequence_outcome
        result = super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
        open_touches._task_done(self.env.user)
        for touch in waiting:
            touch.enrollment_id._shift_waiting(touch, done_at)
        return result

    # ------------------------------------------------------------------
    # The seller's task queue (CRM › Sequences › My tasks)
    # ------------------------------------------------------------------

    @api.model
    def _crm_sequence_queue_domain(self):
        """The current user's open sequence tasks due today or earlier."""
        today = fields.Date.context_today(self)
        return [
            ("crm_sequence_touch_id", "!=", False),
            ("user_id", "=", self.env.uid),
            ("date_deadline", "<=", today),
        ]

    def action_crm_sequence_start(self):
        """Open the first task of the queue in the work form (or say there is none)."""
        return self._crm_sequence_open_next()

    def action_crm_sequence_done_next(self):
        """Mark this task done, with its outcome and notes, and open the next one."""
        self.ensure_one()
        self.action_feedback(feedback=self.feedback or False)
        return self._crm_sequence_open_next()

    def action_crm_sequence_skip(self):
        """Leave this task for later and open the next one of the queue."""
        self.ensure_one()
        return self._crm_sequence_open_next(after=self)

    @api.model
    def _crm_sequence_open_next(self, after=None):
        queue = self.search(self._crm_sequence_queue_domain(), order="date_deadline, id")
        queue_ids = queue.ids
        if after:
            later = queue.filtered(lambda a: (a.date_deadline, a.id) > (after.date_deadline, after.id))
            queue = later or queue - after
        task = queue[:1]
        if not task:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "title": self.env._("All done"),
                    "message": self.env._("No sequence task is due any more today."),
                    "type": "success",
                    "next": self.env["ir.actions.act_window"]._for_xml_id(
                        "crm_sequence.mail_activity_action_crm_sequence_queue"
                    ),
                },
            }
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Sequence task"),
            "res_model": "mail.activity",
            "res_id": task.id,
            "view_mode": "form",
            "views": [(self.env.ref("crm_sequence.mail_activity_view_form_crm_sequence_task").id, "form")],
            "target": "current",
            # the work form's pager goes through the queue ("2 / 5")
            "context": {"crm_sequence_queue_ids": queue_ids},
        }

    def action_crm_sequence_compose(self):
        """Odoo's composer on the record's thread, prefilled with the step's email rendered
        for the record; sending it marks the task done and counts the email as the step's
        (its opens, replies and bounces apply the removal rules like an automatic email)."""
        self.ensure_one()
        touch = self.sudo().crm_sequence_touch_id
        if not touch or touch.step_type != "manual_email":
            raise UserError(self.env._("Only manual email tasks of a sequence open the email composer."))
        record = self._crm_sequence_record()
        if record is None:
            raise UserError(self.env._("The record of this task no longer exists or is not yours to see."))
        step = touch.step_id
        subjects, bodies, _langs = step._render_email(record.ids)
        subject, body = subjects[record.id], bodies[record.id]
        partners = record._mail_get_partners().get(record.id) or record._partner_find_from_emails_single(
            [self.crm_sequence_email], no_create=False
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send the sequence email"),
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": record._name,
                "default_res_ids": record.ids,
                "default_composition_mode": "comment",
                "default_subject": subject,
                "default_body": body,
                "default_partner_ids": partners.ids,
                "default_subtype_xmlid": "mail.mt_comment",
                "crm_sequence_activity_id": self.id,
            },
        }

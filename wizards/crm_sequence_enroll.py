from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import email_normalize

SKIP_REASONS = {
    "already": "already active in this sequence",
    "no_email": "without email address",
    "opted_out": "opted out of emails",
    "exclusive": "already in another sequence",
}


class CrmSequenceEnroll(models.TransientModel):
    """“Add to sequence” from a list or kanban: enroll the selected records and say
    exactly how many were enrolled and why the others were skipped."""

    _name = "crm.sequence.enroll"
    _description = "Add to sequence"

    res_model = fields.Char(required=True, default=lambda self: self.env.context.get("active_model"))
    res_ids = fields.Json(default=lambda self: self._default_res_ids())
    record_count = fields.Integer(compute="_compute_record_count")
    sequence_id = fields.Many2one(
        "crm.sequence",
        required=True,
        domain="[('id', 'in', available_sequence_ids)]",
    )
    available_sequence_ids = fields.Many2many("crm.sequence", compute="_compute_available_sequence_ids")

    @api.model
    def _default_res_ids(self):
        ctx = self.env.context
        return ctx.get("active_ids") or ([ctx["active_id"]] if ctx.get("active_id") else [])

    @api.depends("res_ids")
    def _compute_record_count(self):
        for wizard in self:
            wizard.record_count = len(wizard.res_ids or [])

    @api.depends("res_model")
    def _compute_available_sequence_ids(self):
        for wizard in self:
            wizard.available_sequence_ids = self.env["crm.sequence"].search(self._usable_domain(wizard.res_model))

    @api.model
    def _usable_domain(self, res_model):
        """Active sequences of this model the user may use: theirs, those sending as them,
        those shared with them or with everyone."""
        uid = self.env.uid
        return Domain.AND(
            [
                [("state", "=", "active"), ("model", "=", res_model)],
                Domain.OR(
                    [
                        [("user_id", "=", uid)],
                        [("sender_id", "=", uid)],
                        [("share_mode", "=", "everyone")],
                        [("share_mode", "=", "users"), ("shared_user_ids", "in", uid)],
                    ]
                ),
            ]
        )

    def action_enroll(self):
        self.ensure_one()
        records = self.env[self.res_model].browse(self.res_ids or []).exists()
        if not records:
            raise UserError(self.env._("Select the records to add to the sequence."))
        report = self._enroll_records(self.sequence_id, records)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Added to “%s”", self.sequence_id.name),
                "message": self._report_message(report),
                "type": "success" if report["enrolled"] else "warning",
                "sticky": bool(report["skipped"]),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @api.model
    def _enroll_records(self, sequence, records, check_user=True):
        """Enroll what may be enrolled; return {'enrolled': n, 'skipped': {reason: n}}."""
        if sequence.state != "active":
            raise UserError(
                self.env._("The sequence “%s” is not active: activate it before adding records.", sequence.name)
            )
        if records._name != sequence.model:
            raise UserError(
                self.env._(
                    "The sequence “%(sequence)s” works on %(board)s, not on these records.",
                    sequence=sequence.name,
                    board=sequence.model_id.name,
                )
            )
        if check_user and not sequence.filtered_domain(self._usable_domain(records._name)):
            raise UserError(self.env._("You may not use the sequence “%s”: it is not shared with you.", sequence.name))
        records.check_access("read")
        skipped = self._classify(sequence, records)
        ok = records - sum(skipped.values(), records.browse())
        self.env["crm.sequence.enrollment"]._enroll(sequence, ok)
        return {"enrolled": len(ok), "skipped": {reason: len(recs) for reason, recs in skipped.items() if recs}}

    @api.model
    def _classify(self, sequence, records):
        """{reason: records} of records that may not be enrolled, one reason each."""
        Enrollment = self.env["crm.sequence.enrollment"].sudo()
        running = Enrollment.search(
            [
                ("res_model", "=", records._name),
                ("res_id", "in", records.ids),
                ("state", "in", ("active", "paused")),
            ]
        )
        already_ids = set(running.filtered(lambda e: e.sequence_id == sequence).mapped("res_id"))
        other_ids = set(running.filtered(lambda e: e.sequence_id != sequence).mapped("res_id"))
        skipped = {reason: records.browse() for reason in SKIP_REASONS}
        sends_email = any(step.step_type in ("auto_email", "manual_email") for step in sequence.step_ids)
        email_field = sequence.email_field_id.name
        emails = {}
        if sends_email and email_field:
            emails = {record.id: email_normalize(record.sudo()[email_field] or "", strict=False) for record in records}
        blacklisted = sequence._opted_out(emails.values())
        for record in records:
            if record.id in already_ids:
                skipped["already"] |= record
            elif sends_email and not emails.get(record.id):
                skipped["no_email"] |= record
            elif sends_email and emails[record.id] in blacklisted:
                skipped["opted_out"] |= record
            elif sequence.exclusive and record.id in other_ids:
                skipped["exclusive"] |= record
        return skipped

    @api.model
    def _report_message(self, report):
        lines = [self.env._("%s enrolled.", report["enrolled"])]
        for reason, count in report["skipped"].items():
            lines.append(
                self.env._("%(count)s skipped: %(reason)s.", count=count, reason=self.env._(SKIP_REASONS[reason]))
            )
        return "\n".join(lines)

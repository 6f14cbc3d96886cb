from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResUsers(models.Model):
    """Sending limits of a user's mailbox, across all the sequences sending as them.

    Mail providers block senders that burst: emails over a limit are not dropped but
    move to the sender's next free hour or sending day (``send_calendar.spread``).
    """

    _inherit = "res.users"

    crm_sequence_daily_limit = fields.Integer(
        "Sequence emails per day",
        default=lambda self: self.env.company.crm_sequence_daily_limit,
        help="Automatic sequence emails sent as this user per day, all sequences together (0 = no limit).",
    )
    crm_sequence_hourly_limit = fields.Integer(
        "Sequence emails per hour",
        default=lambda self: self.env.company.crm_sequence_hourly_limit,
        help="Automatic sequence emails sent as this user per hour, all sequences together (0 = no limit).",
    )

    @api.constrains("crm_sequence_daily_limit", "crm_sequence_hourly_limit")
    def _check_crm_sequence_limits(self):
        for record in self:
            if record.crm_sequence_daily_limit < 0 or record.crm_sequence_hourly_limit < 0:
                raise ValidationError(
                    self.env._(
                        "%s: sequence sending limits cannot be negative (0 means no limit).", record.display_name
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        """New users get their company's limits (the company they are created in)."""
        for vals in vals_list:
            company = self.env["res.company"].browse(vals.get("company_id")) if vals.get("company_id") else None
            if company:
                vals.setdefault("crm_sequence_daily_limit", company.crm_sequence_daily_limit)
                vals.setdefault("crm_sequence_hourly_limit", company.crm_sequence_hourly_limit)
        return super().create(vals_list)

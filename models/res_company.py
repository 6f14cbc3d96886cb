from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    """Default sending limits that new users of the company get (see res.users)."""

    _inherit = "res.company"

    crm_sequence_daily_limit = fields.Integer(
        "Sequence emails per day",
        default=0,
        help="Default for new users: automatic sequence emails one sender may send per day (0 = no limit).",
    )
    crm_sequence_hourly_limit = fields.Integer(
        "Sequence emails per hour",
        default=0,
        help="Default for new users: automatic sequence emails one sender may send per hour (0 = no limit).",
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

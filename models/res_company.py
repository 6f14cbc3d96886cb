from odoo import fields, models


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

    _crm_sequence_limits_positive = models.Constraint(
        "CHECK(crm_sequence_daily_limit >= 0 AND crm_sequence_hourly_limit >= 0)",
        "Sending limits cannot be negative (0 means no limit).",
    )

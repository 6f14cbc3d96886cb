from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmSequenceSendingLimits(models.AbstractModel):
    """Sending limits of a mailbox: on users (theirs, across all the sequences sending as
    them) and on companies (what their new users get). Emails over a limit are not dropped:
    they move to the sender's next free hour or sending day (``send_calendar.spread``)."""

    _name = "crm.sequence.sending.limits"
    _description = "Sequence sending limits"

    crm_sequence_daily_limit = fields.Integer(
        "Sequence emails per day",
        help="Automatic sequence emails one sender may send per day, all sequences together (0 = no limit).",
    )
    crm_sequence_hourly_limit = fields.Integer(
        "Sequence emails per hour",
        help="Automatic sequence emails one sender may send per hour, all sequences together (0 = no limit).",
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

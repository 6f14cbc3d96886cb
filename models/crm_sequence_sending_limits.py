from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .value_checks import is_whole_number

LIMIT_FIELDS = ("crm_sequence_daily_limit", "crm_sequence_hourly_limit")
# More emails than this from one mailbox is no limit but a typing mistake.
MAX_LIMIT = 1_000_000


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

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_crm_sequence_limit_values(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_crm_sequence_limit_values(vals)
        return super().write(vals)

    @api.model
    def _check_crm_sequence_limit_values(self, vals):
        """Checked on the values, before the database refuses what does not fit a number."""
        for fname in LIMIT_FIELDS:
            value = vals.get(fname)
            if value in (None, False):
                continue
            if not is_whole_number(value, 0, MAX_LIMIT):
                raise ValidationError(
                    self.env._(
                        "Sequence sending limits are whole numbers from 0 (no limit) to %(max)s, not “%(value)s”.",
                        max=f"{MAX_LIMIT:,}",
                        value=value,
                    )
                )

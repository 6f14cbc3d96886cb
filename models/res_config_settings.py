from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_sequence_daily_limit = fields.Integer(related="company_id.crm_sequence_daily_limit", readonly=False)
    crm_sequence_hourly_limit = fields.Integer(related="company_id.crm_sequence_hourly_limit", readonly=False)

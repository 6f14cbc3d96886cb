from odoo import api, fields, models


class ResUsers(models.Model):
    """A user's sending limits, across all the sequences sending as them."""

    _name = "res.users"
    _inherit = ["res.users", "crm.sequence.sending.limits"]

    crm_sequence_daily_limit = fields.Integer(default=lambda self: self.env.company.crm_sequence_daily_limit)
    crm_sequence_hourly_limit = fields.Integer(default=lambda self: self.env.company.crm_sequence_hourly_limit)

    @api.model_create_multi
    def create(self, vals_list):
        """New users get their company's limits (the company they are created in)."""
        for vals in vals_list:
            company = self.env["res.company"].browse(vals.get("company_id")) if vals.get("company_id") else None
            if company:
                vals.setdefault("crm_sequence_daily_limit", company.crm_sequence_daily_limit)
                vals.setdefault("crm_sequence_hourly_limit", company.crm_sequence_hourly_limit)
        return super().create(vals_list)

from odoo import models


class ResCompany(models.Model):
    """The company's sending limits are the defaults of its new users (see res.users)."""

    _name = "res.company"
    _inherit = ["res.company", "crm.sequence.sending.limits"]

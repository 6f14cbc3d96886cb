from odoo import models


class ResPartner(models.Model):
    """Contacts show the sequences they are in (smart button with their timeline)."""

    _name = "res.partner"
    _inherit = ["res.partner", "crm.sequence.enrolled.mixin"]

from odoo import models


class CrmLead(models.Model):
    """Leads show the sequences they are in (smart button with their timeline)."""

    _name = "crm.lead"
    _inherit = ["crm.lead", "crm.sequence.enrolled.mixin"]

"""19.0.1.3.0 (replies that drive the next move): sequences made before replies were read
get the default move per intent."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    sequences = env["crm.sequence"].with_context(active_test=False).search([])
    env["crm.sequence.reply.action"]._ensure_for(sequences)

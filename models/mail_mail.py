import re

from odoo import models
from odoo.tools import html2plaintext

# The open-tracking pixel of sequence emails (see crm.sequence.touch._open_pixel).
OPEN_PIXEL_RE = re.compile(r"<img[^>]*/crm_sequence/open/[^>]*>", re.I)


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _prepare_outgoing_list(self, mail_server=False, doc_to_followers=None):
        """The plain-text part of a sequence email has no tracking URL: Odoo writes every
        image as "Image [1]" with its address at the bottom."""
        emails = super()._prepare_outgoing_list(mail_server=mail_server, doc_to_followers=doc_to_followers)
        for email in emails:
            body = email.get("body") or ""
            if "/crm_sequence/open/" in body:
                email["body_alternative"] = html2plaintext(OPEN_PIXEL_RE.sub("", body))
        return emails

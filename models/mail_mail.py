import re

from odoo import fields, models
from odoo.tools import SQL, html2plaintext

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

    def _postprocess_sent_message(self, success_pids, success_emails, failure_reason=False, failure_type=None):
        """Sequence emails keep when they were handed to the SMTP server (``date_sent`` of
        their touch, before Odoo deletes the sent email): opens and clicks within
        seconds of it are machines' (``tracking_verdict``)."""
        sent = [mail.id for mail in self if "/crm_sequence/open/" in (mail.body_html or "")]
        if sent and not failure_type:
            self.env.execute_query(
                SQL(
                    "UPDATE crm_sequence_touch SET date_sent = %s WHERE mail_mail_id = ANY(%s) AND date_sent IS NULL",
                    fields.Datetime.now(),
                    sent,
                )
            )
            self.env["crm.sequence.touch"].invalidate_model(["date_sent"])
        return super()._postprocess_sent_message(
            success_pids, success_emails, failure_reason=failure_reason, failure_type=failure_type
        )

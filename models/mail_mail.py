import re

from odoo import fields, models
from odoo.tools import SQL, html2plaintext

# The open-tracking pixel of sequence emails (see crm.sequence.touch._open_pixel).
OPEN_PIXEL_RE = re.compile(r"<img[^>]*/crm_sequence/open/[^>]*>", re.I)


class MailMail(models.Model):
    """Sequence emails (``crm_sequence_touch_id`` set) get their tracking as they leave,
    as Email Marketing's do (``mailing_id``); any other email is left to Odoo."""

    _inherit = "mail.mail"

    # a column of the email itself: telling sequence emails apart costs the mail queue no query
    crm_sequence_touch_id = fields.Many2one(
        "crm.sequence.touch", string="Sequence step", readonly=True, ondelete="set null", index="btree_not_null"
    )

    def _prepare_outgoing_body(self):
        """The touch's link suffix and open pixel, added once, on the email that leaves
        (see ``crm.sequence.touch._outgoing_body``)."""
        body = super()._prepare_outgoing_body()
        if body and self.crm_sequence_touch_id:
            body = self.crm_sequence_touch_id.sudo()._outgoing_body(body)
        return body

    def _prepare_outgoing_list(self, mail_server=False, doc_to_followers=None):
        """The plain-text part of a sequence email has no tracking URL: Odoo writes every
        image as "Image [1]" with its address at the bottom."""
        emails = super()._prepare_outgoing_list(mail_server=mail_server, doc_to_followers=doc_to_followers)
        if self.crm_sequence_touch_id:
            for email in emails:
                email["body_alternative"] = html2plaintext(OPEN_PIXEL_RE.sub("", email.get("body") or ""))
        return emails

    def _postprocess_sent_message(self, success_pids, success_emails, failure_reason=False, failure_type=None):
        """Sequence emails keep when they were handed to the SMTP server (``date_sent`` of
        their touch, before Odoo deletes the sent email): opens and clicks within
        seconds of it are machines' (``tracking_verdict``)."""
        touches = self.crm_sequence_touch_id
        if touches and not failure_type:
            self.env.execute_query(
                SQL(
                    "UPDATE crm_sequence_touch SET date_sent = %s WHERE id = ANY(%s) AND date_sent IS NULL",
                    fields.Datetime.now(),
                    touches.ids,
                )
            )
            touches.invalidate_recordset(["date_sent"])
        return super()._postprocess_sent_message(
            success_pids, success_emails, failure_reason=failure_reason, failure_type=failure_type
        )

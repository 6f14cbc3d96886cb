import re
from urllib.parse import quote

from odoo import api, models
from odoo.tools import consteq, email_normalize, hmac

# Subject of the email a mail client sends to the mailto: of List-Unsubscribe.
UNSUBSCRIBE_SUBJECT = re.compile(r"^\s*unsubscribe\s+(?P<email>\S+@\S+)\s+(?P<token>[0-9a-f]{16,})\s*$", re.I)


class MailBlacklist(models.Model):
    """One-click unsubscribe of sequence emails (RFC 8058): an address that unsubscribes
    joins Odoo's email blacklist, which every sequence (and mass mailing) respects, and
    leaves every sequence it is running in.

    Links carry a token signed per address (``_crm_sequence_token``): a forged or
    another address's token changes nothing.
    """

    _inherit = "mail.blacklist"

    @api.model
    def _crm_sequence_token(self, normalized):
        """The token of an address, given normalized (``email_normalize``)."""
        return hmac(self.env(su=True), "crm_sequence_unsubscribe", normalized or "")

    @api.model
    def _crm_sequence_check_token(self, email, token):
        if not (isinstance(email, str) and isinstance(token, str) and token.isascii()):
            return False  # e.g. a file posted under that name, or a token no signature can be
        normalized = email_normalize(email)
        return bool(normalized and token and consteq(self._crm_sequence_token(normalized), token))

    @api.model
    def _crm_sequence_unsubscribe_links(self, base_url, mailbox, email):
        """``(url, mailto)`` unsubscribing ``email``: the page (and one-click POST) URL, and
        the ``mailto:`` of ``mailbox`` whose subject carries the address and its token."""
        normalized = email_normalize(email)
        token = self._crm_sequence_token(normalized)
        url = f"{base_url.rstrip('/')}/crm_sequence/unsubscribe?email={quote(normalized)}&token={token}"
        mailto = f"mailto:{mailbox}?subject={quote(f'Unsubscribe {normalized} {token}')}"
        return url, mailto

    @api.model
    def _crm_sequence_unsubscribe(self, email, via):
        """Blacklist ``email`` and end its running sequence runs (reason: opted out)."""
        normalized = email_normalize(email)
        self.sudo()._add(
            normalized,
            message=self.env._("Unsubscribed from sequence emails (%s).", via),
        )
        Enrollment = self.env["crm.sequence.enrollment"].sudo()
        running = Enrollment.search([("email_normalized", "=", normalized), ("state", "in", ("active", "paused"))])
        running._end("removed", "opted_out")
        return running

    @api.model
    def _crm_sequence_unsubscribe_by_email(self, message_dict):
        """An incoming "Unsubscribe <address> <token>" (the mailto: of List-Unsubscribe):
        applied when the token is the address's. Returns whether it was one."""
        match = UNSUBSCRIBE_SUBJECT.match(message_dict.get("subject") or "")
        if not match or not self._crm_sequence_check_token(match["email"], match["token"]):
            return False
        self._crm_sequence_unsubscribe(match["email"], self.env._("email to the unsubscribe address"))
        return True

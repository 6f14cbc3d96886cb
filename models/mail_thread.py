from odoo import models

# Headers by which mail servers flag automatic answers (RFC 3834 and common practice).
AUTO_REPLY_HEADERS = {
    "Auto-Submitted": lambda value: value.strip().lower() != "no",
    "X-Autoreply": lambda value: bool(value.strip()),
    "X-Autorespond": lambda value: bool(value.strip()),
    "Precedence": lambda value: value.strip().lower() in ("auto_reply", "bulk", "junk"),
}


class MailThread(models.AbstractModel):
    """Engagement signals from Odoo's mail gateway, and clean-up of deleted records."""

    _inherit = "mail.thread"

    def unlink(self):
        """A deleted record leaves every sequence it was running in (end reason "record deleted")."""
        if self.ids:
            self.env["crm.sequence.enrollment"]._end_for_records(self._name, self.ids, "terminated", "record_deleted")
        return super().unlink()

    def _message_route_process(self, message, message_dict, routes):
        """A customer's answer to a sequence email (In-Reply-To/References resolved by the
        gateway into ``parent_id``) marks the touch replied; automatic replies do not count."""
        parent_id = message_dict.get("parent_id")
        result = super()._message_route_process(message, message_dict, routes)
        if parent_id and not self._crm_sequence_is_auto_reply(message):
            touches = self.env["crm.sequence.touch"]._from_messages(self.env["mail.message"].browse(parent_id))
            touches._mark_replied()
        return result

    def _routing_handle_bounce(self, email_message, message_dict):
        """A bounce of a sequence email (found by Odoo's bounce detection) marks it bounced."""
        result = super()._routing_handle_bounce(email_message, message_dict)
        bounced = message_dict.get("bounced_message")
        if bounced:
            self.env["crm.sequence.touch"]._from_messages(bounced)._mark_bounced()
        return result

    def _crm_sequence_is_auto_reply(self, message):
        return any(
            check(str(message.get(header)))
            for header, check in AUTO_REPLY_HEADERS.items()
            if message.get(header) is not None
        )

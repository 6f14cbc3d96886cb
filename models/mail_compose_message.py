from markupsafe import Markup

from odoo import models

from .value_checks import is_whole_number


class MailComposeMessage(models.TransientModel):
    """A manual email of a sequence, written in Odoo's composer from its task, becomes the
    step's email: linked to its touch (so replies and bounces are read like those of an
    automatic email), its opens and link clicks tracked, and its task is marked done."""

    _inherit = "mail.compose.message"

    def _action_send_mail(self, auto_commit=False):
        activity_id = self.env.context.get("crm_sequence_activity_id")
        if not is_whole_number(activity_id, 1):  # a task id, or nothing to link
            return super()._action_send_mail(auto_commit=auto_commit)
        activity = self.env["mail.activity"].browse(activity_id).exists()
        # only the task of the record this email is written on, and one the user may complete
        if not (
            activity
            and activity.res_model == self.model
            and [activity.res_id] == self._evaluate_res_ids()
            and activity.has_access("write")
        ):
            activity = self.env["mail.activity"]
        touch = activity.sudo().crm_sequence_touch_id
        # queued rather than sent at once, so that the touch's tracking joins the email as it leaves
        composer = self.with_context(mail_notify_force_send=False, crm_sequence_activity_id=False)
        mails, messages = super(MailComposeMessage, composer)._action_send_mail(auto_commit=auto_commit)
        message = messages[:1]
        if touch.state == "open" and message:
            # the email to the contact, not the copies Odoo sends to internal followers
            outgoing = (
                self.env["mail.mail"]
                .sudo()
                .search([("mail_message_id", "=", message.id)])
                .filtered(lambda mail: mail.email_to or any(mail.recipient_ids.mapped("partner_share")))
            )
            link_count = 0
            if touch.sequence_id.track_links:
                base_url = touch._base_url()
                for mail in outgoing:
                    tracked, counts = touch._track_links({touch: mail.body_html or ""}, base_url)
                    if touch in tracked:
                        mail.body_html = Markup(tracked[touch])
                    link_count = max(link_count, counts.get(touch, 0))
            outgoing.crm_sequence_touch_id = touch
            touch.sudo().write({"message_id": message.id, "mail_mail_id": outgoing[:1].id, "link_count": link_count})
            activity.action_feedback(feedback=self.env._("Email sent from the composer."))
        return mails, messages

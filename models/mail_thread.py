import logging
from datetime import datetime

from odoo import api, fields, models
from odoo.tools import email_split, html2plaintext

from .inbound_mail import auto_reply_kind, delivery_outcome, return_date, strip_reply_prefixes
from .mail_blacklist import UNSUBSCRIBE_SUBJECT
from .reply_intent import ReplyReading, message_body, read_reply

_logger = logging.getLogger(__name__)


class MailThread(models.AbstractModel):
    """Engagement signals from Odoo's mail gateway, as real mail servers write them, and
    clean-up of deleted records. The readings themselves are in ``inbound_mail``.

    Every override changes only what concerns sequence emails (a message linked to a
    ``crm.sequence.touch``, a record with runs, an unsubscribe token the module signed):
    any other email goes through Odoo exactly as without the module."""

    _inherit = "mail.thread"

    def write(self, vals):
        """A record written so that it meets the goal of a sequence it runs in ends that run
        (``goal_reached``). Only writes of the fields goals read (cached per registry, see
        ``crm.sequence._goal_watched_fields``) look: any other write costs no query."""
        result = super().write(vals)
        watched = self.env["crm.sequence"]._goal_watched_fields().get(self._name)
        if watched and self.ids and not watched.isdisjoint(vals):
            self.env["crm.sequence.enrollment"]._end_goal_reached_for(self._name, self.ids)
        return result

    def unlink(self):
        """A deleted record leaves every sequence it was running in (end reason "record deleted")."""
        if self.ids:
            self.env["crm.sequence.enrollment"]._end_for_records(self._name, self.ids, "terminated", "record_deleted")
        return super().unlink()

    @api.model
    def message_route(self, message, message_dict, model=None, thread_id=None, custom_values=None):
        """Before Odoo's own routing: an unsubscribe request sent to the ``mailto:`` of
        List-Unsubscribe is applied and dropped; an answer to a sequence email that lost
        In-Reply-To and References ("Re: <subject>" from the address it was sent to) goes
        to the record of that run instead of creating a new one."""
        if not message_dict.get("is_bounce") and self._crm_sequence_may_route(message_dict):
            try:
                with self.env.cr.savepoint():
                    routes = self._crm_sequence_routes(message, message_dict, custom_values)
            except Exception:
                # Odoo routes the email as usual: our reading never blocks the mail gateway
                _logger.exception("Sequence routing of Message-Id %s failed", message_dict.get("message_id"))
                routes = None
            if routes is not None:
                return routes
        return super().message_route(
            message, message_dict, model=model, thread_id=thread_id, custom_values=custom_values
        )

    @api.model
    def _crm_sequence_may_route(self, message_dict):
        """Whether ``_crm_sequence_routes`` may have something to do, read from the subject
        alone (no query): an "Unsubscribe <address> <token>" subject, or an answer without
        its parent whose subject starts with "Re:"-like prefixes. A threaded reply, what
        most replies are, then costs no savepoint."""
        subject = message_dict.get("subject") or ""
        if UNSUBSCRIBE_SUBJECT.match(subject):
            return True
        return not message_dict.get("parent_id") and strip_reply_prefixes(subject) != " ".join(subject.split())

    @api.model
    def _crm_sequence_routes(self, message, message_dict, custom_values):
        """Routes for an unsubscribe email (none: applied and dropped) or an unthreaded
        answer to a sequence email (its record); ``None`` to let Odoo route."""
        if self.env["mail.blacklist"]._crm_sequence_unsubscribe_by_email(message_dict):
            return []
        if message_dict.get("parent_id"):
            return None
        touch = self.env["crm.sequence.touch"]._match_unthreaded_answer(
            message_dict.get("email_from"), message_dict.get("subject")
        )
        if not touch:
            return None
        user_id = self._mail_find_user_for_gateway(message_dict["email_from"]).id or self.env.uid
        route = self._routing_check_route(
            message,
            {**message_dict, "parent_id": touch.message_id.id},
            (touch.res_model, touch.res_id, custom_values, user_id, self.env["mail.alias"]),
            raise_exception=False,
        )
        if not route:
            return None
        _logger.info(
            "Routing mail from %s with Message-Id %s: answer to sequence email of %s,%s matched by address and subject",
            message_dict["email_from"],
            message_dict["message_id"],
            touch.res_model,
            touch.res_id,
        )
        message_dict["parent_id"] = touch.message_id.id
        return [route]

    def _message_route_process(self, message, message_dict, routes):
        """An answer to a sequence email (its parent found by the gateway or by
        ``message_route``) marks the touch replied; an out-of-office pauses the run until
        the contact is back; other automatic answers change nothing."""
        parent_id = message_dict.get("parent_id")
        result = super()._message_route_process(message, message_dict, routes)
        if parent_id:
            touches = self.env["crm.sequence.touch"]._from_messages(self.env["mail.message"].browse(parent_id))
            if touches:
                try:
                    with self.env.cr.savepoint():
                        self._crm_sequence_engagement(touches, message, message_dict)
                except Exception:
                    # the customer's email is in the chatter already: never lose it for our reading
                    _logger.exception("Sequence engagement of Message-Id %s not recorded", message_dict["message_id"])
        return result

    def _crm_sequence_engagement(self, touches, message, message_dict):
        """Read the answer: a person's reply makes the move its intent calls for
        (``crm.sequence.touch._read_reply``); an automatic answer saying the contact left
        the company ends the run (never an out-of-office pause); an out-of-office pauses
        until the return; other automatic answers change nothing."""
        body = html2plaintext(message_dict.get("body") or "")
        kind = auto_reply_kind(message, message_dict.get("subject"), body)
        received = fields.Datetime.to_datetime(message_dict.get("date")) or datetime.now()
        raw, is_html = message_body(message)
        # no referral to the contact or to us (quotes of our email are removed, signatures may remain)
        own = [message_dict.get("email_from"), message_dict.get("to"), *touches.enrollment_id.mapped("email")]
        own = [address for value in own if value for address in email_split(value)]
        try:
            reading = read_reply(raw, received.date(), is_html, own_emails=own)
        except Exception:  # noqa: BLE001 - a reading bug must not lose the reply: read as "other"
            _logger.warning("Reply intent of Message-Id %s not read", message_dict.get("message_id"), exc_info=True)
            reading = ReplyReading()
        if kind is None or reading.intent == "left_company":
            touches._read_reply(reading)
        elif kind == "out_of_office":
            touches.enrollment_id._pause_out_of_office(return_date(body, received.date()))

    def _message_parse_extract_bounce(self, email_message, message_dict):
        """Odoo takes every delivery report for a bounce; a report saying that a sequence
        email is only delayed (4.x.x) or was delivered is kept out of bounce counting (and
        dropped like a bounce: it is for no one's chatter). Reports about any other email
        (Email Marketing, chatter messages...) are read exactly as Odoo reads them."""
        values = super()._message_parse_extract_bounce(email_message, message_dict)
        if values.get("is_bounce") and self.env["crm.sequence.touch"]._from_messages(values.get("bounced_message")):
            outcome = delivery_outcome(email_message, message_dict.get("subject"))
            if outcome in ("delayed", "delivered"):
                values["crm_sequence_delivery"] = outcome
        return values

    def _routing_handle_bounce(self, email_message, message_dict):
        """A permanent failure of a sequence email (found by Odoo's bounce detection)
        marks it bounced; a delayed or delivered report of a sequence email changes nothing."""
        if message_dict.get("crm_sequence_delivery"):
            _logger.info(
                "Delivery report (%s) for %s with Message-Id %s: not a bounce",
                message_dict["crm_sequence_delivery"],
                message_dict.get("bounced_email"),
                message_dict.get("message_id"),
            )
            return None
        result = super()._routing_handle_bounce(email_message, message_dict)
        bounced = message_dict.get("bounced_message")
        if bounced:
            self.env["crm.sequence.touch"]._from_messages(bounced)._mark_bounced()
        return result

from collections import defaultdict

from markupsafe import Markup

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import email_normalize, format_date

from .crm_sequence import MANAGER_GROUP
from .crm_sequence_enrollment import TRACE_FIRST_KEY
from .crm_sequence_reply_action import ACTIONS, DEFAULT_ACTIONS, INTENT_LABELS
from .reply_intent import INTENTS, ReplyReading


class CrmSequenceTouch(models.Model):
    """The reply side of a touch: what the contact's answer to its email says
    (``reply_intent``, read by ``reply_intent.read_reply``), the move the sequence made
    for it (its ``crm.sequence.reply.action``) and the seller's correction, which redoes
    the move (``action_set_reply_intent``)."""

    _inherit = "crm.sequence.touch"

    reply_intent = fields.Selection(INTENT_LABELS, string="Reply read as", readonly=True, index="btree_not_null")
    reply_intent_read = fields.Selection(
        INTENT_LABELS, string="Read by Odoo as", readonly=True, help="The reading before any correction."
    )
    reply_action = fields.Selection(ACTIONS, string="Move made", readonly=True)
    reply_resume_date = fields.Date("Contact again on", readonly=True)
    reply_referral_email = fields.Char("Referred address", readonly=True)
    reply_referral_name = fields.Char("Referred person", readonly=True)
    reply_corrected = fields.Boolean("Reading corrected", readonly=True)
    reply_correction_count = fields.Integer("Corrections", readonly=True)
    reply_corrected_by_id = fields.Many2one("res.users", string="Corrected by", readonly=True)
    date_reply_corrected = fields.Datetime("Corrected on", readonly=True)
    # what the move did that a correction takes back (besides the run itself)
    reply_referral_lead_id = fields.Many2one(
        "crm.lead",
        string="Lead of the referred person",
        readonly=True,
        ondelete="set null",
        # deleting leads looks for the touches naming them: without an index, one scan of
        # every touch per deleted lead (10,000 leads deleted: 30 s more)
        index="btree_not_null",
        help="Made for the person the reply referred to; deleted if the reading is corrected before anyone "
        "worked on it.",
    )
    reply_opted_out = fields.Boolean(
        "Blacklisted by this reading",
        readonly=True,
        help="The reply, read as a request to stop, put the address on the blacklist; a correction lifts it.",
    )
    run_can_manage = fields.Boolean(related="enrollment_id.can_manage", string="May manage the run")

    # ------------------------------------------------------------------
    # Reading and moves
    # ------------------------------------------------------------------

    def _read_reply(self, reading):
        """A reply to these touches' email was read (``reply_intent.ReplyReading``):
        store what it says, then make the move its sequence set for that intent."""
        touches = self.sudo()
        now = fields.Datetime.now()
        for touch in touches:
            touch.write(
                {
                    "replied": True,
                    "date_replied": touch.date_replied or now,
                    "reply_intent": reading.intent,
                    "reply_intent_read": reading.intent,
                    "reply_resume_date": reading.resume_date,
                    "reply_referral_email": reading.referral_email,
                    "reply_referral_name": reading.referral_name,
                }
            )
            touch._reply_move(record_exists=True)

    def _mark_replied(self):
        """A reply whose text is not read (tests, integrations): as a reply read as "other",
        the removal rules decide, as before replies were read."""
        self._read_reply(ReplyReading())

    def _reply_move(self, record_exists=False, undone=()):
        """Do what the run's sequence does for this touch's ``reply_intent`` and say it in
        the record's chatter ("Reply read as: not now, until 2 March"). ``record_exists``:
        the reply was just posted on the record (no need to check it is still there).
        ``undone``: what a correction took back, ``text(env)`` sentences for the note."""
        self.ensure_one()
        touch = self.sudo()
        run = touch.enrollment_id
        line = run.sequence_id.reply_action_ids.filtered(lambda a: a.intent == touch.reply_intent)[:1]
        action = line.action or DEFAULT_ACTIONS[touch.reply_intent]
        touch.reply_action = action
        record = self.env[run.res_model].sudo().browse(run.res_id)
        record = record if record_exists else record.exists()
        note = touch._reading_note
        if undone:

            def note(env):
                return " ".join([f"{touch._reading_note(env)}.", *(text(env) for text in undone)])

        with run._trace_first(note, record_exists=bool(record)):
            getattr(touch, f"_reply_move_{action}")(run, line, record)

    def _reading_note(self, env):
        """ "Reply read as: not now, until 2 March", in ``env``'s language."""
        labels = dict(self._fields["reply_intent"]._description_selection(env))
        text = env._("Reply read as: %s", labels[self.reply_intent].lower())
        if self.reply_intent == "not_now" and self.reply_resume_date:
            text = env._(
                "Reply read as: %(intent)s, until %(date)s",
                intent=labels[self.reply_intent].lower(),
                date=format_date(env, self.reply_resume_date, date_format="d MMMM"),
            )
        elif self.reply_referral_email or self.reply_referral_name:
            person = " ".join(
                filter(
                    None,
                    (self.reply_referral_name, f"<{self.reply_referral_email}>" if self.reply_referral_email else None),
                )
            )
            text = env._(
                "Reply read as: %(intent)s (%(person)s)", intent=labels[self.reply_intent].lower(), person=person
            )
        if self.reply_corrected_by_id:
            text = env._("%(text)s, corrected by %(user)s", text=text, user=self.reply_corrected_by_id.name)
        return text

    def _end_replied(self, run, record, status_line, trace=True):
        """End the run as "replied" with ``status_line``'s status (and the company's other
        runs when the sequence stops the whole company), when the reply removal rule is
        on: its "Removes" switch keeps runs going on any reply. Whether it ended."""
        rule = run.sequence_id.removal_rule_ids.filtered(lambda r: r.trigger == "reply")[:1]
        if run.state not in ("active", "paused") or not rule.active:
            return False
        run._end("removed", "replied", trace=trace)
        values = status_line._status_values() if status_line else {}
        if record and values:
            run._apply_status(record, values)
        self._stopped_by_reply(run._end_company_runs())
        return True

    def _stopped_by_reply(self, runs):
        """``runs`` (other than its own) ended because of this reply's reading."""
        if runs:
            runs.sudo().write({"reply_stop_touch_id": self.id})

    def _reply_move_end_notify(self, run, line, record):
        """Interested: end (replied) with the reply rule's status, tell the seller now."""
        rule = run.sequence_id.removal_rule_ids.filtered(lambda r: r.trigger == "reply")[:1]
        ended = self._end_replied(run, record, rule, trace=False)
        if record:
            note = self.env.cr.cache.get(TRACE_FIRST_KEY, {}).get(run.id) or self._reading_note
            run._notify_interested(record, note, ended)

    def _reply_move_end(self, run, line, record):
        """End (replied), with the status of the intent's line (e.g. a lost stage)."""
        self._end_replied(run, record, line)

    def _reply_move_pause(self, run, line, record):
        run._pause_until("not_now", self.reply_resume_date)

    def _reply_move_end_referral(self, run, line, record):
        """End (replied) and keep the referred person: named in the run's note, and for
        leads a new lead "referred by" the contact, enrolled in the same sequence when the
        sequence says so."""
        if record and self.reply_referral_email and record._name == "crm.lead":
            created = self._create_referral(run, record)
            first = self.env.cr.cache.setdefault(TRACE_FIRST_KEY, {})
            reading = first.get(run.id) or self._reading_note
            first[run.id] = lambda env: f"{reading(env)}. {created}"
        self._reply_move_end(run, line, record)

    def _reply_move_end_left_company(self, run, line, record):
        if run.state in ("active", "paused"):
            run._end("removed", "left_company")

    def _reply_move_opt_out(self, run, line, record):
        """A request to stop is a legal opt-out: the unsubscribe link's effects. What it
        did is kept (the address blacklisted by it, the other runs it ended) for a
        correction to take back; an address already on the blacklist stays on it."""
        address = run.email_normalized or email_normalize(run.email or "")
        if address:
            Blacklist = self.env["mail.blacklist"].sudo()
            listed = Blacklist.search_count([("email", "=", address)], limit=1)
            ended = Blacklist._crm_sequence_unsubscribe(address, self.env._("reply asking to stop"))
            if not listed:
                self.reply_opted_out = True
                self._stopped_by_reply(ended - run)
        if run.state in ("active", "paused"):
            run._end("removed", "opted_out")

    def _reply_move_removal_rules(self, run, line, record):
        """Today's reply: the reply removal rule decides."""
        run._remove_on_engagement("reply")
        self._stopped_by_reply(run._end_company_runs())

    def _reply_move_none(self, run, line, record):
        return

    def _create_referral(self, run, record):
        """A new lead for the person a lead's contact referred us to; what was done, to note."""
        name = self.reply_referral_name or self.reply_referral_email
        by = record.contact_name or record.partner_id.name or record.email_from
        # no "Lead created" log, as Odoo's mail gateway creates records from an email (the
        # description says who referred them; the salesperson is still told it is theirs)
        lead = (
            self.env["crm.lead"]
            .sudo()
            .with_context(mail_create_nolog=True)
            .create(
                {
                    "name": self.env._("%(name)s (referred by %(by)s)", name=name, by=by or record.display_name),
                    "contact_name": self.reply_referral_name,
                    "email_from": self.reply_referral_email,
                    "partner_name": record.partner_name or record.partner_id.commercial_partner_id.name,
                    "referred": by,
                    "description": Markup("<p>%s</p>")
                    % self.env._(
                        "Referred by %(by)s in a reply to the sequence “%(sequence)s” (%(record)s).",
                        by=by or record.display_name,
                        sequence=run.sequence_id.name,
                        record=record.display_name,
                    ),
                    "user_id": record.user_id.id,
                    "team_id": record.team_id.id,
                    "company_id": record.company_id.id,
                    "type": record.type,
                }
            )
        )
        self.reply_referral_lead_id = lead
        note = self.env._("New lead for the referred person: %s.", lead.display_name)
        sequence = run.sequence_id
        if sequence.referral_enroll:
            try:
                with self.env.cr.savepoint():
                    result = sequence.with_user(sequence.user_id).enroll_records(lead)
                note = self.env._("%(note)s %(result)s", note=note, result=result["message"])
            except (UserError, AccessError) as error:
                note = self.env._("%(note)s Not enrolled: %(error)s", note=note, error=error)
        return note

    # ------------------------------------------------------------------
    # Seller's correction
    # ------------------------------------------------------------------

    def action_open_reply(self):
        """The touch's form in a dialog, with one button per intent to correct the reading."""
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reply"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
        }

    def action_set_reply_intent(self, intent=None):
        """The seller reads the reply otherwise: store ``intent`` (the first reading is
        kept in ``reply_intent_read``, corrections are counted) and redo the move, e.g.
        a "not now" pause ends when the reply was in fact interested. Whoever may manage
        the run (pause, resume, terminate) may correct it. The form's buttons give the
        intent in their context (``crm_sequence_reply_intent``)."""
        if len(self) != 1:
            raise UserError(self.env._("Correct the reading of one reply at a time."))
        intent = intent or self.env.context.get("crm_sequence_reply_intent")
        if intent not in INTENTS:
            labels = ", ".join(key for key, _label in INTENT_LABELS)
            raise UserError(
                self.env._("“%(intent)s” is no reply intent: use one of %(labels)s.", intent=intent, labels=labels)
            )
        self.enrollment_id._check_manage()
        touch = self.sudo()
        if not touch.reply_intent:
            raise UserError(self.env._("This step got no reply to read: there is nothing to correct."))
        if intent == touch.reply_intent:
            return True
        may_lift = self.env.su or self.env.user.has_group(MANAGER_GROUP)
        undone = touch._undo_reply_move(may_lift_opt_out=may_lift)
        touch.write(
            {
                "reply_intent": intent,
                "reply_corrected": True,
                "reply_correction_count": touch.reply_correction_count + 1,
                "reply_corrected_by_id": self.env.uid,
                "date_reply_corrected": fields.Datetime.now(),
            }
        )
        touch._reply_move(undone=undone)
        return True

    def _undo_reply_move(self, may_lift_opt_out=True):
        """Take back what the previous reading did, before the new reading's move: the
        opt-out (the blacklisting it made), the "not now" pause, the end of the run (it
        goes on with the steps it had left), the other runs it ended (the company's, the
        address's in other sequences: they go on too) and the lead made for a referred
        person, deleted when nobody worked on it since. Returns what the record's note
        says of it (``text(env)`` sentences)."""
        undone = []
        run = self.enrollment_id
        keep_opt_out = False
        if self.reply_opted_out:
            keep_opt_out = self._opt_out_stays(run.email_normalized, may_lift_opt_out)
            if keep_opt_out:
                undone.append(keep_opt_out)
            else:
                self.reply_opted_out = False
                if run.email_normalized:
                    self.env["mail.blacklist"].sudo()._remove(
                        run.email_normalized,
                        message=self.env._("Reply read again by %s: not a request to stop.", self.env.user.name),
                    )
        if self.reply_referral_lead_id:
            undone.append(self._undo_referral_lead())
        stopped = self.env["crm.sequence.enrollment"].sudo().search([("reply_stop_touch_id", "=", self.id)])
        stopped.write({"reply_stop_touch_id": False})
        revive_reasons = ("company_replied",) if keep_opt_out else ("company_replied", "opted_out")
        revive = stopped.filtered(lambda e: e.state == "removed" and e.end_reason in revive_reasons)
        if run.state == "paused" and run.pause_reason == "not_now":
            run._resume()
        elif (
            run.state == "removed"
            and run.end_reason in ("replied", "left_company", *(() if keep_opt_out else ("opted_out",)))
            and run.date_end
            and self.date_replied
            and run.date_end >= self.date_replied
        ):
            revive |= run
        revive._revive()
        return undone

    def _opt_out_stays(self, email, may_lift):
        """Why the blacklisting this reading made must stay (``text(env)``), else False.
        An opt-out is the contact's legal request: only a Sequences Administrator lifts
        it (``may_lift``: the correcting user is one), and not while another reply of the
        address is still read as one."""
        if not may_lift:
            return lambda env: env._(
                "The address stays blacklisted: only a Sequences Administrator may lift an opt-out."
            )
        if email and self.sudo().search_count(
            [
                ("id", "!=", self.id),
                ("reply_intent", "=", "unsubscribe"),
                ("enrollment_id.email_normalized", "=", email),
            ],
            limit=1,
        ):
            return lambda env: env._("The address stays blacklisted: another reply of it asks to stop.")
        return False

    def _undo_referral_lead(self):
        """Delete the lead made for a referral that was no referral, unless someone worked
        on it since; what was done, as a sentence of the record's note."""
        lead = self.reply_referral_lead_id.sudo()
        self.reply_referral_lead_id = False
        name = lead.display_name
        if not self._referral_lead_untouched(lead):
            return lambda env: env._("The lead made for the referred person (%s) stays: it was worked on since.", name)
        lead.unlink()
        return lambda env: env._("The lead made for the referred person (%s) was deleted.", name)

    @api.model
    def _referral_lead_untouched(self, lead):
        """Nobody worked on ``lead`` since the engine made it: no field changed by a person,
        no activity, no note, email or tracked change in its chatter, no sequence email
        sent to it. Machines' later writes (e.g. Odoo's lead enrichment) do not count."""
        if lead.write_date > lead.create_date and lead.write_uid.id != SUPERUSER_ID:
            return False
        if lead.activity_ids:
            return False
        worked = (
            self.env["mail.message"]
            .sudo()
            .search_count(
                [
                    ("model", "=", lead._name),
                    ("res_id", "=", lead.id),
                    "|",
                    ("message_type", "in", ("comment", "email", "email_outgoing")),
                    ("tracking_value_ids", "!=", False),
                ],
                limit=1,
            )
        )
        sent = self.sudo().search_count(
            [("res_model", "=", lead._name), ("res_id", "=", lead.id), ("state", "=", "done")], limit=1
        )
        return not worked and not sent

    # ------------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------------

    @api.model
    def _reply_figures(self, key, ids):
        """{id: figures} of replies by intent and the positive reply rate, for the records
        ``ids`` that touches point at with ``key`` (``sequence_id``, ``step_id``): two
        grouped queries."""
        empty = {f"reply_{intent}_count": 0 for intent in INTENTS}
        figures = defaultdict(lambda: {**empty, "reply_corrected_count": 0, "positive_reply_rate": 0.0})
        if not ids:
            return figures
        Touch = self.sudo()
        for record, intent, corrected, count in Touch._read_group(
            [(key, "in", ids), ("reply_intent", "!=", False)], [key, "reply_intent", "reply_corrected"], ["__count"]
        ):
            figures[record.id][f"reply_{intent}_count"] += count
            figures[record.id]["reply_corrected_count"] += count if corrected else 0
        for record, sent in Touch._read_group(
            [(key, "in", ids), ("state", "=", "done"), ("message_id", "!=", False)], [key], ["__count"]
        ):
            figures[record.id]["positive_reply_rate"] = (
                figures[record.id]["reply_positive_count"] / sent if sent else 0.0
            )
        return figures

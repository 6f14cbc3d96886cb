from odoo import api, fields, models
from odoo.exceptions import UserError

from .reply_intent import INTENTS

INTENT_LABELS = [
    ("positive", "Interested"),
    ("not_now", "Not now"),
    ("referral", "Ask someone else"),
    ("left_company", "Left the company"),
    ("unsubscribe", "Stop emailing me"),
    ("not_interested", "Not interested"),
    ("other", "Other reply"),
]
assert [key for key, _label in INTENT_LABELS] == list(INTENTS)
ACTIONS = [
    ("end_notify", "End the run, set the reply rule's status, notify the seller now"),
    ("end", "End the run (replied), set the status below"),
    ("pause", "Pause the run until the date given (else the “not now” days)"),
    ("end_referral", "End the run, log the referred person (leads: a new lead)"),
    ("end_left_company", "End the run (left the company), note it"),
    ("opt_out", "Blacklist the address (opted out)"),
    ("removal_rules", "Apply the removal rules (as any reply)"),
    ("none", "Record it only: the run goes on"),
]
DEFAULT_ACTIONS = {
    "positive": "end_notify",
    "not_now": "pause",
    "referral": "end_referral",
    "left_company": "end_left_company",
    "unsubscribe": "opt_out",
    "not_interested": "end",
    "other": "removal_rules",
}


class CrmSequenceReplyAction(models.Model):
    """What a sequence does with a reply, per intent read in it (``reply_intent``): the
    move a seller would make. Every sequence has one line per intent (the defaults of
    ``DEFAULT_ACTIONS``), edited in Rules & Notifications."""

    _name = "crm.sequence.reply.action"
    _inherit = ["crm.sequence.status.mixin"]
    _description = "Sequence Reply Action"
    _order = "sequence_id, id"

    intent = fields.Selection(INTENT_LABELS, required=True)
    action = fields.Selection(ACTIONS, required=True)

    _intent_unique = models.Constraint(
        "UNIQUE(sequence_id, intent)",
        "A sequence has one reply action per intent.",
    )

    @api.depends("intent")
    def _compute_display_name(self):
        labels = dict(self._fields["intent"]._description_selection(self.env))
        for line in self:
            line.display_name = labels.get(line.intent, "")

    def _status_owner_label(self):
        return self.env._("Reply action “%s”", self.display_name)

    @api.model
    def _default_commands(self):
        return [fields.Command.create({"intent": intent, "action": DEFAULT_ACTIONS[intent]}) for intent in INTENTS]

    def write(self, vals):
        if "sequence_id" in vals and any(line.sequence_id.id != vals["sequence_id"] for line in self):
            raise UserError(self.env._("A reply action stays in its sequence: change the other sequence's line."))
        if "intent" in vals and any(line.intent != vals["intent"] for line in self):
            raise UserError(self.env._("A reply action keeps its intent: change its action instead."))
        return super().write(vals)

    @api.model
    def _ensure_for(self, sequences):
        """Create the missing default lines of ``sequences`` (sequences made before this
        table existed, or lines deleted over RPC): every intent always has its move."""
        sequences = sequences.sudo().with_context(active_test=False)
        existing = {(line.sequence_id.id, line.intent) for line in sequences.reply_action_ids}
        values = [
            {"sequence_id": sequence.id, "intent": intent, "action": DEFAULT_ACTIONS[intent]}
            for sequence in sequences
            for intent in INTENTS
            if (sequence.id, intent) not in existing
        ]
        return self.sudo().create(values) if values else self.browse()

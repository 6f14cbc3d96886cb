from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL

from .cron_batches import take_locked


class CrmSequenceNote(models.Model):
    """A chatter note about a run (paused, resumed, ended...) waiting for the cron.

    A chatter note costs Odoo about a millisecond: an action on many runs at once
    (deactivating a sequence, pausing a selection) queues its notes here in one insert,
    and the cron writes them right after, in committed batches shared by its workers.
    Only the engine uses this model (in sudo).
    """

    _name = "crm.sequence.note"
    _description = "Sequence chatter note to write"
    _order = "id"
    _log_access = False

    enrollment_id = fields.Many2one("crm.sequence.enrollment", required=True, ondelete="cascade", index=True)
    body = fields.Html(sanitize=False, required=True)

    @api.model
    def _queue(self, enrollments, bodies):
        """Queue one note per run of ``enrollments``, ``bodies`` in the same order."""
        if enrollments:
            self.env.execute_query(
                SQL(
                    "INSERT INTO crm_sequence_note (enrollment_id, body) SELECT * FROM unnest(%s::int[], %s::text[])",
                    list(enrollments.ids),
                    [str(body) for body in bodies],
                )
            )
            self.env["crm.sequence.touch"]._wake_cron()

    @api.model
    def _cron_write_notes(self, batch_size):
        """Write the queued notes in committed batches (``SKIP LOCKED``: several workers
        share them), oldest first; a record with several notes gets them in order."""
        while notes := self.sudo().browse(
            take_locked(
                self.env,
                SQL("SELECT id FROM crm_sequence_note ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED", batch_size),
            )
        ):
            rounds = defaultdict(dict)  # (round, model): {res_id: body}
            seen = defaultdict(int)
            for note in notes:
                run = note.enrollment_id
                key = (run.res_model, run.res_id)
                rounds[seen[key], run.res_model][run.res_id] = Markup(note.body)
                seen[key] += 1
            for (_round, res_model), bodies in sorted(rounds.items()):
                Model = self.env[res_model]
                if hasattr(Model, "_message_log_batch"):
                    records = Model.browse(list(bodies)).exists()
                    records._message_log_batch(bodies={res_id: bodies[res_id] for res_id in records.ids})
            notes.unlink()
            remaining = self.sudo().search_count([], limit=batch_size * 10)
            if not self.env["ir.cron"]._commit_progress(len(notes), remaining=remaining):
                break

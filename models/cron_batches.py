"""How the sequence cron takes its work when several workers run it at once.

Every part of the cron (pending enrollment notes, out-of-office resumes, due touches)
takes a batch with one ``SELECT ... FOR NO KEY UPDATE SKIP LOCKED``: rows another
worker holds are skipped, so two calls split the work and never do a thing twice.

Odoo's cursors are REPEATABLE READ: locking a row that another worker changed and
committed after this transaction's snapshot raises ``SerializationFailure`` instead
of returning a stale row. That is what we want (never act on stale data), but it
must not fail the cron: the batch is then taken again after a commit, which starts
a new snapshot. Nothing is lost by that commit, as every batch is taken right after
the previous one committed its work.
"""

from psycopg2.errors import SerializationFailure

ATTEMPTS = 5


def take_locked(env, query):
    """Ids of the first column of ``query`` (a locking SELECT), taken by this worker."""
    env.flush_all()
    for _attempt in range(ATTEMPTS):
        try:
            with env.cr.savepoint(flush=False):
                env.cr.execute(query, log_exceptions=False)
                return [row[0] for row in env.cr.fetchall()]
        except SerializationFailure:
            # a row changed by a worker that committed after our snapshot: new snapshot, again
            env["ir.cron"]._commit_progress()
    return []

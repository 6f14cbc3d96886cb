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


# One row per sender with sending limits, written by every batch that sends for them.
CLAIM_TABLE = "crm_sequence_sender_claim"


def create_claim_table(cr):
    """The table behind ``claim_senders`` (no model: nothing to read or write over RPC)."""
    cr.execute(
        f"""
        CREATE TABLE IF NOT EXISTS {CLAIM_TABLE} (
            user_id integer PRIMARY KEY REFERENCES res_users (id) ON DELETE CASCADE,
            date_claimed timestamp without time zone NOT NULL
        )
        """  # noqa: S608 - a constant
    )


def claim_senders(env, sender_ids):
    """The senders among ``sender_ids`` (those with sending limits) that another worker
    sent for after this transaction's snapshot: their emails must wait for the next batch.

    A sender's room is counted from the emails sent before this transaction's snapshot;
    two workers counting at once would each see the same room and pass the limit by a
    batch. So each batch that sends for a sender with limits first writes the sender's
    row here, in sender order (no deadlock): a second worker waits for the first to
    commit, and then, its snapshot being older than that commit, gets
    ``SerializationFailure`` (REPEATABLE READ) instead of counting without the first's
    emails. Its batch leaves that sender's emails due; the next batch, with a new
    snapshot, counts them all."""
    blocked = set()
    for sender_id in sorted(sender_ids):
        try:
            with env.cr.savepoint(flush=False):
                env.cr.execute(
                    f"""
                    INSERT INTO {CLAIM_TABLE} (user_id, date_claimed) VALUES (%s, now() AT TIME ZONE 'UTC')
                    ON CONFLICT (user_id) DO UPDATE SET date_claimed = EXCLUDED.date_claimed
                    """,  # noqa: S608 - a constant
                    [sender_id],
                    log_exceptions=False,
                )
        except SerializationFailure:
            blocked.add(sender_id)
    return blocked

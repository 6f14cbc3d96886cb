"""Replies routed and acted on (``tools/benchmark.py --reply-moves N``): what one person's
reply costs, from the raw email to the move its intent calls for, with N runs in the database.

A salesperson (notified by email) owns a sequence of an automatic email then a call; the
reply removal rule sets a stage, a "not interested" reply another. N leads are enrolled; a
few dozen of them were sent their email (the others wait, scheduled). Each reply is a corpus
message of ``tests/data/replies`` (as Gmail, Outlook... write it) answering one of those
emails, given to Odoo's mail gateway (``mail.thread.message_process``) as the mail fetcher
does. Two ways, each intent apart:

  - *fresh request*: a new cursor and environment per reply, as ``odoo-mailgate`` or an XML-RPC
    ``message_process`` call gets (Odoo's registry caches warm, no record in memory);
  - *warm*: a second reply of the same kind in the same transaction as a first one (records
    of the sequence, its rules and users already in memory), the way
    ``tests/test_reply_moves.py`` counts the issue's query budget (80).

Median of 7 replies per intent (after one not counted); each reply is rolled back after its
measure (nothing is sent, the next reply finds the same database).
"""

import json
import re
import statistics
import time
from pathlib import Path

import bench_scale

REPLIES = Path(__file__).resolve().parent.parent / "tests" / "data" / "replies"
SAMPLES = {
    "positive": "001",
    "not_now": "004",
    "referral": "008",
    "left_company": "012",
    "unsubscribe": "013",
    "not_interested": "016",
    "other": "019",
}
RUNS = 7
BUDGET = 80


def corpus_file(number):
    corpus = json.loads((REPLIES / "corpus.json").read_text())
    return next(sample["file"] for sample in corpus if re.search(rf"_{number}_", sample["file"]))


def answer(touch, number, salt):
    """The corpus reply ``number`` to the email of ``touch`` (raw bytes, its own Message-Id)."""
    from odoo.tools import email_normalize  # noqa: PLC0415

    raw = (REPLIES / corpus_file(number)).read_text()
    values = {
        "message_id": touch.message_id.message_id,
        "subject": touch.message_id.subject,
        "contact_email": touch.enrollment_id.email,
        "contact_name": "Dana Smith",
        "our_email": email_normalize(touch.mail_mail_id.reply_to or "") or "catchall@example.com",
        "date": "Mon, 07 Dec 2026 09:30:00 +0100",
    }
    for name, value in values.items():
        raw = raw.replace("{{" + name + "}}", value)
    return raw.replace("@mail.acme.example.org>", f".{touch.id}.{salt}@mail.acme.example.org>", 1).encode()


def run(registry, n):
    """Print and return {intent: {"fresh": (queries, ms, cpu ms), "warm": (...)}}."""
    from odoo import api, fields  # noqa: PLC0415

    per_intent = 3 * (RUNS + 1)  # one email per fresh measure, two per warm one, each with a warm-up
    sent_count = per_intent * len(SAMPLES)
    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {"tracking_disable": True, "mail_create_nolog": True})
        admin = env.ref("base.user_admin")
        admin.email = admin.email or "admin@example.com"
        seller = env["res.users"].search([("login", "=", "reply_seller")]) or env["res.users"].with_context(
            no_reset_password=True
        ).create(
            {
                "name": "Reply Seller",
                "login": "reply_seller",
                "email": "reply.seller@example.com",
                "notification_type": "email",
                "group_ids": [fields.Command.link(env.ref("sales_team.group_sale_salesman").id)],
            }
        )
        print(f"Creating {n} leads...", flush=True)
        leads = env["crm.lead"].create(
            [
                {
                    "name": f"Reply lead {i}",
                    "type": "opportunity",
                    "contact_name": "Dana Smith",
                    "email_from": f"reply{i}@acme{i % 97}.example.org",
                    "user_id": seller.id,
                }
                for i in range(n)
            ]
        )
        stage = env["crm.stage"].search([], order="sequence desc", limit=1)
        sequence = (
            env["crm.sequence"]
            .with_user(admin)
            .create(
                {
                    "name": "Bench replies",
                    **bench_scale.OPEN_ALL_WEEK,
                    "step_ids": [
                        fields.Command.create(
                            {"step_type": "auto_email", "day": 1, "subject": "Quick question", "body_html": "<p>Hi</p>"}
                        ),
                        fields.Command.create({"step_type": "call", "day": 3, "summary": "Call them"}),
                    ],
                }
            )
        )
        reply_rule = sequence.removal_rule_ids.filtered(lambda r: r.trigger == "reply")
        reply_rule.write(
            {"status_field_id": env["ir.model.fields"]._get("crm.lead", "stage_id").id, "status_ref": stage.id}
        )
        lost = env["crm.stage"].search([], order="sequence", limit=1)
        sequence.reply_action_ids.filtered(lambda a: a.intent == "not_interested").write(
            {"status_field_id": env["ir.model.fields"]._get("crm.lead", "stage_id").id, "status_ref": lost.id}
        )
        sequence.action_activate()
        print(f"Enrolling {n} leads...", flush=True)
        env["crm.sequence.enrollment"]._enroll(sequence, leads)
        # the first emails of a few runs are due (the others wait, planned for later)
        cr.execute(
            """UPDATE crm_sequence_touch SET date_scheduled = date_scheduled + interval '1 year'
                WHERE sequence_id = %s AND enrollment_id NOT IN (
                      SELECT id FROM crm_sequence_enrollment WHERE sequence_id = %s ORDER BY id LIMIT %s)""",
            [sequence.id, sequence.id, sent_count],
        )
        cr.execute(
            "UPDATE crm_sequence_touch SET date_scheduled = now() at time zone 'UTC' - interval '1 minute' "
            "WHERE sequence_id = %s AND step_type = 'auto_email' AND date_scheduled < now() at time zone 'UTC' "
            "+ interval '1 month'",
            [sequence.id],
        )
        env.invalidate_all()
        api.Environment(cr, api.SUPERUSER_ID, {})["crm.sequence.touch"]._cron_process_touches()
        touches = env["crm.sequence.touch"].search(
            [("sequence_id", "=", sequence.id), ("message_id", "!=", False)], order="id"
        )
        assert len(touches) >= sent_count, f"{len(touches)} emails sent instead of {sent_count}"
        cr.execute("ANALYZE crm_sequence_touch")
        cr.execute("ANALYZE crm_sequence_enrollment")
        cr.commit()
        touch_ids = touches.ids
        runs = env["crm.sequence.enrollment"].search_count([("sequence_id", "=", sequence.id)])
        print(f"{runs} runs, {len(touch_ids)} emails sent to answer", flush=True)

    def measure_one(cr, touch_id, number, salt):
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        touch = env["crm.sequence.touch"].browse(touch_id)
        raw = answer(touch, number, salt)
        env.flush_all()
        env.invalidate_all()  # what reading the email to answer brought in memory
        return process(cr, api.Environment(cr, api.SUPERUSER_ID, {}), raw, touch_id)

    def process(cr, env, raw, touch_id):
        env.flush_all()
        queries, start, cpu = cr.sql_log_count, time.perf_counter(), time.process_time()
        env["mail.thread"].message_process("crm.lead", raw)
        env.flush_all()
        measure = (cr.sql_log_count - queries, (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000)
        assert env["crm.sequence.touch"].browse(touch_id).reply_intent, "the reply was not read"
        return measure

    results = {}
    available = iter(touch_ids)
    for intent, number in SAMPLES.items():
        fresh, warm = [], []
        for index in range(RUNS + 1):
            # fresh request: its own cursor, nothing in memory
            with registry.cursor() as cr:
                sample = measure_one(cr, next(available), number, f"f{index}")
                cr.rollback()
            if index:
                fresh.append(sample)
            # warm: a first reply of the kind, then the measured one, in one transaction
            with registry.cursor() as cr:
                env = api.Environment(cr, api.SUPERUSER_ID, {})
                first, second = next(available), next(available)
                env["mail.thread"].message_process(
                    "crm.lead", answer(env["crm.sequence.touch"].browse(first), number, f"w{index}a")
                )
                raw = answer(env["crm.sequence.touch"].browse(second), number, f"w{index}b")
                sample = process(cr, env, raw, second)
                cr.rollback()
            if index:
                warm.append(sample)
        results[intent] = {
            name: tuple(statistics.median(sample[i] for sample in samples) for i in range(3))
            for name, samples in (("fresh", fresh), ("warm", warm))
        }
        line = "  ".join(
            f"{name}: {queries:3.0f} queries {ms:6.1f} ms (CPU {cpu:5.1f} ms)"
            for name, (queries, ms, cpu) in results[intent].items()
        )
        print(f"Reply read as {intent:<15} {line}", flush=True)
    worst = max(result["warm"][0] for result in results.values())
    print(
        f"replies routed and acted on, {runs} runs: at most {worst:.0f} queries warm (target <= {BUDGET}), "
        f"at most {max(result['fresh'][0] for result in results.values()):.0f} in a fresh request"
    )
    return results

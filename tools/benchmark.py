#!/usr/bin/env python3
"""Speed benchmark of the sequence engine against Odoo's own tools, on one database.

With 1,000 leads it times, and counts the queries of (the situation users are in: the leads
belong to a salesperson who is notified by email; the cron runs as OdooBot; the plan is
launched by a sales manager; notifications are on for both):
  - our cron executing 1,000 due automatic-email touches, then 1,000 due call touches (the
    salesperson gets one digest of their new tasks);
  - Odoo's Activity Plan (``mail.activity.schedule``) launching a one-call plan on the same leads,
    assigned to the salesperson (who gets Odoo's "assigned to you" email per activity);
  - Odoo's mail composer sending a rendered template to the same leads, in mass-mail mode (one
    email per lead, Odoo's way of mailing many records) and in comment mode (posted on each lead);
  - Odoo's Email Marketing (``mass_mailing``, installed in the benchmark's database only) sending
    a mailing with link tracking to the same leads;
  - one click on a tracked link (redirect, event, verdict) and one open, through the routes'
    code, in queries and milliseconds (median);
  - our cron on 1,000 due touches of an automatic email with a condition ("Intro not clicked",
    half of the intros clicked) and a record filter, against the same step without them.
Our emails are measured as users send them: link tracking, unsubscribe headers and link,
spreading, sender limits (set high enough not to defer) and threading on (the measured email is
a follow-up). Every email has the same two links.
Then the bulk actions at 1,000 runs, as ``--scale N`` runs them alone (``tools/bench_scale.py``:
enroll, enroll again, the cron's notes, deactivate, reactivate, pause, resume, edit → keep,
terminate, delete enrolled leads, the cron with nothing due and 10 x N touches scheduled).
Every tool works on the same committed leads, so the database is recreated from a
template at each run. SMTP is never reached: the mail queue is not run.

    python3 tools/benchmark.py [--records 1000] [--db crm_sequence_bench]
    python3 tools/benchmark.py --scale 10000     # only the bulk actions, at N runs
    python3 tools/benchmark.py --replies   # only the reply reader (no database): 100 KB bodies
    python3 tools/benchmark.py --variants  # A/B variants: 3-variant step vs one email, decisions
                                            # (see tools/bench_ab.py)
    python3 tools/benchmark.py --conditions   # only a conditional step against the same step without
    python3 tools/benchmark.py --reply-moves 10000   # a reply routed and acted on, per intent, N runs
The database is created with the module when it does not exist (no demo data).
"""

import argparse
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_scale  # noqa: E402
import odoo_env  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="crm_sequence_bench")
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument(
        "--scale",
        type=int,
        metavar="N",
        help="only the bulk actions at N runs (tools/bench_scale.py): enroll, deactivate, pause... idle cron",
    )
    parser.add_argument(
        "--no-vacuum",
        action="store_true",
        help="with --scale: no VACUUM ANALYZE between the actions (as with autovacuum off)",
    )
    parser.add_argument(
        "--variants",
        action="store_true",
        help="only A/B variants (tools/bench_ab.py): three variants vs one email, winner decisions",
    )
    parser.add_argument(
        "--replies", action="store_true", help="only the time to read a 100 KB reply (models/reply_intent.py)"
    )
    parser.add_argument(
        "--conditions",
        action="store_true",
        help="only the cron on a conditional step (half true, half false) against the same step without condition",
    )
    parser.add_argument(
        "--reply-moves",
        type=int,
        metavar="N",
        help="queries and time of a reply routed and acted on, per intent, with N runs (tools/bench_replies.py)",
    )
    return parser.parse_args()


def bench_replies(repeat=200):
    """Median and 95th percentile of reading a 100 KB reply (plain text, HTML), plain Python;
    the median CPU time beside (the wall time moves with other work on a shared machine)."""
    import importlib.util  # noqa: PLC0415
    from datetime import date  # noqa: PLC0415

    path = Path(__file__).resolve().parent.parent / "models" / "reply_intent.py"
    spec = importlib.util.spec_from_file_location("reply_intent", path)
    reader = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reader)
    unquoted = [
        (("We are thinking about it, more on this later. " * 3000)[:100_000], False),
        (("<p>We are thinking about it, more on this later.</p>" * 2000)[:100_000], True),
    ]
    for index, (body, is_html) in enumerate(reader.large_replies() + unquoted):
        label = (
            "100 KB " + ("HTML" if is_html else "plain-text") + (" reply" if index < 2 else " of new text, no quote")
        )
        timings, cpu = [], []
        for _index in range(repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            reader.read_reply(body, date(2026, 12, 7), is_html)
            timings.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        timings.sort()
        print(
            f"Reading a {label}: median {statistics.median(timings) * 1000:.2f} ms "
            f"(CPU {statistics.median(cpu) * 1000:.2f} ms), 95th percentile {timings[int(repeat * 0.95)] * 1000:.2f} ms"
        )


def ensure_database(db):
    """A fresh copy of a template database that has the module installed (built once)."""
    template = f"{db}_template"
    exists = odoo_env.database_exists(template)
    print(f"{'Updating' if exists else 'Creating'} database {template} with crm_sequence...", flush=True)
    subprocess.run(
        odoo_env.odoo_cmd(
            "-d",
            template,
            *(["-u", "crm_sequence"] if exists else []),
            # Email Marketing is the peer of automatic emails: in this database only
            "-i",
            "mass_mailing" if exists else "crm_sequence,mass_mailing",
            "--stop-after-init",
            "--log-level=warn",
            f"--addons-path={odoo_env.addons_path()}",
        ),
        check=True,
    )
    odoo_env.drop_database(db)
    ok, output = odoo_env.psql(f'CREATE DATABASE "{db}" TEMPLATE "{template}"')
    if not ok:
        odoo_env.die(f"could not create {db}: {output}")


@contextmanager
def measure(cr, label, records, results):
    """Wall time, queries, and the CPU time of this process (Odoo's Python side): on a machine
    shared with other work the wall time of two measures taken a minute apart can swing by 2x,
    the CPU time much less, so ratios are also given on it."""
    queries = cr.sql_log_count
    start = time.perf_counter()
    cpu = time.process_time()
    yield
    cr.flush()
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    count = cr.sql_log_count - queries
    results.append((label, elapsed, count, cpu))
    print(
        f"{label:<48} {elapsed:7.2f} s  {elapsed * 1000 / records:7.2f} ms/record  "
        f"{count:7d} queries  {count / records:6.2f} queries/record  (Python CPU {cpu:6.2f} s)",
        flush=True,
    )


def measure_repeated(cr, label, function, records, results, runs=7, before=None):
    """Median time and queries of ``runs`` calls of ``function`` (after one warm-up call),
    each in its own transaction; printed in milliseconds."""
    samples = []
    for index in range(runs + 1):
        if before:
            before()
        queries = cr.sql_log_count
        start = time.perf_counter()
        function()
        cr.flush()
        elapsed = time.perf_counter() - start
        count = cr.sql_log_count - queries
        cr.commit()
        if index:  # the first call warms the registry's caches
            samples.append((elapsed, count))
    elapsed = statistics.median(sample[0] for sample in samples)
    count = round(statistics.median(sample[1] for sample in samples))
    results.append((label, elapsed, count, records))
    print(
        f"{label:<48} {elapsed * 1000:7.2f} ms {elapsed * 1e6 / records:7.3f} us/record  "
        f"{count:7d} queries  {count / records:6.4f} queries/record  (median of {runs})",
        flush=True,
    )


# The same two links in every email measured (ours, the composer's, Email Marketing's).
LINKS = (
    '<p>Our <a href="https://www.example.com/pricing">prices</a> and '
    '<a href="https://www.example.com/case-studies">case studies</a>.</p>'
)


def measure_click_and_open(env, cr, touch, results):
    """A person's click on a tracked link and an open of the pixel, as the public routes run
    them (code lookup, redirect target, verdict, event, touch flags, Odoo's link statistics),
    each in its own transaction, median of 7 on fresh touches of the same step."""
    import re  # noqa: PLC0415

    from odoo import api  # noqa: PLC0415

    chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
    public = api.Environment(cr, api.SUPERUSER_ID, {})
    touches = iter(
        public["crm.sequence.touch"].search(
            [("step_id", "=", touch.step_id.id), ("state", "=", "done"), ("clicked", "=", False)], limit=20
        )
    )
    # the touches' emails were sent long enough ago (no "less than 5 seconds" verdict)
    cr.execute(
        "UPDATE crm_sequence_touch SET date_sent = date_done - interval '1 hour' WHERE step_id = %s", [touch.step_id.id]
    )
    cr.commit()
    current = {}

    def next_touch():
        public.invalidate_all()
        current["touch"] = next(touches)
        body = current["touch"].mail_mail_id._prepare_outgoing_body()  # the email as it leaves
        code, touch_id, token = re.search(r"/r/(\w+)/s/(\d+)/(\w+)", body).groups()
        current["args"] = (code, int(touch_id), token)

    def click():
        code, touch_id, token = current["args"]
        code_record = public["link.tracker.code"].sudo().search([("code", "=", code)], limit=1)
        link = code_record.link_id
        public["crm.sequence.touch"]._crm_sequence_track("click", touch_id, token, "GET", chrome, "81.2.3.4", link=link)
        assert link.redirected_url.startswith("https://www.example.com/")

    def open_():
        touch = current["touch"]
        public["crm.sequence.touch"]._crm_sequence_track(
            "open", touch.id, touch._open_token(), "GET", chrome, "81.2.3.4"
        )

    measure_repeated(cr, "One click (redirect, event, verdict)", click, 1, results, before=next_touch)
    measure_repeated(cr, "One open (event, verdict)", open_, 1, results, before=next_touch)


def bench_conditions(env, cr, leads, results):
    """The cron on N due touches of an automatic email with a condition ("Intro not clicked")
    and a record filter, half of the intros clicked by a person (half the touches skipped),
    against the same step without them; then with no intro clicked (every condition true: the
    cost of evaluating them, the same emails sent). Conditions and filters are evaluated per
    batch: one read of the intros, one search."""
    from odoo import api, fields  # noqa: PLC0415

    from odoo.addons.crm_sequence.models.crm_sequence_step import step_order  # noqa: PLC0415

    n = len(leads)
    step_values = [
        {
            "step_type": "auto_email",
            "day": 1,
            "subject": "Intro",
            "body_html": "<p>Dear <t t-out='object.contact_name'/></p>",
        },
        {"step_type": "auto_email", "day": 2, "subject": "Another look", "body_html": "<p>Any thoughts?</p>" + LINKS},
        # runs go on after the measured step (as sequences do): no completion in the measure
        {"step_type": "call", "day": 3, "summary": "Call them"},
    ]
    measured = {}
    for variant, clicked in (("unconditional", 0), ("conditional, half true", n // 2), ("conditional, all true", 0)):
        sequence = env["crm.sequence"].create(
            {
                "name": f"Bench {variant} step",
                **bench_scale.OPEN_ALL_WEEK,
                "day_mode": "calendar",
                "step_ids": [
                    fields.Command.create(dict(values, sequence=index)) for index, values in enumerate(step_values, 1)
                ],
            }
        )
        intro, step, _call = sequence.step_ids.sorted(step_order)
        if variant != "unconditional":
            step.write(
                {
                    "condition": "not_clicked",
                    "condition_step_id": intro.id,
                    "filter_domain": repr([("email_from", "!=", False)]),
                }
            )
        sequence.action_activate()
        start = (fields.Datetime.now() - timedelta(days=1)).replace(hour=0, minute=0)
        env["crm.sequence.enrollment"]._enroll(sequence, leads, date_start=start)
        # the intros are sent first (not measured), some clicked by a person; the measured step
        # is then due for every run
        cr.execute(
            "UPDATE crm_sequence_touch SET date_scheduled = date_scheduled + interval '1 year' WHERE step_id = %s",
            [step.id],
        )
        env.invalidate_all()
        api.Environment(cr, api.SUPERUSER_ID, {})["crm.sequence.touch"]._cron_process_touches()
        cr.execute(
            """UPDATE crm_sequence_touch SET opened = TRUE, clicked = TRUE, opened_number = 1, clicked_number = 1
                WHERE id IN (SELECT id FROM crm_sequence_touch WHERE step_id = %s ORDER BY id LIMIT %s)""",
            [intro.id, clicked],
        )
        cr.execute(
            "UPDATE crm_sequence_touch SET date_scheduled = date_scheduled - interval '1 year 1 day' "
            "WHERE step_id = %s",
            [step.id],
        )
        cr.commit()
        env.invalidate_all()
        with measure(cr, f"cron: {n} due touches, {variant} step", n, results):
            api.Environment(cr, api.SUPERUSER_ID, {})["crm.sequence.touch"]._cron_process_touches()
        states = sorted(env["crm.sequence.touch"].search([("step_id", "=", step.id)]).mapped("state"))
        expected = ["done"] * (n - clicked) + ["skipped"] * clicked
        assert states == expected, f"{states.count('done')} done, {states.count('skipped')} skipped"
        measured[variant] = results[-1]
        cr.commit()
    plain = measured["unconditional"]
    for variant in ("conditional, half true", "conditional, all true"):
        timing = measured[variant]
        print(
            f"{variant}: {timing[1]:.2f} s vs {plain[1]:.2f} s without condition -> {timing[1] / plain[1]:.2f}x "
            f"(target <= 1.2x; Python CPU {timing[3]:.2f} s vs {plain[3]:.2f} s, {timing[3] / plain[3]:.2f}x); "
            f"{timing[2] / n:.3f} queries/touch (target <= 0.25), {plain[2] / n:.3f} without condition"
        )


def main():
    args = parse_args()
    if args.replies:
        bench_replies()
        return
    odoo_env.check_postgres()
    ensure_database(args.db)

    import odoo  # noqa: PLC0415
    from odoo import api, fields  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    rc = odoo_env.odoorc()
    config.parse_config(
        [
            *(["-c", str(rc)] if rc else []),
            f"--addons-path={odoo_env.addons_path()}",
            *odoo_env.db_options(),
            "--log-level=warn",
        ]
    )
    odoo.tools.config["db_name"] = args.db
    registry = Registry(args.db)
    if args.reply_moves:
        import bench_replies as reply_moves  # noqa: PLC0415

        reply_moves.run(registry, args.reply_moves)
        return
    if args.scale:
        bench_scale.run(registry, args.scale, measure, measure_repeated, settle=not args.no_vacuum)
        return
    if args.variants:
        import bench_ab  # noqa: PLC0415

        bench_ab.run(registry, args.records, measure, measure_repeated)
        return
    n = args.records
    results = []
    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {"tracking_disable": True, "mail_create_nolog": True})
        user = env.ref("base.user_admin")  # the sales manager who builds sequences and launches plans
        user.email = user.email or "admin@example.com"  # automatic emails need a sender address
        seller = env["res.users"].search([("login", "=", "bench_seller")]) or env["res.users"].create(
            {
                "name": "Bench Seller",
                "login": "bench_seller",
                "email": "seller@example.com",
                "notification_type": "email",
                "group_ids": [fields.Command.link(env.ref("sales_team.group_sale_salesman").id)],
            }
        )
        env = env(user=user)

        def emails_to_seller():
            return env["mail.mail"].sudo().search_count([("recipient_ids", "in", seller.partner_id.ids)])

        leads = env["crm.lead"].create(
            [
                {
                    "name": f"Bench lead {i}",
                    "type": "lead",
                    "contact_name": f"Contact {i}",
                    "email_from": f"bench{i}@example.com",
                    "phone": f"+3247000{i:04d}",
                    "user_id": seller.id,
                }
                for i in range(n)
            ]
        )
        cr.commit()
        env = env(context={})

        if args.conditions:
            bench_conditions(env, cr, leads, results)
            return
        # the peers (slow at 10,000: the composer takes minutes)
        # 1. our cron (the real entry point, committing its batches): automatic emails, then calls.
        # Emails as users send them: unsubscribe headers and link, spreading, sender limits set
        # high enough not to defer, and the measured email a threaded follow-up of a first one.
        user.write({"crm_sequence_daily_limit": 10 * n, "crm_sequence_hourly_limit": 10 * n})
        seller_emails = {}
        email_steps = [
            {
                "step_type": "auto_email",
                "day": 1,
                "subject": "Hello {{ object.contact_name }}",
                "body_html": "<p>Dear <t t-out='object.contact_name'/>, nice to meet you.</p>" + LINKS,
            },
            {
                "step_type": "auto_email",
                "day": 2,
                "subject": "Follow-up",
                "body_html": "<p>Dear <t t-out='object.contact_name'/>, any thoughts?</p>" + LINKS,
                "reply_in_thread": True,
            },
            # runs go on after the measured email (as sequences do): no completion in the measure
            {"step_type": "call", "day": 3, "summary": "Call them"},
        ]
        call_steps = [{"step_type": "call", "day": 1, "summary": "Call them"}]
        for step_type, steps in (("auto_email", email_steps), ("call", call_steps)):
            sequence = env["crm.sequence"].create(
                {
                    "name": f"Bench {step_type}",
                    **bench_scale.OPEN_ALL_WEEK,
                    "step_ids": [fields.Command.create(step) for step in steps],
                }
            )
            assert sequence.spread_sends and sequence.unsubscribe_link and sequence.use_contact_tz
            assert sequence.track_links
            sequence.action_activate()
            threaded = step_type == "auto_email"
            start = fields.Datetime.now() - timedelta(days=1 if threaded else 0)
            env["crm.sequence.enrollment"]._enroll(sequence, leads, date_start=start.replace(hour=0, minute=0))
            measured = sequence.step_ids.filtered("reply_in_thread") or sequence.step_ids
            if threaded:
                # the first emails are sent first (not measured); their follow-ups, spread over
                # the day, are then all made due
                cr.execute(
                    "UPDATE crm_sequence_touch SET date_scheduled = date_scheduled + interval '1 year' "
                    "WHERE step_id = %s",
                    [measured.id],
                )
                env.invalidate_all()
                api.Environment(cr, api.SUPERUSER_ID, {})["crm.sequence.touch"]._cron_process_touches()
                cr.execute(
                    "UPDATE crm_sequence_touch SET date_scheduled = date_scheduled - interval '1 year 1 day' "
                    "WHERE step_id = %s",
                    [measured.id],
                )
            cr.commit()
            env.invalidate_all()
            before = emails_to_seller()
            with measure(cr, f"crm_sequence cron: {n} {step_type} touches", n, results):
                # as the cron worker runs it: OdooBot (superuser)
                api.Environment(cr, api.SUPERUSER_ID, {})["crm.sequence.touch"]._cron_process_touches()
            seller_emails[step_type] = emails_to_seller() - before
            # executed: an email is done, a task stays open until the salesperson does it
            touches = env["crm.sequence.touch"].search(
                [("step_id", "=", measured.id), ("state", "in", ("done", "open"))]
            )
            assert len(touches) == n, f"{len(touches)} touches done instead of {n}"
            if step_type == "auto_email":
                mails = touches.mail_mail_id
                assert all("List-Unsubscribe-Post" in (mail.headers or "") for mail in mails), "unsubscribe"
                assert all(mail.subject.startswith("Re: ") and mail.references for mail in mails), "threading"
                assert all(mail._prepare_outgoing_body().count("/s/") == 2 for mail in mails), "link tracking"
                tracked_touch = touches[0]

        # 2. Activity Plan with one call activity
        plan = env["mail.activity.plan"].create(
            {
                "name": "Bench plan",
                "res_model": "crm.lead",
                "template_ids": [
                    fields.Command.create(
                        {
                            "activity_type_id": env.ref("mail.mail_activity_data_call").id,
                            "summary": "Call them",
                            "responsible_type": "on_demand",
                        }
                    )
                ],
            }
        )
        cr.commit()
        env.invalidate_all()
        before = emails_to_seller()
        with measure(cr, f"Activity Plan (mail.activity.schedule): {n} calls", n, results):
            # the UI launches at most 500 records at once; the wizard itself takes them all
            wizard = env["mail.activity.schedule"].create(
                {
                    "res_model": "crm.lead",
                    "res_ids": str(leads.ids),
                    "plan_id": plan.id,
                    "plan_on_demand_user_id": seller.id,
                }
            )
            wizard.action_schedule_plan()
        seller_emails["plan"] = emails_to_seller() - before
        cr.commit()

        # 3. Mail composer in comment mode with a rendered template, posted on each lead
        template = env["mail.template"].create(
            {
                "name": "Bench template",
                "model_id": env["ir.model"]._get_id("crm.lead"),
                "subject": "Hello {{ object.contact_name }}",
                "body_html": "<p>Dear <t t-out='object.contact_name'/>, nice to meet you.</p>" + LINKS,
                "use_default_to": True,
            }
        )
        cr.commit()
        # comment mode posts on each lead; mass-mail mode is Odoo's way of mailing many records
        for mode, label in (("comment", "comment mode"), ("mass_mail", "mass-mail mode")):
            env.invalidate_all()
            with measure(cr, f"Mail composer ({label}): {n} emails", n, results):
                composer = (
                    env["mail.compose.message"]
                    .with_context(
                        default_model="crm.lead",
                        default_res_ids=leads.ids,
                        default_composition_mode=mode,
                        default_template_id=template.id,
                    )
                    .create({})
                )
                composer._action_send_mail()
            cr.commit()

        # 3b. Email Marketing: a mailing with link tracking to the same leads (queued, as ours)
        mailing = env["mailing.mailing"].create(
            {
                "subject": "Hello",
                "mailing_model_id": env["ir.model"]._get_id("crm.lead"),
                "mailing_domain": repr([("id", "in", leads.ids)]),
                "body_html": "<p>Dear <t t-out='object.contact_name'/>, nice to meet you.</p>" + LINKS,
                "email_from": user.email_formatted,
            }
        )
        cr.commit()
        env.invalidate_all()
        with measure(cr, f"Email Marketing mailing: {n} emails", n, results):
            mailing.action_send_mail(leads.ids)
        traces = env["mailing.trace"].search_count([("mass_mailing_id", "=", mailing.id)])
        assert traces == n, f"{traces} mailing traces instead of {n}"
        cr.commit()

        # 3c. one click and one open on the routes' code (as /r/<code>/s/... and the pixel run it)
        measure_click_and_open(env, cr, tracked_touch, results)

        # 3d. a conditional step against the same step without condition
        bench_conditions(env, cr, leads, results)

        # 4. the manager list: 10 sequences sharing 1,000 enrollments, loaded as the web client does
        sequences = env["crm.sequence"]
        for index in range(10):
            sequences |= env["crm.sequence"].create(
                {
                    "name": f"Bench list {index}",
                    "tz": "UTC",
                    "step_ids": [fields.Command.create({"step_type": "call", "day": 2, "summary": "Call"})],
                }
            )
        sequences.action_activate()
        per_sequence = max(n // 10, 1)
        for index, sequence in enumerate(sequences):
            batch = leads[index * per_sequence : (index + 1) * per_sequence]
            env["crm.sequence.enrollment"]._enroll(sequence, batch)
        cr.commit()
        specification = {
            name: {}
            for name in (
                "name",
                "state",
                "step_count",
                "enrolled_count",
                "active_count",
                "completed_count",
                "removed_count",
                "automation_action_count",
            )
        }
        specification.update(
            {"model_id": {"fields": {"display_name": {}}}, "user_id": {"fields": {"display_name": {}}}}
        )
        env.invalidate_all()
        with measure(cr, f"Manager list: 10 sequences, {per_sequence * 10} enrollments", 1, results):
            data = env["crm.sequence"].web_search_read([("id", "in", sequences.ids)], specification)
        print(f"  enrolled per sequence: {[record['enrolled_count'] for record in data['records']]}")
        cr.commit()

    # then the bulk actions at N runs (enroll, notes, deactivate... the idle cron), as --scale N runs them
    results += bench_scale.run(registry, n, measure, measure_repeated)

    ours_email = next(r for r in results if "auto_email" in r[0])
    ours_call = next(r for r in results if " call touches" in r[0])
    plan = next(r for r in results if "Activity Plan" in r[0])
    composer = next(r for r in results if "comment mode" in r[0])
    mass_mail = next(r for r in results if "mass-mail mode" in r[0])
    mailing = next(r for r in results if "Email Marketing" in r[0])
    print()
    print(
        f"calls:  ours {ours_call[1]:.2f} s vs Activity Plan {plan[1]:.2f} s "
        f"-> {ours_call[1] / plan[1]:.0%} of the plan's time (target <= 30%); "
        f"{ours_call[2] / n:.2f} queries/task (target <= 1)"
    )
    print(
        f"emails to the salesperson: sequence cron {seller_emails['call']} (one digest), "
        f"Activity Plan {seller_emails['plan']} (one per activity)"
    )
    print(
        f"emails (unsubscribe, spreading, limits, threading on): ours {ours_email[1]:.2f} s vs mass-mail "
        f"composer {mass_mail[1]:.2f} s -> {ours_email[1] / mass_mail[1]:.0%} of its time (target <= 50%), "
        f"vs comment-mode composer {composer[1]:.2f} s -> {ours_email[1] / composer[1]:.0%}; "
        f"{ours_email[2] / n:.2f} queries/touch (target <= 0.2)"
    )
    print(
        f"emails vs Email Marketing (link tracking): {mailing[1]:.2f} s -> {ours_email[1] / mailing[1]:.0%} "
        f"of its time (target <= 50%), {mailing[2] / n:.2f} queries/email for it"
    )
    print(
        f"emails, Python CPU time: ours {ours_email[3]:.2f} s, mass-mail composer {mass_mail[3]:.2f} s "
        f"({ours_email[3] / mass_mail[3]:.0%}), Email Marketing {mailing[3]:.2f} s "
        f"({ours_email[3] / mailing[3]:.0%})"
    )
    click = next(r for r in results if r[0].startswith("One click"))
    opening = next(r for r in results if r[0].startswith("One open"))
    print(
        f"one click: {click[1] * 1000:.2f} ms, {click[2]} queries (target <= 30 ms, <= 8); "
        f"one open: {opening[1] * 1000:.2f} ms, {opening[2]} queries (target <= 6)"
    )
    enroll = next(r for r in results if r[0] == f"Enroll {n} leads")
    idle = next(r for r in results if r[0].startswith("Cron, nothing due"))
    notes = next(r for r in results if r[0] == f"… cron: {n} enrollment notes")
    print(
        f"enroll: {n} leads in {enroll[1]:.2f} s -> {enroll[1] * 1000 / n:.2f} ms/lead, "
        f"{enroll[2] / n:.2f} queries/lead (target <= 6 s for 10,000 leads, i.e. <= 0.60 ms/lead); "
        f"then {notes[1]:.2f} s of chatter notes written by the cron"
    )
    print(
        f"cron, nothing due: {idle[1] * 1000:.2f} ms, {idle[2]} queries with {idle[3]} "
        f"scheduled touches (target <= 10 ms with 1,000,000)"
    )


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Speed benchmark of the sequence engine against Odoo's own tools, on one database.

With 1,000 leads it times, and counts the queries of:
  - our cron executing 1,000 due automatic-email touches, then 1,000 due call touches;
  - Odoo's Activity Plan (``mail.activity.schedule``) launching a one-call plan on the same leads;
  - Odoo's mail composer in comment mode sending a rendered template, posted on each lead.
Every tool works on the same committed leads, so the database is recreated from a
template at each run. SMTP is never reached: the mail queue is not run.

    python3 tools/benchmark.py [--records 1000] [--db crm_sequence_bench]
The database is created with the module when it does not exist (no demo data).
"""

import argparse
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import odoo_env  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="crm_sequence_bench")
    parser.add_argument("--records", type=int, default=1000)
    return parser.parse_args()


def ensure_database(db):
    """A fresh copy of a template database that has the module installed (built once)."""
    template = f"{db}_template"
    exists = odoo_env.database_exists(template)
    print(f"{'Updating' if exists else 'Creating'} database {template} with crm_sequence...", flush=True)
    subprocess.run(
        odoo_env.odoo_cmd(
            "-d",
            template,
            "-u" if exists else "-i",
            "crm_sequence",
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
    queries = cr.sql_log_count
    start = time.perf_counter()
    yield
    cr.flush()
    elapsed = time.perf_counter() - start
    count = cr.sql_log_count - queries
    results.append((label, elapsed, count))
    print(
        f"{label:<48} {elapsed:7.2f} s  {elapsed * 1000 / records:7.2f} ms/record  "
        f"{count:7d} queries  {count / records:6.2f} queries/record",
        flush=True,
    )


def main():
    args = parse_args()
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
    n = args.records
    results = []
    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {"tracking_disable": True, "mail_create_nolog": True})
        user = env.ref("base.user_admin")
        user.email = user.email or "admin@example.com"  # automatic emails need a sender address
        env = env(user=user)
        leads = env["crm.lead"].create(
            [
                {
                    "name": f"Bench lead {i}",
                    "type": "lead",
                    "contact_name": f"Contact {i}",
                    "email_from": f"bench{i}@example.com",
                    "phone": f"+3247000{i:04d}",
                    "user_id": user.id,
                }
                for i in range(n)
            ]
        )
        cr.commit()
        env = env(context={})

        # 1. our cron (the real entry point, committing its batches): automatic emails, then calls
        for step_type, step in (
            (
                "auto_email",
                {
                    "step_type": "auto_email",
                    "day": 1,
                    "subject": "Hello {{ object.contact_name }}",
                    "body_html": "<p>Dear <t t-out='object.contact_name'/>, nice to meet you.</p>",
                },
            ),
            ("call", {"step_type": "call", "day": 1, "summary": "Call them"}),
        ):
            sequence = env["crm.sequence"].create(
                {
                    "name": f"Bench {step_type}",
                    "tz": "UTC",
                    "send_hour_from": 0,
                    "send_hour_to": 24,
                    "send_sat": True,
                    "send_sun": True,
                    "notify_task_due": False,
                    "step_ids": [fields.Command.create(step)],
                }
            )
            sequence.action_activate()
            env["crm.sequence.enrollment"]._enroll(sequence, leads, date_start=fields.Datetime.now())
            cr.commit()
            env.invalidate_all()
            with measure(cr, f"crm_sequence cron: {n} {step_type} touches", n, results):
                env["crm.sequence.touch"].sudo()._cron_process_touches()
            done = env["crm.sequence.touch"].search_count([("sequence_id", "=", sequence.id), ("state", "=", "done")])
            assert done == n, f"{done} touches done instead of {n}"

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
        with measure(cr, f"Activity Plan (mail.activity.schedule): {n} calls", n, results):
            # the UI launches at most 500 records at once; the wizard itself takes them all
            wizard = env["mail.activity.schedule"].create(
                {
                    "res_model": "crm.lead",
                    "res_ids": str(leads.ids),
                    "plan_id": plan.id,
                    "plan_on_demand_user_id": env.user.id,
                }
            )
            wizard.action_schedule_plan()
        cr.commit()

        # 3. Mail composer in comment mode with a rendered template, posted on each lead
        template = env["mail.template"].create(
            {
                "name": "Bench template",
                "model_id": env["ir.model"]._get_id("crm.lead"),
                "subject": "Hello {{ object.contact_name }}",
                "body_html": "<p>Dear <t t-out='object.contact_name'/>, nice to meet you.</p>",
                "use_default_to": True,
            }
        )
        cr.commit()
        env.invalidate_all()
        with measure(cr, f"Mail composer (comment mode): {n} emails", n, results):
            composer = (
                env["mail.compose.message"]
                .with_context(
                    default_model="crm.lead",
                    default_res_ids=leads.ids,
                    default_composition_mode="comment",
                    default_template_id=template.id,
                )
                .create({})
            )
            composer._action_send_mail()
        cr.commit()

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
            env["crm.sequence.enrollment"]._enroll(sequence, leads[index * per_sequence : (index + 1) * per_sequence])
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

    ours_email = next(r for r in results if "auto_email" in r[0])
    ours_call = next(r for r in results if " call touches" in r[0])
    plan = next(r for r in results if "Activity Plan" in r[0])
    composer = next(r for r in results if "composer" in r[0])
    print()
    print(
        f"calls:  ours {ours_call[1]:.2f} s vs Activity Plan {plan[1]:.2f} s "
        f"-> {ours_call[1] / plan[1]:.0%} of the plan's time (target <= 50%); "
        f"{ours_call[2] / n:.2f} queries/touch (target <= 5)"
    )
    print(
        f"emails: ours {ours_email[1]:.2f} s vs composer {composer[1]:.2f} s "
        f"-> {ours_email[1] / composer[1]:.0%} of the composer's time (target <= 50%); "
        f"{ours_email[2] / n:.2f} queries/touch (target <= 7)"
    )


if __name__ == "__main__":
    main()

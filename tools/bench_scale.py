"""Bulk actions at scale (``tools/benchmark.py --scale N``): each action a user takes on
many runs, timed in one request as the user takes it, then the cron's share right after.

A salesperson owns a realistic four-step sequence (defaults on) and N of their leads:
  - enrolls the N leads in one action, then selects the same N again (all skipped);
  - the cron writes the N enrollment notes;
  - deactivates the sequence with N running runs, then reactivates it (runs re-planned,
    shifted by the pause);
  - on a second sequence with min(N, 10,000) runs: pauses, resumes, edits the running
    sequence keeping its runs ("Edit running sequence → keep"), terminates them all;
  - deletes min(N, 10,000) enrolled leads, against as many leads in no sequence;
  - the cron with nothing due and 10 x N touches scheduled (median of 7 calls).

Before each action the tables the actions write are vacuumed and analyzed: the best case,
as if autovacuum had caught up between a user's actions (on a default server it wakes every
minute and works once 20% of a table's rows are dead, so an action taken seconds after a
large one still pays part of it). The CI machine's PostgreSQL runs with ``autovacuum = off``:
without this, every action would pay for the dead rows of all the actions before it, with
the statistics of an empty table — ``--no-vacuum`` measures that worst case.
"""

import time

# sending rules of the benchmarks' sequences that must send whenever they run (no window to wait for)
OPEN_ALL_WEEK = {"tz": "UTC", "send_hour_from": 0, "send_hour_to": 24, "send_sat": True, "send_sun": True}

# the realistic sequence of benchmark.py: email day 1, call day 3, delay 3 days, to-do day 6
STEPS = [
    {
        "step_type": "auto_email",
        "day": 1,
        "subject": "Hello {{ object.contact_name }}",
        "body_html": "<p>Dear <t t-out='object.contact_name'/>, welcome.</p>",
    },
    {"step_type": "call", "day": 3, "summary": "Call them"},
    {"step_type": "delay", "day": 3, "delay_days": 3},
    {"step_type": "todo", "day": 6, "summary": "Follow up"},
]


# the tables the bulk actions write, vacuumed and analyzed before each action
VACUUMED = ("crm_sequence_enrollment", "crm_sequence_touch", "crm_sequence_note", "crm_lead", "mail_message")


def vacuum(registry):
    """``VACUUM ANALYZE`` the tables the actions write, in a cursor of its own (VACUUM
    runs outside a transaction)."""
    with registry.cursor() as cr:
        cr.commit()
        cr._cnx.autocommit = True
        try:
            for table in VACUUMED:
                cr.execute(f"VACUUM ANALYZE {table}")  # noqa: S608 - table names of this module
        finally:
            cr._cnx.autocommit = False


def run(registry, n, measure, measure_repeated, settle=True):
    """Print and return the measures [(label, seconds, queries, records)]; ``settle``:
    vacuum and analyze before each action (see the module's docstring)."""
    from odoo import api, fields  # noqa: PLC0415

    results = []
    small = min(n, 10000)
    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        salesperson = env["res.users"].search([("login", "=", "scale_salesperson")]) or env["res.users"].with_context(
            no_reset_password=True
        ).create(
            {
                "name": "Scale Salesperson",
                "login": "scale_salesperson",
                "email": "scale.salesperson@example.com",
                "tz": "Europe/Brussels",
                "group_ids": [fields.Command.set([env.ref("sales_team.group_sale_salesman").id])],
            }
        )
        print(f"Creating {n + 2 * small} leads...", flush=True)
        leads = create_leads(env, n + 2 * small, salesperson)
        cr.commit()
        main_leads, plain_leads, second_leads = leads[:n], leads[n : n + small], leads[n + small :]
        env = env(user=salesperson)

        def sequence(name):
            record = env["crm.sequence"].create(
                {"name": name, "step_ids": [fields.Command.create(dict(step)) for step in STEPS]}
            )
            record.action_activate()
            return record

        def timed(label, records, function):
            cr.commit()
            if settle:
                vacuum(registry)
            env.invalidate_all()
            with measure(cr, label, records, results):
                value = function()
            cr.commit()
            return value

        main = sequence("Scale main")
        report = timed(f"Enroll {n} leads", n, lambda: main.enroll_records(main_leads.ids))
        assert report["enrolled"] == n, report
        report = timed(f"Enroll the same {n} again (all skipped)", n, lambda: main.enroll_records(main_leads.ids))
        assert report["skipped"] == {"already": n}, report
        cron = api.Environment(cr, api.SUPERUSER_ID, {})  # the cron runs as OdooBot
        timed(f"… cron: {n} enrollment notes", n, lambda: cron["crm.sequence.touch"]._cron_process_touches())
        timed(f"Deactivate with {n} running", n, main.action_deactivate)
        timed("… cron: notes", n, lambda: cron["crm.sequence.touch"]._cron_process_touches())
        # an hour later (the shift of the pause)
        cr.execute(
            "UPDATE crm_sequence_enrollment SET date_paused = date_paused - interval '1 hour' WHERE sequence_id = %s",
            [main.id],
        )
        timed(f"Reactivate with {n} paused", n, main.action_activate)
        timed("… cron: notes", n, lambda: cron["crm.sequence.touch"]._cron_process_touches())
        active = env["crm.sequence.enrollment"].search_count([("sequence_id", "=", main.id), ("state", "=", "active")])
        assert active == n, f"{active} active runs instead of {n}"

        second = sequence("Scale second")
        second.enroll_records(second_leads.ids)
        cr.commit()
        runs = env["crm.sequence.enrollment"].browse(second.enrollment_ids.ids)  # ids, as the list sends them
        timed(f"Pause {small} runs (list)", small, runs.action_pause)
        timed(f"Resume {small} runs (list)", small, runs.action_resume)
        todo = second.step_ids.filtered(lambda s: s.step_type == "todo")

        def edit_keep():
            # "Edit running sequence → keep", then the change: the to-do two days later
            second.with_context(crm_sequence_edit_mode="keep").write(
                {"step_ids": [fields.Command.update(todo.id, {"day": 8})]}
            )

        timed(f"Edit running → keep, {small} runs", small, edit_keep)
        timed(f"Terminate {small} runs (list)", small, runs.action_terminate)
        timed("… cron: notes", small, lambda: cron["crm.sequence.touch"]._cron_process_touches())
        assert set(runs.mapped("state")) == {"terminated"}

        admin = env(user=api.SUPERUSER_ID)
        timed(f"Delete {small} leads in no sequence", small, lambda: admin["crm.lead"].browse(plain_leads.ids).unlink())
        enrolled = main_leads[:small]
        timed(f"Delete {small} enrolled leads", small, lambda: admin["crm.lead"].browse(enrolled.ids).unlink())

        # the idle cron with 10 x N touches scheduled (in the future)
        cr.execute("SELECT count(*) FROM crm_sequence_touch WHERE state = 'scheduled'")
        missing = 10 * n - cr.fetchone()[0]
        if missing > 0:
            print(f"Inserting {missing} scheduled touches...", flush=True)
            cr.execute(
                """
                INSERT INTO crm_sequence_touch (enrollment_id, step_id, step_type, step_day, step_name, state,
                       sequence_id, company_id, res_model, res_id, date_scheduled)
                SELECT run.id, step.id, step.step_type, step.day, 'Follow up', 'scheduled',
                       run.sequence_id, run.company_id, run.res_model, run.res_id,
                       (now() AT TIME ZONE 'UTC') + interval '2 days' + (serie * interval '1 second')
                  FROM generate_series(1, %s) serie
                  JOIN crm_sequence_enrollment run
                    ON run.id = (SELECT min(id) FROM crm_sequence_enrollment WHERE sequence_id = %s)
                           + serie %% %s
                  JOIN crm_sequence_step step ON step.sequence_id = run.sequence_id AND step.step_type = 'todo'
                """,
                [missing, main.id, n],
            )
        cr.execute(
            "UPDATE crm_sequence_touch SET date_scheduled = (now() AT TIME ZONE 'UTC') + interval '1 day' "
            "WHERE state = 'scheduled' AND date_scheduled < (now() AT TIME ZONE 'UTC') + interval '1 hour'"
        )
        cr.execute("ANALYZE crm_sequence_touch")
        cr.execute("ANALYZE crm_sequence_enrollment")
        cr.execute("SELECT count(*) FROM crm_sequence_touch WHERE state = 'scheduled'")
        scheduled = cr.fetchone()[0]
        cr.commit()
        measure_repeated(
            cr,
            f"Cron, nothing due, {scheduled} scheduled touches",
            lambda: cron["crm.sequence.touch"]._cron_process_touches(),
            scheduled,
            results,
            before=cron.invalidate_all,
        )
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"\nscale {n}, finished {started}{'' if settle else ', without vacuum between actions'}")
    for label, elapsed, queries, *_rest in results:
        print(f"| {label} | {elapsed:.2f} s | {queries} |")
    return results


def create_leads(env, count, user):
    """``count`` leads of ``user``: one created by the ORM, copied by SQL (the ORM takes
    minutes for 100,000 leads, and creating them is not what is measured)."""
    Lead = env["crm.lead"].with_context(tracking_disable=True, mail_create_nolog=True)
    model = Lead.create(
        {
            "name": "Scale lead 0",
            "type": "lead",
            "contact_name": "Contact 0",
            "email_from": "scale0@example.com",
            "user_id": user.id,
        }
    )
    env.flush_all()
    cr = env.cr
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'crm_lead' AND column_name != 'id'"
    )
    columns = [row[0] for row in cr.fetchall()]
    address = "'scale' || serie || '@example.com'"
    expressions = {
        "name": "'Scale lead ' || serie",
        "contact_name": "'Contact ' || serie",
        "email_from": address,
        "email_normalized": address,
        "email_domain_criterion": address,
    }
    select = ", ".join(expressions.get(column, f'lead."{column}"') for column in columns)
    cr.execute(
        f"""INSERT INTO crm_lead ({", ".join(f'"{column}"' for column in columns)})
            SELECT {select} FROM crm_lead lead, generate_series(1, %s) serie WHERE lead.id = %s
         ORDER BY serie RETURNING id""",  # noqa: S608 - column names from the catalog
        [count - 1, model.id],
    )
    return model | Lead.browse([row[0] for row in cr.fetchall()])

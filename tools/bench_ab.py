"""A/B variants (``tools/benchmark.py --variants``): what an A/B test costs the cron.

- the cron sending N due automatic emails of a step with three variants, against the same
  step with one email (same sequence rules as benchmark.py's emails: link tracking,
  unsubscribe headers and link, spreading, sender limits set high enough not to defer),
  measured alternately (one, three, one, three) so that the load of a shared machine
  weighs on both; target: three variants <= 1.2 x one (one render per variant per batch);
- the winner decision of a step with 10,000 emails sent (5,000 per variant), in queries
  (target <= 5) and milliseconds, median of 7 calls; and the same decision when it finds
  a winner (archiving the loser, the sequence's chatter note).
"""

import statistics

import bench_scale

LINKS = (
    '<p>Our <a href="https://www.example.com/pricing">prices</a> and '
    '<a href="https://www.example.com/case-studies">case studies</a>.</p>'
)
ROUNDS = 3  # one email, three variants, one email... (a shared machine's load weighs on both)
SUBJECTS = ("Hello {{ object.contact_name }}", "A question for {{ object.contact_name }}", "{{ object.name }}: next")


def run(registry, n, measure, measure_repeated):
    """Print and return the measures [(label, seconds, queries, records, cpu)]."""
    from datetime import timedelta  # noqa: PLC0415

    from odoo import api, fields  # noqa: PLC0415
    from odoo.tools import SQL  # noqa: PLC0415

    results = []
    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {"tracking_disable": True, "mail_create_nolog": True})
        user = env.ref("base.user_admin")
        user.email = user.email or "admin@example.com"
        user.write({"crm_sequence_daily_limit": 100 * n, "crm_sequence_hourly_limit": 100 * n})
        print(f"Creating {n} leads...", flush=True)
        leads = env["crm.lead"].create(
            [
                {
                    "name": f"AB bench lead {i}",
                    "type": "lead",
                    "contact_name": f"Contact {i}",
                    "email_from": f"abbench{i}@example.com",
                }
                for i in range(n)
            ]
        )
        cr.commit()
        env = env(user=user, context={})

        def email_step(variants):
            step = {
                "step_type": "auto_email",
                "day": 1,
                "subject": SUBJECTS[0],
                "body_html": "<p>Dear <t t-out='object.contact_name'/>, nice to meet you.</p>" + LINKS,
            }
            if variants > 1:
                step["variant_ids"] = [
                    fields.Command.create(
                        {
                            "subject": subject,
                            "body_html": f"<p>Dear <t t-out='object.contact_name'/>, version {index}.</p>" + LINKS,
                        }
                    )
                    for index, subject in enumerate(SUBJECTS[1:variants], 2)
                ]
            return step

        def cron_round(label, variants):
            sequence = env["crm.sequence"].create(
                {
                    "name": label,
                    **bench_scale.OPEN_ALL_WEEK,
                    # the run goes on after the email (no completion in the measure)
                    "step_ids": [
                        fields.Command.create(email_step(variants)),
                        fields.Command.create({"step_type": "call", "day": 3, "summary": "Call them"}),
                    ],
                }
            )
            sequence.action_activate()
            step = sequence.step_ids.filtered(lambda s: s.step_type == "auto_email")
            assert len(step._email_templates()) == variants
            start = fields.Datetime.now() - timedelta(hours=1)
            env["crm.sequence.enrollment"]._enroll(sequence, leads, date_start=start)
            cr.execute(
                "UPDATE crm_sequence_touch SET date_scheduled = %s WHERE step_id = %s",
                [fields.Datetime.now() - timedelta(minutes=1), step.id],
            )
            cr.commit()
            env.invalidate_all()
            with measure(cr, f"cron: {n} emails, {label}", n, results):
                api.Environment(cr, api.SUPERUSER_ID, {})["crm.sequence.touch"]._cron_process_touches()
            touches = env["crm.sequence.touch"].search([("step_id", "=", step.id), ("state", "=", "done")])
            assert len(touches) == n, f"{len(touches)} emails sent instead of {n}"
            if variants > 1:
                per_variant = sorted(
                    count
                    for _variant, count in env["crm.sequence.touch"]._read_group(
                        [("step_id", "=", step.id)], ["variant_id"], ["__count"]
                    )
                )
                assert per_variant[-1] - per_variant[0] <= 1, per_variant
                subjects = set(touches.mail_mail_id.mapped(lambda mail: mail.subject.split(" ")[0]))
                assert len(subjects) == variants, subjects
            cr.commit()
            return step

        steps = {}
        for index in range(1, ROUNDS + 1):
            for label, variants in (("one email", 1), ("three variants", 3)):
                steps[variants] = cron_round(f"{label} #{index}", variants)

        # the decision of a step with 10,000 emails sent, as the cron and "Decide now" run it
        step = steps[3]
        variant_a, variant_b = step.variant_ids.sorted("sequence")[:2]
        (step.variant_ids - variant_a - variant_b).write({"active": False})
        run_id = env["crm.sequence.enrollment"].search([("sequence_id", "=", step.sequence_id.id)], limit=1).id
        message_id = env["mail.message"].search([("model", "=", "crm.lead")], limit=1).id

        def sent(variant, count, replied):
            cr.execute(
                SQL(
                    """
                    INSERT INTO crm_sequence_touch (enrollment_id, step_id, variant_id, step_type, state, message_id,
                                                    sequence_id, company_id, res_model, res_id, date_done, replied)
                    SELECT run.id, %(step)s, %(variant)s, 'auto_email', 'done', %(message)s, run.sequence_id,
                           run.company_id, run.res_model, run.res_id, now() AT TIME ZONE 'UTC', i <= %(replied)s
                      FROM crm_sequence_enrollment run, generate_series(1, %(count)s) AS i
                     WHERE run.id = %(run)s
                    """,
                    step=step.id,
                    variant=variant.id,
                    message=message_id,
                    run=run_id,
                    count=count,
                    replied=replied,
                )
            )

        already = {variant: variant.sent_count for variant in (variant_a, variant_b)}
        sent(variant_a, 5000 - already[variant_a], 510)
        sent(variant_b, 5000 - already[variant_b], 490)
        cr.commit()
        env.invalidate_all()
        assert step.variant_ids.filtered("active")._figures()[variant_a.id][0] == 5000
        measure_repeated(
            cr,
            "A/B decision, 10,000 emails sent (no winner)",
            lambda: step._ab_decide(),
            1,
            results,
            before=env.invalidate_all,
        )
        assert not step.ab_winner_id and step.ab_status.startswith("Difference not significant yet")
        cr.execute("UPDATE crm_sequence_touch SET replied = TRUE WHERE variant_id = %s AND id %% 3 = 0", [variant_a.id])
        cr.commit()
        env.invalidate_all()
        with measure(cr, "A/B decision that finds a winner (archive, chatter note)", 1, results):
            step._ab_decide()
        assert step.ab_winner_id == variant_a, step.ab_status
        cr.rollback()

    one = [r for r in results if "one email" in r[0]]
    three = [r for r in results if "three variants" in r[0]]
    decision = next(r for r in results if r[0].startswith("A/B decision, 10,000"))
    winner = next(r for r in results if r[0].startswith("A/B decision that finds"))
    wall = [statistics.median(r[1] for r in rows) for rows in (three, one)]
    best = [min(r[1] for r in rows) for rows in (three, one)]
    cpu = [statistics.median(r[3] for r in rows) for rows in (three, one)]
    print()
    print(
        f"A/B: {n} emails with three variants vs one email (median of {ROUNDS}, taken alternately): "
        f"wall {wall[0]:.2f} s vs {wall[1]:.2f} s -> {wall[0] / wall[1]:.2f}x, best {best[0]:.2f} s vs "
        f"{best[1]:.2f} s -> {best[0] / best[1]:.2f}x, Python CPU {cpu[0]:.2f} s vs {cpu[1]:.2f} s -> "
        f"{cpu[0] / cpu[1]:.2f}x (target <= 1.2x); queries {three[0][2]} vs {one[0][2]}"
    )
    print(
        f"A/B decision with 10,000 emails sent: {decision[2]} queries (target <= 5), "
        f"{decision[1] * 1000:.1f} ms; with a winner found: {winner[2]} queries, {winner[1] * 1000:.1f} ms"
    )
    return results

import threading
from datetime import datetime

from freezegun import freeze_time

from odoo import api
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name

from .common import CrmSequenceCommon


class CommittedRunsCase(BaseCase):
    """Real concurrency needs real transactions: these tests commit their own data in
    separate cursors (as two Odoo cron workers would see it) and remove it at the end."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())

    def _enroll_committed(self, env, name, steps, count, **values):
        """An active sequence ``name`` of ``steps`` (``values`` on it) and ``count`` leads
        enrolled on Tuesday 3 March 2026, 10:00 in Brussels, in ``env``'s cursor; all of it
        is removed at the end of the test."""
        sequence = CrmSequenceCommon._create_sequence(env, name=name, steps=steps, **values)
        sequence.action_activate()
        slug = name.lower().replace(" ", ".")
        leads = env["crm.lead"].create(
            [{"name": f"{name} {i}", "email_from": f"{slug}{i}@example.com", "user_id": env.uid} for i in range(count)]
        )
        with freeze_time("2026-03-03 09:00:00"):
            sequence.enroll_records(leads)
        self.sequence_id, self.lead_ids = sequence.id, leads.ids
        self.addCleanup(self._cleanup)
        return sequence

    def _worker(self, barrier, errors, batch_size):
        try:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, api.SUPERUSER_ID, {})
                barrier.wait()
                env["crm.sequence.touch"]._cron_process_touches(batch_size=batch_size)
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    def _two_cron_calls(self, now, batch_size=4):
        """Two whole cron calls started at the same moment; both must finish without error."""
        barrier, errors = threading.Barrier(2), []
        with freeze_time(now):
            workers = [threading.Thread(target=self._worker, args=(barrier, errors, batch_size)) for _i in range(2)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join(timeout=300)
        self.assertFalse([worker for worker in workers if worker.is_alive()], "both calls finish")
        self.assertEqual(errors, [], "neither call fails")

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            sequence = env["crm.sequence"].browse(self.sequence_id)
            touches = sequence.enrollment_ids.touch_ids
            touches.mail_mail_id.unlink()
            env["mail.activity"].search([("crm_sequence_touch_id", "in", touches.ids)]).unlink()
            env["mail.message"].search([("model", "=", "crm.lead"), ("res_id", "in", self.lead_ids)]).unlink()
            env["mail.message"].search([("subject", "like", "new sequence tasks")]).unlink()
            sequence.enrollment_ids.unlink()
            sequence.unlink()
            env["crm.lead"].browse(self.lead_ids).unlink()


@tagged("post_install", "-at_install")
class TestTwoWorkers(CommittedRunsCase):
    """Two cron workers on the same due touches: each touch runs exactly once."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            steps = [
                {"step_type": "auto_email", "day": 1, "subject": "Hi {{ object.name }}", "body_html": "<p>Hi</p>"},
                {"step_type": "call", "day": 1},
            ]
            self._enroll_committed(env, "Two workers", steps, 6, notify_task_due=False)

    def test_locked_touches_are_skipped_by_the_other_worker(self):
        with freeze_time("2026-03-03 09:00:00"), self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            env_a = api.Environment(cr_a, api.SUPERUSER_ID, {})
            env_b = api.Environment(cr_b, api.SUPERUSER_ID, {})
            Touch_a, Touch_b = env_a["crm.sequence.touch"], env_b["crm.sequence.touch"]
            due_a = Touch_a.search(Touch_a._due_domain() + [("sequence_id", "=", self.sequence_id)])
            self.assertEqual(len(due_a), 12)
            # worker A takes half of them and is still working on them
            taken = due_a[:6].try_lock_for_update(allow_referencing=True)
            self.assertEqual(len(taken), 6)
            # worker B runs the whole cron meanwhile: it only gets what A does not hold
            Touch_b._cron_process_touches()
            cr_b.commit()
            taken._execute()
            cr_a.commit()
            # a later run of B finds nothing left to do
            Touch_b._cron_process_touches()
            cr_b.commit()

        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            touches = env["crm.sequence"].browse(self.sequence_id).enrollment_ids.touch_ids
            self.assertEqual(set(touches.filtered(lambda t: t.step_type == "auto_email").mapped("state")), {"done"})
            self.assertEqual(set(touches.filtered(lambda t: t.step_type == "call").mapped("state")), {"open"})
            emails = touches.filtered(lambda t: t.step_type == "auto_email")
            self.assertEqual(len(emails.mail_mail_id), 6, "one email per touch, none twice")
            activities = env["mail.activity"].search([("crm_sequence_touch_id", "in", touches.ids)])
            self.assertEqual(len(activities), 6, "one call activity per touch, none twice")
            messages = env["mail.message"].search(
                [
                    ("model", "=", "crm.lead"),
                    ("res_id", "in", self.lead_ids),
                    ("message_type", "=", "email_outgoing"),
                ]
            )
            self.assertEqual(len(messages), 6)


@tagged("post_install", "-at_install")
class TestTwoCronCalls(CommittedRunsCase):
    """Two calls of the whole cron at the same moment (two servers, or "Run manually"
    while the cron runs), on committed data: pending enrollment notes, out-of-office
    pauses over and due touches. Both finish, nothing is done twice, nothing is left."""

    NOW = datetime(2026, 3, 3, 10, 0)

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            Param = env["ir.config_parameter"]
            trace_limit = Param.get_param("crm_sequence.trace_now_limit")
            Param.set_param("crm_sequence.trace_now_limit", 0)  # every enrollment note left to the cron
            self.addCleanup(self._set_trace_limit, trace_limit or False)
            steps = [
                {"step_type": "auto_email", "day": 1, "subject": "Hi {{ object.name }}", "body_html": "<p>Hi</p>"},
                {"step_type": "call", "day": 1, "summary": "Call"},
                {"step_type": "todo", "day": 9, "summary": "Later"},
            ]
            runs = self._enroll_committed(env, "Two cron calls", steps, 40).enrollment_ids
            # a quarter of them paused by an out-of-office answer; the contact is back now
            resumed = runs[:10]
            resumed.write(
                {
                    "state": "paused",
                    "pause_reason": "out_of_office",
                    "date_paused": self.NOW,
                    "date_resume": datetime(2026, 3, 3, 9, 30),
                }
            )
            self.resumed_ids = resumed.ids

    def _set_trace_limit(self, value):
        with self.registry.cursor() as cr:
            api.Environment(cr, api.SUPERUSER_ID, {})["ir.config_parameter"].set_param(
                "crm_sequence.trace_now_limit", value
            )

    def test_two_calls_share_the_work(self):
        self._two_cron_calls(self.NOW)

        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            runs = env["crm.sequence"].browse(self.sequence_id).enrollment_ids
            touches = runs.touch_ids
            self.assertEqual(len(runs), 40)
            # nothing left: notes written, everyone back, every due touch done
            self.assertFalse(runs.filtered("trace_pending"))
            self.assertEqual(set(runs.mapped("state")), {"active"})
            self.assertFalse(runs.filtered("date_resume"))
            first_day = touches.filtered(lambda t: t.step_day == 1)
            self.assertEqual(set(first_day.mapped("state")), {"done", "open"})
            self.assertEqual(set(touches.filtered(lambda t: t.step_day == 9).mapped("state")), {"scheduled"})
            # nothing twice
            emails = touches.filtered(lambda t: t.step_type == "auto_email")
            self.assertEqual(len(emails.mail_mail_id), 40, "one email per run")
            activities = env["mail.activity"].search([("crm_sequence_touch_id", "in", touches.ids)])
            self.assertEqual(len(activities), 40, "one call per run")
            notes = env["mail.message"].search(
                [("model", "=", "crm.lead"), ("res_id", "in", self.lead_ids), ("message_type", "=", "notification")]
            )
            for lead_id in self.lead_ids:
                lead_notes = notes.filtered(lambda m, lead_id=lead_id: m.res_id == lead_id)
                bodies = lead_notes.mapped("body")
                self.assertEqual(len([b for b in bodies if "Enrolled in the sequence" in b]), 1, bodies)
                resumes = [b for b in bodies if "back from their absence" in b]
                self.assertEqual(len(resumes), 1 if lead_id in runs.browse(self.resumed_ids).mapped("res_id") else 0)
            # each new task in one digest (each call gives the digest of its own tasks)
            digests = env["mail.message"].search([("subject", "like", "new sequence tasks")])
            self.assertTrue(1 <= len(digests) <= 2)
            self.assertEqual(sum(int(d.subject.split()[0]) for d in digests), 40)


@tagged("post_install", "-at_install")
class TestTwoWorkersOneSender(CommittedRunsCase):
    """Two workers sending for one sender with an hourly limit, each having begun its
    transaction before the other committed: together they send no more than the limit."""

    def setUp(self):
        super().setUp()
        steps = [{"step_type": "auto_email", "day": 1, "subject": "Hi {{ object.name }}", "body_html": "<p>Hi</p>"}]
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            self._enroll_committed(env, "One sender", steps, 10, spread_sends=False)
            # the limit comes after the planning (as when a seller sets it): ten emails due at once
            self.sender = env.user
            self.addCleanup(self._set_limit, 0)
        self._set_limit(5)

    def _set_limit(self, value):
        with self.registry.cursor() as cr:
            api.Environment(cr, api.SUPERUSER_ID, {})["res.users"].browse(self.sender.id).write(
                {"crm_sequence_hourly_limit": value}
            )

    def test_two_workers_keep_the_limit(self):
        with freeze_time("2026-03-03 09:00:00"), self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            Touch_a = api.Environment(cr_a, api.SUPERUSER_ID, {})["crm.sequence.touch"]
            Touch_b = api.Environment(cr_b, api.SUPERUSER_ID, {})["crm.sequence.touch"]
            domain = Touch_a._due_domain() + [("sequence_id", "=", self.sequence_id)]
            # each worker takes five of the ten due emails (both snapshots begin here)
            due_a = Touch_a.search(domain, order="id")[:5].try_lock_for_update(allow_referencing=True)
            due_b = Touch_b.search(domain, order="id")[5:].try_lock_for_update(allow_referencing=True)
            self.assertEqual((len(due_a), len(due_b)), (5, 5))
            due_a._execute()
            cr_a.commit()
            # B counts with a snapshot older than A's emails: it must not send its five too
            due_b._execute()
            cr_b.commit()
            self.assertEqual(set(due_b.mapped("state")), {"scheduled"}, "left for B's next batch")
            # B's next batch sees A's emails: the hour is full, its five move on
            Touch_b._cron_process_touches(batch_size=5)
            cr_b.commit()

        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            touches = env["crm.sequence"].browse(self.sequence_id).enrollment_ids.touch_ids
            sent = touches.filtered(lambda t: t.state == "done")
            self.assertEqual(len(sent), 5, "the hourly limit, across both workers")
            self.assertEqual(len(sent.mail_mail_id), 5)
            waiting = touches - sent
            self.assertEqual(set(waiting.mapped("state")), {"scheduled"})
            self.assertEqual(set(waiting.mapped("result_message")), {"Deferred: hourly limit of OdooBot"})
            self.assertTrue(all(date >= datetime(2026, 3, 3, 10, 0) for date in waiting.mapped("date_scheduled")))

    def test_two_cron_calls_keep_the_limit(self):
        """The same with two whole cron calls at once, batches of two: both finish, and
        together they send the limit, no more."""
        self._two_cron_calls(datetime(2026, 3, 3, 9, 0), batch_size=2)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            touches = env["crm.sequence"].browse(self.sequence_id).enrollment_ids.touch_ids
            self.assertEqual(len(touches.filtered(lambda t: t.state == "done").mail_mail_id), 5)
            self.assertEqual(len(touches.filtered(lambda t: t.state == "scheduled")), 5)

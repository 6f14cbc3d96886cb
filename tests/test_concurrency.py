from freezegun import freeze_time

from odoo import api
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name

from .common import CrmSequenceCommon


@tagged("post_install", "-at_install")
class TestTwoWorkers(BaseCase):
    """Two cron workers on the same due touches: each touch runs exactly once.

    Real concurrency needs real transactions, so this test commits its own data
    in separate cursors (as two Odoo cron workers would) and removes it at the end.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            sequence = CrmSequenceCommon._create_sequence(
                env,
                name="Two workers",
                steps=[
                    {"step_type": "auto_email", "day": 1, "subject": "Hi {{ object.name }}", "body_html": "<p>Hi</p>"},
                    {"step_type": "call", "day": 1},
                ],
                notify_task_due=False,
            )
            sequence.action_activate()
            leads = env["crm.lead"].create(
                [{"name": f"Worker lead {i}", "email_from": f"worker{i}@example.com"} for i in range(6)]
            )
            with freeze_time("2026-03-03 09:00:00"):
                sequence.with_env(env).enroll_records(leads)
            self.sequence_id, self.lead_ids = sequence.id, leads.ids
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            sequence = env["crm.sequence"].browse(self.sequence_id)
            touches = sequence.enrollment_ids.touch_ids
            (touches.mail_mail_id).unlink()
            env["mail.activity"].search([("crm_sequence_touch_id", "in", touches.ids)]).unlink()
            env["mail.message"].search([("model", "=", "crm.lead"), ("res_id", "in", self.lead_ids)]).unlink()
            sequence.unlink()
            env["crm.lead"].browse(self.lead_ids).unlink()

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

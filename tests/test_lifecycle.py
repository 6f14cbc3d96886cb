from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import CrmSequenceCommon


@tagged("post_install", "-at_install")
class TestLifecycle(CrmSequenceCommon):
    """Pause/resume, terminate, removal, completion, record deletion, (de)activation, edits of a running sequence."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sequence.action_activate()

    def _enroll(self, records, when="2026-03-03 09:00:00"):
        with freeze_time(when):
            self.sequence.enroll_records(records)
        return self.sequence.enrollment_ids.filtered(lambda e: e.res_id in records.ids).sorted("res_id")

    def _touch(self, enrollment, step_type):
        return enrollment.touch_ids.filtered(lambda t: t.step_type == step_type and t.state == "scheduled")

    def test_pause_resume_shifts_schedule(self):
        enrollment = self._enroll(self.leads[0])
        self.assertEqual(self._touch(enrollment, "call").date_scheduled, datetime(2026, 3, 5, 8, 0))
        with freeze_time("2026-03-03 10:00:00"):
            enrollment.with_user(self.user_owner).action_pause()
        self.assertEqual(enrollment.state, "paused")
        self.assertFalse(enrollment.next_touch_date)
        with freeze_time("2026-03-05 08:00:00"), self.mock_mail_gateway():
            self._run_cron()
        self.assertTrue(self._touch(enrollment, "call"), "nothing runs while paused")
        # resumed 2 days later (Thursday 11:00 CET): Thursday 09:00 + 2 days = Saturday -> Monday 09:00
        with freeze_time("2026-03-05 10:00:00"):
            enrollment.action_resume()
        self.assertEqual(enrollment.state, "active")
        self.assertEqual(self._touch(enrollment, "call").date_scheduled, datetime(2026, 3, 9, 8, 0))
        with self.assertRaisesRegex(UserError, "Only paused"):
            enrollment.action_resume()

    def test_terminate_and_remove_from_sequences(self):
        enrollments = self._enroll(self.leads)
        enrollments[0].with_user(self.user_owner).action_terminate()
        self.assertEqual(enrollments[0].state, "terminated")
        self.assertEqual(enrollments[0].end_reason, "manual")
        self.assertEqual(set(enrollments[0].touch_ids.mapped("state")), {"canceled"})
        self.assertEqual(enrollments[1].state, "active")
        other = self._create_sequence(self.env, name="Other", user=self.user_owner)
        other.action_activate()
        other.enroll_records(self.leads[1])
        action = self.env["crm.sequence.enrollment"].with_user(self.user_owner).action_remove_records(self.leads[1])
        self.assertIn("2 running enrollments terminated", action["params"]["message"])
        self.assertEqual(enrollments[1].state, "terminated")
        self.assertEqual(other.enrollment_ids.state, "terminated")
        self.assertEqual(enrollments[2].state, "active")
        # a terminated record may be enrolled again
        report = self.sequence.enroll_records(self.leads[0])
        self.assertEqual({key: report[key] for key in ("enrolled", "skipped")}, {"enrolled": 1, "skipped": {}})

    def test_completion_and_counts(self):
        enrollment = self._enroll(self.leads[0])
        with self.mock_mail_gateway():
            for when in ("2026-03-03 09:00:00", "2026-03-05 08:00:00", "2026-03-09 08:00:00"):
                with freeze_time(when):
                    self._run_cron()
        self.assertEqual(enrollment.state, "active")
        self.assertTrue(enrollment.waiting_on_tasks, "the call and the to-do are still to do")
        self.assertEqual(self.sequence.waiting_count, 1)
        enrollment.touch_ids.activity_id.with_user(self.user_owner).action_done()
        self.assertEqual(enrollment.state, "completed")
        self.sequence.invalidate_recordset()
        self.assertEqual(set(enrollment.touch_ids.mapped("state")), {"done"})
        self.assertEqual(self.sequence.completed_count, 1)
        self.assertEqual(self.sequence.active_count, 0)
        self.assertEqual(self.sequence.automation_action_count, 3 + 1)

    def test_record_deleted(self):
        enrollment = self._enroll(self.leads[0])
        self.leads[0].unlink()
        self.assertEqual(enrollment.state, "terminated")
        self.assertEqual(enrollment.end_reason, "record_deleted")

    def test_deleting_records_finds_their_touches_by_index(self):
        """Deleting records of the board, or Odoo's emails and activities, makes PostgreSQL
        look for the sequence rows naming them (foreign keys): each such column is indexed,
        or 10,000 deleted leads would scan every touch 10,000 times."""
        self.env.cr.execute(
            """
            SELECT con.conrelid::regclass::text, att.attname
              FROM pg_constraint con
              JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1]
             WHERE con.contype = 'f' AND con.conrelid::regclass::text LIKE 'crm_sequence%%'
               AND con.confrelid::regclass::text IN ('crm_lead', 'res_partner', 'mail_message', 'mail_mail',
                                                      'mail_activity', 'crm_sequence_enrollment', 'crm_sequence_touch')
               AND NOT EXISTS (
                   SELECT 1 FROM pg_index idx
                    WHERE idx.indrelid = con.conrelid AND idx.indkey[0] = con.conkey[1]
               )
            """
        )
        self.assertEqual(self.env.cr.fetchall(), [])

    def test_uninstall_drops_the_claim_table(self):
        """The senders' claim table (made by ``init``, outside the ORM) goes with the module."""
        from odoo.addons.crm_sequence import uninstall_hook  # noqa: PLC0415

        def exists():
            self.env.cr.execute("SELECT to_regclass('crm_sequence_sender_claim')")
            return bool(self.env.cr.fetchone()[0])

        self.assertTrue(exists())
        with self.env.cr.savepoint() as savepoint:
            uninstall_hook(self.env)
            self.assertFalse(exists())
            savepoint.rollback()
        self.assertTrue(exists())

    def test_deactivate_pauses_reactivate_resumes(self):
        enrollments = self._enroll(self.leads[:2])
        enrollments[1].action_pause()
        self.sequence.action_deactivate()
        self.assertEqual(self.sequence.state, "inactive")
        self.assertEqual(set(enrollments.mapped("state")), {"paused"})
        with self.assertRaisesRegex(UserError, "Activate the sequence"):
            enrollments[0].action_resume()
        self.sequence.action_activate()
        self.assertEqual(enrollments[0].state, "active")
        self.assertEqual(enrollments[1].state, "paused", "paused by hand, stays paused")

    def test_edit_running_sequence_asks_first(self):
        self._enroll(self.leads[:2])
        with self.assertRaisesRegex(UserError, "2 running enrollments"):
            self.sequence.with_user(self.user_owner).write({"send_hour_from": 8.0})
        with self.assertRaisesRegex(UserError, "Edit running sequence"):
            self.env["crm.sequence.step"].with_user(self.user_owner).create(
                {
                    "sequence_id": self.sequence.id,
                    "step_type": "todo",
                    "day": 9,
                }
            )
        with self.assertRaisesRegex(UserError, "Unknown edit mode"):
            self.sequence.with_context(crm_sequence_edit_mode="maybe").write({"send_hour_from": 8.0})
        # the subject is not timing: no question
        self.sequence.step_ids[0].with_user(self.user_owner).subject = "New subject"

    def test_edit_running_sequence_terminate(self):
        enrollments = self._enroll(self.leads[:2])
        wizard = (
            self.env["crm.sequence.edit"]
            .with_user(self.user_owner)
            .create(
                {
                    "sequence_id": self.sequence.id,
                    "mode": "terminate",
                }
            )
        )
        self.assertEqual(wizard.running_count, 2)
        wizard.action_confirm()
        self.sequence.with_user(self.user_owner).write({"send_sat": True})
        self.assertEqual(set(enrollments.mapped("state")), {"terminated"})
        self.assertEqual(set(enrollments.mapped("end_reason")), {"sequence_edited"})
        self.assertFalse(self.sequence.pending_edit_mode, "the choice applies to one edit")

    def test_edit_running_sequence_keep(self):
        enrollment = self._enroll(self.leads[0])
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            self._run_cron()  # day-1 email done
        self.env["crm.sequence.edit"].with_user(self.user_owner).create(
            {
                "sequence_id": self.sequence.id,
                "mode": "keep",
            }
        ).action_confirm()
        call = self.sequence.step_ids.filtered(lambda s: s.step_type == "call")
        with freeze_time("2026-03-03 12:00:00"):
            self.sequence.with_user(self.user_owner).write(
                {
                    "step_ids": [(1, call.id, {"day": 2})],
                }
            )
        self.assertEqual(enrollment.state, "active")
        scheduled = enrollment.touch_ids.filtered(lambda t: t.state == "scheduled").sorted("date_scheduled")
        self.assertEqual(scheduled.mapped("step_type"), ["call", "todo"])
        self.assertEqual(scheduled[0].date_scheduled, datetime(2026, 3, 4, 8, 0), "day 2 = Wednesday")
        done = enrollment.touch_ids.filtered(lambda t: t.state == "done")
        self.assertEqual(done.mapped("step_type"), ["auto_email"], "what was done stays done")

    def test_edit_keep_with_a_task_open(self):
        """An open task counts as done for "keep": the call is not planned a second time,
        only the steps after it are planned again."""
        enrollment = self._enroll(self.leads[0])
        with freeze_time("2026-03-05 09:00:00"), self.mock_mail_gateway():
            self._run_cron()  # Thursday: day-1 email sent (late), day-3 call given
        self.assertEqual(
            enrollment.touch_ids.filtered(lambda t: t.step_type == "call").state, "open", "the call is a task now"
        )
        self.env["crm.sequence.edit"].with_user(self.user_owner).create(
            {"sequence_id": self.sequence.id, "mode": "keep"}
        ).action_confirm()
        todo = self.sequence.step_ids.filtered(lambda s: s.step_type == "todo")
        with freeze_time("2026-03-05 12:00:00"):
            self.sequence.with_user(self.user_owner).write({"step_ids": [(1, todo.id, {"summary": "Send the offer"})]})
        self.assertEqual(len(enrollment.touch_ids.filtered(lambda t: t.step_type == "call")), 1)
        scheduled = enrollment.touch_ids.filtered(lambda t: t.state == "scheduled")
        self.assertEqual(scheduled.mapped("step_type"), ["todo"])

    def test_viewers_cannot_change_runs(self):
        enrollment = self._enroll(self.leads[0])
        for method in ("action_pause", "action_terminate"):
            with self.assertRaises(AccessError):
                getattr(enrollment.with_user(self.user_viewer), method)()
        with self.assertRaises(AccessError):
            self.env["crm.sequence.enrollment"].with_user(self.user_viewer).action_remove_records(
                self.leads[0].with_user(self.user_viewer)
            )
        self.assertEqual(enrollment.state, "active")
        with self.assertRaises(AccessError):
            enrollment.with_user(self.user_portal).action_terminate()

    def test_sender_without_email_blocks_activation(self):
        sender = self.env["res.users"].create({"name": "No Mail", "login": "nomail_sender"})
        draft = self._create_sequence(self.env, name="No sender mail", sender_id=sender.id)
        self.assertIn("No Mail has no email address", draft.missing_data)
        with self.assertRaisesRegex(UserError, "has no email address"):
            draft.action_activate()

    def test_delete_sequence_with_running_enrollments(self):
        enrollment = self._enroll(self.leads[0])
        with self.assertRaisesRegex(UserError, "1 running enrollments"):
            self.sequence.with_user(self.user_owner).unlink()
        enrollment.action_terminate()
        self.sequence.with_user(self.user_owner).unlink()
        self.assertFalse(enrollment.exists(), "its history goes with it")

    def test_archive_stops_the_sequence(self):
        enrollment = self._enroll(self.leads[0])
        self.sequence.with_user(self.user_owner).action_archive()
        self.assertEqual(self.sequence.state, "inactive")
        self.assertEqual(enrollment.state, "paused")
        with self.assertRaisesRegex(UserError, "Unarchive"):
            self.sequence.action_activate()

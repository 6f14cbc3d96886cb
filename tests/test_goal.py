from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import CrmSequenceCommon


@tagged("post_install", "-at_install")
class TestGoal(CrmSequenceCommon):
    """A sequence's goal ends the runs whose record meets it (``goal_reached``): when the
    record is written, and before each step for what changed without a write."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_won = cls.env["crm.stage"].create({"name": "Seq Won", "is_won": True, "sequence": 70})

    def _enroll(self, goal, leads=None):
        self.sequence.write({"goal_domain": goal})
        self.sequence.action_activate()
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            self.sequence.enroll_records(leads or self.leads)
        return {run.res_id: run for run in self.sequence.enrollment_ids}

    def _write_queries(self, record, values):
        self.env.flush_all()
        before = self.cr.sql_log_count
        record.write(values)
        self.env.flush_all()
        return self.cr.sql_log_count - before

    def test_goal_reached_when_the_record_is_written(self):
        """Won through the stage: the goal reads ``won_status``, a stored field computed from
        the stage, so writing the stage is what reaches it."""
        runs = self._enroll(repr([("won_status", "=", "won")]))
        won, other = self.leads[0], self.leads[1]
        with freeze_time("2026-03-03 10:00:00"):
            won.with_user(self.user_owner).write({"stage_id": self.stage_won.id})
        run = runs[won.id]
        self.assertEqual((run.state, run.end_reason), ("completed", "goal_reached"))
        self.assertEqual(set(run.touch_ids.mapped("state")), {"canceled"}, "nothing more happens")
        self.assertTrue(won.message_ids.filtered(lambda m: "Left the sequence “Welcome”: goal reached." in m.body))
        self.assertEqual(runs[other.id].state, "active")
        self.assertEqual(self.sequence.goal_reached_count, 1)
        action = self.sequence.with_context(enrollment_filter="goal_reached").action_view_enrollments()
        self.assertEqual(self.env["crm.sequence.enrollment"].search(action["domain"]), run)

    def test_unrelated_writes_cost_nothing(self):
        """A write of a field no goal reads costs the same queries with or without goals."""
        lead = self.leads[2]
        self._write_queries(lead, {"priority": "1"})  # warm the caches
        without_goal = self._write_queries(lead, {"priority": "2"})
        self._enroll(repr([("stage_id", "=", self.stage_won.id)]))
        self._write_queries(lead, {"priority": "1"})  # the goals' fields are read once per registry
        with_goal = self._write_queries(lead, {"priority": "2"})
        self.assertEqual(with_goal, without_goal)
        watched = self.env["crm.sequence"]._goal_watched_fields()
        self.assertIn("stage_id", watched["crm.lead"])
        self.assertNotIn("priority", watched["crm.lead"])
        # a goal's field written: the check happens (once), and nothing ends when the goal is not met
        Enrollment = type(self.env["crm.sequence.enrollment"])
        with patch.object(Enrollment, "_end_goal_reached_for", autospec=True, return_value=None) as check:
            self._write_queries(lead, {"priority": "3"})
            self.assertFalse(check.called, "a field no goal reads: no check")
            self._write_queries(lead, {"stage_id": self.stage_qualified.id})
            self.assertEqual(check.call_count, 1)
        self.assertEqual(self.sequence.enrollment_ids.filtered(lambda r: r.res_id == lead.id).state, "active")

    def test_goal_cache_follows_the_sequences(self):
        self.assertNotIn("crm.lead", self.env["crm.sequence"]._goal_watched_fields())
        self._enroll(repr([("probability", ">=", 90)]))
        self.assertIn("probability", self.env["crm.sequence"]._goal_watched_fields()["crm.lead"])
        self.sequence.write({"goal_domain": repr([("partner_id", "!=", False)])})
        watched = self.env["crm.sequence"]._goal_watched_fields()["crm.lead"]
        self.assertIn("partner_id", watched)
        self.assertNotIn("probability", watched)
        self.sequence.write({"goal_domain": False})
        self.assertNotIn("crm.lead", self.env["crm.sequence"]._goal_watched_fields())

    def test_goal_checked_before_each_step(self):
        """What changed without a write through the ORM (here: SQL, as an import or another
        module's query could) is seen before the next step: no email goes out."""
        runs = self._enroll(repr([("priority", "=", "3")]), self.leads[:2])
        self.env.cr.execute("UPDATE crm_lead SET priority = '3' WHERE id = %s", [self.leads[0].id])
        self.env.invalidate_all()
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            self._run_cron()
        reached, other = runs[self.leads[0].id], runs[self.leads[1].id]
        self.assertEqual((reached.state, reached.end_reason), ("completed", "goal_reached"))
        self.assertFalse(reached.touch_ids.filtered("message_id"), "no email to a record that reached the goal")
        self.assertTrue(other.touch_ids.filtered("message_id"))
        self.assertEqual(other.state, "active")

    def test_goal_failing_at_due_time_ends_nothing(self):
        runs = self._enroll(repr([("priority", "=", "3")]), self.leads[:1])
        self.env.cr.execute(
            "UPDATE crm_sequence SET goal_domain = %s WHERE id = %s",
            [repr([("x_removed_field", "=", 1)]), self.sequence.id],
        )
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            self._run_cron()
            self.leads[0].write({"priority": "2"})
        run = runs[self.leads[0].id]
        self.assertEqual(run.state, "active")
        self.assertTrue(run.touch_ids.filtered("message_id"), "the run goes on")

    def test_paused_runs_reach_the_goal_too(self):
        runs = self._enroll(repr([("stage_id", "=", self.stage_won.id)]), self.leads[:1])
        run = runs[self.leads[0].id]
        run.with_user(self.user_owner).action_pause()
        self.leads[0].stage_id = self.stage_won
        self.assertEqual((run.state, run.end_reason), ("completed", "goal_reached"))

    def test_records_meeting_the_goal_are_not_enrolled(self):
        """A lead already won is skipped with its reason: its run would end before its
        first step. The others are enrolled."""
        self.leads[0].stage_id = self.stage_won
        self.sequence.write({"goal_domain": repr([("won_status", "=", "won")])})
        self.sequence.action_activate()
        with freeze_time("2026-03-03 09:00:00"):
            report = self.sequence.with_user(self.user_owner).enroll_records(self.leads)
        self.assertEqual(report["enrolled"], 2)
        self.assertEqual(report["skipped"], {"goal_reached": 1})
        self.assertIn(f"1 skipped: already meeting the sequence's goal ({self.leads[0].name}).", report["message"])
        self.assertEqual(set(self.sequence.enrollment_ids.mapped("res_id")), set(self.leads[1:].ids))

    def test_bad_goal(self):
        for text in ("[('no_such_field', '=', 1)]", "[('stage_id', '=',", "{'a': 1}"):
            with self.subTest(text=text), self.assertRaises(ValidationError) as caught:
                self.sequence.write({"goal_domain": text})
            self.assertIn("the goal does not work on", str(caught.exception))

    def test_goal_access_follows_the_owner(self):
        goal = repr([("stage_id", "=", self.stage_won.id)])
        for user in (self.user_other, self.user_viewer):
            with self.subTest(user=user.name), self.assertRaises(AccessError):
                self.sequence.with_user(user).write({"goal_domain": goal})
        self.sequence.with_user(self.user_owner).write({"goal_domain": goal})
        self.assertEqual(self.sequence.goal_domain, goal)
        self.sequence.with_user(self.user_seq_admin).write({"goal_domain": False})
        self.assertFalse(self.sequence.goal_domain)
        self.assertFalse(self.sequence.with_user(self.user_viewer).read(["goal_domain"])[0]["goal_domain"])

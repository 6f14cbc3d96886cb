from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.crm_sequence.models.crm_sequence_step import step_order

from .common import CrmSequenceCommon


@tagged("post_install", "-at_install")
class TestTracking(CrmSequenceCommon):
    """Manager figures, per-step results, smart buttons, activity filters and previews,
    checked against what the engine really did."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sequence.action_activate()

    def test_figures_after_runs(self):
        step_email, step_call = self.sequence.step_ids.sorted(step_order)[:2]
        # nothing sent yet: rates are 0, not a division error
        self.assertEqual((step_email.sent_count, step_email.open_rate, step_email.reply_rate), (0, 0.0, 0.0))
        extra = self.env["crm.lead"].create(
            {"name": "Extra", "email_from": "extra@example.com", "user_id": self.user_owner.id}
        )
        leads = self.leads | extra
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            self.sequence.enroll_records(leads)
            self._run_cron()
        enrollments = self.sequence.enrollment_ids.sorted("res_id")
        touches = enrollments.touch_ids.filtered(lambda t: t.step_id == step_email)
        # lead 0 replies, lead 1 opens, lead 2 is terminated by hand, extra keeps going
        self._reply(touches.filtered(lambda t: t.res_id == leads[0].id))
        touches.filtered(lambda t: t.res_id == leads[1].id)._mark_opened()
        enrollments.filtered(lambda e: e.res_id == leads[2].id).action_terminate()
        with freeze_time("2026-03-05 08:00:00"), self.mock_mail_gateway():
            self._run_cron()

        sequence = self.sequence
        sequence.invalidate_recordset()
        self.assertEqual(sequence.enrolled_count, 4)
        self.assertEqual(sequence.active_count, 2, "the opener (no open rule) and the extra lead")
        self.assertEqual(sequence.removed_count, 1)
        self.assertEqual(sequence.replied_count, 1)
        self.assertEqual(sequence.opened_count, 0, "an open does not remove without an active open rule")
        self.assertEqual(sequence.terminated_count, 1)
        self.assertEqual(sequence.automation_action_count, 4 + 2)  # 4 emails, 2 calls, no completion yet

        Enrollment = self.env["crm.sequence.enrollment"]
        for selected, expected in (
            ("active", 2),
            ("removed", 1),
            ("replied", 1),
            ("terminated", 1),
            ("completed", 0),
            ("manual", 1),
            ("opted_out", 0),
        ):
            action = sequence.with_context(enrollment_filter=selected).action_view_enrollments()
            self.assertEqual(Enrollment.search_count(action["domain"]), expected, selected)

        step_email.invalidate_recordset()
        self.assertEqual(step_email.done_count, 4)
        self.assertEqual(step_email.sent_count, 4)
        self.assertEqual(step_email.opened_count, 1)
        self.assertEqual(step_email.replied_count, 1)
        self.assertAlmostEqual(step_email.open_rate, 0.25)
        self.assertAlmostEqual(step_email.reply_rate, 0.25)
        self.assertEqual(step_email.bounce_rate, 0.0)
        self.assertEqual(step_call.open_count, 2, "the calls are open tasks")
        self.assertEqual(step_call.done_count, 0)
        self.assertEqual(step_call.sent_count, 0)
        # canceled touches (replied and terminated runs) are neither scheduled nor done
        self.assertEqual(step_call.scheduled_count, 0)

        # the call activities carry their sequence and step, for the Activities views
        Activity = self.env["mail.activity"].with_user(self.user_owner)
        mine = Activity.search([("crm_sequence_id", "!=", False), ("user_id", "=", self.user_owner.id)])
        self.assertEqual(len(mine), 2)
        self.assertEqual(mine.crm_sequence_step_id, step_call)
        groups = Activity._read_group(
            [("crm_sequence_id", "!=", False)], ["crm_sequence_id", "crm_sequence_step_id"], ["__count"]
        )
        self.assertEqual(groups, [(sequence, step_call, 2)])
        self.assertFalse(
            leads[3].message_ids.filtered(lambda m: "planned for" in str(m.body)),
            "no note per task: the activity itself is on the record",
        )

    def test_smart_button(self):
        other = self._create_sequence(self.env, name="Other", user=self.user_owner)
        other.action_activate()
        with freeze_time("2026-03-03 09:00:00"):
            self.sequence.enroll_records(self.leads[:2])
            other.enroll_records(self.leads[0])
        self.assertEqual(self.leads.mapped("crm_sequence_enrollment_count"), [2, 1, 0])
        action = self.leads[0].with_user(self.user_owner).action_view_crm_sequence_enrollments()
        enrollments = self.env["crm.sequence.enrollment"].search(action["domain"])
        self.assertEqual(enrollments.sequence_id, self.sequence | other)
        partner = self.env["res.partner"].create({"name": "Nobody"})
        self.assertEqual(partner.crm_sequence_enrollment_count, 0)

    def test_email_preview(self):
        step = self.sequence.step_ids.filtered(lambda s: s.step_type == "auto_email")
        action = step.action_preview()
        preview = self.env["crm.sequence.step.preview"].with_context(**action["context"]).create({})
        preview.resource_ref = self.leads[1]
        self.assertEqual(preview.subject, "Hello Contact 1")
        self.assertIn("Dear Contact 1", str(preview.body_html))
        self.assertFalse(preview.error_msg)

    def test_planned_schedule(self):
        """Tuesday 10:00 Brussels: email now, call Thursday, to-do Monday: sending day 5, or,
        counting calendar days, Saturday moved to Monday."""
        with freeze_time("2026-03-03 09:00:00"):
            schedule = self.sequence.with_context(lang="en_US").planned_schedule
        self.assertEqual(schedule["tz"], "Europe/Brussels")
        lines = [(line["day"], line["type"], line["date"], line["moved"]) for line in schedule["lines"]]
        expected = [
            (1, "Automatic email", "Tue 03 Mar 2026 10:00", False),
            (3, "Call", "Thu 05 Mar 2026 09:00", False),
            (5, "To-do", "Mon 09 Mar 2026 09:00", False),
        ]
        self.assertEqual(lines, expected)
        self.sequence.write({"state": "draft", "day_mode": "calendar"})
        with freeze_time("2026-03-03 09:00:00"):
            schedule = self.sequence.with_context(lang="en_US").planned_schedule
        lines = [(line["day"], line["type"], line["date"], line["moved"]) for line in schedule["lines"]]
        self.assertEqual(lines, [*expected[:2], (5, "To-do", "Mon 09 Mar 2026 09:00", "Saturday → Monday")])

    def test_manager_list_queries_do_not_grow(self):
        """The manager list costs the same number of queries for 1 or 4 sequences, whatever their runs."""
        sequences = self.sequence
        for index in range(3):
            sequence = self._create_sequence(self.env, name=f"List {index}", user=self.user_owner)
            sequence.action_activate()
            sequences |= sequence
        leads = self.env["crm.lead"].create(
            [{"name": f"List lead {i}", "email_from": f"list{i}@example.com"} for i in range(8)]
        )
        with freeze_time("2026-03-03 09:00:00"):
            for index, sequence in enumerate(sequences):
                sequence.enroll_records(leads[: 2 * (index + 1)])
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
                "replied_count",
                "automation_action_count",
            )
        }
        specification.update(
            {"model_id": {"fields": {"display_name": {}}}, "user_id": {"fields": {"display_name": {}}}}
        )

        def list_queries(domain):
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            result = self.env["crm.sequence"].with_user(self.user_viewer).web_search_read(domain, specification)
            return self.cr.sql_log_count - before, result

        list_queries([("id", "in", sequences.ids)])  # warm the user's access caches
        one, _result = list_queries([("id", "=", self.sequence.id)])
        four, result_four = list_queries([("id", "in", sequences.ids)])
        self.assertEqual(len(result_four["records"]), 4)
        self.assertEqual(sorted(r["enrolled_count"] for r in result_four["records"]), [2, 4, 6, 8])
        self.assertEqual(one, four, "queries per list load do not depend on the number of sequences")

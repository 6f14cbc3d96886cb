from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.crm_sequence.models.crm_sequence_step import step_order

from .common import CrmSequenceCommon

GMAIL_PROXY = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
MIMECAST = "Mozilla/5.0 (compatible; Mimecast URL Protect)"


def email(day, subject, **values):
    return {"step_type": "auto_email", "day": day, "subject": subject, "body_html": "<p>Hello</p>", **values}


@tagged("post_install", "-at_install")
class TestConditions(CrmSequenceCommon):
    """Steps that happen only when the contact opened or clicked an earlier email (people
    only), when an earlier call had an outcome, or when the record matches a filter;
    skipped with their reason otherwise, the run going on."""

    def _sequence(self, steps, conditions, **values):
        """A sequence of ``steps`` (in order) whose conditions are ``{index: values}``,
        ``condition_step`` naming the index of the step looked at; activated."""
        sequence = self._create_sequence(self.env, name="Conditions", user=self.user_owner, steps=steps, **values)
        ordered = sequence.step_ids.sorted(step_order)
        for index, vals in conditions.items():
            vals = dict(vals)
            if "condition_step" in vals:
                vals["condition_step_id"] = ordered[vals.pop("condition_step")].id
            ordered[index].write(vals)
        sequence.action_activate()
        return sequence, ordered

    def _touches(self, step):
        return {touch.res_id: touch for touch in self.env["crm.sequence.touch"].search([("step_id", "=", step.id)])}

    def test_branch_on_people_clicks(self):
        """Day 3: "not clicked → another email", "clicked → a call". A mail scanner's click
        does not count; the skipped step says why and the run goes on to day 5."""
        sequence, (intro, again, call, wrap_up) = self._sequence(
            [
                email(1, "Intro"),
                email(3, "Another look"),
                {"step_type": "call", "day": 3, "summary": "Call the clicker"},
                {"step_type": "todo", "day": 5, "summary": "Wrap up"},
            ],
            {
                1: {"condition": "not_clicked", "condition_step": 0},
                2: {"condition": "clicked", "condition_step": 0},
            },
        )
        person, scanner, nobody = self.leads
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            sequence.enroll_records(self.leads)
            self._run_cron()
        sent = self._touches(intro)
        self.assertEqual({touch.state for touch in sent.values()}, {"done"})
        sent[person.id].write({"opened": True, "clicked": True})
        sent[scanner.id].write({"machine_opened": True, "machine_clicked": True})
        with freeze_time("2026-03-05 08:00:00"), self.mock_mail_gateway():
            self._run_cron()
        emails, calls = self._touches(again), self._touches(call)
        self.assertEqual((emails[person.id].state, calls[person.id].state), ("skipped", "open"))
        self.assertEqual(emails[person.id].result_message, "Skipped: “Intro” clicked.")
        self.assertTrue(calls[person.id].activity_id)
        for lead in (scanner, nobody):
            self.assertEqual((emails[lead.id].state, calls[lead.id].state), ("done", "skipped"), lead.name)
            self.assertTrue(emails[lead.id].message_id)
            self.assertEqual(calls[lead.id].result_message, "Skipped: “Intro” not clicked.")
            self.assertFalse(calls[lead.id].activity_id)
        self.assertEqual(set(sequence.enrollment_ids.mapped("state")), {"active"}, "the runs go on")
        with freeze_time("2026-03-09 08:00:00"), self.mock_mail_gateway():  # day 5 is Saturday → Monday
            self._run_cron()
        self.assertEqual({touch.state for touch in self._touches(wrap_up).values()}, {"open"})
        self.assertEqual(again.skipped_count, 1)
        self.assertEqual(call.skipped_count, 2)

    def test_opened_and_not_opened_from_events(self):
        """Opens recorded by the tracking route: a person's counts, a scanner's does not."""
        sequence, (intro, opened, not_opened) = self._sequence(
            [email(1, "Intro"), email(2, "You read it"), email(2, "Did you see it")],
            {
                1: {"condition": "opened", "condition_step": 0},
                2: {"condition": "not_opened", "condition_step": 0},
            },
        )
        person, scanner, nobody = self.leads
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            sequence.enroll_records(self.leads)
            self._run_cron()
        sent = self._touches(intro)
        Touch = self.env["crm.sequence.touch"]
        with freeze_time("2026-03-03 12:00:00"):
            for lead, agent in ((person, GMAIL_PROXY), (scanner, MIMECAST)):
                touch = sent[lead.id]
                Touch._crm_sequence_track("open", touch.id, touch._open_token(), "GET", agent, "66.249.84.12")
        self.assertTrue(sent[person.id].opened)
        self.assertTrue(sent[scanner.id].machine_opened and not sent[scanner.id].opened)
        with freeze_time("2026-03-04 08:00:00"), self.mock_mail_gateway():
            self._run_cron()
        yes, no = self._touches(opened), self._touches(not_opened)
        self.assertEqual((yes[person.id].state, no[person.id].state), ("done", "skipped"))
        self.assertEqual(no[person.id].result_message, "Skipped: “Intro” opened.")
        for lead in (scanner, nobody):
            self.assertEqual((yes[lead.id].state, no[lead.id].state), ("skipped", "done"), lead.name)
            self.assertEqual(yes[lead.id].result_message, "Skipped: “Intro” not opened.")

    def test_email_not_sent(self):
        """A manual email whose task is still open was not sent: neither branch happens."""
        sequence, (manual, clicked, not_clicked) = self._sequence(
            [
                {"step_type": "manual_email", "day": 1, "subject": "Personal note", "body_html": "<p>Hi</p>"},
                email(2, "Clicked"),
                email(2, "Not clicked"),
            ],
            {
                1: {"condition": "clicked", "condition_step": 0},
                2: {"condition": "not_clicked", "condition_step": 0},
            },
        )
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            sequence.enroll_records(self.leads[0])
            self._run_cron()
        with freeze_time("2026-03-04 08:00:00"), self.mock_mail_gateway():
            self._run_cron()
        for step in (clicked, not_clicked):
            touch = self._touches(step)[self.leads[0].id]
            self.assertEqual(touch.state, "skipped")
            self.assertEqual(touch.result_message, "Skipped: “Personal note” was not sent.")

    def _call_sequence(self, **values):
        return self._sequence(
            [
                {"step_type": "call", "day": 2, "summary": "Discovery call"},
                email(3, "Thanks for the call"),
                {"step_type": "todo", "day": 3, "summary": "Try again"},
                {"step_type": "todo", "day": 8, "summary": "Check in"},
            ],
            {
                1: {"condition": "call_outcome", "condition_step": 0, "condition_call_outcome": "connected"},
                2: {"condition": "call_outcome", "condition_step": 0, "condition_call_outcome": "no_answer"},
            },
            **values,
        )

    def test_call_outcome_waits_for_the_call(self):
        """Steps on a call's outcome are planned once the call is done, on their own day
        (past: at once); the outcome recorded in the work form decides the branch."""
        sequence, (call, thanks, retry, check_in) = self._call_sequence()
        lines = sequence.planned_schedule["lines"]
        self.assertEqual(lines[1]["date"], "when “Discovery call” is done")
        self.assertEqual(lines[1]["condition"], "if “Discovery call”: Connected")
        self.assertEqual(lines[2]["condition"], "if “Discovery call”: No answer")
        self.assertFalse(lines[0]["condition"])
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():  # Tuesday
            sequence.enroll_records(self.leads[0])
        run = sequence.enrollment_ids
        touches = run.touch_ids.sorted(lambda t: step_order(t.step_id))
        self.assertEqual(touches[0].date_scheduled, datetime(2026, 3, 4, 8, 0))
        self.assertEqual(touches[1:].mapped("date_scheduled"), [False] * 3, "they wait for the call")
        with freeze_time("2026-03-04 08:00:00"), self.mock_mail_gateway():
            self._run_cron()
        with freeze_time("2026-03-05 08:00:00"), self.mock_mail_gateway():  # day 3: the call is not done yet
            self._run_cron()
        self.assertEqual(run.touch_ids.mapped("state").count("scheduled"), 3)
        activity = touches[0].activity_id
        # done on Friday (day 4), two days late, in the task's work form
        with freeze_time("2026-03-06 10:00:00"), self.mock_mail_gateway():
            activity.with_user(self.user_owner).write({"crm_sequence_outcome": "connected"})
            activity.with_user(self.user_owner).action_crm_sequence_done_next()
            self.assertEqual((touches[0].state, touches[0].call_outcome), ("done", "connected"))
            waiting = {t.step_id: t for t in run.touch_ids.filtered(lambda t: t.state == "scheduled")}
            # day 3 is past: at once, on Friday, the run's 4th sending day; counting sending days,
            # day 8 comes 5 sending days after the day-3 steps landed (as after a deferred email)
            self.assertEqual(waiting[thanks].date_scheduled, datetime(2026, 3, 6, 10, 0))
            self.assertEqual(waiting[retry].date_scheduled, datetime(2026, 3, 6, 10, 0))
            self.assertEqual(waiting[check_in].date_scheduled, datetime(2026, 3, 13, 8, 0))
            self._run_cron()
        self.assertEqual(waiting[thanks].state, "done")
        self.assertTrue(waiting[thanks].message_id)
        self.assertEqual(waiting[retry].state, "skipped")
        self.assertEqual(
            waiting[retry].result_message, "Skipped: “Discovery call” outcome was Connected, not No answer."
        )
        self.assertEqual(waiting[check_in].state, "scheduled")

    def test_call_outcome_keeps_calendar_days(self):
        """Counting calendar days, the steps released by a call done late keep their day:
        day 8 is Tuesday 10 March (the run's 8th day), not "done + 5 days"."""
        sequence, (call, thanks, _retry, check_in) = self._call_sequence(day_mode="calendar")
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            sequence.enroll_records(self.leads[0])
        with freeze_time("2026-03-04 08:00:00"), self.mock_mail_gateway():
            self._run_cron()
        with freeze_time("2026-03-06 10:00:00"), self.mock_mail_gateway():
            self._touches(call)[self.leads[0].id].activity_id.action_feedback(feedback="Reached")
        self.assertEqual(self._touches(thanks)[self.leads[0].id].date_scheduled, datetime(2026, 3, 6, 10, 0))
        self.assertEqual(self._touches(check_in)[self.leads[0].id].date_scheduled, datetime(2026, 3, 10, 8, 0))

    def test_due_before_its_call_is_done(self):
        """A step on a call's outcome that comes due while the call is still open (its run
        was re-planned meanwhile) waits for the call, with the steps after it."""
        sequence, (call, thanks, retry, check_in) = self._call_sequence()
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            sequence.enroll_records(self.leads[0])
        with freeze_time("2026-03-04 08:00:00"), self.mock_mail_gateway():
            self._run_cron()
        run = sequence.enrollment_ids
        waiting = run.touch_ids.filtered(lambda t: t.state == "scheduled")
        waiting.write({"date_scheduled": "2026-03-05 08:00:00"})  # as a re-plan that lost the wait
        with freeze_time("2026-03-05 08:00:00"), self.mock_mail_gateway():
            self._run_cron()
        self.assertEqual(waiting.mapped("state"), ["scheduled"] * 3)
        self.assertEqual(waiting.mapped("date_scheduled"), [False] * 3)
        self.assertEqual(
            self._touches(thanks)[self.leads[0].id].result_message, "Waiting for “Discovery call” to be done."
        )
        with freeze_time("2026-03-05 09:00:00"), self.mock_mail_gateway():
            activity = self._touches(call)[self.leads[0].id].activity_id
            activity.write({"crm_sequence_outcome": "no_answer"})
            activity.action_feedback(feedback="No one")
            self._run_cron()
        self.assertEqual(self._touches(thanks)[self.leads[0].id].state, "skipped")
        self.assertEqual(self._touches(retry)[self.leads[0].id].state, "open")
        self.assertEqual(self._touches(check_in)[self.leads[0].id].state, "scheduled")

    def test_days_late_as_the_sequence_counts_them(self):
        """A call planned on Friday: done on Saturday, Sunday or Monday is one sending day late
        (the weekend counts as Monday), Tuesday two; in calendar days, what the calendar says."""
        sequence, _steps = self._call_sequence()
        with freeze_time("2026-03-03 09:00:00"):
            sequence.enroll_records(self.leads[0])
        run = sequence.enrollment_ids
        friday = datetime(2026, 3, 6, 8, 0)
        for done, sending, calendar in (
            (datetime(2026, 3, 6, 15, 0), 0, 0),
            (datetime(2026, 3, 7, 10, 0), 1, 1),
            (datetime(2026, 3, 8, 10, 0), 1, 2),
            (datetime(2026, 3, 9, 10, 0), 1, 3),
            (datetime(2026, 3, 10, 10, 0), 2, 4),
            (datetime(2026, 3, 5, 10, 0), 0, 0),
        ):
            for mode, expected in (("sending", sending), ("calendar", calendar)):
                sequence.with_context(crm_sequence_edit_mode="keep").day_mode = mode
                self.assertEqual(run._days_late(friday, done), expected, (mode, done))

    def test_call_canceled_or_without_outcome(self):
        """A canceled call releases its waiting steps, which are then skipped; a call done
        without an outcome says so."""
        sequence, (call, thanks, retry, _check_in) = self._call_sequence()
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            sequence.enroll_records(self.leads[:2])
        with freeze_time("2026-03-04 08:00:00"), self.mock_mail_gateway():
            self._run_cron()
        calls = self._touches(call)
        with freeze_time("2026-03-04 10:00:00"), self.mock_mail_gateway():
            calls[self.leads[0].id].activity_id.unlink()
            calls[self.leads[1].id].activity_id.action_feedback(feedback="Busy")
        with freeze_time("2026-03-05 08:00:00"), self.mock_mail_gateway():  # day 3
            self._run_cron()
        self.assertEqual(calls[self.leads[1].id].call_outcome, False)
        thanks_touches, retry_touches = self._touches(thanks), self._touches(retry)
        canceled_thanks = thanks_touches[self.leads[0].id]
        self.assertEqual(canceled_thanks.state, "skipped")
        self.assertEqual(canceled_thanks.result_message, "Skipped: “Discovery call” was not done.")
        no_outcome = retry_touches[self.leads[1].id]
        self.assertEqual(no_outcome.state, "skipped")
        self.assertEqual(
            no_outcome.result_message,
            "Skipped: “Discovery call” was done without an outcome (expected: No answer).",
        )

    def test_record_filter(self):
        """A step for records still in their first stage: the one moved on skips it, and so
        does an archived one (the domain editor's "Include archived" is off)."""
        sequence, (first, call) = self._sequence(
            [email(1, "Intro"), {"step_type": "call", "day": 2, "summary": "Call"}],
            {1: {"filter_domain": repr([("stage_id", "!=", self.stage_qualified.id)])}},
        )
        self.assertEqual(call.condition_summary, "if the record matches the filter")
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            sequence.enroll_records(self.leads)
            self._run_cron()
        self.leads[1].stage_id = self.stage_qualified
        self.leads[2].action_archive()
        with freeze_time("2026-03-04 08:00:00"), self.mock_mail_gateway():
            self._run_cron()
        calls = self._touches(call)
        self.assertEqual(calls[self.leads[0].id].state, "open")
        for lead in self.leads[1:]:
            self.assertEqual(calls[lead.id].state, "skipped")
            self.assertEqual(calls[lead.id].result_message, "Skipped: the record does not match the step's filter.")

    def test_filter_failing_at_due_time(self):
        """A filter that no longer evaluates (its field removed since) skips the step with
        the error; the run goes on with its next step."""
        sequence, (first, call, todo) = self._sequence(
            [email(1, "Intro"), {"step_type": "call", "day": 2}, {"step_type": "todo", "day": 2}],
            {1: {"filter_domain": repr([("priority", "=", "1")])}},
        )
        self.env.cr.execute(
            "UPDATE crm_sequence_step SET filter_domain = %s WHERE id = %s",
            [repr([("x_removed_field", "=", 1)]), call.id],
        )
        self.env.invalidate_all()
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            sequence.enroll_records(self.leads[0])
            self._run_cron()
        with freeze_time("2026-03-04 08:00:00"), self.mock_mail_gateway():
            self._run_cron()
        touch = self._touches(call)[self.leads[0].id]
        self.assertEqual(touch.state, "skipped")
        self.assertIn("Skipped: the step's filter failed", touch.result_message)
        self.assertIn("x_removed_field", touch.result_message)
        self.assertEqual(self._touches(todo)[self.leads[0].id].state, "open", "the run goes on")
        self.assertEqual(self._touches(first)[self.leads[0].id].state, "done")

    def test_batch_cost_does_not_grow_with_touches(self):
        """Conditions and filters are read per batch: a few queries more than the same step
        without them, whatever the number of touches."""

        def due(count, conditional):
            steps = [email(1, "Intro"), email(2, "Next")]
            conditions = (
                {1: {"condition": "not_clicked", "condition_step": 0, "filter_domain": "[('email_from', '!=', False)]"}}
                if conditional
                else {}
            )
            sequence, (intro, step) = self._sequence(steps, conditions, notify_task_due=False)
            leads = self.env["crm.lead"].create(
                [
                    {"name": f"Cost {i}", "contact_name": f"C{i}", "email_from": f"cost{count}-{i}@example.com"}
                    for i in range(count)
                ]
            )
            with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
                sequence.enroll_records(leads)
                self._run_cron()
            intro_touches = self.env["crm.sequence.touch"].search([("step_id", "=", intro.id)])
            intro_touches[: count // 2].write({"opened": True, "clicked": True})
            self.env.flush_all()
            self.env.invalidate_all()
            return self.env["crm.sequence.touch"].search([("step_id", "=", step.id)])

        costs = {}
        for conditional in (False, True):
            for count in (6, 30):
                touches = due(count, conditional)
                with freeze_time("2026-03-04 08:00:00"), self.mock_mail_gateway():
                    before = self.cr.sql_log_count
                    touches._execute()
                    self.env.flush_all()
                    costs[conditional, count] = self.cr.sql_log_count - before
                sent = touches.filtered("message_id")
                self.assertEqual(len(sent), count // 2 if conditional else count)
        message = f"queries: {costs}"
        self.assertLessEqual(costs[True, 30] - costs[True, 6], costs[False, 30] - costs[False, 6], message)
        # per batch: the touches looked at, their step, the filter's search (in a savepoint), the
        # skipped touches' update and the runs' next step computed once more
        self.assertLessEqual(costs[True, 30] - costs[False, 30], 12, message)

    def test_copy_keeps_branches_in_the_copy(self):
        sequence, (intro, again) = self._sequence(
            [email(1, "Intro"), email(3, "Again")], {1: {"condition": "not_opened", "condition_step": 0}}
        )
        copy = sequence.copy()
        copied_intro, copied_again = copy.step_ids.sorted(step_order)
        self.assertEqual(copied_again.condition_step_id, copied_intro)
        self.assertEqual(copied_again.condition, "not_opened")
        self.assertEqual(again.condition_step_id, intro)

    def test_step_list_and_schedule_show_conditions(self):
        sequence, (intro, again, call) = self._sequence(
            [email(1, "Intro {{ object.contact_name ||| there }}"), email(3, "Again"), {"step_type": "call", "day": 3}],
            {
                1: {"condition": "not_clicked", "condition_step": 0},
                2: {"condition": "clicked", "condition_step": 0, "filter_domain": "[('type', '=', 'lead')]"},
            },
        )
        self.assertEqual(again.condition_summary, "if “Intro {Contact Name}” not clicked")
        self.assertEqual(call.condition_summary, "if “Intro {Contact Name}” clicked, if the record matches the filter")
        lines = sequence.planned_schedule["lines"]
        self.assertEqual(
            [line["condition"] for line in lines], [False, again.condition_summary, call.condition_summary]
        )
        self.assertEqual(lines[1]["day"], lines[2]["day"], "a branch: two steps on the same day")
        # the step list's Condition column shows only where a step has one
        self.assertTrue(sequence.has_conditions)
        again.condition, call.condition, call.filter_domain = "always", "always", False
        self.assertFalse(sequence.has_conditions, "no condition left: no empty column")
        form = self.env["crm.sequence"].get_view(view_type="form")["arch"]
        self.assertIn('column_invisible="not parent.has_conditions"', form)


@tagged("post_install", "-at_install")
class TestConditionInput(CrmSequenceCommon):
    """What may not be saved, with a clear message, and who may change conditions."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.intro, cls.call, cls.delay, cls.todo = cls.sequence.step_ids.sorted(step_order)

    def _refused(self, exception, pattern, function, *args):
        """``function(*args)`` raises ``exception`` saying ``pattern``; what it wrote is rolled back."""
        with self.assertRaises(exception) as caught:
            function(*args)
        self.assertRegex(str(caught.exception), pattern)

    def test_bad_conditions(self):
        cases = [
            (self.intro, {"condition": "clicked", "condition_step_id": self.todo.id}, "does not come before it"),
            (self.todo, {"condition": "clicked", "condition_step_id": self.todo.id}, "does not come before it"),
            (self.todo, {"condition": "clicked", "condition_step_id": self.call.id}, "looks at an email"),
            (
                self.todo,
                {
                    "condition": "call_outcome",
                    "condition_step_id": self.intro.id,
                    "condition_call_outcome": "connected",
                },
                "looks at a call",
            ),
            (self.todo, {"condition": "call_outcome", "condition_step_id": self.call.id}, "choose the call outcome"),
            (self.todo, {"condition": "opened"}, "choose the step"),
            (self.delay, {"condition": "opened", "condition_step_id": self.intro.id}, "a delay has no condition"),
            (self.delay, {"filter_domain": "[('type', '=', 'lead')]"}, "a delay has no condition"),
            (self.todo, {"condition_step_id": self.intro.id}, "without condition looks at no other step"),
            (
                self.todo,
                {"condition": "clicked", "condition_step_id": self.intro.id, "condition_call_outcome": "voicemail"},
                "only a call outcome condition",
            ),
        ]
        for step, values, message in cases:
            with self.subTest(values=values):
                self._refused(ValidationError, message, step.write, values)
        other = self._create_sequence(self.env, name="Other")
        self._refused(
            ValidationError,
            "a step of the same sequence",
            self.todo.write,
            {"condition": "opened", "condition_step_id": other.step_ids[0].id},
        )

    def test_bad_filters(self):
        for text, error in (
            ("[('no_such_field', '=', 1)]", "no_such_field"),
            ("[('name', '=',", "filter does not work"),
            ("not a domain", "filter does not work"),
            ("[('stage_id', 'resembles', 1)]", "filter does not work"),
        ):
            with self.subTest(text=text):
                self._refused(ValidationError, error, self.todo.write, {"filter_domain": text})
        self.todo.write({"filter_domain": "[]"})
        self.assertFalse(self.todo.condition_summary, "an empty filter is no filter")

    def test_filters_and_goals_run_no_code(self):
        """A salesperson writes filters and goals; the cron evaluates them as superuser: a
        text that calls methods on the user (``user.sudo().write``) is refused, and writes
        nothing. ``uid`` is there as a plain value."""
        name = self.user_other.name
        attack = f"[('id', '!=', user.sudo().browse({self.user_other.id}).write({{'name': 'Owned'}}) and 0)]"
        todo, sequence = self.todo.with_user(self.user_owner), self.sequence.with_user(self.user_owner)
        self._refused(ValidationError, "filter does not work", todo.write, {"filter_domain": attack})
        self._refused(ValidationError, "the goal does not work", sequence.write, {"goal_domain": attack})
        self.user_other.invalidate_recordset()
        self.assertEqual(self.user_other.name, name)
        todo.write({"filter_domain": "[('user_id', '=', uid)]"})
        self.assertTrue(todo.condition_summary)

    def test_changes_that_would_break_a_condition(self):
        self.todo.write({"condition": "opened", "condition_step_id": self.intro.id})
        self._refused(UserError, r"the condition of Step 4 .* looks at it", self.intro.unlink)
        self._refused(ValidationError, "looks at an email", self.intro.write, {"step_type": "todo"})
        self.todo.write({"condition": "always"})
        self.assertFalse(self.todo.condition_step_id, "no condition, no step looked at")
        # a call on the same day as the email it follows up: moving it above is a matter of order only
        self.call.write({"day": 1, "condition": "not_opened", "condition_step_id": self.intro.id})
        self._refused(ValidationError, "does not come before it", self.call.action_move_up)
        (self.intro | self.call).unlink()  # both at once: nothing left pointing at a deleted step
        self.assertEqual(self.sequence.step_ids, self.delay | self.todo)

    def test_condition_access_follows_the_sequence_owner(self):
        values = {
            "condition": "clicked",
            "condition_step_id": self.intro.id,
            "filter_domain": "[('type', '=', 'lead')]",
        }
        for user in (self.user_other, self.user_viewer):
            with self.subTest(user=user.name), self.assertRaises(AccessError):
                self.todo.with_user(user).write(values)
        self.todo.with_user(self.user_owner).write(values)
        self.assertEqual(self.todo.condition, "clicked")
        self.todo.with_user(self.user_seq_admin).write({"condition": "not_clicked"})
        self.assertEqual(self.todo.condition_step_id, self.intro, "kept: still an email")
        # everyone internal reads them
        self.assertEqual(self.todo.with_user(self.user_viewer).read(["condition"])[0]["condition"], "not_clicked")
        # a call's recorded outcome is the engine's
        self.sequence.action_activate()
        with freeze_time("2026-03-03 09:00:00"):
            self.sequence.enroll_records(self.leads[0])
        touch = self.sequence.enrollment_ids.touch_ids[:1]
        with self.assertRaises(AccessError):
            touch.with_user(self.user_owner).write({"call_outcome": "connected"})

import importlib.util
from datetime import datetime
from pathlib import Path

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.crm_sequence.models.crm_sequence_step import touch_order

from .common import CrmSequenceCommon

EMAIL = {"step_type": "auto_email", "subject": "Hi {{ object.name }}", "body_html": "<p>Hello</p>"}


@tagged("post_install", "-at_install")
class TestTiming(CrmSequenceCommon):
    """Day N, send days, send window, holidays, time zones and DST, "wait until done"."""

    def _plan(self, steps, when, **values):
        values.setdefault("day_mode", "calendar")  # calendar days: sending days in TestSendingDays
        sequence = self._create_sequence(self.env, name="Timing", steps=steps, **values)
        sequence.action_activate()
        with freeze_time(when):
            sequence.enroll_records(self.leads[0])
        enrollment = sequence.enrollment_ids
        return [touch.date_scheduled for touch in enrollment.touch_ids.sorted(touch_order)]

    def test_day_numbers_in_window(self):
        """Tuesday 10:00 Brussels: email now, call on day 3 (Thursday), to-do on day 5 (Saturday → Monday)."""
        dates = self._plan(
            [
                dict(EMAIL, day=1),
                {"step_type": "call", "day": 3},
                {"step_type": "todo", "day": 5},
            ],
            "2026-03-03 09:00:00",
        )
        self.assertEqual(
            dates,
            [
                datetime(2026, 3, 3, 9, 0),  # 10:00 CET, inside the window
                datetime(2026, 3, 5, 8, 0),  # Thursday 09:00 CET
                datetime(2026, 3, 9, 8, 0),  # Saturday is not a send day: Monday 09:00 CET
            ],
        )

    def test_outside_window_weekend(self):
        """Friday 18:00 with Monday–Friday 9–17: day 1 (Friday, window closed) and day 3
        (Sunday) both land on Monday 9:00, in their order; day 4 is Monday itself."""
        dates = self._plan([dict(EMAIL, day=1), dict(EMAIL, day=3), dict(EMAIL, day=4)], "2026-03-06 17:00:00")
        self.assertEqual(dates, [datetime(2026, 3, 9, 8, 0)] * 3)

    def test_moved_step_moves_alone(self):
        """Enrolled Monday: the day-6 to-do (Saturday) moves to Monday; the day-8 email is
        Monday already and stays there: a step's day means its day."""
        dates = self._plan(
            [dict(EMAIL, day=1), {"step_type": "todo", "day": 6}, dict(EMAIL, day=8), dict(EMAIL, day=10)],
            "2026-03-02 09:00:00",
        )
        self.assertEqual(
            dates,
            [
                datetime(2026, 3, 2, 9, 0),
                datetime(2026, 3, 9, 8, 0),
                datetime(2026, 3, 9, 8, 0),
                datetime(2026, 3, 11, 8, 0),
            ],
        )

    def test_before_window_same_day(self):
        dates = self._plan([dict(EMAIL, day=1)], "2026-03-03 06:30:00")  # 07:30 CET
        self.assertEqual(dates, [datetime(2026, 3, 3, 8, 0)])

    def test_dst_change(self):
        """Brussels switches to summer time on Sunday 29 March 2026: Friday 10:00 is 09:00 UTC,
        Monday (day 4) 9:00 is 07:00 UTC."""
        dates = self._plan([dict(EMAIL, day=1), dict(EMAIL, day=4)], "2026-03-27 09:00:00")
        self.assertEqual(dates, [datetime(2026, 3, 27, 9, 0), datetime(2026, 3, 30, 7, 0)])

    def test_time_zone(self):
        """A New York sequence opens its window at 9:00 New York time (14:00 UTC in winter)."""
        dates = self._plan([dict(EMAIL, day=1)], "2026-03-03 12:00:00", tz="America/New_York")
        self.assertEqual(dates, [datetime(2026, 3, 3, 14, 0)])

    def test_holidays_are_skipped(self):
        calendar = self.env["resource.calendar"].create({"name": "Holidays BE", "tz": "Europe/Brussels"})
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": calendar.id,
                "date_from": datetime(2026, 3, 8, 23, 0),  # Monday 9 March 00:00 CET
                "date_to": datetime(2026, 3, 9, 22, 59, 59),
            }
        )
        dates = self._plan(
            [dict(EMAIL, day=1), {"step_type": "call", "day": 2}],
            "2026-03-06 17:00:00",
            holiday_calendar_id=calendar.id,
        )
        # Monday 9 is a holiday: day 1 (Friday evening) lands on Tuesday; day 2 (Saturday) too,
        # never before the earlier step
        self.assertEqual(dates, [datetime(2026, 3, 10, 8, 0), datetime(2026, 3, 10, 8, 0)])

    def test_tasks_ignore_window_end(self):
        """Tasks are due on their day; only emails wait for the window."""
        dates = self._plan([{"step_type": "call", "day": 1}, dict(EMAIL, day=1)], "2026-03-03 17:00:00")
        self.assertEqual(dates, [datetime(2026, 3, 3, 17, 0), datetime(2026, 3, 4, 8, 0)])

    def test_send_days(self):
        dates = self._plan(
            [dict(EMAIL, day=1)],
            "2026-03-03 09:00:00",
            send_mon=False,
            send_tue=False,
            send_wed=False,
            send_thu=False,
            send_fri=False,
            send_sat=True,
        )
        self.assertEqual(dates, [datetime(2026, 3, 7, 8, 0)])

    def test_wait_until_done(self):
        """Steps after a "wait until done" task are timed from the day it is completed."""
        sequence = self._create_sequence(
            self.env,
            name="Wait",
            steps=[
                {"step_type": "call", "day": 1, "wait_until_done": True},
                dict(EMAIL, day=3),
            ],
        )
        sequence.action_activate()
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            sequence.enroll_records(self.leads[0])
            self._run_cron()
        call, email = sequence.enrollment_ids.touch_ids.sorted(touch_order)
        self.assertEqual(call.state, "open")
        self.assertFalse(email.date_scheduled, "waits for the call to be done")
        self.assertEqual(email.state, "scheduled")
        # the call is done a week later (Tuesday 10 March): the email comes 2 days after
        with freeze_time("2026-03-10 10:00:00"), self.mock_mail_gateway():
            call.activity_id.action_done()
        email = sequence.enrollment_ids.touch_ids.filtered(lambda t: t.step_type == "auto_email")
        self.assertEqual(email.date_scheduled, datetime(2026, 3, 12, 8, 0))

    def test_wait_until_done_task_canceled(self):
        """Deleting (canceling) a "wait until done" task releases the next steps from that day."""
        sequence = self._create_sequence(
            self.env,
            name="Wait canceled",
            steps=[{"step_type": "call", "day": 1, "wait_until_done": True}, dict(EMAIL, day=2)],
        )
        sequence.action_activate()
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            sequence.enroll_records(self.leads[0])
            self._run_cron()
        call = sequence.enrollment_ids.touch_ids.filtered(lambda t: t.step_type == "call")
        with freeze_time("2026-03-04 10:00:00"):
            call.activity_id.unlink()
        email = sequence.enrollment_ids.touch_ids.filtered(lambda t: t.step_type == "auto_email")
        self.assertEqual(email.date_scheduled, datetime(2026, 3, 5, 8, 0))

    def test_no_sending_day_is_a_clear_error(self):
        """Holidays covering every send day for a year: enrolling says what to fix."""
        calendar = self.env["resource.calendar"].create({"name": "Closed", "tz": "Europe/Brussels"})
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Closed for good",
                "calendar_id": calendar.id,
                "date_from": datetime(2026, 1, 1),
                "date_to": datetime(2028, 12, 31),
            }
        )
        sequence = self._create_sequence(self.env, name="Closed", holiday_calendar_id=calendar.id)
        sequence.action_activate()
        with freeze_time("2026-03-03 09:00:00"), self.assertRaisesRegex(UserError, "No sending day within a year"):
            sequence.enroll_records(self.leads[0])


@tagged("post_install", "-at_install")
class TestSendingDays(CrmSequenceCommon):
    """``day_mode = 'sending'`` (the default): day N is the Nth sending day of the run."""

    def _enroll(self, steps, when, **values):
        sequence = self._create_sequence(self.env, name="Sending days", steps=steps, **values)
        sequence.action_activate()
        with freeze_time(when):
            sequence.enroll_records(self.leads[0])
        return sequence

    def _dates(self, sequence):
        touches = sequence.enrollment_ids.touch_ids.sorted(touch_order)
        return [touch.date_scheduled for touch in touches]

    def test_new_sequences_count_sending_days(self):
        self.assertEqual(self.env["crm.sequence"].create({"name": "New"}).day_mode, "sending")

    def test_steps_never_collide_on_a_weekend(self):
        """The issue's sequence enrolled on Thursday 5 March 2026 10:00 (Brussels): call
        on day 3, to-do on day 5. Counting sending days: Monday and Wednesday; counting
        calendar days both would be on Monday 09:00."""
        steps = [{"step_type": "call", "day": 3}, {"step_type": "todo", "day": 5}]
        sending = self._enroll(steps, "2026-03-05 09:00:00")
        self.assertEqual(self._dates(sending), [datetime(2026, 3, 9, 8, 0), datetime(2026, 3, 11, 8, 0)])
        calendar = self._enroll(steps, "2026-03-05 09:00:00", day_mode="calendar")
        self.assertEqual(self._dates(calendar), [datetime(2026, 3, 9, 8, 0)] * 2)

    def test_holidays_are_not_counted(self):
        calendar = self.env["resource.calendar"].create({"name": "Holidays", "tz": "Europe/Brussels"})
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Bridge day",
                "calendar_id": calendar.id,
                "date_from": datetime(2026, 3, 5, 23, 0),  # Friday 6 March, local
                "date_to": datetime(2026, 3, 6, 23, 0),
            }
        )
        sequence = self._enroll(
            [dict(EMAIL, day=1), dict(EMAIL, day=2), {"step_type": "todo", "day": 3}],
            "2026-03-05 09:00:00",
            holiday_calendar_id=calendar.id,
        )
        self.assertEqual(
            self._dates(sequence),
            [datetime(2026, 3, 5, 9, 0), datetime(2026, 3, 9, 8, 0), datetime(2026, 3, 10, 8, 0)],
        )

    def test_planned_schedule_shows_distinct_dates(self):
        sequence = self._create_sequence(
            self.env,
            name="Schedule",
            steps=[dict(EMAIL, day=1), {"step_type": "call", "day": 3}, {"step_type": "todo", "day": 5}],
        )
        with freeze_time("2026-03-05 09:00:00"):
            sequence.invalidate_recordset(["planned_schedule"])
            dates = [line["date"] for line in sequence.planned_schedule["lines"]]
        self.assertEqual(dates, ["Thu 05 Mar 2026 10:00", "Mon 09 Mar 2026 09:00", "Wed 11 Mar 2026 09:00"])
        self.assertFalse(any(line["moved"] for line in sequence.planned_schedule["lines"]))

    def test_resume_keeps_a_sending_day_between_steps(self):
        """Paused on Thursday before the day-3 call (Monday), resumed the next Thursday:
        the call moves a week (Monday → Monday 16), the day-5 to-do keeps its two sending
        days after it (Wednesday 18)."""
        sequence = self._enroll(
            [{"step_type": "call", "day": 3}, {"step_type": "todo", "day": 5}], "2026-03-05 09:00:00"
        )
        run = sequence.enrollment_ids
        with freeze_time("2026-03-05 10:00:00"):
            run.action_pause()
        with freeze_time("2026-03-12 10:00:00"):
            run.action_resume()
        self.assertEqual(self._dates(sequence), [datetime(2026, 3, 16, 8, 0), datetime(2026, 3, 18, 8, 0)])

    def test_after_a_task_counts_sending_days_from_its_day(self):
        sequence = self._enroll(
            [{"step_type": "call", "day": 1, "wait_until_done": True}, dict(EMAIL, day=3)], "2026-03-05 09:00:00"
        )
        with freeze_time("2026-03-05 09:00:00"), self.mock_mail_gateway():
            self._run_cron()
        call = sequence.enrollment_ids.touch_ids.filtered(lambda t: t.step_type == "call")
        with freeze_time("2026-03-06 14:00:00"), self.mock_mail_gateway():  # Friday
            call.activity_id.action_done()
        email = sequence.enrollment_ids.touch_ids.filtered(lambda t: t.step_type == "auto_email")
        self.assertEqual(email.date_scheduled, datetime(2026, 3, 10, 8, 0), "Friday + 2 sending days: Tuesday")

    def test_migration_keeps_calendar_days_for_existing_sequences(self):
        """19.0.1.4.0's pre-migration: a sequence made before the option (no value yet)
        keeps counting calendar days; one already set keeps its choice."""
        path = Path(__file__).parents[1] / "migrations" / "19.0.1.4.0" / "pre-migrate.py"
        spec = importlib.util.spec_from_file_location("crm_sequence_pre_migrate_1_4", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        old, new = self._create_sequence(self.env, name="Old"), self._create_sequence(self.env, name="New")
        self.env.flush_all()
        # the state before the upgrade (no value); the test's transaction undoes the DDL
        self.env.cr.execute("ALTER TABLE crm_sequence ALTER COLUMN day_mode DROP NOT NULL")
        self.env.cr.execute("UPDATE crm_sequence SET day_mode = NULL WHERE id = %s", [old.id])
        migration.migrate(self.env.cr, "19.0.1.3.0")
        (old | new).invalidate_recordset(["day_mode"])
        self.assertEqual((old.day_mode, new.day_mode), ("calendar", "sending"))

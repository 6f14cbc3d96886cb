from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CrmSequenceCommon

EMAIL = {"step_type": "auto_email", "subject": "Hi {{ object.name }}", "body_html": "<p>Hello</p>"}


@tagged("post_install", "-at_install")
class TestTiming(CrmSequenceCommon):
    """Day N, send days, send window, holidays, time zones and DST, "wait until done"."""

    def _plan(self, steps, when, **values):
        sequence = self._create_sequence(self.env, name="Timing", steps=steps, **values)
        sequence.action_activate()
        with freeze_time(when):
            sequence.enroll_records(self.leads[0])
        enrollment = sequence.enrollment_ids
        return [touch.date_scheduled for touch in enrollment.touch_ids.sorted(lambda t: t.step_id.sequence)]

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
        call, email = sequence.enrollment_ids.touch_ids.sorted(lambda t: t.step_id.sequence)
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

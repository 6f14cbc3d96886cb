"""Sending limits per sender across sequences, and emails spread over the send window:
planned when runs are enrolled (the timeline shows the real time), kept by the cron."""

from datetime import datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from odoo.addons.crm_sequence.models.crm_sequence_step import touch_order

from .common import CrmSequenceCommon

EMAIL_ONLY = [{"step_type": "auto_email", "day": 1, "subject": "Hello", "body_html": "<p>Hello</p>"}]


@tagged("post_install", "-at_install")
class TestSendingLimits(CrmSequenceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.many = cls.env["crm.lead"].create(
            [{"name": f"Prospect {index}", "email_from": f"prospect{index}@acme.example.org"} for index in range(6)]
        )

    def _sequence(self, name="Limited", **values):
        values.setdefault("spread_sends", True)
        values.setdefault("steps", EMAIL_ONLY)
        sequence = self._create_sequence(self.env, name=name, user=self.user_owner, **values)
        sequence.action_activate()
        return sequence

    def _planned(self, sequence):
        touches = sequence.enrollment_ids.touch_ids.sorted(lambda t: (t.date_scheduled, t.id))
        return [(str(t.date_scheduled), t.result_message or None) for t in touches]

    def test_spread_by_default(self):
        self.assertTrue(self.env["crm.sequence"].new({"name": "From the form"}).spread_sends, "on by default")
        sequence = self._sequence()
        # Tuesday 3 March 2026 09:00 in Brussels (08:00 UTC): 4 emails over 09:00-17:00
        with freeze_time("2026-03-03 08:00:00"):
            sequence.enroll_records(self.many[:4])
        self.assertEqual(
            self._planned(sequence),
            [
                ("2026-03-03 08:00:00", None),
                ("2026-03-03 10:00:00", None),
                ("2026-03-03 12:00:00", None),
                ("2026-03-03 14:00:00", None),
            ],
        )

    def test_daily_limit_across_sequences(self):
        self.user_owner.crm_sequence_daily_limit = 3
        first, second = self._sequence("First"), self._sequence("Second")
        with freeze_time("2026-03-05 08:00:00"):  # Thursday
            first.enroll_records(self.many[:2])
            second.enroll_records(self.many[2:5])
        self.assertEqual(
            self._planned(second),
            [
                ("2026-03-05 08:00:00", None),
                ("2026-03-06 08:00:00", "Deferred: daily limit of Oscar Owner"),
                ("2026-03-06 12:00:00", "Deferred: daily limit of Oscar Owner"),
            ],
            "one left on Thursday after the first sequence's two; Friday for the others",
        )
        runs = second.enrollment_ids.sorted("id")
        self.assertEqual(runs[1].next_touch_date, datetime(2026, 3, 6, 8, 0), "the timeline shows the real time")
        # at sending time the cron keeps to what was planned
        with freeze_time("2026-03-05 16:00:00"), self.mock_mail_gateway():
            self._run_cron()
        sent = (first | second).enrollment_ids.touch_ids.filtered(lambda t: t.state == "done")
        self.assertEqual(len(sent), 3)
        self.assertEqual(len(self._new_mails), 3)

    def test_hourly_limit_spacing(self):
        """Two an hour from 09:00 to 11:00 local, the fifth on Wednesday; the same when a
        large selection is enrolled in chunks (the senders' quotas carry over from one
        chunk to the next, and so does the runs' order)."""
        self.user_owner.crm_sequence_hourly_limit = 2
        for chunk in (None, 2):
            with self.subTest(chunk=chunk), self.env.cr.savepoint() as savepoint:
                sequence = self._sequence(send_hour_to=11.0)
                with (
                    patch("odoo.addons.crm_sequence.models.crm_sequence_enrollment.BULK_CHUNK", chunk or 5000),
                    freeze_time("2026-03-03 08:00:00"),
                ):
                    sequence.enroll_records(self.many[:5])
                self.assertEqual(
                    [date for date, _note in self._planned(sequence)],
                    [
                        "2026-03-03 08:00:00",
                        "2026-03-03 08:30:00",
                        "2026-03-03 09:00:00",
                        "2026-03-03 09:30:00",
                        "2026-03-04 08:00:00",
                    ],
                )
                self.assertEqual(self._planned(sequence)[-1][1], "Deferred: hourly limit of Oscar Owner")
                runs = sequence.enrollment_ids.sorted("id")
                self.assertEqual(runs.mapped("res_id"), self.many[:5].ids, "runs in the order of the selection")
                self.assertEqual(runs[-1].next_touch_date, datetime(2026, 3, 4, 8, 0), "the next step of the last run")
                savepoint.rollback()
                self.env.invalidate_all()

    def test_due_emails_over_the_limit_wait_for_the_next_hour(self):
        """Planned before the limit was set, five emails are due at once: the cron sends
        two and moves the others to the next free hours, saying why."""
        sequence = self._sequence(spread_sends=False)
        with freeze_time("2026-03-03 08:00:00"):
            sequence.enroll_records(self.many[:5])
        self.user_owner.crm_sequence_hourly_limit = 2
        with freeze_time("2026-03-03 08:05:00"), self.mock_mail_gateway():
            self._run_cron()
            self.assertEqual(len(self._new_mails), 2)
        waiting = sequence.enrollment_ids.touch_ids.filtered(lambda t: t.state == "scheduled")
        self.assertEqual(
            sorted(str(date) for date in waiting.mapped("date_scheduled")),
            ["2026-03-03 09:00:00", "2026-03-03 09:00:00", "2026-03-03 10:00:00"],
        )
        self.assertEqual(set(waiting.mapped("result_message")), {"Deferred: hourly limit of Oscar Owner"})
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            self._run_cron()
            self.assertEqual(len(self._new_mails), 2)
        with freeze_time("2026-03-03 10:00:00"), self.mock_mail_gateway():
            self._run_cron()
            self.assertEqual(len(self._new_mails), 1)
        self.assertEqual(set(sequence.enrollment_ids.mapped("state")), {"completed"})

    def test_resume_spreads_again(self):
        self.user_owner.crm_sequence_daily_limit = 2
        sequence = self._sequence(spread_sends=False)
        with freeze_time("2026-03-02 08:00:00"):  # Monday
            sequence.enroll_records(self.many[:2])
            sequence.enrollment_ids.action_pause()
        other = self._sequence("Other")
        with freeze_time("2026-03-03 08:00:00"):
            other.enroll_records(self.many[2:4])  # Tuesday is full now
            sequence.enrollment_ids.action_resume()
        self.assertEqual(
            self._planned(sequence),
            [
                ("2026-03-04 08:00:00", "Deferred: daily limit of Oscar Owner"),
                ("2026-03-04 08:00:00", "Deferred: daily limit of Oscar Owner"),
            ],
        )

    def test_reactivate_in_chunks_keeps_the_limits(self):
        """Reactivating writes the runs by chunks but plans them in one piece: the runs
        of later chunks, still at their old dates, do not take the room of the first."""
        sequence = self._sequence(spread_sends=False)
        with freeze_time("2026-03-02 07:00:00"):  # Monday, 08:00 in Brussels
            sequence.enroll_records(self.many[:5])
        with freeze_time("2026-03-02 07:10:00"):
            sequence.action_deactivate()
        self.user_owner.crm_sequence_daily_limit = 2
        with (
            patch("odoo.addons.crm_sequence.models.crm_sequence_enrollment.BULK_CHUNK", 2),
            freeze_time("2026-03-02 07:40:00"),
        ):
            sequence.action_activate()
        self.assertEqual(set(sequence.enrollment_ids.mapped("state")), {"active"})
        self.assertEqual(
            self._planned(sequence),
            [
                ("2026-03-02 08:30:00", None),
                ("2026-03-02 08:30:00", None),
                ("2026-03-03 08:00:00", "Deferred: daily limit of Oscar Owner"),
                ("2026-03-03 08:00:00", "Deferred: daily limit of Oscar Owner"),
                ("2026-03-04 08:00:00", "Deferred: daily limit of Oscar Owner"),
            ],
            "moved by the 30 minutes of the pause, two a day",
        )
        self.assertEqual(
            sorted(str(date) for date in sequence.enrollment_ids.mapped("next_touch_date")),
            [date for date, _note in self._planned(sequence)],
            "each run shows its new next step",
        )

    def test_new_users_get_the_company_limits(self):
        self.env.company.write({"crm_sequence_daily_limit": 200, "crm_sequence_hourly_limit": 40})
        user = self.env["res.users"].create({"name": "New Seller", "login": "new_seller", "email": "new@example.com"})
        self.assertEqual((user.crm_sequence_daily_limit, user.crm_sequence_hourly_limit), (200, 40))
        self.assertEqual(self.user_owner.crm_sequence_daily_limit, 0, "existing users keep theirs")

    def test_bad_limits(self):
        for value in (-5, 2**31, 10**7, 1.5, "50"):
            for record, fname in (
                (self.user_owner, "crm_sequence_daily_limit"),
                (self.env.company, "crm_sequence_hourly_limit"),
            ):
                with self.subTest(value=value, model=record._name):
                    with self.assertRaisesRegex(ValidationError, "whole numbers from 0 \\(no limit\\) to 1,000,000"):
                        record.write({fname: value})
        with self.assertRaisesRegex(ValidationError, "whole numbers"):
            self.env["res.users"].create({"name": "Typo", "login": "typo", "crm_sequence_daily_limit": -1})
        self.assertEqual(self.user_owner.crm_sequence_daily_limit, 0)
        self.user_owner.crm_sequence_daily_limit = 1_000_000  # the largest

    def test_sellers_cannot_raise_their_own_limit(self):
        self.user_owner.crm_sequence_daily_limit = 50
        with self.assertRaises(AccessError):
            self.user_owner.with_user(self.user_owner).write({"crm_sequence_daily_limit": 0})
        self.assertEqual(self.user_owner.crm_sequence_daily_limit, 50)

    def test_daily_limit_at_sending_time(self):
        """Planned before the limit was set, five emails are due at once: the cron sends two
        and moves the others to the next sending days, saying why."""
        sequence = self._sequence(spread_sends=False)
        with freeze_time("2026-03-03 08:00:00"):  # Tuesday
            sequence.enroll_records(self.many[:5])
        self.user_owner.crm_sequence_daily_limit = 2
        with freeze_time("2026-03-03 08:05:00"), self.mock_mail_gateway():
            self._run_cron()
            self.assertEqual(len(self._new_mails), 2)
        waiting = sequence.enrollment_ids.touch_ids.filtered(lambda t: t.state == "scheduled")
        self.assertEqual(
            sorted(str(date) for date in waiting.mapped("date_scheduled")),
            ["2026-03-04 08:00:00", "2026-03-04 08:00:00", "2026-03-05 08:00:00"],
        )
        self.assertEqual(set(waiting.mapped("result_message")), {"Deferred: daily limit of Oscar Owner"})

    def test_later_steps_follow_a_deferred_email(self):
        """A run's call never comes before its own email, moved to the next day by the limit,
        at planning and when a resume moves the email again."""
        steps = [
            *EMAIL_ONLY,
            {"step_type": "call", "day": 1, "summary": "Call"},
            {"step_type": "todo", "day": 2, "summary": "Note"},
        ]
        self.user_owner.crm_sequence_daily_limit = 1
        sequence = self._sequence(steps=steps, day_mode="calendar")
        with freeze_time("2026-03-03 08:00:00"):  # Tuesday
            sequence.enroll_records(self.many[:2])
        second = sequence.enrollment_ids.sorted("id")[1]
        email, call, todo = second.touch_ids.sorted(touch_order)
        self.assertEqual(email.date_scheduled, datetime(2026, 3, 4, 8, 0))
        self.assertEqual(call.date_scheduled, datetime(2026, 3, 4, 8, 0), "not Tuesday, before its email")
        self.assertEqual(todo.date_scheduled, datetime(2026, 3, 4, 8, 0), "day 2 is Wednesday: as early as allowed")
        # paused (its Wednesday slot stays held), another sequence of the sender takes Thursday:
        # resumed a day later, the email moves to Friday and takes the call and the to-do along
        with freeze_time("2026-03-03 09:00:00"):
            second.action_pause()
        other = self._sequence("Other")
        with freeze_time("2026-03-04 07:00:00"):
            other.enroll_records(self.many[2])
            second.action_resume()
        self.assertEqual(other.enrollment_ids.touch_ids.date_scheduled, datetime(2026, 3, 5, 8, 0))
        self.assertEqual(email.date_scheduled, datetime(2026, 3, 6, 8, 0))
        self.assertEqual((call.date_scheduled, todo.date_scheduled), (email.date_scheduled, email.date_scheduled))

    def test_sending_days_keep_a_day_after_a_deferred_email(self):
        """Counting sending days, the day-2 to-do keeps its sending day after the email the
        limit moved to Wednesday (Thursday), and after the resume moved it to Friday
        (Monday); the day-1 call stays beside its email."""
        steps = [
            *EMAIL_ONLY,
            {"step_type": "call", "day": 1, "summary": "Call"},
            {"step_type": "todo", "day": 2, "summary": "Note"},
        ]
        self.user_owner.crm_sequence_daily_limit = 1
        sequence = self._sequence(steps=steps)
        with freeze_time("2026-03-03 08:00:00"):  # Tuesday
            sequence.enroll_records(self.many[:2])
        second = sequence.enrollment_ids.sorted("id")[1]
        email, call, todo = second.touch_ids.sorted(touch_order)
        self.assertEqual(
            (email.date_scheduled, call.date_scheduled, todo.date_scheduled),
            (datetime(2026, 3, 4, 8, 0), datetime(2026, 3, 4, 8, 0), datetime(2026, 3, 5, 8, 0)),
        )
        with freeze_time("2026-03-03 09:00:00"):
            second.action_pause()
        other = self._sequence("Other")
        with freeze_time("2026-03-04 07:00:00"):
            other.enroll_records(self.many[2])
            second.action_resume()
        self.assertEqual(
            (email.date_scheduled, call.date_scheduled, todo.date_scheduled),
            (datetime(2026, 3, 6, 8, 0), datetime(2026, 3, 6, 8, 0), datetime(2026, 3, 9, 8, 0)),
        )

    def test_emails_planned_again_leave_their_own_room(self):
        """Resuming re-plans the run's emails without counting their own old slots."""
        self.user_owner.crm_sequence_daily_limit = 3
        sequence = self._sequence(spread_sends=False)
        with freeze_time("2026-03-03 08:00:00"):
            sequence.enroll_records(self.many[:3])
            sequence.enrollment_ids.action_pause()
        with freeze_time("2026-03-03 09:00:00"):
            sequence.enrollment_ids.action_resume()
        self.assertEqual(set(self._planned(sequence)), {("2026-03-03 09:00:00", None)})

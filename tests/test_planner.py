"""The planner on its own: plain pytest, no database (``models/planner.py``).

One test per rule of each entry point: planning runs (enroll, re-plan, after a task),
the planned schedule, resuming, pausing until a date, re-slotting emails over a limit,
keeping a run's order and the room a sender has left. Dates are naive UTC; the
calendar is Brussels, Monday–Friday 9:00–17:00 (CET = UTC+1 in March).
"""

from datetime import date, datetime, timedelta

import pytest

from odoo.addons.crm_sequence.models.planner import PlannedTouch, Planner, SequenceRules
from odoo.addons.crm_sequence.models.send_calendar import NoSendingDay, PlanStep, SendCalendar, SenderQuota

WORKDAYS = {0, 1, 2, 3, 4}
SENDING = SequenceRules("seq", sender="mailbox", spread_sends=False, sending_days=True)
CALENDAR = SequenceRules("seq", sender="mailbox", spread_sends=False, sending_days=False)


def make_planner(holidays=(), daily=0, hourly=0, sent=None):
    """A planner over one Brussels calendar; ``sent`` {UTC hour: emails} already sent."""
    asked = []

    def calendar_of(key, tz, start):
        asked.append((key, tz))
        return SendCalendar(tz or "Europe/Brussels", WORKDAYS, 9.0, 17.0, holidays)

    def load(start, end):
        return {hour: count for hour, count in (sent or {}).items() if start <= hour < end}

    def quota_of(sender, sent_only):
        return SenderQuota(daily, hourly, "Europe/Brussels", load)

    planner = Planner(calendar_of, quota_of)
    planner.asked = asked
    return planner


def email(day):
    return PlanStep(f"email {day}", day, in_window=True, email=True)


def task(day, wait=False):
    return PlanStep(f"task {day}", day, wait_until_done=wait)


def local(planner, moment):
    return planner.calendar(SENDING, None, moment).to_local(moment).strftime("%a %d %H:%M")


def run_dates(planner, rules, steps, start, runs=1, start_day=1):
    planned = planner.plan_runs(rules, None, steps, start, runs, start_day)
    return [[local(planner, slot.date) if slot else None for slot in slots] for _key, slots in planned]


# Thursday 5 March 2026, 10:00 in Brussels
THURSDAY = datetime(2026, 3, 5, 9, 0)


def test_sending_days_never_collide_on_a_weekend():
    """The issue's sequence, "call day 3, wait 2 days, to-do day 5", enrolled on a
    Thursday: counting calendar days both land on Monday 09:00; counting sending days
    the call is on Monday (Thu 1, Fri 2, Mon 3) and the to-do on Wednesday."""
    steps = [task(3), task(5)]
    assert run_dates(make_planner(), CALENDAR, steps, THURSDAY) == [["Mon 09 09:00"], ["Mon 09 09:00"]]
    assert run_dates(make_planner(), SENDING, steps, THURSDAY) == [["Mon 09 09:00"], ["Wed 11 09:00"]]


def test_sending_days_skip_holidays():
    """Friday 6 and Monday 9 March off: day 2 is Tuesday, day 3 Wednesday."""
    planner = make_planner(holidays={date(2026, 3, 6), date(2026, 3, 9)})
    assert run_dates(planner, SENDING, [email(1), task(2), email(3)], THURSDAY) == [
        ["Thu 05 10:00"],
        ["Tue 10 09:00"],
        ["Wed 11 09:00"],
    ]


def test_sending_days_when_day_one_missed_the_window():
    """Thursday 20:00: the day-1 email waits for Friday's window, the day-2 email goes a
    sending day later (Monday), not beside it on Friday as calendar days would."""
    evening = datetime(2026, 3, 5, 19, 0)
    steps = [email(1), email(2)]
    assert run_dates(make_planner(), CALENDAR, steps, evening) == [["Fri 06 09:00"], ["Fri 06 09:00"]]
    assert run_dates(make_planner(), SENDING, steps, evening) == [["Fri 06 09:00"], ["Mon 09 09:00"]]


def test_enrolled_on_a_weekend_day_one_is_the_first_sending_day():
    saturday = datetime(2026, 3, 7, 11, 0)
    assert run_dates(make_planner(), SENDING, [email(1), email(2), task(4)], saturday) == [
        ["Mon 09 09:00"],
        ["Tue 10 09:00"],
        ["Thu 12 09:00"],
    ]


def test_same_day_steps_share_their_day():
    assert run_dates(make_planner(), SENDING, [email(2), task(2)], THURSDAY) == [["Fri 06 09:00"], ["Fri 06 09:00"]]


def test_continuing_after_a_task_counts_from_the_day_it_was_done():
    """A "wait until done" call of day 2 done on Friday 15:00; the day-4 email comes two
    sending days later (Tuesday); with calendar days Sunday → Monday."""
    friday = datetime(2026, 3, 6, 14, 0)
    assert run_dates(make_planner(), SENDING, [email(4)], friday, start_day=2) == [["Tue 10 09:00"]]
    assert run_dates(make_planner(), CALENDAR, [email(4)], friday, start_day=2) == [["Mon 09 09:00"]]


def test_wait_until_done_leaves_the_next_steps_undated():
    assert run_dates(make_planner(), SENDING, [task(1, wait=True), email(2)], THURSDAY) == [["Thu 05 10:00"], [None]]


def test_a_daily_limit_pushes_the_run_and_its_next_step():
    """One email a day: the second run's day-1 email goes on Friday; its day-2 task then
    comes a sending day after it (Monday) counting sending days, the same moment
    counting calendar days (it may not come before the email)."""
    sending = make_planner(daily=1)
    assert run_dates(sending, SENDING, [email(1), task(2)], THURSDAY, runs=2) == [
        ["Thu 05 10:00", "Fri 06 09:00"],
        ["Fri 06 09:00", "Mon 09 09:00"],
    ]
    calendar = make_planner(daily=1)
    assert run_dates(calendar, CALENDAR, [email(1), task(2)], THURSDAY, runs=2) == [
        ["Thu 05 10:00", "Fri 06 09:00"],
        ["Fri 06 09:00", "Fri 06 09:00"],
    ]


def test_deferred_emails_say_which_limit():
    planned = make_planner(daily=1).plan_runs(SENDING, None, [email(1)], THURSDAY, 2)
    assert [slot.deferred for slot in planned[0][1]] == [None, "daily"]


def test_emails_already_sent_count_against_the_limit():
    planner = make_planner(daily=2, sent={datetime(2026, 3, 5, 8, 0): 2})
    assert run_dates(planner, SENDING, [email(1)], THURSDAY) == [["Fri 06 09:00"]]


def test_one_calendar_per_sequence_and_time_zone():
    planner = make_planner()
    for _index in range(3):
        planner.plan_runs(SENDING, None, [email(1)], THURSDAY, 5)
    planner.plan_runs(SENDING, "America/New_York", [email(1)], THURSDAY, 5)
    assert planner.asked == [("seq", None), ("seq", "America/New_York")]


def test_schedule_gives_each_step_its_own_day():
    plan = make_planner().schedule(SENDING, [email(1), task(3), task(5)], THURSDAY)
    assert [p.day_date for p in plan] == [date(2026, 3, 5), date(2026, 3, 9), date(2026, 3, 11)]
    assert not any(p.moved for p in plan)
    calendar = make_planner().schedule(CALENDAR, [email(1), task(3), task(5)], THURSDAY)
    assert [p.moved for p in calendar] == [False, True, False]


def test_resume_shifts_by_the_pause_and_keeps_the_order():
    """Paused Thursday for four days (resumed Monday 10:00): the task planned for Friday
    moves to Tuesday, the email planned Friday 11:00 to Tuesday 11:00 but never before
    the task of an earlier step."""
    now = datetime(2026, 3, 9, 9, 0)
    paused = timedelta(days=4)
    touches = [
        PlannedTouch("call", task(2), datetime(2026, 3, 6, 8, 0)),
        PlannedTouch("email", email(2), datetime(2026, 3, 6, 10, 0)),
        PlannedTouch("todo", task(4), datetime(2026, 3, 10, 8, 0)),
    ]
    planner = make_planner()
    slots = planner.resume([(SENDING, None, paused, touches)], now)
    assert {key: local(planner, slot.date) for key, slot in slots.items()} == {
        "call": "Tue 10 09:00",
        "email": "Tue 10 11:00",
        "todo": "Mon 16 09:00",  # Tuesday + 4 days = Saturday: the next sending day
    }


def test_resume_never_plans_an_email_in_the_past():
    now = datetime(2026, 3, 10, 12, 0)  # Tuesday 13:00
    touches = [PlannedTouch("email", email(1), datetime(2026, 3, 5, 9, 0))]
    planner = make_planner()
    slots = planner.resume([(SENDING, None, timedelta(days=1), touches)], now)
    assert local(planner, slots["email"].date) == "Tue 10 13:00"


def test_resume_spreads_emails_within_the_limit():
    now = datetime(2026, 3, 9, 8, 0)  # Monday 09:00
    runs = [(SENDING, None, timedelta(0), [PlannedTouch(f"email {n}", email(1), now)]) for n in range(3)]
    planner = make_planner(daily=2)
    slots = planner.resume(runs, now)
    assert sorted(local(planner, slot.date)[:6] for slot in slots.values()) == ["Mon 09", "Mon 09", "Tue 10"]
    assert sorted(str(slot.deferred) for slot in slots.values()) == ["None", "None", "daily"]


def test_keep_order_moves_later_steps_after_a_deferred_email():
    planner = make_planner()
    touches = [
        PlannedTouch("email", email(1), datetime(2026, 3, 6, 8, 0)),  # deferred to Friday
        PlannedTouch("call", task(2), datetime(2026, 3, 6, 8, 0)),  # planned Friday too
        PlannedTouch("todo", task(4), datetime(2026, 3, 10, 8, 0)),  # Tuesday: already after
    ]
    moved = planner.keep_order(SENDING, None, touches)
    assert {key: local(planner, date) for key, date in moved.items()} == {"call": "Mon 09 09:00"}
    assert planner.keep_order(CALENDAR, None, touches) == {}


def test_pause_until_a_date_or_for_days():
    planner = make_planner()
    now = THURSDAY
    back = planner.pause_until(SENDING, None, now, local_date=date(2026, 3, 14))  # a Saturday
    assert local(planner, back) == "Mon 16 09:00"
    assert local(planner, planner.pause_until(SENDING, None, now, days=7)) == "Thu 12 10:00"
    assert planner.pause_until(SENDING, None, now, local_date=date(2026, 3, 1)) == now


def test_reslot_spreads_from_the_earliest_moments():
    """Two an hour, 30 minutes apart; the 10:00 hour already holds one sent email, so the
    second email moves to the next hour (marked ``hourly``), which the third shares."""
    planner = make_planner(hourly=2)
    slots = planner.reslot(SENDING, None, [THURSDAY] * 3)
    assert [local(planner, slot.date) for slot in slots] == ["Thu 05 10:00", "Thu 05 10:30", "Thu 05 11:00"]
    planner = make_planner(hourly=2, sent={datetime(2026, 3, 5, 9, 0): 1})
    slots = planner.reslot(SENDING, None, [THURSDAY] * 3)
    assert [local(planner, slot.date) for slot in slots] == ["Thu 05 10:00", "Thu 05 11:00", "Thu 05 11:00"]
    assert [slot.deferred for slot in slots] == [None, "hourly", None]


def test_room_now():
    assert make_planner().room_now("mailbox", THURSDAY) is None
    assert make_planner(daily=5, sent={datetime(2026, 3, 5, 8, 0): 3}).room_now("mailbox", THURSDAY) == 2
    assert make_planner(hourly=3, sent={datetime(2026, 3, 5, 9, 0): 4}).room_now("mailbox", THURSDAY) == 0


def test_no_sending_day_left():
    planner = Planner(
        lambda key, tz, start: SendCalendar("UTC", set(), 9.0, 17.0),
        lambda sender, sent_only: SenderQuota(),
    )
    with pytest.raises(NoSendingDay):
        planner.plan_runs(SENDING, None, [email(1), email(2)], THURSDAY, 1)

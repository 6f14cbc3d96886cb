"""The send calendar on its own: plain pytest, no database (``models/send_calendar.py``)."""

from datetime import date, datetime, timedelta

import pytest

from odoo.addons.crm_sequence.models.send_calendar import (
    NoSendingDay,
    PlanStep,
    SendCalendar,
    SenderQuota,
    spread,
    to_local,
)

WORKDAYS = {0, 1, 2, 3, 4}


def brussels(**kwargs):
    return SendCalendar("Europe/Brussels", kwargs.pop("weekdays", WORKDAYS), 9.0, 17.0, **kwargs)


def dates(calendar, steps, start, start_day=1):
    return [planned.date for planned in calendar.plan(steps, start, start_day)]


def email(day):
    return PlanStep(f"email day {day}", day, in_window=True)


def task(day, wait=False):
    return PlanStep(f"task day {day}", day, wait_until_done=wait)


def test_day_n_is_calendar_day_n():
    # Tuesday 3 March 2026, 10:00 in Brussels (09:00 UTC)
    start = datetime(2026, 3, 3, 9, 0)
    assert dates(brussels(), [email(1), task(3), email(8)], start) == [
        datetime(2026, 3, 3, 9, 0),
        datetime(2026, 3, 5, 8, 0),
        datetime(2026, 3, 10, 8, 0),
    ]


def test_a_moved_step_moves_alone():
    # Monday 2 March: day 6 is Saturday → Monday 9; day 8 is Monday 9 itself; day 10 Wednesday
    plan = brussels().plan([email(1), task(6), email(8), email(10)], datetime(2026, 3, 2, 9, 0))
    assert [p.date for p in plan] == [
        datetime(2026, 3, 2, 9, 0),
        datetime(2026, 3, 9, 8, 0),
        datetime(2026, 3, 9, 8, 0),
        datetime(2026, 3, 11, 8, 0),
    ]
    assert [p.moved for p in plan] == [False, True, False, False]
    assert plan[1].day_date == date(2026, 3, 7)


def test_never_before_an_earlier_step():
    # Friday evening: day 1 waits for Monday; day 2 (Saturday) and day 3 (Sunday) follow it
    plan = dates(brussels(), [email(1), email(2), task(3)], datetime(2026, 3, 6, 17, 0))
    assert plan == [datetime(2026, 3, 9, 8, 0)] * 3


def test_window_applies_to_emails_only():
    start = datetime(2026, 3, 3, 17, 0)  # 18:00 in Brussels, window closed
    assert dates(brussels(), [task(1), email(1)], start) == [datetime(2026, 3, 3, 17, 0), datetime(2026, 3, 4, 8, 0)]


def test_before_the_window_waits_for_its_opening():
    assert dates(brussels(), [task(1)], datetime(2026, 3, 3, 5, 0)) == [datetime(2026, 3, 3, 8, 0)]


def test_daylight_saving_time():
    # Brussels moves to summer time on Sunday 29 March 2026: 09:00 is 08:00 UTC before, 07:00 after
    assert dates(brussels(), [email(1), email(4)], datetime(2026, 3, 27, 9, 0)) == [
        datetime(2026, 3, 27, 9, 0),
        datetime(2026, 3, 30, 7, 0),
    ]
    # and back to winter time on Sunday 25 October 2026
    assert dates(brussels(), [email(1), email(4)], datetime(2026, 10, 23, 8, 0)) == [
        datetime(2026, 10, 23, 8, 0),
        datetime(2026, 10, 26, 8, 0),
    ]


def test_holidays():
    calendar = brussels(holidays={date(2026, 3, 9), date(2026, 3, 10)})
    assert dates(calendar, [email(1), email(5)], datetime(2026, 3, 5, 9, 0)) == [
        datetime(2026, 3, 5, 9, 0),
        datetime(2026, 3, 11, 8, 0),
    ]


@pytest.mark.parametrize(
    ("tz_name", "expected"),
    [
        ("America/New_York", datetime(2026, 3, 3, 14, 0)),  # 09:00 EST
        ("Asia/Tokyo", datetime(2026, 3, 4, 0, 0)),  # Wednesday 09:00 JST (Tuesday 21:00 there)
        ("Australia/Sydney", datetime(2026, 3, 3, 22, 0)),  # Wednesday 09:00 AEDT
        ("UTC", datetime(2026, 3, 3, 12, 0)),
    ],
)
def test_the_calendar_time_zone_decides(tz_name, expected):
    """The same rules in the contact's (or sequence's) zone: Tuesday 12:00 UTC."""
    calendar = SendCalendar(tz_name, WORKDAYS, 9.0, 17.0)
    assert dates(calendar, [email(1)], datetime(2026, 3, 3, 12, 0)) == [expected]


def test_wait_until_done_leaves_later_steps_undated():
    plan = brussels().plan([task(1, wait=True), email(3)], datetime(2026, 3, 3, 9, 0))
    assert [p.date for p in plan] == [datetime(2026, 3, 3, 9, 0), None]
    # planned again from the day the task is done, that day counting as day 1
    assert dates(brussels(), [email(3)], datetime(2026, 3, 10, 9, 0), start_day=1) == [datetime(2026, 3, 12, 8, 0)]


def test_no_sending_day_left():
    with pytest.raises(NoSendingDay):
        brussels(weekdays=set()).fit(datetime(2026, 3, 3, 10, 0), in_window=True)


def test_to_local():
    assert to_local("Europe/Brussels", datetime(2026, 7, 1, 22, 30)) == datetime(2026, 7, 2, 0, 30)
    assert to_local(False, datetime(2026, 7, 1, 22, 30)) == datetime(2026, 7, 1, 22, 30)


# ----------------------------------------------------------------------
# Spreading and sending limits
# ----------------------------------------------------------------------


def local_slots(calendar, slots):
    return [(calendar.to_local(slot.date).strftime("%a %H:%M"), slot.deferred) for slot in slots]


def test_spread_over_the_window():
    # Tuesday 3 March 2026 09:00 Brussels: four emails over 09:00-17:00, every two hours
    calendar = brussels()
    slots = spread(calendar, SenderQuota(), [datetime(2026, 3, 3, 8, 0)] * 4)
    assert local_slots(calendar, slots) == [
        ("Tue 09:00", None),
        ("Tue 11:00", None),
        ("Tue 13:00", None),
        ("Tue 15:00", None),
    ]


def test_without_spreading_all_leave_at_their_moment():
    calendar = brussels()
    slots = spread(calendar, SenderQuota(), [datetime(2026, 3, 3, 6, 0)] * 3, spread_sends=False)
    assert local_slots(calendar, slots) == [("Tue 09:00", None)] * 3


def test_spread_starts_at_the_enrollment_moment():
    # enrolled at 15:00 local: two emails over the two hours left
    calendar = brussels()
    slots = spread(calendar, SenderQuota(), [datetime(2026, 3, 3, 14, 0)] * 2)
    assert local_slots(calendar, slots) == [("Tue 15:00", None), ("Tue 16:00", None)]


def test_daily_limit_defers_to_next_sending_days():
    # Thursday 5 March, daily limit 2: two on Thursday, two on Friday, the last on Monday
    calendar = brussels()
    slots = spread(calendar, SenderQuota(daily=2, tz_name="Europe/Brussels"), [datetime(2026, 3, 5, 8, 0)] * 5)
    assert local_slots(calendar, slots) == [
        ("Thu 09:00", None),
        ("Thu 13:00", None),
        ("Fri 09:00", "daily"),
        ("Fri 13:00", "daily"),
        ("Mon 09:00", "daily"),
    ]


def test_hourly_limit_spaces_and_defers():
    # window 09:00-12:00, one email an hour: three today, two tomorrow
    calendar = SendCalendar("Europe/Brussels", WORKDAYS, 9.0, 12.0)
    slots = spread(calendar, SenderQuota(hourly=1), [datetime(2026, 3, 3, 8, 0)] * 5, spread_sends=False)
    assert local_slots(calendar, slots) == [
        ("Tue 09:00", None),
        ("Tue 10:00", None),
        ("Tue 11:00", None),
        ("Wed 09:00", "hourly"),
        ("Wed 10:00", "hourly"),
    ]


def test_emails_already_planned_count():
    # the sender already has 3 emails on Tuesday (another sequence): with a limit of 4, one more today
    loaded = []

    def load(start, end):
        loaded.append((start, end))
        return {datetime(2026, 3, 3, 8, 0): 3} if start <= datetime(2026, 3, 3, 8, 0) < end else {}

    calendar = brussels()
    quota = SenderQuota(daily=4, tz_name="Europe/Brussels", load=load)
    slots = spread(calendar, quota, [datetime(2026, 3, 3, 8, 0)] * 2)
    assert local_slots(calendar, slots) == [("Tue 09:00", None), ("Wed 09:00", "daily")]
    # one query per local day of the sender, in UTC
    assert loaded == [
        (datetime(2026, 3, 2, 23, 0), datetime(2026, 3, 3, 23, 0)),
        (datetime(2026, 3, 3, 23, 0), datetime(2026, 3, 4, 23, 0)),
    ]


def test_full_hour_of_another_sequence_is_skipped():
    def load(start, end):
        return {datetime(2026, 3, 3, 8, 0): 2}  # 09:00-10:00 local is full

    calendar = brussels()
    slots = spread(calendar, SenderQuota(hourly=2, load=load), [datetime(2026, 3, 3, 8, 0)], spread_sends=False)
    assert local_slots(calendar, slots) == [("Tue 10:00", "hourly")]


def test_no_limit_loads_nothing():
    def load(start, end):
        raise AssertionError("no limit: nothing to count")

    calendar = brussels()
    assert len(spread(calendar, SenderQuota(load=load), [datetime(2026, 3, 3, 8, 0)] * 3)) == 3


def test_spread_keeps_each_earliest_moment_and_the_input_order():
    calendar = brussels()
    late, early = datetime(2026, 3, 3, 13, 0), datetime(2026, 3, 3, 7, 0)  # 14:00 and 08:00 local
    slots = spread(calendar, SenderQuota(), [late, early])
    # in input order; the early one opens the window, the late one waits for its own moment
    assert local_slots(calendar, slots) == [("Tue 14:00", None), ("Tue 09:00", None)]


def test_cached_offsets_match_pytz_around_dst():
    """The per-day offsets give pytz's answer every 20 minutes across both DST changes."""
    calendar = brussels()
    moment = datetime(2026, 3, 28, 0, 0)
    while moment < datetime(2026, 3, 31):
        assert calendar.to_local(moment) == to_local("Europe/Brussels", moment)
        assert calendar.to_utc(calendar.to_local(moment)) == moment
        moment += timedelta(minutes=20)
    moment = datetime(2026, 10, 24, 0, 0)
    while moment < datetime(2026, 10, 27):
        assert calendar.to_local(moment) == to_local("Europe/Brussels", moment)
        moment += timedelta(minutes=20)

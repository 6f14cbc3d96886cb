"""The send calendar on its own: plain pytest, no database (``models/send_calendar.py``)."""

from datetime import date, datetime

import pytest

from odoo.addons.crm_sequence.models.send_calendar import NoSendingDay, PlanStep, SendCalendar, to_local

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

"""When a sequence may send: its local sending days, send window and holidays, and the
dates its steps get. Plain Python (no ORM, no database), so that the rules that decide
when a contact hears from us are unit-tested on their own (``tests/test_send_calendar.py``).

Dates in and out are naive UTC datetimes, as Odoo stores them; days and hours are
read in the calendar's time zone (pytz, so daylight saving time is applied).
"""

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

import pytz

# A search beyond this horizon for a sending day means the rules leave none.
MAX_SEARCH_DAYS = 370


class NoSendingDay(Exception):
    """The rules leave no sending day within ``MAX_SEARCH_DAYS`` after ``start``."""

    def __init__(self, start):
        super().__init__(start)
        self.start = start


@dataclass(frozen=True)
class PlanStep:
    """What planning needs to know of a step: ``key`` is the caller's (e.g. the step record)."""

    key: object
    day: int
    in_window: bool = False  # emails wait for the send window; tasks only for its opening
    wait_until_done: bool = False  # the next steps wait until this task is done
    email: bool = False  # an automatic email: spread within the sender's limits
    waits: bool = False  # this step and the next wait for a task (its condition is a call's outcome)


@dataclass(frozen=True)
class PlannedStep:
    key: object
    date: datetime | None  # UTC; None while waiting for a previous task to be done
    day_date: date | None  # the local calendar day the step's number points to
    local: datetime | None  # where it landed, local time

    @property
    def moved(self):
        """The step landed on another day than its own (holiday, weekend, window)."""
        return bool(self.local and self.day_date and self.local.date() != self.day_date)


def to_local(tz, utc_naive):
    """A naive UTC datetime as naive local time in ``tz`` (a name or a pytz zone)."""
    tz = tz if isinstance(tz, tzinfo) else pytz.timezone(tz or "UTC")
    return pytz.utc.localize(utc_naive).astimezone(tz).replace(tzinfo=None)


def to_utc(tz, local_naive):
    """A naive local time in ``tz`` (a pytz zone) as naive UTC (DST gaps and folds as pytz)."""
    return tz.normalize(tz.localize(local_naive)).astimezone(pytz.utc).replace(tzinfo=None)


class SendCalendar:
    """The sending rules of one sequence in one time zone.

    :param tz_name: IANA time zone name
    :param weekdays: set of sending weekdays (0 = Monday)
    :param hour_from: opening of the send window, local hour as a float (9.5 = 09:30)
    :param hour_to: closing of the send window
    :param holidays: set of local dates without sending
    """

    def __init__(self, tz_name, weekdays, hour_from, hour_to, holidays=()):
        self.tz = pytz.timezone(tz_name or "UTC")
        self.weekdays = set(weekdays)
        self.hour_from = hour_from
        self.hour_to = hour_to
        self.holidays = set(holidays)
        self._offsets = {}  # local date: its UTC offset (False on a DST change day)
        self._local_offsets = {}  # UTC date: its local offset (False on a DST change day)

    def to_local(self, utc_naive):
        """``to_local`` with the offset of each UTC day computed once (see ``_convert``)."""
        return self._convert(utc_naive, to_local, self._local_offsets)

    def to_utc(self, local_naive):
        """``to_utc`` with the offset of each local day computed once (see ``_convert``)."""
        return self._convert(local_naive, to_utc, self._offsets)

    def _convert(self, moment, convert, offsets):
        """``convert(tz, moment)`` with the offset of ``moment``'s day computed once in
        ``offsets``: spreading a day's emails converts thousands of moments and pytz's
        own conversion is slow. On a day whose offset changes (daylight saving time)
        each moment is converted."""
        day = moment.date()
        offset = offsets.get(day)
        if offset is None:
            midnight = datetime.combine(day, time.min)
            offset = convert(self.tz, midnight) - midnight
            last = datetime.combine(day, time(23, 59, 59))
            if convert(self.tz, last) - last != offset:
                offset = False
            offsets[day] = offset
        return moment + offset if offset is not False else convert(self.tz, moment)

    def is_sending_day(self, day):
        return day.weekday() in self.weekdays and day not in self.holidays

    def next_sending_day(self, day):
        """The first sending day at or after the local date ``day``."""
        for offset in range(MAX_SEARCH_DAYS):
            candidate = day + timedelta(days=offset)
            if self.is_sending_day(candidate):
                return candidate
        raise NoSendingDay(day)

    def add_sending_days(self, day, count):
        """The ``count``-th sending day after the local date ``day``."""
        for _index in range(count):
            day = self.next_sending_day(day + timedelta(days=1))
        return day

    def fit(self, local, in_window):
        """First local moment at or after ``local`` on a sending day and, for emails
        (``in_window``), inside the send window; tasks only wait for the window to open."""
        start = local
        for _index in range(MAX_SEARCH_DAYS):
            day = local.date()
            hour = local.hour + local.minute / 60 + local.second / 3600
            if not self.is_sending_day(day):
                local = datetime.combine(day + timedelta(days=1), time.min)
            elif hour < self.hour_from:
                return datetime.combine(day, time.min) + timedelta(hours=self.hour_from)
            elif in_window and hour >= self.hour_to:
                local = datetime.combine(day + timedelta(days=1), time.min)
            else:
                return local
        raise NoSendingDay(start.date())

    def fit_utc(self, utc_naive, in_window):
        """``fit`` for a UTC moment, answered in UTC."""
        return self.to_utc(self.fit(self.to_local(utc_naive), in_window))

    def plan(self, steps, start, start_day=1, sending_days=False):
        """Plan ``steps`` (``PlanStep`` in their order) of a run started at ``start`` (UTC).

        Day N is calendar day N of the run, ``start`` being day ``start_day``, in this
        calendar's time zone. A step whose day is not a sending day (or whose window
        has closed) moves alone to the next sending moment; later steps keep their own
        day, but never come before an earlier step.

        With ``sending_days``, days count sending days instead: the run's first day is
        the first sending day at or after ``start``, and a step N days after the
        previous one lands N sending days after the day that step landed on, so steps
        share a moment only when they share a day and a delay always shows.

        After a "wait until done" step the next steps get no date, nor does a step that
        ``waits`` and those after it: they are planned when the task is done.
        """
        planned = []
        start_local = self.to_local(start)
        previous = start_local
        previous_day = start_day
        waiting = False
        for step in steps:
            if waiting or step.waits:
                planned.append(PlannedStep(step.key, None, None, None))
                waiting = True
                continue
            gap = step.day - previous_day
            if not sending_days:
                day_date = start_local.date() + timedelta(days=step.day - start_day)
            else:
                base = previous.date() if planned else self.next_sending_day(start_local.date())
                day_date = self.add_sending_days(base, gap) if gap > 0 else base
            candidate = start_local if day_date <= start_local.date() else datetime.combine(day_date, time.min)
            local = self.fit(max(candidate, previous), step.in_window)
            planned.append(PlannedStep(step.key, self.to_utc(local), day_date, local))
            previous = local
            previous_day = step.day
            waiting = step.wait_until_done
        return planned


@dataclass(frozen=True)
class Slot:
    """When one email goes out (UTC) and, when a sending limit pushed it to a later
    hour or day, which one (``"hourly"`` or ``"daily"``)."""

    date: datetime
    deferred: str | None = None


class SenderQuota:
    """How many more emails one sender (a mailbox) may send per hour and per day.

    Hours are UTC hours; a day is a calendar day in the sender's own time zone.
    ``load(start, end)`` answers {UTC hour: emails} already planned or sent by the
    sender in [start, end) (naive UTC); it is asked once per day the planning uses.
    Without limits nothing is counted or loaded.
    """

    def __init__(self, daily=0, hourly=0, tz_name="UTC", load=None):
        self.daily = max(daily or 0, 0)
        self.hourly = max(hourly or 0, 0)
        self.tz = pytz.timezone(tz_name or "UTC")
        self.load = load
        self.hours = defaultdict(int)
        self.days = defaultdict(int)
        self.loaded = set()

    @property
    def limited(self):
        return bool(self.daily or self.hourly)

    def _day(self, utc):
        return to_local(self.tz, utc).date()

    def _ensure(self, day):
        if day in self.loaded or not self.load or not self.limited:
            return
        self.loaded.add(day)
        start = to_utc(self.tz, datetime.combine(day, time.min))
        end = to_utc(self.tz, datetime.combine(day + timedelta(days=1), time.min))
        for hour, count in self.load(start, end).items():
            self.hours[hour] += count
            self.days[day] += count

    @staticmethod
    def _hour(utc):
        return utc.replace(minute=0, second=0, microsecond=0)

    def day_free(self, utc):
        if not self.daily:
            return math.inf
        day = self._day(utc)
        self._ensure(day)
        return self.daily - self.days[day]

    def hour_free(self, utc):
        if not self.hourly:
            return math.inf
        self._ensure(self._day(utc))
        return self.hourly - self.hours[self._hour(utc)]

    def take(self, utc):
        if not self.limited:
            return
        day = self._day(utc)
        self._ensure(day)
        self.hours[self._hour(utc)] += 1
        self.days[day] += 1


def spread(calendar, quota, earliest, spread_sends=True):
    """Send moments for the emails of one step, in the order of ``earliest`` (their
    earliest moments, naive UTC): ``[Slot]``.

    Each email goes out in the send window of ``calendar``, at or after its earliest
    moment. With ``spread_sends`` the emails of a day are spaced evenly from the first
    one's moment to the window's close instead of all leaving at its opening. The
    sender's hourly and daily limits (``quota``) are kept: the emails a limit leaves no
    room for move to the next free hour or sending day, marked with that limit.
    """
    count = len(earliest)
    if not count:
        return []
    fitted = [calendar.fit(calendar.to_local(moment), in_window=True) for moment in earliest]
    queue = sorted(range(count), key=lambda index: (fitted[index], index))
    slots = [None] * count
    deferred = {}
    carry = []
    position = 0
    day_start = None
    for _days in range(MAX_SEARCH_DAYS * 4):
        if not carry and position >= count:
            return slots
        start = day_start if carry else fitted[queue[position]]
        day = start.date()
        close = datetime.combine(day, time.min) + timedelta(hours=calendar.hour_to)
        today = list(carry)
        while position < count and fitted[queue[position]].date() == day:
            today.append(queue[position])
            position += 1
        free = min(len(today), quota.day_free(calendar.to_utc(start)))
        interval = (close - start).total_seconds() / free if spread_sends and free > 0 else 0.0
        if quota.hourly:
            interval = max(interval, 3600.0 / quota.hourly)
        carry = []
        placed = 0
        for index in today:
            if placed >= free or quota.day_free(calendar.to_utc(start)) <= 0:
                carry.append(index)
                deferred.setdefault(index, "daily")
                continue
            local = max(start + timedelta(seconds=placed * interval), fitted[index])
            while local < close and quota.hour_free(calendar.to_utc(local)) <= 0:
                local = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
                deferred.setdefault(index, "hourly")
            if local >= close:
                carry.append(index)
                deferred.setdefault(index, "hourly")
                continue
            moment = calendar.to_utc(local)
            quota.take(moment)
            slots[index] = Slot(moment, deferred.get(index))
            placed += 1
        if carry:
            day_start = calendar.fit(datetime.combine(day + timedelta(days=1), time.min), in_window=True)
    raise NoSendingDay(fitted[queue[0]].date())

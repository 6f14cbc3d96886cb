"""The one planner: every way a run's touches get their dates goes through ``Planner``.

Enrolling, re-planning after an edit, continuing after a "wait until done" task,
resuming a paused run, pausing until a date, moving emails over a sender's limit and
the planned schedule of the sequence form all ask it *what* to plan; it owns *how*: the
send calendars (one per sequence and time zone), the senders' quotas (one per sender)
and the rules that keep a run's steps in order and, with sending-day counting, on
distinct days. Plain Python (no ORM): callers hand it keys (records, ids) and get dates
back, so each entry point's rules are unit-tested without a database
(``tests/test_planner.py``). ``crm.sequence.touch._planner()`` builds one for a batch.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from .send_calendar import PlanStep, Slot, spread


@dataclass(frozen=True)
class SequenceRules:
    """What the planner needs of a sequence (``key`` and ``sender`` are the caller's)."""

    key: object
    sender: object = None
    spread_sends: bool = True
    sending_days: bool = False  # day N is the Nth sending day (else calendar day N)


@dataclass(frozen=True)
class PlannedTouch:
    """A touch already planned, as ``resume`` and ``keep_order`` take it."""

    key: object
    step: PlanStep
    date: datetime


class Planner:
    """Plans the touches of a batch of runs.

    :param calendar_of: ``(sequence key, tz name, start)`` → ``SendCalendar``
    :param quota_of: ``(sender, sent_only)`` → ``SenderQuota``; ``sent_only`` counts only
        what was sent (the room left right now), else what is planned too
    """

    def __init__(self, calendar_of, quota_of):
        self._calendar_of = calendar_of
        self._quota_of = quota_of
        self._calendars = {}
        self._quotas = {}
        self._fitted = {}

    # ------------------------------------------------------------------
    # What the planner owns
    # ------------------------------------------------------------------

    def calendar(self, rules, tz, start):
        key = (rules.key, tz)
        if key not in self._calendars:
            self._calendars[key] = self._calendar_of(rules.key, tz, start)
        return self._calendars[key]

    def quota(self, sender, sent_only=False):
        key = (sender, sent_only)
        if key not in self._quotas:
            self._quotas[key] = self._quota_of(sender, sent_only)
        return self._quotas[key]

    def _fit(self, calendar, moment, in_window):
        """``calendar.fit_utc``, once per distinct moment (runs share their dates)."""
        key = (id(calendar), moment, in_window)
        if key not in self._fitted:
            self._fitted[key] = calendar.fit_utc(moment, in_window)
        return self._fitted[key]

    def _after(self, calendar, rules, latest, gap, step):
        """The first moment for ``step`` once the run's previous step is at ``latest``
        (UTC) and ``gap`` step days after it: the same moment re-fitted, or, counting
        sending days, ``gap`` sending days later (so the delay still shows)."""
        if rules.sending_days and gap > 0:
            day = calendar.add_sending_days(calendar.to_local(latest).date(), gap)
            return self._fit(calendar, calendar.to_utc(datetime.combine(day, time.min)), step.in_window)
        return self._fit(calendar, latest, step.in_window)

    @staticmethod
    def _too_close(calendar, rules, latest, gap, date):
        """A step at ``date`` comes too soon after its run's previous step at ``latest``:
        before it, or, counting sending days with days between them, on its day."""
        if rules.sending_days and gap > 0:
            return calendar.to_local(date).date() <= calendar.to_local(latest).date()
        return date < latest

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------

    def schedule(self, rules, steps, start, tz=None, start_day=1):
        """[PlannedStep] of ``steps`` for one run started at ``start`` (the step days'
        own dates; the planned schedule shows them): see ``SendCalendar.plan``."""
        return self.calendar(rules, tz, start).plan(steps, start, start_day, sending_days=rules.sending_days)

    def plan_runs(self, rules, tz, steps, start, runs, start_day=1):
        """Dates of ``steps`` for ``runs`` runs started (or continued from step day
        ``start_day``) at ``start``: ``[(step key, [Slot | None per run])]``, None for the
        steps that wait for a task. Automatic emails are spread over the window within the
        sender's limits; a run's step never comes before its previous one."""
        calendar = self.calendar(rules, tz, start)
        planned = []
        previous = [None] * runs
        previous_day = start_day
        for step, plan in zip(steps, self.schedule(rules, steps, start, tz, start_day)):
            if plan.date is None:
                planned.append((step.key, [None] * runs))
                continue
            gap = step.day - previous_day
            moments = [
                self._after(calendar, rules, before, gap, step)
                if before and self._too_close(calendar, rules, before, gap, plan.date)
                else plan.date
                for before in previous
            ]
            if step.email:
                slots = spread(calendar, self.quota(rules.sender), moments, rules.spread_sends)
            else:
                slots = [Slot(moment) for moment in moments]
            planned.append((step.key, slots))
            previous = [slot.date for slot in slots]
            previous_day = step.day
        return planned

    def reslot(self, rules, tz, earliest):
        """Send moments (``[Slot]``) for automatic emails planned again from ``earliest``
        (UTC, in order): spread and within the sender's limits."""
        calendar = self.calendar(rules, tz, min(earliest))
        return spread(calendar, self.quota(rules.sender), earliest, rules.spread_sends)

    def room_now(self, sender, now):
        """How many more emails ``sender`` may send at ``now`` (None: no limit)."""
        quota = self.quota(sender, sent_only=True)
        if not quota.limited:
            return None
        return int(max(min(quota.hour_free(now), quota.day_free(now)), 0))

    def pause_until(self, rules, tz, now, local_date=None, days=0):
        """When a run paused now resumes: at the opening of the send window on
        ``local_date`` (the run's time zone), else after ``days``; never before now."""
        calendar = self.calendar(rules, tz, now)
        resume = calendar.to_utc(datetime.combine(local_date, time.min)) if local_date else now + timedelta(days=days)
        return calendar.fit_utc(max(resume, now), in_window=False)

    def resume(self, runs, now):
        """Dates for what remains of resumed runs: ``runs`` is ``[(rules, tz, paused
        for (timedelta), [PlannedTouch in step order])]``. Each touch moves by the time
        its run was paused, tasks re-fitted into the window, emails spread again within
        their sender's limits, then every run keeps its steps in order.
        Returns {touch key: Slot}."""
        slots = {}
        emails = defaultdict(list)  # (rules, tz) -> [(earliest, touch key)]
        for rules, tz, paused, touches in runs:
            calendar = self.calendar(rules, tz, now)
            for touch in touches:
                date = touch.date + paused
                if touch.step.email:
                    emails[rules, tz].append((max(date, now), touch.key))
                else:
                    slots[touch.key] = Slot(self._fit(calendar, date, touch.step.in_window))
        for (rules, tz), group in emails.items():
            group.sort(key=lambda item: item[0])
            for (_earliest, key), slot in zip(group, self.reslot(rules, tz, [moment for moment, _key in group])):
                slots[key] = slot
        for rules, tz, _paused, touches in runs:
            moved = [PlannedTouch(t.key, t.step, slots[t.key].date) for t in touches]
            for key, date in self.keep_order(rules, tz, moved).items():
                slots[key] = Slot(date, slots[key].deferred)
        return slots

    def keep_order(self, rules, tz, touches):
        """No step before an earlier step of its run (after some moved later):
        ``touches`` are one run's ``PlannedTouch`` in step order; returns {key: new date}
        for those that must move."""
        moved = {}
        latest, latest_day = None, None
        for touch in touches:
            date = touch.date
            if latest:
                calendar = self.calendar(rules, tz, latest)
                gap = touch.step.day - latest_day
                if self._too_close(calendar, rules, latest, gap, date):
                    date = self._after(calendar, rules, latest, gap, touch.step)
                    moved[touch.key] = date
            latest, latest_day = date, touch.step.day
        return moved

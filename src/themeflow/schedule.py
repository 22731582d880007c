"""When a saved workflow is due: intervals (``30m``, ``6h``, ``1d``) and cron expressions (``0 8 * * *``).

Why slots instead of "last run + interval":
- A scheduler that was down for a day must run a missed workflow **once** (the run's window reaches back to
  the last successful run, so nothing is skipped), not once per missed slot. So a due run is recorded with
  the *latest slot at or before now* (:func:`latest_slot`), and the next due time is the first slot after it.
- Anchoring on slots, not on the moment a run happened to start, keeps ``1d`` runs from drifting later by a
  few seconds every day.

Cron expressions are evaluated in a time zone (the ``timezone`` setting, Asia/Shanghai by default), so
``0 8 * * *`` means 08:00 in Shanghai whatever the server's clock zone. All functions are pure: the caller
passes ``now``, which is what makes restarts and due times testable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from croniter import croniter

from themeflow.errors import InputError

__all__ = ["Schedule", "parse_schedule", "parse_duration", "next_due", "latest_slot", "is_due"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$", re.IGNORECASE)
MIN_INTERVAL = timedelta(minutes=1)
"""Shorter intervals are almost always a typo (``6s`` for ``6h``) and would hammer the store."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """A parsed schedule: exactly one of ``interval`` or ``cron`` is set."""

    text: str
    interval: timedelta | None = None
    cron: str | None = None

    @property
    def kind(self) -> str:
        return "interval" if self.interval is not None else "cron"


def parse_duration(text: str, *, what: str = "duration") -> timedelta:
    """``30m`` / ``6h`` / ``1d`` / ``2w`` → timedelta; anything else is an InputError saying the format."""
    m = _DURATION.match(text or "")
    if not m:
        raise InputError(
            f"{what} {text!r} is not a duration; use a number and a unit s/m/h/d/w, e.g. 30m, 6h, 1d"
        )
    seconds = int(m.group(1)) * _UNITS[m.group(2).lower()]
    if seconds <= 0:
        raise InputError(f"{what} {text!r} must be longer than zero")
    return timedelta(seconds=seconds)


def parse_schedule(text: str) -> Schedule:
    """Validate a schedule string: an interval (``6h``) or a 5-field cron expression (``0 8 * * 1-5``)."""
    raw = (text or "").strip()
    if not raw:
        raise InputError("schedule is empty; use an interval like 6h or a cron expression like '0 8 * * *'")
    if _DURATION.match(raw):
        interval = parse_duration(raw, what="schedule")
        if interval < MIN_INTERVAL:
            raise InputError(f"schedule {raw!r} is shorter than one minute; use e.g. 30m or 6h")
        return Schedule(text=raw, interval=interval)
    fields = raw.split()
    if len(fields) != 5:
        raise InputError(
            f"schedule {raw!r} is neither an interval (6h, 1d) nor a cron expression with 5 fields "
            f"(minute hour day month weekday, e.g. '0 8 * * *'); it has {len(fields)} field(s)"
        )
    if not croniter.is_valid(raw):
        raise InputError(
            f"schedule {raw!r} is not a valid cron expression; fields are minute hour day month weekday, "
            "e.g. '0 8 * * 1-5' for 08:00 on weekdays"
        )
    return Schedule(text=raw, cron=raw)


def _aware(dt: datetime, tz: tzinfo) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=tz)


def next_due(schedule: Schedule, last_slot: datetime | None, *, now: datetime, tz: tzinfo) -> datetime:
    """When the workflow is next due, given the slot its last successful run was recorded for.

    A workflow that never ran successfully is due ``now``: its first run covers the theme's ``since`` window.
    """
    if last_slot is None:
        return now
    last_slot = _aware(last_slot, tz)
    if schedule.interval is not None:
        return last_slot + schedule.interval
    assert schedule.cron is not None
    it = croniter(schedule.cron, last_slot.astimezone(tz))
    nxt: datetime = it.get_next(datetime)
    return nxt


def latest_slot(schedule: Schedule, last_slot: datetime | None, *, now: datetime, tz: tzinfo) -> datetime:
    """The latest slot at or before ``now``: what a run started now is recorded for.

    For an interval the slots are ``last_slot + k * interval``; for cron they are the expression's fire
    times. A first run (no ``last_slot``) is recorded for ``now`` itself.
    """
    now = _aware(now, tz)
    if last_slot is None:
        return now
    last_slot = _aware(last_slot, tz)
    if schedule.interval is not None:
        if now <= last_slot:
            return last_slot
        steps = (now - last_slot) // schedule.interval
        return last_slot + steps * schedule.interval
    assert schedule.cron is not None
    # get_prev is strictly before its start; nudge so a fire time exactly at ``now`` counts.
    local_now = now.astimezone(tz) + timedelta(microseconds=1)
    prev: datetime = croniter(schedule.cron, local_now).get_prev(datetime)
    return max(prev, last_slot)


def is_due(schedule: Schedule, last_slot: datetime | None, *, now: datetime, tz: tzinfo) -> bool:
    return next_due(schedule, last_slot, now=now, tz=tz) <= _aware(now, tz)

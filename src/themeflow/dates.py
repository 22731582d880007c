"""One reading of the dates a user types, wherever they type them.

``--since 2025-11`` on the command line, ``since:2025-11`` inside a query, ``since = "30d"`` in a theme
file and ``?since=`` in the web app all mean the same instant, in the same zone (the ``timezone`` setting,
default Asia/Shanghai). A date names a *period*, and a bound is that period's start (``since``) or its
inclusive end (``until``):

- ``2025`` → the year, ``2025-11`` / ``2025/11`` / ``2025年11月`` → the month, ``2025-11-20`` → the day;
- an ISO datetime (``2025-11-20T08:00``, ``…+08:00``, ``…Z``) → that instant (naive = the zone);
- a duration back from now (``30d``, ``6h``, ``2w``) → that instant.

Bounds past the calendar's end (``until:9999-12-31``) clamp to the last representable instant instead of
overflowing.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from datetime import time as dtime

from themeflow.errors import InputError

__all__ = ["DateFormatError", "as_datetime", "parse_bound", "retry_after_seconds"]

_PERIOD = re.compile(r"^(\d{4})(?:\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2})\s*日?)?\s*月?)?\s*年?$")
_AGO = re.compile(r"^(\d{1,6})\s*([smhdw])$", re.I)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_LAST = datetime.max - timedelta(days=2)
"""The latest bound handed out: two days short of datetime.max, so conversion to any zone stays valid."""
_FIRST = datetime.min + timedelta(days=2)

FORMATS = "YYYY, YYYY-MM, YYYY-MM-DD, an ISO datetime, or a duration back from now such as 30d"


class DateFormatError(InputError):
    """The text is no date themeflow understands; the message says which forms are."""


def parse_bound(text: str, *, end: bool, tz: tzinfo, now: datetime | None = None) -> datetime:
    """The aware instant that ``text`` names as a start (``end=False``) or inclusive end (``end=True``)."""
    value = (text or "").strip()
    if not value:
        raise DateFormatError(f"an empty date; use {FORMATS}")
    ago = _AGO.match(value)
    if ago:
        seconds = int(ago.group(1)) * _UNIT_SECONDS[ago.group(2).lower()]
        return (now or datetime.now(UTC)).astimezone(tz) - timedelta(seconds=seconds)
    period = _PERIOD.match(value)
    if period:
        return _period_bound(
            int(period.group(1)),
            int(period.group(2)) if period.group(2) else None,
            int(period.group(3)) if period.group(3) else None,
            end=end,
            tz=tz,
            text=value,
        )
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise DateFormatError(f"{value!r} is not a date; use {FORMATS}") from None
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=tz)


def _period_bound(
    year: int, month: int | None, day: int | None, *, end: bool, tz: tzinfo, text: str
) -> datetime:
    try:
        start = datetime(year, month or 1, day or 1)
    except ValueError:
        raise DateFormatError(f"{text!r} is not a calendar date; use {FORMATS}") from None
    if start < _FIRST:
        start = _FIRST
    if not end:
        return start.replace(tzinfo=tz)
    try:
        if day is not None:
            nxt = start + timedelta(days=1)
        elif month is not None:
            nxt = datetime(year + (month == 12), month % 12 + 1, 1)
        else:
            nxt = datetime(year + 1, 1, 1)
    except (OverflowError, ValueError):  # the period ends with the calendar (9999-12-31)
        return _LAST.replace(tzinfo=tz)
    return min(nxt - timedelta(microseconds=1), _LAST).replace(tzinfo=tz)


def as_datetime(value: str | date | datetime | None, tz: tzinfo, *, end: bool, flag: str) -> datetime | None:
    """Dates from flags, read as :func:`themeflow.dates.parse_bound` reads them everywhere: ``2025-11``
    is the month (``--until``: to its last instant), naive times are in ``tz``."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(value, dtime.max if end else dtime.min, tzinfo=tz)
    try:
        return parse_bound(str(value), end=end, tz=tz)
    except DateFormatError as exc:
        raise InputError(f"{flag} {exc}") from None


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds an HTTP ``Retry-After`` header asks a client to wait: a number of seconds or an HTTP date
    (a date without a zone is read as UTC, as HTTP dates are); None when absent or unreadable. Never
    negative. The fetcher, the LLM client and the webhook read it the same way."""
    from email.utils import parsedate_to_datetime

    if not value or not value.strip():
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0.0, seconds) if seconds == seconds else None

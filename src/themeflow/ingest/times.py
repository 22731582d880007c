"""Publish times from every form Chinese news sources write them in, always timezone-aware.

A wrong time is worse than none — it puts an article in the wrong workflow window — so anything
ambiguous (``11/12/2025``: November or December?) or out of range returns ``None`` rather than a guess.
Times written without an offset are in ``default_tz`` (Asia/Shanghai: what Chinese outlets mean).
A year-less ``11月20日 09:04`` takes the year that puts it closest before ``now`` (never more than a day
ahead of it: feeds are not written in the future).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from themeflow.errors import ConfigError

__all__ = ["parse_time", "zone"]

_MIN_YEAR, _MAX_YEAR = 1990, 2100

_SEP_DATE = re.compile(
    r"^(?P<y>\d{4})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})\s*日?"
    r"(?:(?:\s+|T|\s*日?\s*)(?P<H>\d{1,2})\s*[:：时點点]\s*(?P<M>\d{1,2})"
    r"(?:\s*[:：分]\s*(?P<S>\d{1,2})(?:[.,]\d+)?)?\s*秒?分?)?"
    r"\s*(?P<tz>Z|UTC|GMT|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)
_NO_YEAR = re.compile(
    r"^(?P<m>\d{1,2})\s*(?:月|-|/)\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})(?:\s*[:：]\s*(?P<S>\d{1,2}))?\s*分?)?$"
)
_COMPACT = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})?)?$")
_EPOCH = re.compile(r"^-?\d{9,13}(?:\.\d+)?$")
_RFC2822_HINT = re.compile(r"[A-Za-z]{3},?\s+\d{1,2}\s+[A-Za-z]{3}|\d{1,2}\s+[A-Za-z]{3}\s+\d{4}")


@lru_cache(maxsize=32)
def zone(name: str) -> tzinfo:
    """The tzinfo for an IANA name; a bad name is a configuration mistake the user must fix."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"unknown time zone {name!r}; use an IANA name such as Asia/Shanghai") from exc


def _in_range(dt: datetime) -> datetime | None:
    return dt if _MIN_YEAR <= dt.year <= _MAX_YEAR else None


def _build(y: int, m: int, d: int, hh: int, mm: int, ss: int, tz: tzinfo) -> datetime | None:
    try:
        return _in_range(datetime(y, m, d, hh, mm, ss, tzinfo=tz))
    except ValueError:
        return None


def _offset(token: str | None, default: tzinfo) -> tzinfo:
    if not token:
        return default
    token = token.upper()
    if token in {"Z", "UTC", "GMT"}:
        return UTC
    sign = -1 if token[0] == "-" else 1
    digits = token[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _from_epoch(number: float, tz: tzinfo) -> datetime | None:
    seconds = number / 1000 if abs(number) >= 1e11 else number  # 1e11 s is year 5138: must be ms
    try:
        return _in_range(datetime.fromtimestamp(seconds, tz=tz))
    except (OverflowError, OSError, ValueError):
        return None


def _int(group: str | None) -> int:
    return int(group) if group else 0


def parse_time(
    value: object, default_tz: str = "Asia/Shanghai", now: datetime | None = None
) -> datetime | None:
    """Parse ``value`` into an aware datetime, or ``None`` when it is missing, garbage or ambiguous.

    Accepts datetimes/dates, epoch seconds or milliseconds (int, float or digit string), ISO 8601,
    ``2025-11-21 00:25``, ``2025年11月20日 20:41``, ``2025.10.16 13:28``, ``2025/10/16``, ``20251016``,
    year-less ``11月20日 09:04`` and RFC 2822 (``Fri, 21 Nov 2025 00:25:00 +0800``).
    """
    tz = zone(default_tz)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return _in_range(value if value.tzinfo else value.replace(tzinfo=tz))
    if isinstance(value, date):
        return _build(value.year, value.month, value.day, 0, 0, 0, tz)
    if isinstance(value, int | float):
        return _from_epoch(float(value), tz)
    if not isinstance(value, str):
        return None
    text = value.strip().translate({cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)})
    if not text:
        return None
    if m := _COMPACT.match(text):
        compact = _build(int(m["y"]), int(m["m"]), int(m["d"]), _int(m["H"]), _int(m["M"]), _int(m["S"]), tz)
        if compact is not None:
            return compact
    if _EPOCH.match(text):
        return _from_epoch(float(text), tz)
    if m := _SEP_DATE.match(text):
        return _build(
            int(m["y"]),
            int(m["m"]),
            int(m["d"]),
            _int(m["H"]),
            _int(m["M"]),
            _int(m["S"]),
            _offset(m["tz"], tz),
        )
    if m := _NO_YEAR.match(text):
        return _without_year(m, tz, now)
    try:
        iso = datetime.fromisoformat(text)
    except ValueError:
        iso = None
    if iso is not None:
        return _in_range(iso if iso.tzinfo else iso.replace(tzinfo=tz))
    if _RFC2822_HINT.search(text):
        try:
            rfc = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        # RFC 2822 "-0000" means "zone unknown": parsedate returns a naive datetime for it.
        return _in_range(rfc if rfc.tzinfo else rfc.replace(tzinfo=tz))
    return None


def _without_year(m: re.Match[str], tz: tzinfo, now: datetime | None) -> datetime | None:
    ref = (now or datetime.now(tz)).astimezone(tz)
    for year in (ref.year, ref.year - 1):
        dt = _build(year, int(m["m"]), int(m["d"]), _int(m["H"]), _int(m["M"]), _int(m["S"]), tz)
        if dt is not None and dt <= ref + timedelta(days=1):
            return dt
    return None

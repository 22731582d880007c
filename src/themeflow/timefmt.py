"""One rule for showing a time to a person: in the configured zone, with the zone written out.

An analyst in Shanghai reading ``08:00`` must not have to guess whether it is UTC (a run's start), the
outlet's own zone (a publish time) or Beijing time. Every display — terminal and web — goes through
:func:`display_time`: the time converted to the ``timezone`` setting (``THEMEFLOW_TIMEZONE``, default
Asia/Shanghai) and labelled with its UTC offset (``2025-11-20 20:41 UTC+8``). Machine output (JSON) keeps
ISO 8601 with offsets and does not come here.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from functools import lru_cache

__all__ = ["display_date", "display_time", "display_zone", "zone_label"]


@lru_cache(maxsize=1)
def display_zone() -> tzinfo:
    """The configured zone (read once per process)."""
    from themeflow.config import load_settings

    return load_settings().timezone


def zone_label(offset: timedelta | None) -> str:
    """``UTC+8``, ``UTC-5``, ``UTC+5:30``, ``UTC``: short, unambiguous (``CST`` is also US Central)."""
    if offset is None or offset == timedelta(0):
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def display_time(dt: datetime | None, tz: tzinfo | None = None, *, unknown: str = "time unknown") -> str:
    """``YYYY-MM-DD HH:MM UTC+8`` in ``tz`` (default: the configured zone). A naive time is taken to be
    in that zone already (that is how ingest stores times written without one)."""
    if dt is None:
        return unknown
    zone = tz or display_zone()
    local = dt.replace(tzinfo=zone) if dt.tzinfo is None else dt.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {zone_label(local.utcoffset())}"


def display_date(dt: datetime | None, tz: tzinfo | None = None, *, unknown: str = "date unknown") -> str:
    """``YYYY-MM-DD`` of ``dt`` in the configured zone (a day is a local notion)."""
    if dt is None:
        return unknown
    zone = tz or display_zone()
    local = dt.replace(tzinfo=zone) if dt.tzinfo is None else dt.astimezone(zone)
    return f"{local:%Y-%m-%d}"

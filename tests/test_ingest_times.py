"""Every publish-time form Chinese sources use parses to an aware datetime; garbage gives None."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from themeflow.errors import ConfigError
from themeflow.ingest.times import parse_time

CST = timezone(timedelta(hours=8))
NOW = datetime(2025, 11, 21, 12, 0, tzinfo=CST)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-11-21 00:25", datetime(2025, 11, 21, 0, 25, tzinfo=CST)),
        ("2025-11-21 00:25:09", datetime(2025, 11, 21, 0, 25, 9, tzinfo=CST)),
        ("2025-11-21T00:25:00+08:00", datetime(2025, 11, 21, 0, 25, tzinfo=CST)),
        ("2025-11-21T00:25:00Z", datetime(2025, 11, 21, 0, 25, tzinfo=UTC)),
        ("2025-11-21T00:25:00.123+0000", datetime(2025, 11, 21, 0, 25, tzinfo=UTC)),
        ("2025年11月20日 20:41", datetime(2025, 11, 20, 20, 41, tzinfo=CST)),
        ("2025年11月20日20:41", datetime(2025, 11, 20, 20, 41, tzinfo=CST)),
        ("2025年11月20日", datetime(2025, 11, 20, tzinfo=CST)),
        ("11月20日 09:04", datetime(2025, 11, 20, 9, 4, tzinfo=CST)),
        ("11月22日 09:04", datetime(2025, 11, 22, 9, 4, tzinfo=CST)),  # within a day ahead: this year
        ("12月25日 09:04", datetime(2024, 12, 25, 9, 4, tzinfo=CST)),  # would be the future: last year
        ("2025.10.16 13:28", datetime(2025, 10, 16, 13, 28, tzinfo=CST)),
        ("2025/10/16", datetime(2025, 10, 16, tzinfo=CST)),
        ("2025-10-16", datetime(2025, 10, 16, tzinfo=CST)),
        ("20251016", datetime(2025, 10, 16, tzinfo=CST)),
        ("２０２５-１１-２１", datetime(2025, 11, 21, tzinfo=CST)),
        ("Fri, 21 Nov 2025 00:25:00 +0800", datetime(2025, 11, 21, 0, 25, tzinfo=CST)),
        ("Thu, 20 Nov 2025 16:25:00 GMT", datetime(2025, 11, 20, 16, 25, tzinfo=UTC)),
        (1763655900, datetime(2025, 11, 21, 0, 25, tzinfo=CST)),
        (1763655900000, datetime(2025, 11, 21, 0, 25, tzinfo=CST)),
        ("1763655900", datetime(2025, 11, 21, 0, 25, tzinfo=CST)),
        ("1763655900000", datetime(2025, 11, 21, 0, 25, tzinfo=CST)),
        (1763655900.5, datetime(2025, 11, 21, 0, 25, 0, 500000, tzinfo=CST)),
        (date(2025, 11, 21), datetime(2025, 11, 21, tzinfo=CST)),
        (datetime(2025, 11, 21, 0, 25), datetime(2025, 11, 21, 0, 25, tzinfo=CST)),
    ],
)
def test_parses(value: object, expected: datetime) -> None:
    got = parse_time(value, now=NOW)
    assert got is not None and got.tzinfo is not None
    assert got == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "garbage",
        "昨天",
        "11/12/2025",
        "2025-13-01",
        "2025-02-30 10:00",
        "99999",
        12,
        True,
        "1850-01-01",
        [],
        "2025-11-21 25:61",
    ],
)
def test_garbage_and_ambiguous_give_none(value: object) -> None:
    assert parse_time(value, now=NOW) is None


def test_default_timezone_is_configurable() -> None:
    got = parse_time("2025-11-21 00:25", "UTC")
    assert got == datetime(2025, 11, 21, 0, 25, tzinfo=UTC)
    with pytest.raises(ConfigError, match="time zone"):
        parse_time("2025-11-21", "Mars/Olympus")


def test_year_less_time_without_now_uses_the_clock() -> None:
    got = parse_time("1月1日 00:00")
    assert got is not None and got <= datetime.now(UTC) + timedelta(days=1)

"""One reading of dates for flags, query filters and theme files, in the configured zone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from themeflow.dates import DateFormatError, parse_bound
from themeflow.errors import QueryError
from themeflow.model import Document
from themeflow.search.query import parse_query
from themeflow.service import Themeflow

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("text", "end", "expected"),
    [
        ("2025", False, datetime(2025, 1, 1, tzinfo=SH)),
        ("2025", True, datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=SH)),
        ("2025-11", True, datetime(2025, 11, 30, 23, 59, 59, 999999, tzinfo=SH)),
        ("2025/12", True, datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=SH)),
        ("2025年11月", False, datetime(2025, 11, 1, tzinfo=SH)),
        ("2025-11-20", True, datetime(2025, 11, 20, 23, 59, 59, 999999, tzinfo=SH)),
        ("2025-11-20T08:00", False, datetime(2025, 11, 20, 8, tzinfo=SH)),
        ("2025-11-20T00:00Z", False, datetime(2025, 11, 20, tzinfo=UTC)),
    ],
)
def test_periods_and_instants(text: str, end: bool, expected: datetime) -> None:
    assert parse_bound(text, end=end, tz=SH) == expected


def test_durations_count_back_from_now() -> None:
    now = datetime(2025, 11, 20, 12, tzinfo=UTC)
    assert parse_bound("30d", end=False, tz=SH, now=now) == now - timedelta(days=30)


def test_the_end_of_the_calendar_clamps_instead_of_overflowing() -> None:
    bound = parse_bound("9999-12-31", end=True, tz=SH)
    assert bound.year == 9999
    assert bound.astimezone(UTC).timestamp() > datetime(3000, 1, 1, tzinfo=UTC).timestamp()


@pytest.mark.parametrize("text", ["yesterday", "2025-13", "2025-02-30", "", "20251"])
def test_non_dates_are_clear_errors(text: str) -> None:
    with pytest.raises(DateFormatError, match="YYYY-MM-DD"):
        parse_bound(text, end=False, tz=SH)


def test_query_filters_use_the_given_zone() -> None:
    assert parse_query("x since:2025-11").since == datetime(2025, 11, 1, tzinfo=SH)
    utc = parse_query("x since:2025-11", tz=UTC).since
    assert utc == datetime(2025, 11, 1, tzinfo=UTC)
    with pytest.raises(QueryError) as info:
        parse_query("x until:2025-99")
    assert info.value.position == len("x until:")  # points at the value


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "dates.db"
    with Themeflow.open(path) as tf:
        tf.ingest_documents(
            [
                Document(
                    id=f"d{day:016d}",
                    title=f"美联储 11月{day}日",
                    paragraphs=(f"美联储官员{day}日表示将维持利率不变。",),
                    source="华尔街见闻",
                    published_at=datetime(2025, 11, day, 0, 30, tzinfo=SH),
                    time_origin="document",
                )
                for day in (1, 15, 30)
            ]
        )
    return path


def cli(db: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "themeflow.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "THEMEFLOW_DB": str(db), **env},
        timeout=60,
    )


def test_flag_and_query_filter_read_months_alike(db: Path) -> None:
    flag = cli(db, "search", "美联储", "--since", "2025-11-15", "--until", "2025-11", "--json")
    inline = cli(db, "search", "美联储 since:2025-11-15 until:2025-11", "--json")
    assert flag.returncode == 0, flag.stderr
    assert inline.returncode == 0, inline.stderr
    ids = [h["id"] for h in json.loads(flag.stdout)["hits"]]
    assert sorted(ids) == ["d0000000000000015", "d0000000000000030"]
    assert sorted(h["id"] for h in json.loads(inline.stdout)["hits"]) == sorted(ids)


def test_query_filter_follows_the_configured_zone(db: Path) -> None:
    # 2025-11-01 00:30 in Shanghai is 2025-10-31 16:30 UTC: inside October for a user in UTC.
    shanghai = json.loads(cli(db, "search", "美联储 until:2025-10", "--json").stdout)
    utc = json.loads(cli(db, "search", "美联储 until:2025-10", "--json", THEMEFLOW_TIMEZONE="UTC").stdout)
    assert shanghai["total"] == 0
    assert [h["id"] for h in utc["hits"]] == ["d0000000000000001"]


def test_until_the_end_of_the_calendar_is_no_internal_error(db: Path) -> None:
    proc = cli(db, "search", "美联储 until:9999-12-31", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["total"] == 3


def test_retry_after_reads_seconds_and_http_dates_the_same_everywhere() -> None:
    from datetime import UTC, datetime

    from themeflow.dates import retry_after_seconds

    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now=now) == 120.0
    assert retry_after_seconds("1.5", now=now) == 1.5
    assert retry_after_seconds("-3", now=now) == 0.0
    assert retry_after_seconds("Mon, 02 Mar 2026 09:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("Mon, 02 Mar 2026 08:00:00 GMT", now=now) == 0.0, "a past date: no wait"
    for junk in (None, "", "  ", "soon", "nan"):
        assert retry_after_seconds(junk, now=now) is None

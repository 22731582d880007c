"""Inputs at the edge of every range get a clear user error — a 400/404 or exit 1/2 — never a 500 or exit 70.

The CLI runs as a user runs it (the real console entry point in a subprocess) on a real SQLite file;
the API through the real app.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_web_corpus import build_store, make_client
from themeflow.errors import QueryError
from themeflow.search.query import parse_date_bound, parse_query
from themeflow.web.app import create_app

HUGE = "99999999999999999999999"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("hostile") / "t.db", daily=False)


@pytest.fixture(scope="module")
def client(db: Path) -> Iterator[Any]:
    with make_client(create_app(db), raise_server_exceptions=False) as c:
        yield c


def cli(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "THEMEFLOW_DB": str(db)}
    return subprocess.run(
        [sys.executable, "-m", "themeflow.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.mark.parametrize(
    "bound", ["9999-12-31", "9999-12", "9999", "0001-01-01", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00"]
)
def test_dates_at_the_end_of_the_calendar_are_query_errors(bound: str) -> None:
    for end in (False, True):
        try:
            dt = parse_date_bound(bound, end=end, position=6)
        except QueryError as exc:
            assert exc.position == 6 and bound in str(exc)
        else:
            dt.timestamp()  # whatever parses is usable downstream


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/search?q=until:9999-12-31", (200, 400)),  # clamped to the calendar's end, or refused
        ("/api/search?q=x%20until:9999", (200, 400)),
        ("/api/search?q=x%20since:0001-01-01T00:00", (200, 400)),
        ("/api/search?q=x%20since:9999-12-31T23:59:59-05:00", (200, 400)),
        ("/api/search?q=x&until=9999-12-31", (200, 400)),
        ("/api/figures?q=until:9999-12-31", (200, 400)),
        (f"/api/runs/{HUGE}", 404),
        ("/api/runs/0", 404),
        ("/api/runs/-1", 404),
        (f"/runs/{HUGE}", 404),
        (f"/api/workflows/nope/runs?limit={HUGE}", 422),
    ],
)
def test_api_answers_edge_inputs_with_a_clear_status(
    client: Any, url: str, status: int | tuple[int, ...]
) -> None:
    r = client.get(url)
    expected = status if isinstance(status, tuple) else (status,)
    assert r.status_code in expected, (url, r.text[:300])
    if url.startswith("/api/") and r.status_code >= 400:
        assert r.json()["ok"] is False and r.json()["status"] == r.status_code
        assert "internal error" not in r.json()["error"]


def test_search_page_handles_the_end_of_the_calendar(client: Any) -> None:
    for q in ("until:9999-12-31", "x since:9999-12-31T23:59:59-05:00"):
        r = client.get("/", params={"q": q})
        assert r.status_code in (200, 400) and "服务器内部错误" not in r.text


def test_cli_date_at_the_end_of_the_calendar_is_no_internal_error(db: Path) -> None:
    for q in ("until:9999-12-31", "资本开支 since:9999-12-31T23:59:59-05:00"):
        proc = cli("search", q, db=db)
        assert proc.returncode in (0, 2), proc.stderr
        assert "internal error" not in proc.stderr


def test_cli_report_of_a_run_id_beyond_64_bits_is_not_found(db: Path) -> None:
    proc = cli("report", "--run", HUGE, db=db)
    assert proc.returncode == 2, proc.stderr
    assert f"no workflow run with id {HUGE}" in proc.stderr


def test_cli_workflow_show_with_a_huge_limit_lists_the_runs(db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "w.db"
    copy.write_bytes(db.read_bytes())
    assert cli("workflow", "add", "W", "--query", "资本开支", db=copy).returncode == 0
    proc = cli("workflow", "show", "W", "--limit", HUGE, "--json", db=copy)
    assert proc.returncode == 0, proc.stderr


def test_query_dates_at_the_end_of_the_calendar_parse_or_name_their_position() -> None:
    for text in ("资本开支 until:9999-12-31", "资本开支 since:0001-01-01T00:00"):
        try:
            q = parse_query(text)
        except QueryError as exc:
            assert exc.position == len("资本开支 until:") or exc.position == len("资本开支 since:")
        else:
            for bound in (q.since, q.until):
                if bound is not None:
                    bound.timestamp()

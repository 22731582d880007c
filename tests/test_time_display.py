"""One rule for showing times: the configured zone, with the zone written out, in the terminal, the web
pages and the digest files alike (a run listed in UTC by one command and in Shanghai time without a zone
by another is how an analyst misreads a morning)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.test_web_corpus import CAPEX, build_store, make_client
from themeflow.timefmt import display_time, zone_label
from themeflow.web.app import create_app

SH = ZoneInfo("Asia/Shanghai")


def test_labels() -> None:
    assert zone_label(timedelta(hours=8)) == "UTC+8"
    assert zone_label(timedelta(hours=-5)) == "UTC-5"
    assert zone_label(timedelta(hours=5, minutes=30)) == "UTC+5:30"
    assert zone_label(timedelta(0)) == "UTC"


def test_times_are_converted_to_the_display_zone() -> None:
    new_york = timezone(timedelta(hours=-5))
    assert display_time(datetime(2025, 11, 20, 7, 41, tzinfo=new_york), SH) == "2025-11-20 20:41 UTC+8"
    assert display_time(datetime(2025, 11, 20, 12, 41, tzinfo=UTC), UTC) == "2025-11-20 12:41 UTC"
    assert display_time(None, SH) == "time unknown"


def _cli(db: Path, *args: str, **env: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "themeflow.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "THEMEFLOW_DB": str(db), "COLUMNS": "200", **env},
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_workflow_list_and_show_print_a_run_at_the_same_labelled_time(tmp_path: Path) -> None:
    from themeflow.service import Themeflow

    db = build_store(tmp_path / "t.db", daily=False)
    with Themeflow.open(db) as tf:
        tf.add_theme({"name": "capex", "query": "资本开支"})
        tf.run_workflow("capex", reports_dir=tmp_path / "reports")
    stamp = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC\+8")
    listed = stamp.findall(_cli(db, "workflow", "list"))
    shown = stamp.findall(_cli(db, "workflow", "show", "capex"))
    assert listed and shown and listed[0] == shown[0]
    in_utc = _cli(db, "workflow", "list", THEMEFLOW_TIMEZONE="UTC")
    assert re.search(r"\d\d:\d\d UTC\b", in_utc)


def test_terminal_and_web_show_a_publish_time_alike(tmp_path: Path) -> None:
    db = build_store(tmp_path / "t.db", daily=False)
    assert "华尔街见闻 · 2025-11-20 20:41 UTC+8" in _cli(db, "show", CAPEX.id)
    with make_client(create_app(db)) as client:
        page = client.get(f"/documents/{CAPEX.id}").text
    assert "2025-11-20 20:41 UTC+8" in page

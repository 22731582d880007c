"""The CLI as a user runs it: the real console script in a subprocess, on a real SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from themeflow.model import Document
from themeflow.service import Themeflow

SH = ZoneInfo("Asia/Shanghai")


def run_cli(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "THEMEFLOW_DB": str(db)}
    return subprocess.run(
        [sys.executable, "-m", "themeflow.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cli.db"
    with Themeflow.open(path) as tf:
        tf.ingest_documents(
            [
                Document(
                    id="c0000000000000001",
                    title="巴克莱：AI资本开支周期仍将持续",
                    paragraphs=("巴克莱银行发布最新研究报告。", "OpenAI 2028年计算支出约1100亿美元。"),
                    source="华尔街见闻",
                    published_at=datetime(2025, 11, 20, 20, 41, tzinfo=SH),
                    time_origin="document",
                )
            ]
        )
    return path


def test_show_prints_numbered_paragraphs(db: Path) -> None:
    proc = run_cli("show", "c0000000000000001", db=db)
    assert proc.returncode == 0, proc.stderr
    assert "[1] 巴克莱银行发布最新研究报告。" in proc.stdout
    assert "[2] OpenAI 2028年计算支出约1100亿美元。" in proc.stdout
    assert "华尔街见闻 · 2025-11-20 20:41" in proc.stdout


def test_show_json_follows_the_contract(db: Path) -> None:
    proc = run_cli("show", "c0000000000000001", "--json", db=db)
    data = json.loads(proc.stdout)
    assert data["paragraphs"][1] == "OpenAI 2028年计算支出约1100亿美元。"
    assert data["published"] == "2025-11-20T20:41:00+08:00"


def test_stats_json(db: Path) -> None:
    data = json.loads(run_cli("stats", "--json", db=db).stdout)
    assert data["documents"] == 1
    assert data["sources"] == {"华尔街见闻": 1}


def test_unknown_document_is_one_clear_line(db: Path) -> None:
    proc = run_cli("show", "nope", db=db)
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("error: no document with id 'nope'")
    assert "Traceback" not in proc.stderr


def test_unfinished_capabilities_say_so(db: Path) -> None:
    proc = run_cli("search", "x", "--mode", "semantic", db=db)
    assert proc.returncode != 0
    assert "not yet available" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_flags_are_clear(db: Path) -> None:
    for args, needle in [
        (("search", "x", "--sort", "oldest"), "--sort must be time or relevance"),
        (("search", "x", "--since", "yesterday"), "--since 'yesterday' is not a date"),
        (("search", "x", "--limit", "0"), "--limit must be between 1 and 1000"),
        (("ingest", "x.jsonl", "--map", "title"), "--map expects field=column"),
    ]:
        proc = run_cli(*args, db=db)
        assert proc.returncode != 0
        assert needle in proc.stderr, (args, proc.stderr)
        assert "Traceback" not in proc.stderr

"""``themeflow summarize --all``: every stored document summarized and cached, the same summaries
``themeflow summarize ID`` makes (here in one process; tests/test_cluster_ray.py runs it on Ray)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.test_store_postgres_concurrency import _write
from themeflow.serialize import summary_to_dict
from themeflow.service import Themeflow


def run_summarize_all(location: str, home: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "THEMEFLOW_DB": location, "THEMEFLOW_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "themeflow.cli", "summarize", "--all", *extra],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def assert_all_cached_as_made(location: str, n: int) -> None:
    """Every document has a cached summary, equal to one made afresh in this process."""
    with Themeflow.open(location) as tf:
        assert tf.stats().summaries == n
        for doc in tf.store.iter_documents():
            cached = summary_to_dict(tf.summarize(doc))
            fresh = summary_to_dict(tf.summarize(doc, refresh=True))
            for key in ("core_views", "sections", "summarizer", "content_hash"):
                assert cached[key] == fresh[key]


def test_summarize_all_in_one_process(tmp_path: Path) -> None:
    db = str(tmp_path / "all.db")
    with Themeflow.open(db) as tf:
        tf.ingest([_write(tmp_path / "few.jsonl", range(12))])
    done = run_summarize_all(db, tmp_path / "home")
    assert done.returncode == 0, done.stderr
    assert "summarized 12 documents" in done.stderr
    assert_all_cached_as_made(db, 12)
    again = run_summarize_all(db, tmp_path / "home", "--since", "2025-06-01")
    assert again.returncode == 0 and "summarized" in again.stderr


def test_summarize_needs_an_id_or_all(tmp_path: Path) -> None:
    env = {**os.environ, "THEMEFLOW_DB": str(tmp_path / "x.db"), "THEMEFLOW_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "themeflow.cli", "summarize"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode != 0 and "--all" in done.stderr and "Traceback" not in done.stderr

"""Several ingest processes into one PostgreSQL store at once, as a team's workers run: overlapping inputs
make no duplicate, lose nothing and never deadlock; a workflow run overlapping them is safe."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg

from themeflow.search.request import SearchRequest
from themeflow.service import Themeflow

BJ = timezone(timedelta(hours=8))
TOPICS = ("储能", "光伏", "算力", "降息", "港股通", "稀土", "锂电", "半导体")


def _record(k: int) -> dict[str, object]:
    topic = TOPICS[k % len(TOPICS)]
    when = datetime(2025, 1 + k % 12, 1 + k % 27, 9, k % 60, tzinfo=BJ)
    return {
        "id": f"w{k:04d}",
        "title": f"{topic}第{k}号观察：订单与价格",
        "content": f"第{k}篇。{topic}行业第{k}号样本的订单增长{k % 97}%，价格{k % 13}元。\n"
        f"机构认为{topic}需求仍在，样本编号{k}。",
        "source": ("华尔街见闻", "财联社", "东方财富网")[k % 3],
        "published_at": when.isoformat(),
    }


def _write(path: Path, ks: range) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for k in ks:
            f.write(json.dumps(_record(k), ensure_ascii=False) + "\n")
    return path


def _ingest(path: Path, url: str, home: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "THEMEFLOW_DB": url, "THEMEFLOW_HOME": str(home)}
    return subprocess.Popen(
        [sys.executable, "-m", "themeflow.cli", "ingest", str(path), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_four_ingest_processes_over_overlapping_inputs(pg_url: str, tmp_path: Path) -> None:
    # Four files of 150 documents, each overlapping its neighbours by 50: 450 distinct documents.
    files = [_write(tmp_path / f"part{i}.jsonl", range(i * 100, i * 100 + 150)) for i in range(4)]
    procs = [_ingest(f, pg_url, tmp_path / "home") for f in files]
    reports = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        reports.append(json.loads(out))
    assert all(r["failed"] == 0 and r["read"] == 150 for r in reports)
    assert sum(r["new"] for r in reports) == 450, "each document is new exactly once"
    assert sum(r["unchanged"] for r in reports) == 150, "the overlaps are seen as already stored"
    with psycopg.connect(pg_url) as conn:
        docs, distinct = conn.execute("SELECT count(*), count(DISTINCT id) FROM documents").fetchone()  # type: ignore[misc]
        indexed = conn.execute("SELECT count(*) FROM doc_index").fetchone()[0]  # type: ignore[index]
        members = conn.execute("SELECT count(*), count(DISTINCT doc_id) FROM story_members").fetchone()
        paragraphs = conn.execute("SELECT count(*) FROM paragraphs").fetchone()[0]  # type: ignore[index]
    assert (docs, distinct, indexed) == (450, 450, 450)
    assert members == (450, 450), "every document in exactly one story"
    assert paragraphs == 900
    with Themeflow.open(pg_url) as tf:
        page = tf.store.search(SearchRequest(query="稀土", strict=True, limit=100, collapse=False))
        assert page.total == sum(1 for k in range(450) if TOPICS[k % len(TOPICS)] == "稀土")
        assert tf.store.count_documents() == 450


def test_a_workflow_run_overlapping_an_ingest(pg_url: str, tmp_path: Path) -> None:
    """A theme run while two workers ingest: the run reads a consistent store, the workers finish, and the
    next run reports exactly the documents the first one had not — none twice, none lost."""
    with Themeflow.open(pg_url) as tf:
        tf.ingest([_write(tmp_path / "first.jsonl", range(80))])
        tf.add_theme({"name": "稀土观察", "query": "稀土"})
    procs = [
        _ingest(_write(tmp_path / f"late{i}.jsonl", range(80 + 60 * i, 140 + 60 * i)), pg_url, tmp_path / "h")
        for i in range(2)
    ]
    with Themeflow.open(pg_url) as tf:
        first = tf.run_workflow("稀土观察", write_reports=False)
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    with Themeflow.open(pg_url) as tf:
        second = tf.run_workflow("稀土观察", write_reports=False)
        third = tf.run_workflow("稀土观察", write_reports=False)
    seen_first = {d for item in first.items for d in item.new_doc_ids or (item.document.id,)}
    seen_second = {d for item in second.items for d in item.new_doc_ids or (item.document.id,)}
    with psycopg.connect(pg_url) as conn:
        rare_earth = {r[0] for r in conn.execute("SELECT id FROM documents WHERE title LIKE '稀土%'")}
    assert len(rare_earth) == sum(1 for k in range(200) if TOPICS[k % len(TOPICS)] == "稀土")
    assert not seen_first & seen_second, "no document reported twice"
    assert seen_first | seen_second == rare_earth, "none lost"
    assert len(seen_first) >= sum(1 for k in range(80) if TOPICS[k % len(TOPICS)] == "稀土")
    assert not third.items

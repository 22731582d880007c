"""``themeflow migrate``: a whole store copied into a new one of the other backend, and back, verified by
row counts and checksums — documents with their write times, summaries, themes, runs and what they
reported, seen sets, concept tags and vectors; the copy searches and runs as the original did."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from tests.test_workflow_support import AI_THEME, SH, ai_doc, open_service, other_doc
from themeflow.errors import InputError
from themeflow.search.request import SearchRequest
from themeflow.store import open_store
from themeflow.store.transfer import copy_store


def _filled(location: str) -> None:
    """A store as an analyst leaves it: documents (one of them a copy), a theme run twice, summaries,
    concept tags and two vectors."""
    with open_service(location) as tf:
        tf.ingest_documents(
            [ai_doc(i, published=datetime(2025, 11, 10 + i, 9, tzinfo=SH)) for i in range(1, 5)]
        )
        tf.ingest_documents(
            [other_doc(1), ai_doc(1, source="美股IPO", published=datetime(2025, 11, 11, 10, tzinfo=SH))]
        )
        tf.add_theme(AI_THEME)
        tf.run_workflow(AI_THEME["name"], write_reports=False)
        tf.ingest_documents([ai_doc(9, published=datetime(2025, 11, 20, 9, tzinfo=SH))])
        tf.run_workflow(AI_THEME["name"], write_reports=False)
        tf.store.vectors.put(
            "test-model",
            [
                (d.id, np.full(4, 0.5 + k, dtype=np.float32))
                for k, d in enumerate(tf.store.iter_documents())
                if k < 2
            ],
        )


def _snapshot(location: str) -> dict[str, object]:
    store = open_store(location, read_only=True)
    try:
        page = store.search(SearchRequest(query="资本开支", limit=20))
        with store.workflows.reading() as wf:
            themes = wf.list_themes()
            theme_id = wf.theme_id(AI_THEME["name"])
            assert theme_id is not None
            runs = [(r.id, r.status, r.items) for r in wf.list_runs(theme_id)]
            items = [[(i.doc_id, i.status) for i in wf.run_items(r[0])] for r in runs]
        return {
            "hits": [
                (h.document.id, round(h.score, 6), tuple(c.doc_id for c in h.copies)) for h in page.hits
            ],
            "total": page.total,
            "themes": [t.name for t in themes],
            "runs": runs,
            "items": items,
            "tags": sorted(
                (t.concept, t.aboutness) for d in store.iter_documents() for t in store.tags.tags_of(d.id)
            ),
            "vectors": store.vectors.count("test-model"),
            "summaries": store.stats().summaries,
            "written": sorted(store.document_ids_written_between(None, 1e12)),
        }
    finally:
        store.close()


def test_sqlite_to_postgresql_and_back(tmp_path: Path, pg_url: str) -> None:
    lite = str(tmp_path / "analyst.db")
    _filled(lite)
    before = _snapshot(lite)
    assert before["runs"] and before["tags"] and before["summaries"]
    src, dst = open_store(lite, read_only=True), open_store(pg_url)
    try:
        report = copy_store(src, dst)
    finally:
        src.close()
        dst.close()
    assert report.verified
    counts = {c.table: c.rows for c in report.checks}
    assert counts["documents"] == 6 and counts["runs"] == 2 and counts["doc_vectors"] == 2
    assert _snapshot(pg_url) == before
    # The copy goes on where the original left off: the next run id follows the copied ones.
    with open_service(pg_url) as tf:
        tf.ingest_documents([ai_doc(12, published=datetime(2025, 11, 25, 9, tzinfo=SH))])
        third = tf.run_workflow(AI_THEME["name"], write_reports=False)
    assert third.run.id == max(r[0] for r in before["runs"]) + 1  # type: ignore[union-attr]
    assert [i.document.id for i in third.items] == [ai_doc(12).id]
    back = str(tmp_path / "back.db")
    src, dst = open_store(pg_url, read_only=True), open_store(back)
    try:
        assert copy_store(src, dst).verified
    finally:
        src.close()
        dst.close()
    assert _snapshot(back)["runs"] == _snapshot(pg_url)["runs"]


def test_the_destination_must_be_empty(tmp_path: Path, pg_url: str) -> None:
    lite = str(tmp_path / "a.db")
    _filled(lite)
    src, dst = open_store(lite, read_only=True), open_store(pg_url)
    try:
        copy_store(src, dst)
        with pytest.raises(InputError, match="not empty"):
            copy_store(src, dst)
    finally:
        src.close()
        dst.close()


def test_the_migrate_command(tmp_path: Path, pg_url: str) -> None:
    lite = str(tmp_path / "cli.db")
    _filled(lite)
    env = {**os.environ, "THEMEFLOW_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [sys.executable, "-m", "themeflow.cli", "migrate", "--from", lite, "--to", pg_url, "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["verified"] and report["tables"]["documents"]["rows"] == 6
    assert all(t["matches"] for t in report["tables"].values())

"""The document and summary protocol on both stores (``store_url``: an SQLite file, then a PostgreSQL
database): idempotent upserts, every field kept, clear errors, better metadata filling in, the summary
cache, write history — and a writer killed with SIGKILL in the middle of a batch losing only that batch."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from tests.test_store_sqlite import SH, make_doc
from themeflow.errors import NotFoundError, StoreError
from themeflow.model import Bullet, Document, Section, Summary
from themeflow.search.request import SearchRequest
from themeflow.store import open_store


def test_upsert_is_idempotent_and_updates_in_place(store_url: str) -> None:
    with open_store(store_url) as store:  # type: ignore[attr-defined]
        assert store.upsert_documents([make_doc(1), make_doc(2)]) == ["new", "new"]
        assert store.upsert_documents([make_doc(1), make_doc(2)]) == ["unchanged", "unchanged"]
        changed = make_doc(1, text="更正：OpenAI算力支出约1000亿美元。")
        assert store.upsert_documents([changed]) == ["updated"]
        assert store.count_documents() == 2
        got = store.get_document(changed.id)
        assert got.paragraphs[0] == "更正：OpenAI算力支出约1000亿美元。"
        assert store.stats().paragraphs == 4
        # A Document made with replace() keeps its old hash: the text decides.
        edited = replace(got, paragraphs=("再更正：约900亿美元。",))
        assert store.upsert_documents([edited]) == ["updated"]
        assert store.get_document(got.id).content_hash != got.content_hash


def test_every_field_is_kept_and_a_missing_document_is_a_clear_error(store_url: str) -> None:
    with open_store(store_url) as store:  # type: ignore[attr-defined]
        doc = make_doc(
            7, url="https://example.com/a", meta={"source_id": "fr-1", "多": [1, 2]}, origin="n.jsonl:3"
        )
        store.upsert_documents([doc])
        assert store.get_document(doc.id) == doc
        assert store.get_documents([doc.id, "missing"]) == {doc.id: doc}
        assert list(store.iter_documents()) == [doc]
        with pytest.raises(NotFoundError, match="no document with id"):
            store.get_document("nope")


def test_a_better_publish_time_fills_in_and_history_follows_writes(store_url: str) -> None:
    with open_store(store_url) as store:  # type: ignore[attr-defined]
        before = time.time()
        store.upsert_documents(
            [Document(id="cx", title="标题", paragraphs=("正文。",), time_origin="unknown")]
        )
        dated = Document(
            id="cx",
            title="标题",
            paragraphs=("正文。",),
            published_at=datetime(2025, 1, 2, tzinfo=SH),
            time_origin="feed",
        )
        assert store.upsert_documents([dated]) == ["updated"]
        assert store.get_document("cx").time_origin == "feed"
        first = store.write_fingerprint()
        store.upsert_documents([make_doc(2)])
        assert store.write_fingerprint() != first, "a new document moves the fingerprint (web caches)"
        assert store.document_ids_written_between(before - 1, time.time() + 1) == ["cx", make_doc(2).id]
        assert store.document_ids_written_between(time.time() + 1, time.time() + 2) == []


def test_the_summary_cache(store_url: str) -> None:
    s = Summary(
        doc_id="c1",
        content_hash="h1",
        summarizer="extractive@1",
        core_views=(Bullet("AI资本开支周期将持续", (1, 5), True),),
        sections=(Section("营收表现", (Bullet("营收高出约15%", (2,), False, "figure 15% not in [2]"),)),),
    )
    with open_store(store_url) as store:  # type: ignore[attr-defined]
        store.put_summary(s)
        store.put_summary(s)  # again: replaced, not doubled
        assert store.get_summary("h1", "extractive@1") == s
        assert store.get_summary("h1", "other@1") is None
        assert store.stats().summaries == 1


def test_a_read_only_store_refuses_writes(store_url: str) -> None:
    open_store(store_url).close()  # created
    with open_store(store_url, read_only=True) as ro:  # type: ignore[attr-defined]
        with pytest.raises(StoreError, match="read-only"):
            ro.upsert_documents([make_doc(1)])
        assert ro.count_documents() == 0


def _writing(store_url: str) -> bool:
    """Whether some connection is inside a write transaction that has written: PostgreSQL says so in
    ``pg_stat_activity`` (a transaction id is assigned at the first write); SQLite by refusing a second
    writer."""
    if store_url.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(store_url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
            ).fetchone()
        return bool(row and row[0])
    import sqlite3

    conn = sqlite3.connect(store_url, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()


def test_a_writer_killed_mid_batch_loses_only_that_batch(store_url: str) -> None:
    """SIGKILL inside the fourth batch's write transaction: the three committed batches stay, the fourth
    is gone whole (no document, paragraph or index row of it), and a re-run adds exactly the rest."""
    script = textwrap.dedent(
        f"""
        from themeflow.model import Document
        from themeflow.store import open_store
        store = open_store({store_url!r})
        for batch in range(6):
            n = 3000 if batch == 3 else 40  # a long batch: the kill lands inside its transaction
            docs = [Document(id=f"c{{batch}}-{{i}}", title="稀土", paragraphs=(f"稀土 p{{batch}} {{i}}",)) for i in range(n)]
            if batch == 3:
                print("writing", flush=True)
            store.upsert_documents(docs)
        print("done", flush=True)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "writing"
    deadline = time.monotonic() + 120
    while not _writing(store_url):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.stdout.close()
            pytest.fail("the long batch never began writing")
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    proc.stdout.close()
    with open_store(store_url) as store:  # type: ignore[attr-defined]
        assert store.count_documents() == 120
        stats = store.stats()
        assert (stats.paragraphs, stats.stories) == (120, 120)
        hits = store.search(SearchRequest(query="稀土", strict=True, collapse=False, limit=1))
        assert hits.total == 120, "the index holds exactly the committed documents"
        rest = [
            Document(id=f"c{b}-{i}", title="稀土", paragraphs=(f"稀土 p{b} {i}",))
            for b in (3, 4, 5)
            for i in range(40)
        ]
        assert store.upsert_documents(rest) == ["new"] * 120
        assert store.count_documents() == 240


def test_nul_characters_in_outlets_urls_and_fields_lose_nothing(store_url: str, tmp_path: Path) -> None:
    """A JSONL record whose outlet, URL or extra field carries a NUL character (PostgreSQL text and JSONB cannot
    hold it) is stored without it, and the clean record beside it in the same batch lands too."""
    import json

    from themeflow.service import Themeflow

    source = tmp_path / "nul.jsonl"
    records = [
        {
            "title": "标题\u0000一",
            "content": "正文\u0000内容。",
            "source": "华尔街\u0000见闻",
            "author": "张\u0000三",
            "url": "https://example.com/a\u0000b",
            "tags": ["a\u0000"],
        },
        {"title": "标题二", "content": "正文二。"},
    ]
    source.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    with Themeflow.open(store_url) as tf:
        report = tf.ingest([source])
        again = tf.ingest([source])
        stored = {d.title: d for d in tf.store.iter_documents()}
    assert (report.new, report.failed, again.unchanged) == (2, 0, 2)
    assert set(stored) == {"标题一", "标题二"}
    kept = stored["标题一"]
    url_or_source = (kept.source, kept.url)
    assert "\x00" not in json.dumps([kept.meta, url_or_source], ensure_ascii=False)

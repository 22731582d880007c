"""Bulk ingest with a background reader and worker processes: the same store as one process, row for row;
a worker that fails costs nothing; an unchanged re-ingest analyzes nothing; a killed ingest leaves no child
behind and a re-run resumes exactly."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from themeflow.cluster import writers
from themeflow.cluster.writers import PreparingWriter
from themeflow.errors import ConfigError, InputError, StoreError
from themeflow.ingest import background, read_targets
from themeflow.model import Document, IngestError
from themeflow.service import Themeflow
from themeflow.store.sqlite import SQLiteStore, fts
from themeflow.store.sqlite.prepare import PreparedDocument, prepare_batch

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "themeflow" / "data" / "sample.jsonl"

TABLES = {
    "documents": "id, content_hash, kind, title, source, published_at, url",
    "paragraphs": "doc_rowid, n, text",
    "doc_fts_src": "rowid, tokens",
    "doc_fingerprints": "*",
    "lsh_bands": "key, fp",
    "sentence_keys": "key, fp",
    "stories": "id, canonical_id, size, first_published, last_published",
    "story_members": "doc_id, story_id, similarity",
    "doc_tags": "concept, doc_rowid, aboutness, score, sort_ts",
}
"""What an ingest writes, less the times of writing."""


def _digest(db: Path) -> dict[str, tuple[int, str]]:
    conn = sqlite3.connect(db)
    try:
        out = {}
        for table, cols in TABLES.items():
            rows = conn.execute(f"SELECT {cols} FROM {table} ORDER BY 1, 2").fetchall()
            out[table] = (len(rows), hashlib.sha1(repr(rows).encode()).hexdigest())
        return out
    finally:
        conn.close()


def _corpus(path: Path, copies: int = 1) -> Path:
    """The sample corpus, then ``copies`` re-posts of it at other addresses (stories to join), every tenth with
    a paragraph of its own (a changed text), and one malformed line: 400 × (1 + copies) documents."""
    records = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    with path.open("w", encoding="utf-8") as out:
        for r in records:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
        out.write("{not json\n")
        for c in range(copies):
            for i, r in enumerate(records):
                copy = dict(r, id=f"{r['id']}-copy{c}", url=f"https://news.example.com/copy{c}/{i}.html")
                if i % 10 == 0:
                    copy["text"] = f"{r['text']}\n第{c}次转载附注：本文由合作媒体第{i}号转载。"
                out.write(json.dumps(copy, ensure_ascii=False) + "\n")
    return path


def _ingest(db: Path, corpus: Path, workers: str) -> tuple[int, int, int]:
    with Themeflow.open(db, ingest_workers=workers) as tf:
        report = tf.ingest([str(corpus)])
    return report.new, report.unchanged, report.failed


def _count_prepared(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of the batches handed to workers, in order, as they are handed."""
    prepared: list[int] = []
    real_prepare = PreparingWriter._prepare

    def counting(self: PreparingWriter, docs: list[Document]) -> object:
        prepared.append(len(docs))
        return real_prepare(self, docs)

    monkeypatch.setattr(PreparingWriter, "_prepare", counting)
    return prepared


def test_workers_write_the_same_store_as_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = _corpus(tmp_path / "corpus.jsonl")  # 800 documents in four batches
    monkeypatch.setattr(background, "MIN_BYTES", 0)  # a large input: read by a child process
    prepared = _count_prepared(monkeypatch)
    read_behind: list[bool] = []
    real_background = background.read_in_background

    def noting(read: object) -> Iterator[Document | IngestError]:
        read_behind.append(True)
        return real_background(read)  # type: ignore[arg-type]

    monkeypatch.setattr(background, "read_in_background", noting)
    alone = _ingest(tmp_path / "one.db", corpus, "1")
    assert not prepared and not read_behind  # one process: reading and writing here
    with_workers = _ingest(tmp_path / "two.db", corpus, "2")
    assert read_behind, "a large local file is read by a child process"
    assert prepared == [200] * 4, "a large input is prepared by workers from its first batch"
    assert alone == with_workers == (800, 0, 1)
    assert _digest(tmp_path / "one.db") == _digest(tmp_path / "two.db")


def test_a_small_input_writes_its_first_batches_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Below the size read by a child process, the first batches never start a worker (forking them costs
    more than their analysis), and the batches after them do."""
    corpus = _corpus(tmp_path / "corpus.jsonl")
    monkeypatch.setattr(background, "MIN_BYTES", corpus.stat().st_size + 1)
    prepared = _count_prepared(monkeypatch)
    assert _ingest(tmp_path / "s.db", corpus, "2") == (800, 0, 1)
    assert len(prepared) == 4 - writers.INLINE_BATCHES and sum(prepared) == 800 - 200 * writers.INLINE_BATCHES
    assert _ingest(tmp_path / "one.db", corpus, "1") == (800, 0, 1)
    assert _digest(tmp_path / "s.db") == _digest(tmp_path / "one.db")


def test_an_unchanged_reingest_sends_nothing_to_the_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = _corpus(tmp_path / "corpus.jsonl")
    assert _ingest(tmp_path / "s.db", corpus, "2")[0] == 800
    sent: list[int] = []
    monkeypatch.setattr(PreparingWriter, "_prepare", lambda self, docs: sent.append(len(docs)))
    assert _ingest(tmp_path / "s.db", corpus, "2") == (0, 800, 1)
    assert sent == []


def _broken(docs: Sequence[Document]) -> list[PreparedDocument]:
    """A preparer that fails on a document of the sample (a worker's bug or a worker killed)."""
    if any(d.url and "/copy0/" in d.url for d in docs):
        raise RuntimeError("analysis failed in the worker")
    return prepare_batch(docs)


def _noting_priority(docs: Sequence[Document]) -> list[PreparedDocument]:
    """A preparer that writes down the niceness it runs at (in the file ``THEMEFLOW_TEST_NICE_LOG`` names)."""
    with open(os.environ["THEMEFLOW_TEST_NICE_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{os.getpid()} {os.nice(0)}\n")
    return prepare_batch(docs)


@pytest.mark.skipif(not hasattr(os, "nice"), reason="process priorities are Unix's")
def test_the_workers_run_below_the_writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer is the serial stage: its workers take only the cores it leaves."""
    log = tmp_path / "nice.log"
    monkeypatch.setenv("THEMEFLOW_TEST_NICE_LOG", str(log))
    docs = [d for d in read_targets([str(_corpus(tmp_path / "c.jsonl"))]) if isinstance(d, Document)]
    store = SQLiteStore(tmp_path / "w.db")
    mine = os.nice(0)
    writer = PreparingWriter(store, _noting_priority, workers=2)
    for start in range(0, len(docs), 100):
        writer.submit(docs[start : start + 100], lambda outcomes: None)
    writer.close()
    assert os.nice(0) == mine  # the writer itself is left as it was
    seen = [line.split() for line in log.read_text(encoding="utf-8").splitlines()]
    assert seen and all(int(pid) != os.getpid() for pid, _ in seen)  # prepared by the workers only
    assert {int(nice) for _, nice in seen} == {min(19, mine + writers.PREPARER_NICENESS)}
    assert store.count_documents() == 800
    store.close()


def test_a_batch_no_worker_could_prepare_is_written_by_the_store(tmp_path: Path) -> None:
    docs = [d for d in read_targets([str(_corpus(tmp_path / "c.jsonl"))]) if isinstance(d, Document)]
    store = SQLiteStore(tmp_path / "w.db")
    outcomes: list[str] = []
    writer = PreparingWriter(store, _broken, workers=2)
    for start in range(0, len(docs), 100):
        writer.submit(docs[start : start + 100], outcomes.extend)
    writer.close()
    assert outcomes == ["new"] * 800
    assert store.count_documents() == 800 and store.stats().paragraphs > 800
    store.close()


def test_many_batches_are_written_in_bulk_and_the_settings_come_back(tmp_path: Path) -> None:
    """Past the inline batches the writer's connection gets the bulk page cache and log size; closing the
    writer puts SQLite's settings back."""
    from themeflow.store.sqlite.store import BULK_CACHE_KIB, BULK_CHECKPOINT_PAGES

    docs = [d for d in read_targets([str(_corpus(tmp_path / "c.jsonl"))]) if isinstance(d, Document)]
    store = SQLiteStore(tmp_path / "w.db")
    before = [store.conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("cache_size", "wal_autocheckpoint")]
    seen: list[list[int]] = []

    def done(outcomes: list[str]) -> None:
        seen.append(
            [store.conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("cache_size", "wal_autocheckpoint")]
        )

    writer = PreparingWriter(store, prepare_batch, workers=2)
    for start in range(0, len(docs), 100):
        writer.submit(docs[start : start + 100], done)
    writer.close()
    assert seen[0] == before  # the inline batches: a small ingest is written as before
    assert seen[-1] == [-BULK_CACHE_KIB, BULK_CHECKPOINT_PAGES]
    assert [
        store.conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("cache_size", "wal_autocheckpoint")
    ] == before
    assert store.count_documents() == 800
    store.close()


def test_a_bulk_ingest_merges_index_segments_sixteen_at_a_time_and_puts_four_back(tmp_path: Path) -> None:
    """While batches stream in, a level of the full-text index gathers 16 segments before a write merges
    them (each posting rewritten about half as often); afterwards, and after a failed batch too, FTS5's
    default of 4 holds again, for this connection and any other."""
    docs = [d for d in read_targets([str(_corpus(tmp_path / "c.jsonl"))]) if isinstance(d, Document)]
    store = SQLiteStore(tmp_path / "w.db")
    assert fts.automerge(store.conn) == fts.AUTOMERGE == 4
    during: list[int] = []
    writer = PreparingWriter(store, prepare_batch, workers=2)
    for start in range(0, len(docs), 100):
        writer.submit(docs[start : start + 100], lambda _: during.append(fts.automerge(store.conn)))
    writer.close()
    assert during[0] == 4 and during[-1] == fts.BULK_AUTOMERGE == 16
    other = SQLiteStore(tmp_path / "w.db")
    assert fts.automerge(store.conn) == fts.automerge(other.conn) == 4
    other.close()
    with pytest.raises(RuntimeError), store.bulk_writing():
        assert fts.automerge(store.conn) == 16
        raise RuntimeError("a batch failed")
    assert fts.automerge(store.conn) == 4
    inline = SQLiteStore(tmp_path / "i.db")
    inline.upsert_documents(docs)  # one transaction, no bulk settings: the same index, merged otherwise
    count = "SELECT count(*) FROM doc_fts WHERE doc_fts MATCH ?"
    for term in ("市场", "公司", "增长"):
        n = store.conn.execute(count, (term,)).fetchone()[0]
        assert n == inline.conn.execute(count, (term,)).fetchone()[0] and n > 0, term
    inline.close()
    store.close()


def test_a_bulk_ingest_that_cannot_start_leaves_the_settings_as_they_were(tmp_path: Path) -> None:
    """Another writer holds the database when a bulk ingest begins: the error says so, and the connection's
    page cache and log size are SQLite's again (not the bulk ones with no ingest to put them back)."""
    store = SQLiteStore(tmp_path / "w.db")
    store.conn.execute("PRAGMA busy_timeout = 50")
    before = [store.conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("cache_size", "wal_autocheckpoint")]
    other = sqlite3.connect(tmp_path / "w.db")
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(StoreError, match="locked"), store.bulk_writing():
        pass
    other.rollback()
    other.close()
    after = [store.conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("cache_size", "wal_autocheckpoint")]
    assert after == before
    assert fts.automerge(store.conn) == fts.AUTOMERGE
    store.close()


def test_a_read_only_store_is_left_as_it_is(tmp_path: Path) -> None:
    SQLiteStore(tmp_path / "r.db").close()
    store = SQLiteStore(tmp_path / "r.db", read_only=True)
    before = store.conn.execute("PRAGMA cache_size").fetchone()[0]
    with store.bulk_writing():
        assert store.conn.execute("PRAGMA cache_size").fetchone()[0] == before
    store.close()


def test_the_background_reader_yields_what_the_reader_yields(tmp_path: Path) -> None:
    corpus = str(_corpus(tmp_path / "c.jsonl"))

    def key(item: Document | IngestError) -> tuple[str, ...]:
        if isinstance(item, Document):
            return (item.id, item.content_hash, item.title, "\n".join(item.paragraphs))
        return ("error", item.source, item.reason)

    inline = [key(i) for i in read_targets([corpus])]
    behind = [key(i) for i in background.read_in_background(lambda: read_targets([corpus]))]
    assert behind == inline and len(inline) == 801


def _fails_after_three() -> Iterator[Document]:
    for i in range(3):
        yield Document(id=f"d{i}", title="t", paragraphs=("p",))
    raise ValueError("the disk went away")


def _dies() -> Iterator[Document]:
    yield Document(id="d0", title="t", paragraphs=("p",))
    os._exit(3)


def test_a_reader_that_fails_or_dies_is_an_error_here() -> None:
    got: list[Document | IngestError] = []
    with pytest.raises(ValueError, match="disk went away"):
        for item in background.read_in_background(_fails_after_three):
            got.append(item)
    assert len(got) == 3
    with pytest.raises(InputError, match="exit code 3"):
        list(background.read_in_background(_dies))


def test_small_or_remote_input_is_read_here(tmp_path: Path) -> None:
    small = _corpus(tmp_path / "c.jsonl", copies=0)
    assert not background.worth_reading_in_background([str(small)])
    assert not background.worth_reading_in_background(["https://example.com/feed.xml"])
    assert writers.default_workers("3") == 3 and writers.default_workers(None) >= 1
    assert writers.default_workers("0") == 1
    with pytest.raises(ConfigError, match="ingest_workers must be a whole number"):
        writers.default_workers("two")


def _children(pid: int) -> set[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return {int(x) for x in out.stdout.split()}


@pytest.mark.skipif(sys.platform != "linux", reason="the kernel kills children with their parent on Linux")
def test_a_killed_ingest_leaves_no_child_and_a_rerun_resumes_exactly(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "big.jsonl", copies=9)  # 4,000 documents, ~9 MB: read behind, workers
    db = tmp_path / "k.db"
    env = {
        **os.environ,
        "THEMEFLOW_DB": str(db),
        "THEMEFLOW_HOME": str(tmp_path),
        "THEMEFLOW_INGEST_WORKERS": "2",
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", "from themeflow.cli import app; app()", "ingest", str(corpus)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 240
    children: set[int] = set()
    committed = 0
    while committed < 1000:  # five batches in: the reader and both workers are running
        assert proc.poll() is None and time.monotonic() < deadline, "the ingest ended before it was killed"
        children |= _children(proc.pid)
        if db.exists():
            with sqlite3.connect(db) as conn:
                try:
                    committed = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
                except sqlite3.OperationalError:
                    committed = 0
        time.sleep(0.05)
    children |= _children(proc.pid)
    assert len(children) >= 3, "a reader and two workers"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    gone = time.monotonic() + 10
    while any(Path(f"/proc/{c}").exists() and _alive(c) for c in children) and time.monotonic() < gone:
        time.sleep(0.05)
    assert not [c for c in children if Path(f"/proc/{c}").exists() and _alive(c)], (
        "children outlived the ingest"
    )
    with Themeflow.open(db, ingest_workers="2") as tf:
        kept = tf.store.count_documents()
        assert kept % 200 == 0 and kept >= 1000, "whole batches only"
        report = tf.ingest([str(corpus)])
        assert (report.new, report.failed) == (4000 - kept, 1)
        assert tf.store.count_documents() == 4000
        stats = tf.store.stats()
        assert stats.paragraphs > 4000
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM doc_fts_src").fetchone()[0] == 4000
        assert conn.execute("SELECT count(*) FROM story_members").fetchone()[0] == 4000


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for its reaper is not running)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"

"""The SQLite store on real files: migrations, concurrent readers, crash safety, its own errors (the
protocol both stores share is tests/test_store_protocol.py)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading
import zlib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from themeflow.errors import StoreError
from themeflow.model import Document
from themeflow.search.request import SearchRequest
from themeflow.store.sqlite import SQLiteStore, fts

SH = ZoneInfo("Asia/Shanghai")


def make_doc(i: int, text: str | None = None, **kw: object) -> Document:
    return Document(
        id=f"c{i:016x}",
        title=f"第{i}篇：AI资本开支周期仍将持续",
        paragraphs=(
            text or f"巴克莱报告显示，OpenAI第{i}项算力支出约1100亿美元。",
            "第二段：数据中心容量114.3GW。",
        ),
        source="华尔街见闻",
        published_at=datetime(2025, 11, 20, 20, 41, tzinfo=SH),
        time_origin="document",
        **kw,  # type: ignore[arg-type]
    )


def test_migrations_are_recorded_once(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    SQLiteStore(path).close()
    store = SQLiteStore(path)
    names = [r[0] for r in store.conn.execute("SELECT name FROM schema_migrations")]
    assert "core_0001_documents" in names
    assert len(names) == len(set(names))
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_failed_batch_rolls_back_and_earlier_batches_stay(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "t.db")
    store.upsert_documents([make_doc(1)])

    class Boom(Exception):
        pass

    with pytest.raises(Boom), store.transaction() as conn:
        conn.execute("DELETE FROM documents")
        raise Boom
    assert store.count_documents() == 1


def test_crash_mid_ingest_keeps_committed_batches(tmp_path: Path) -> None:
    """A process killed between batches loses only the batch in flight; a re-run resumes."""
    db = tmp_path / "t.db"
    script = textwrap.dedent(
        f"""
        import os
        from datetime import datetime
        from themeflow.model import Document
        from themeflow.store.sqlite import SQLiteStore
        store = SQLiteStore({str(db)!r})
        for batch in range(5):
            docs = [Document(id=f"c{{batch}}-{{i}}", title="t", paragraphs=(f"p{{batch}} {{i}}",)) for i in range(10)]
            store.upsert_documents(docs)
            if batch == 2:
                os._exit(9)  # no cleanup, no commit of anything further
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 9, proc.stderr
    store = SQLiteStore(db)
    assert store.count_documents() == 30
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_readers_keep_working_while_a_writer_ingests(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    writer = SQLiteStore(path)
    writer.upsert_documents([make_doc(0)])
    reader = SQLiteStore(path, read_only=True)
    errors: list[BaseException] = []
    stop = threading.Event()

    def read_loop() -> None:
        try:
            while not stop.is_set():
                assert reader.count_documents() >= 1
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    t = threading.Thread(target=read_loop)
    t.start()
    for i in range(1, 40):
        writer.upsert_documents([make_doc(i)])
    stop.set()
    t.join()
    assert not errors
    assert reader.count_documents() == 40


def test_read_only_store_refuses_writes_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        SQLiteStore(tmp_path / "missing.db", read_only=True)
    SQLiteStore(tmp_path / "t.db").close()
    ro = SQLiteStore(tmp_path / "t.db", read_only=True)
    with pytest.raises(StoreError, match="read-only"):
        ro.upsert_documents([make_doc(1)])


def test_corrupt_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="bad.db"):
        SQLiteStore(path)


def test_analyzer_change_rebuilds_the_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "t.db"
    store = SQLiteStore(path)
    store.upsert_documents([make_doc(1)])
    fts.clear(store.conn)
    store.close()
    monkeypatch.setattr(fts, "ANALYZER_VERSION", "test-next")
    store = SQLiteStore(path)
    assert store.conn.execute("SELECT count(*) FROM doc_fts").fetchone()[0] == 1
    assert (
        store.conn.execute("SELECT value FROM meta WHERE key='analyzer_version'").fetchone()[0] == "test-next"
    )


def test_foreign_errors_do_not_leak(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "t.db")
    store.close()
    path = tmp_path / "t.db"
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE paragraphs")
    conn.close()
    store = SQLiteStore(path)
    with pytest.raises(StoreError):
        store.upsert_documents([make_doc(1)])


def test_optimize_keeps_every_document_findable(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "t.db")
    for i in range(5):
        store.upsert_documents([make_doc(i)])  # one segment per transaction
    store.optimize()
    rows = store.conn.execute("SELECT count(*) FROM doc_fts WHERE doc_fts MATCH '\"openai\"'").fetchone()[0]
    assert rows == 5


# --- the index's copy of what it holds ------------------------------------------------------------


def _ghosts(conn: sqlite3.Connection, rowid: int, old: tuple[str, ...], new: tuple[str, ...]) -> list[str]:
    """Tokens of ``old`` (per column) that still find ``rowid`` though ``new`` no longer has them: what a
    delete with values the index does not hold leaves behind (FTS5's integrity check cannot see it)."""
    out = []
    for column, before, after in zip(fts.COLUMNS, old, new, strict=True):
        for token in set(before.split()) - set(after.split()):
            hits = conn.execute(
                "SELECT rowid FROM doc_fts WHERE doc_fts MATCH ?", (f'{column} : "{token}"',)
            ).fetchall()
            if rowid in {int(h[0]) for h in hits}:
                out.append(f"{column}:{token}")
    return out


def _rewrite(
    store: SQLiteStore, old_text: str, new_text: str
) -> tuple[int, tuple[str, ...], tuple[str, ...]]:
    before = make_doc(1, old_text)
    store.upsert_documents([before])
    rowid = store.conn.execute("SELECT rowid FROM documents WHERE id = ?", (before.id,)).fetchone()[0]
    return rowid, fts.tokens_for(before), fts.tokens_for(make_doc(1, new_text))


OLD = "旧文本：甲骨文债券CDS升至历史新高，星際之門項目融資承壓，ＧＰＵ租赁价格1,100美元。"
NEW = "新文本：英伟达拟为OpenAI数据中心提供2500亿美元担保。"


def test_the_ghost_check_sees_a_delete_with_values_the_index_does_not_hold(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "t.db")
    rowid, old, new = _rewrite(store, OLD, NEW)
    wrong = (old[0], old[1], old[2], "")  # the body's grams left out of the delete
    fts.remove_values(store.conn, rowid, wrong)
    assert any(g.startswith("body_g:") for g in _ghosts(store.conn, rowid, old, ("", "", "", "")))
    store.close()


def test_a_changed_text_leaves_no_token_of_the_old_one(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "t.db")
    rowid, old, new = _rewrite(store, OLD, NEW)
    blob = store.conn.execute("SELECT tokens FROM doc_fts_src WHERE rowid = ?", (rowid,)).fetchone()[0]
    assert blob[:1] == b"\x02" and len(blob) < len(fts._SEP.join(old[:2]).encode())  # words only, compressed
    assert store.upsert_documents([make_doc(1, NEW)]) == ["updated"]
    assert _ghosts(store.conn, rowid, old, new) == []
    assert [h.document.id for h in store.search(SearchRequest(query="星际之门")).hits] == []
    assert [h.document.id for h in store.search(SearchRequest(query="担保")).hits] == [make_doc(1).id]
    store.close()


def test_a_copy_written_by_an_earlier_release_still_deletes_exactly(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "t.db")
    rowid, old, new = _rewrite(store, OLD, NEW)
    legacy = zlib.compress(fts._SEP.join(old).encode("utf-8"), 6)  # all four streams
    store.conn.execute("UPDATE doc_fts_src SET tokens = ? WHERE rowid = ?", (legacy, rowid))
    store.conn.commit()
    store.upsert_documents([make_doc(1, NEW)])
    assert _ghosts(store.conn, rowid, old, new) == []
    assert not store.search(SearchRequest(query="甲骨文")).hits
    store.close()


def test_grams_that_no_longer_fold_the_same_rebuild_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The folding table changed under a stored index (a new opencc), so grams recomputed from the stored
    text are not those indexed (here: the stored checksum is another one): the update rebuilds the index
    instead of deleting from it with values it does not hold."""
    store = SQLiteStore(tmp_path / "t.db")
    store.upsert_documents([make_doc(2, "另一篇：储能电站并网。")])
    rowid, old, new = _rewrite(store, OLD, NEW)
    blob = store.conn.execute("SELECT tokens FROM doc_fts_src WHERE rowid = ?", (rowid,)).fetchone()[0]
    wrong = blob[:1] + bytes(b ^ 0xFF for b in blob[1:5]) + blob[5:]
    store.conn.execute("UPDATE doc_fts_src SET tokens = ? WHERE rowid = ?", (wrong, rowid))
    store.conn.commit()
    rebuilds: list[int] = []
    real = SQLiteStore._reindex

    def counting(self: SQLiteStore, conn: sqlite3.Connection) -> None:
        rebuilds.append(1)
        real(self, conn)

    monkeypatch.setattr(SQLiteStore, "_reindex", counting)
    store.upsert_documents([make_doc(1, NEW)])
    assert rebuilds == [1]
    assert _ghosts(store.conn, rowid, old, new) == []
    assert [h.document.id for h in store.search(SearchRequest(query="担保")).hits] == [make_doc(1).id]
    assert [h.document.id for h in store.search(SearchRequest(query="储能")).hits] == [make_doc(2).id]
    store.close()

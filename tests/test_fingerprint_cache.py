"""The fingerprints a writing connection keeps: never stale, whoever else writes or whatever rolls back.

Why these tests: a kept fingerprint that outlives its row would compare a new document against a text that is
no longer stored, under a rowid SQLite may have given to another document (``doc_fingerprints`` reuses a
deleted largest rowid), and the copy would silently found a story of its own.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.test_dedup_store import DOCUMENTS_DDL, ingest, partition
from tests.test_dedup_synthetic import BANK, CHIP, doc, strip_punct, traditional
from themeflow.store.sqlite import stories as st
from themeflow.store.sqlite.fingerprint_cache import FingerprintCache, StoreConnection, cache_of
from themeflow.store.story_rules import Fingerprinted


def _open(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, factory=StoreConnection)
    conn.executescript(DOCUMENTS_DDL)
    st.install(conn)
    return conn


def _kept(conn: sqlite3.Connection) -> FingerprintCache:
    cache = cache_of(conn)
    assert cache is not None
    return cache


def _remove(conn: sqlite3.Connection, doc_id: str) -> None:
    conn.execute("BEGIN")
    st.remove_document(conn, doc_id)
    conn.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
    conn.execute("COMMIT")


def test_copies_are_read_from_the_kept_fingerprints(tmp_path: Path) -> None:
    conn = _open(tmp_path / "s.db")
    ingest(conn, [doc("a", CHIP), doc("b", strip_punct(CHIP), hour=10)])
    assert _kept(conn).of("a") is not None  # read once as b's candidate
    ingest(conn, [doc("c", traditional(CHIP), hour=11)])
    assert partition(conn) == {frozenset({"a", "b", "c"})}


def test_another_connections_commit_drops_every_kept_fingerprint(tmp_path: Path) -> None:
    """The writer keeps a and b; another connection removes b and c, then stores an unrelated article that
    takes b's rowid. A copy of that article must join it, not be compared with the b kept under its rowid."""
    writer, other = _open(tmp_path / "s.db"), _open(tmp_path / "s.db")
    ingest(
        writer, [doc("a", CHIP), doc("b", strip_punct(CHIP), hour=10), doc("c", traditional(CHIP), hour=11)]
    )
    rowid_b = int(writer.execute("SELECT rowid FROM doc_fingerprints WHERE doc_id = 'b'").fetchone()[0])
    assert _kept(writer).at(rowid_b) is not None
    _remove(other, "c")
    _remove(other, "b")
    ingest(other, [doc("bank", BANK, hour=12)])
    assert (
        int(other.execute("SELECT rowid FROM doc_fingerprints WHERE doc_id = 'bank'").fetchone()[0])
        == rowid_b
    )
    ingest(writer, [doc("bank-copy", strip_punct(BANK), hour=13)])
    assert frozenset({"bank", "bank-copy"}) in partition(writer)


def test_a_fingerprint_removed_through_this_connection_is_forgotten(tmp_path: Path) -> None:
    conn = _open(tmp_path / "s.db")
    ingest(conn, [doc("a", CHIP), doc("b", strip_punct(CHIP), hour=10), doc("c", traditional(CHIP), hour=11)])
    rowid_b = int(conn.execute("SELECT rowid FROM doc_fingerprints WHERE doc_id = 'b'").fetchone()[0])
    _remove(conn, "c")
    _remove(conn, "b")
    assert _kept(conn).at(rowid_b) is None and _kept(conn).of("b") is None
    ingest(conn, [doc("bank", BANK, hour=12), doc("bank-copy", strip_punct(BANK), hour=13)])
    assert frozenset({"bank", "bank-copy"}) in partition(conn)


def test_a_changed_publish_time_is_read_again(tmp_path: Path) -> None:
    """Re-ingesting a with an earlier time moves the canonical copy; the kept a must not keep its old time."""
    conn = _open(tmp_path / "s.db")
    ingest(conn, [doc("a", CHIP, hour=12), doc("b", strip_punct(CHIP), hour=10)])
    ingest(conn, [doc("a", CHIP, hour=8)])
    stored = conn.execute("SELECT published_key FROM doc_fingerprints WHERE doc_id = 'a'").fetchone()[0]
    for kept in (_kept(conn).of("a"), *st._Tables(conn).fingerprints(["a"])):
        assert kept is None or kept.published == stored
    canonical = conn.execute("SELECT canonical_id FROM stories WHERE size = 2").fetchone()[0]
    assert canonical == "a"


def test_a_rollback_forgets_what_its_transaction_read(tmp_path: Path) -> None:
    from themeflow.store.sqlite.store import SQLiteStore

    store = SQLiteStore(tmp_path / "store.db")
    with pytest.raises(RuntimeError), store.transaction() as conn:
        assert isinstance(conn, StoreConnection)
        _kept(conn).keep(
            [Fingerprinted(1, "gone", st.rules.fingerprint_document(doc("gone", CHIP), None), "")]
        )
        raise RuntimeError("the batch failed")
    assert len(_kept(store.conn)) == 0


def test_the_oldest_go_first_past_the_capacity() -> None:
    cache = FingerprintCache(capacity=2)
    fp = st.rules.fingerprint_document(doc("x", CHIP), None)
    cache.keep([Fingerprinted(1, "a", fp, ""), Fingerprinted(2, "b", fp, "")])
    assert cache.at(1) is not None  # a is now the most recently used
    cache.keep([Fingerprinted(3, "c", fp, "")])
    assert cache.at(2) is None and cache.of("b") is None
    assert cache.of("a") is not None and cache.of("c") is not None
    cache.evict(doc_id="a")
    assert cache.at(1) is None and len(cache) == 1


def test_a_plain_connection_keeps_nothing() -> None:
    assert cache_of(sqlite3.connect(":memory:")) is None

"""Document vectors in SQLite, and the nearest documents to a query vector.

One row per document in ``doc_vectors`` (float32 bytes), filed under the embedding model's id: embedding a
document with another model replaces its vector, so :meth:`SQLiteVectorStore.missing` lists every
document when the model changes. The row goes with its document (``ON DELETE CASCADE``) and is dropped
when the document's text changes (trigger ``doc_vectors_stale``: the vector described the old text).

The vectors of a model are searched in memory (``store/vector_index.py``: an exact product, or an HNSW
index from :data:`ANN_THRESHOLD` vectors up); this module keeps the rows and says when that copy is stale.

When the copy is stale: every insert, update or delete of a ``doc_vectors`` row bumps ``vectors_version``
in ``meta`` (triggers), whichever connection or process made it. The copy remembers the version it was
read at, and each query compares it (one primary-key read). A ``put`` through this store that started at
the copy's version extends it and moves it to the new version; anything else (another process, a deleted
or changed document) reloads it on the next query. Why not the store's ``write_generation`` and
``PRAGMA data_version`` like ``docmeta.py``: those move on every document write, so each ingest batch
would throw away an HNSW index that takes seconds to build, and ``data_version`` is per connection, while
this copy is shared by the web server's threads (one copy of the vectors, not one per thread).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING

from themeflow.store.sqlite.params import chunks, marks
from themeflow.store.vector_index import (
    ANN_THRESHOLD,
    CachedVectors,
    Vector,
    VectorIndex,
    check_dim,
)

if TYPE_CHECKING:
    from themeflow.store.sqlite.store import SQLiteStore

__all__ = ["ANN_THRESHOLD", "MIGRATIONS", "SQLiteVectorStore"]

_VERSION = "vectors_version"

_BUMP = "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'vectors_version';"

MIGRATIONS: list[tuple[str, str]] = [
    (
        "vectors_0001_doc_vectors",
        f"""
        CREATE TABLE IF NOT EXISTS doc_vectors (
            doc_rowid INTEGER PRIMARY KEY REFERENCES documents(rowid) ON DELETE CASCADE,
            model TEXT NOT NULL,
            dim INTEGER,
            vec BLOB
        );
        CREATE INDEX IF NOT EXISTS doc_vectors_model ON doc_vectors(model);
        INSERT OR IGNORE INTO meta(key, value) VALUES ('{_VERSION}', '0');
        CREATE TRIGGER IF NOT EXISTS doc_vectors_added AFTER INSERT ON doc_vectors BEGIN {_BUMP} END;
        CREATE TRIGGER IF NOT EXISTS doc_vectors_replaced AFTER UPDATE ON doc_vectors BEGIN {_BUMP} END;
        CREATE TRIGGER IF NOT EXISTS doc_vectors_removed AFTER DELETE ON doc_vectors BEGIN {_BUMP} END;
        CREATE TRIGGER IF NOT EXISTS doc_vectors_stale AFTER UPDATE OF content_hash ON documents
        WHEN old.content_hash IS NOT new.content_hash
        BEGIN DELETE FROM doc_vectors WHERE doc_rowid = old.rowid; END;
        """,
    ),
]


class SQLiteVectorStore(VectorIndex):
    """:class:`~themeflow.store.base.VectorStore` over the store's SQLite file (``store.vectors``); the
    in-memory copy and ``nearest`` are :class:`~themeflow.store.vector_index.VectorIndex`'s."""

    def __init__(self, store: SQLiteStore, *, ann_threshold: int = ANN_THRESHOLD) -> None:
        super().__init__(ann_threshold=ann_threshold)
        self._store = store

    # -- writing ---------------------------------------------------------------------------------
    def _put_rows(self, model_id: str, doc_ids: list[str], rows: Vector) -> tuple[int, int, list[int]]:
        dim = rows.shape[1]
        with self._store.transaction() as conn:
            known = conn.execute(
                "SELECT dim FROM doc_vectors WHERE model = ? LIMIT 1", (model_id,)
            ).fetchone()
            check_dim(model_id, None if known is None else int(known[0]), dim)
            before = _version(conn)
            rowid_of = _rowids(conn, doc_ids)
            kept = [i for i, d in enumerate(doc_ids) if d in rowid_of]
            conn.executemany(
                "INSERT INTO doc_vectors(doc_rowid, model, dim, vec) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(doc_rowid) DO UPDATE SET model = excluded.model, dim = excluded.dim,"
                " vec = excluded.vec",
                [(rowid_of[doc_ids[i]], model_id, dim, rows[i].tobytes()) for i in kept],
            )
            after = _version(conn)
        return before, after, kept

    # -- reading ---------------------------------------------------------------------------------
    def missing(
        self, model_id: str, limit: int | None = None, *, among: Sequence[str] | None = None
    ) -> list[str]:
        sql = (
            "SELECT d.id FROM documents d LEFT JOIN doc_vectors v ON v.doc_rowid = d.rowid"
            " WHERE (v.doc_rowid IS NULL OR v.model IS NOT ?)"
        )
        conn = self._store.conn
        with self._store.reading("list documents without vectors"):
            if among is None:
                rows = conn.execute(
                    sql + " ORDER BY d.rowid LIMIT ?", (model_id, -1 if limit is None else limit)
                )
                return [r[0] for r in rows]
            found: list[tuple[int, str]] = []
            for chunk in chunks(list(dict.fromkeys(among))):
                found += conn.execute(
                    sql.replace("SELECT d.id", "SELECT d.rowid, d.id")
                    + f" AND d.id IN ({marks(len(chunk))})",
                    (model_id, *chunk),
                ).fetchall()
        ids = [doc_id for _, doc_id in sorted((int(r[0]), r[1]) for r in found)]
        return ids if limit is None else ids[:limit]

    def count(self, model_id: str) -> int:
        with self._store.reading("count vectors"):
            row = self._store.conn.execute("SELECT count(*) FROM doc_vectors WHERE model = ?", (model_id,))
            return int(row.fetchone()[0])

    def _refresh(self, model_id: str, cached: CachedVectors | None) -> CachedVectors | None:
        """``cached`` while ``vectors_version`` is where it was read, else the vectors read again."""
        with self._store.reading("read vectors"):
            conn = self._store.conn
            if cached is not None and cached.version == _version(conn):
                return cached
            return _load(conn, model_id)


def _version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (_VERSION,)).fetchone()
    return int(row[0]) if row is not None else 0


def _rowids(conn: sqlite3.Connection, doc_ids: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for chunk in chunks(list(dict.fromkeys(doc_ids))):
        for rowid, doc_id in conn.execute(
            f"SELECT rowid, id FROM documents WHERE id IN ({marks(len(chunk))})", chunk
        ):
            out[doc_id] = int(rowid)
    return out


def _load(conn: sqlite3.Connection, model_id: str) -> CachedVectors | None:
    """The version and the vectors of ``model_id`` from one snapshot of the database."""
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")
    try:
        version = _version(conn)
        cur = conn.cursor()
        cur.row_factory = None
        rows = cur.execute(
            "SELECT d.id, v.dim, v.vec FROM doc_vectors v JOIN documents d ON d.rowid = v.doc_rowid"
            " WHERE v.model = ? ORDER BY v.doc_rowid",
            (model_id,),
        ).fetchall()
    finally:
        if own:
            conn.execute("COMMIT")
    if not rows:
        return None
    return CachedVectors.of(version, [r[0] for r in rows], int(rows[0][1]), [r[2] for r in rows])

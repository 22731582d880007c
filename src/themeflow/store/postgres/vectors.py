"""Document vectors in PostgreSQL, and the nearest documents to a query vector.

One row per document in ``doc_vectors`` (float32 bytes in a BYTEA), filed under the embedding model's id:
embedding a document with another model replaces its vector, so :meth:`PostgresVectorStore.missing` lists
every document when the model changes. The row goes with its document (``ON DELETE CASCADE``) and is
dropped when the document's text changes (trigger ``doc_vectors_stale``: the vector described the old text).

The vectors of a model are searched in memory (``store/vector_index.py``: an exact product, or an HNSW
index from :data:`ANN_THRESHOLD` vectors up); this module keeps the rows and says when that copy is stale.

When the copy is stale: each row carries ``written``, the store's write counter (``store_state.writes``,
``db.py``) of the transaction that wrote it. The counter moves on every commit and never comes back, so
the model's vector count and its largest ``written`` change together with any insert, replacement or
removal of its vectors, by any process, and that pair is the copy's version. Each query first reads the
counter (one primary-key read): unchanged since the version was last confirmed, the copy is current. When
it moved, the pair is read from the ``(model, written)`` index and the copy is kept if the pair stands:
documents, tags and runs are written far more often than vectors, and none of those writes may throw away
an HNSW index that takes seconds to build or send the whole matrix over the network again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from themeflow.store.postgres.db import Database
from themeflow.store.vector_index import (
    ANN_THRESHOLD,
    CachedVectors,
    Vector,
    VectorIndex,
    check_dim,
)

__all__ = ["ANN_THRESHOLD", "MIGRATIONS", "PostgresVectorStore"]

Conn = psycopg.Connection[Any]

MIGRATIONS: list[tuple[str, str]] = [
    (
        "pg_vectors_0001_doc_vectors",
        """
        CREATE TABLE IF NOT EXISTS doc_vectors (
            doc_rowid BIGINT PRIMARY KEY REFERENCES documents(rowid) ON DELETE CASCADE,
            model TEXT NOT NULL,
            dim INTEGER NOT NULL,
            vec BYTEA NOT NULL,
            written BIGINT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS doc_vectors_model ON doc_vectors(model, written);
        CREATE OR REPLACE FUNCTION doc_vectors_stale() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM doc_vectors WHERE doc_rowid = OLD.rowid;
            RETURN NULL;
        END
        $$;
        CREATE OR REPLACE TRIGGER doc_vectors_stale AFTER UPDATE OF content_hash ON documents
        FOR EACH ROW WHEN (OLD.content_hash IS DISTINCT FROM NEW.content_hash)
        EXECUTE FUNCTION doc_vectors_stale();
        """,
    ),
]

Version = tuple[int, int]
"""A model's vector count and the largest write counter among them."""


class PostgresVectorStore(VectorIndex):
    """:class:`~themeflow.store.base.VectorStore` over the store's PostgreSQL database (``store.vectors``);
    the in-memory copy and ``nearest`` are :class:`~themeflow.store.vector_index.VectorIndex`'s."""

    def __init__(self, db: Database, *, ann_threshold: int = ANN_THRESHOLD) -> None:
        super().__init__(ann_threshold=ann_threshold)
        self._db = db

    # -- writing ---------------------------------------------------------------------------------
    def _put_rows(
        self, model_id: str, doc_ids: list[str], rows: Vector
    ) -> tuple[Version, Version, list[int]]:
        dim = rows.shape[1]
        with self._db.write("store vectors") as conn:
            known = conn.execute(
                "SELECT dim FROM doc_vectors WHERE model = %s LIMIT 1", (model_id,)
            ).fetchone()
            check_dim(model_id, None if known is None else int(known[0]), dim)
            before = _version(conn, model_id)
            written = self._db.writes(conn)
            rowid_of = {
                doc_id: int(rowid)
                for rowid, doc_id in conn.execute(
                    "SELECT rowid, id FROM documents WHERE id = ANY(%s)", (list(dict.fromkeys(doc_ids)),)
                )
            }
            kept = [i for i, d in enumerate(doc_ids) if d in rowid_of]
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO doc_vectors(doc_rowid, model, dim, vec, written) VALUES (%s, %s, %s, %s, %s)"
                    " ON CONFLICT (doc_rowid) DO UPDATE SET model = excluded.model, dim = excluded.dim,"
                    " vec = excluded.vec, written = excluded.written",
                    [(rowid_of[doc_ids[i]], model_id, dim, rows[i].tobytes(), written) for i in kept],
                )
            after = _version(conn, model_id) if kept else before
        return before, after, kept

    # -- reading ---------------------------------------------------------------------------------
    def missing(
        self, model_id: str, limit: int | None = None, *, among: Sequence[str] | None = None
    ) -> list[str]:
        only = "" if among is None else " AND d.id = ANY(%(among)s)"
        with self._db.read("list documents without vectors") as conn:
            rows = conn.execute(
                "SELECT d.id FROM documents d LEFT JOIN doc_vectors v ON v.doc_rowid = d.rowid"
                f" WHERE v.model IS DISTINCT FROM %(model)s{only} ORDER BY d.rowid LIMIT %(limit)s",
                {"model": model_id, "among": None if among is None else list(among), "limit": limit},
            )
            return [r[0] for r in rows]

    def count(self, model_id: str) -> int:
        with self._db.read("count vectors") as conn:
            return _version(conn, model_id)[0]

    def _refresh(self, model_id: str, cached: CachedVectors | None) -> CachedVectors | None:
        """``cached`` while the write counter has not moved since its version was confirmed, or while that
        version stands; else the vectors read again."""
        with self._db.read("read vectors") as conn:
            writes = self._db.writes(conn)  # before the version: a commit in between is seen next time
            if cached is not None and (
                cached.confirmed == writes or cached.version == _version(conn, model_id)
            ):
                cached.confirmed = writes
                return cached
            loaded = _load(conn, model_id)
        if loaded is not None:
            loaded.confirmed = writes
        return loaded


def _version(conn: Conn, model_id: str) -> Version:
    row = conn.execute(
        "SELECT count(*), coalesce(max(written), 0) FROM doc_vectors WHERE model = %s", (model_id,)
    ).fetchone()
    return (int(row[0]), int(row[1])) if row is not None else (0, 0)


def _load(conn: Conn, model_id: str) -> CachedVectors | None:
    """The vectors of ``model_id`` in ingest order, read in one statement (one snapshot, whose version is
    taken from the rows themselves); the vectors arrive as raw bytes (a binary cursor), not hex text."""
    with conn.cursor(binary=True) as cur:
        rows = cur.execute(
            "SELECT d.id, v.dim, v.vec, v.written FROM doc_vectors v JOIN documents d ON d.rowid = v.doc_rowid"
            " WHERE v.model = %s ORDER BY v.doc_rowid",
            (model_id,),
        ).fetchall()
    if not rows:
        return None
    version: Version = (len(rows), max(int(r[3]) for r in rows))
    return CachedVectors.of(version, [r[0] for r in rows], int(rows[0][1]), [bytes(r[2]) for r in rows])

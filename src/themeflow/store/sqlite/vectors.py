"""Document vectors in SQLite, and the nearest documents to a query vector.

One row per document in ``doc_vectors`` (float32 bytes), filed under the embedding model's id: embedding a
document with another model replaces its vector, so :meth:`SQLiteVectorStore.missing` lists every
document when the model changes. The row goes with its document (``ON DELETE CASCADE``) and is dropped
when the document's text changes (trigger ``doc_vectors_stale``: the vector described the old text).

Searching: the vectors of a model are held in memory as one normalized matrix, so a query is one
matrix-vector product (18k vectors × 384: about a millisecond). From :data:`ANN_THRESHOLD` vectors up, an
unrestricted query goes to a usearch HNSW index instead, extended in place by later
:meth:`~SQLiteVectorStore.put` calls; its answers are re-scored exactly from the matrix. The index is
built in a background thread started by the first such query (at 100k vectors the build takes about a
minute on two cores, and a web server must not stall on its first semantic query): until it is ready,
queries read the whole matrix (about 20 ms at 100k). A query restricted to ``candidates`` (the hybrid
case: re-rank the keyword hits) always reads the matrix.

When the cache is stale: every insert, update or delete of a ``doc_vectors`` row bumps ``vectors_version``
in ``meta`` (triggers), whichever connection or process made it. The cache remembers the version it was
read at, and each query compares it (one primary-key read). A ``put`` through this store that started at
the cache's version extends the cache and moves it to the new version; anything else (another process,
a deleted or changed document) reloads it on the next query. Why not the store's ``write_generation`` and
``PRAGMA data_version`` like ``docmeta.py``: those move on every document write, so each ingest batch
would throw away an HNSW index that takes seconds to build, and ``data_version`` is per connection, while
this cache is shared by the web server's threads (one copy of the vectors, not one per thread).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from themeflow.errors import InputError
from themeflow.store.sqlite.params import chunks, marks

if TYPE_CHECKING:
    from usearch.index import Index

    from themeflow.store.sqlite.store import SQLiteStore

__all__ = ["ANN_THRESHOLD", "MIGRATIONS", "SQLiteVectorStore"]

ANN_THRESHOLD = 20_000
"""Vectors of one model from which an unrestricted query uses the HNSW index rather than the exact product.
At 18k × 384 (``bench/embed.py``, 2 cores) the product takes 0.8 ms and is exact; the index answers in
0.2 ms but costs a build of ~3 s on the first query, 3.7 kB per vector besides the 1.5 kB matrix, and some
recall, so below this size the product wins."""

EXPANSION_SEARCH = 128
"""HNSW candidates kept while searching (usearch's default is 64): on 18k vectors recall@10 goes from 0.995
to 0.998 for 0.04 ms more per query (``bench/embed.py``)."""

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

Vector = npt.NDArray[np.float32]


@dataclass(slots=True)
class _Cached:
    """The vectors of one model as read at ``version``: normalized rows ``matrix[:n]``, ``ids[slot]``."""

    version: int
    dim: int
    ids: list[str]
    slot_of: dict[str, int]
    matrix: Vector
    ann: Index | None = field(default=None)
    building: threading.Thread | None = field(default=None)
    """The background build of :attr:`ann`, while it runs."""
    changed: set[int] = field(default_factory=set)
    """Slots written while the build runs: put into the index when it is installed."""

    @property
    def n(self) -> int:
        return len(self.ids)

    def set_rows(self, doc_ids: Sequence[str], rows: Vector) -> None:
        """Replace the vectors of documents already here, append the others (growing by doubling)."""
        new = [i for i, d in enumerate(doc_ids) if d not in self.slot_of]
        need = self.n + len(new)
        if need > len(self.matrix):
            grown = np.zeros((max(need, 2 * len(self.matrix), 64), self.dim), dtype=np.float32)
            grown[: self.n] = self.matrix[: self.n]
            self.matrix = grown
        for doc_id in (doc_ids[i] for i in new):
            self.slot_of[doc_id] = len(self.ids)
            self.ids.append(doc_id)
        slots = np.fromiter((self.slot_of[d] for d in doc_ids), dtype=np.int64, count=len(doc_ids))
        self.matrix[slots] = rows
        if self.building is not None:
            self.changed.update(int(s) for s in slots)
        if self.ann is not None:
            replaced = [int(s) for s in slots if self.ann.contains(int(s))]
            if replaced:
                self.ann.remove(replaced)
            self.ann.add(slots, rows)


class SQLiteVectorStore:
    """:class:`~themeflow.store.base.VectorStore` over the store's SQLite file (``store.vectors``).

    ``ann_threshold`` is the vector count from which unrestricted queries use the HNSW index; tests set
    it low to exercise that path on a few hundred vectors.
    """

    def __init__(self, store: SQLiteStore, *, ann_threshold: int = ANN_THRESHOLD) -> None:
        self._store = store
        self.ann_threshold = ann_threshold
        self._cache: dict[str, _Cached] = {}
        self._lock = threading.Lock()

    # -- writing ---------------------------------------------------------------------------------
    def put(self, model_id: str, items: Sequence[tuple[str, Vector]]) -> int:
        if not items:
            return 0
        doc_ids = [doc_id for doc_id, _ in items]
        checked = [_checked_vector(doc_id, vec) for doc_id, vec in items]
        dim = checked[0].shape[0]
        if any(row.shape[0] != dim for row in checked):
            raise InputError(f"the vectors of one put must all have {dim} components")
        rows = np.stack(checked)
        store = self._store
        with store.transaction() as conn:
            known = conn.execute(
                "SELECT dim FROM doc_vectors WHERE model = ? LIMIT 1", (model_id,)
            ).fetchone()
            if known is not None and int(known[0]) != dim:
                raise InputError(f"{model_id} vectors have {known[0]} components; these have {dim}")
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
        with self._lock:
            for other in [m for m in self._cache if m != model_id]:
                del self._cache[other]  # a document re-embedded with this model left the other one
            cached = self._cache.get(model_id)
            if cached is not None:
                if cached.version == before and kept:
                    cached.set_rows([doc_ids[i] for i in kept], _normalized(rows[kept]))
                    cached.version = after
                elif cached.version != after:
                    del self._cache[model_id]
        return len(kept)

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

    def nearest(
        self,
        model_id: str,
        query_vec: Vector,
        k: int,
        candidates: Sequence[str] | None = None,
    ) -> list[tuple[str, float]]:
        query = np.asarray(query_vec, dtype=np.float32).reshape(-1)
        with self._lock:
            cached = self._current(model_id)
            if cached is None or cached.n == 0 or k <= 0:
                return []
            if query.shape[0] != cached.dim:
                raise InputError(
                    f"{model_id} vectors have {cached.dim} components; the query has {query.shape[0]}"
                )
            query = _normalized(query[None, :])[0]
            if candidates is not None:
                slots = np.fromiter(
                    (s for c in dict.fromkeys(candidates) if (s := cached.slot_of.get(c)) is not None),
                    dtype=np.int64,
                )
            elif cached.n >= self.ann_threshold and (ann := self._ann(cached)) is not None:
                slots = np.asarray(ann.search(query, min(k, cached.n)).keys, dtype=np.int64)
            else:
                slots = None  # every row: the product over a view of the matrix, no gathered copy
            if slots is not None and not len(slots):
                return []
            if slots is None:
                slots = np.arange(cached.n, dtype=np.int64)
                scores = _scores(cached.matrix[: cached.n], query)
            else:
                scores = _scores(cached.matrix[slots], query)
            if len(slots) > k:
                keep = np.argpartition(-scores, k - 1)[:k]
                slots, scores = slots[keep], scores[keep]
            order = np.lexsort((slots, -scores))  # best first; equal scores in ingest order
            return [(cached.ids[int(slots[i])], float(scores[i])) for i in order]

    def _ann(self, cached: _Cached) -> Index | None:
        """The HNSW index over ``cached`` when it is built; otherwise start building it in the background
        (once) and answer None, so this query reads the matrix. None as well without usearch."""
        if cached.ann is not None:
            return cached.ann
        if cached.building is None and _usearch_available():
            n, snapshot = cached.n, cached.matrix[: cached.n].copy()
            cached.building = threading.Thread(
                target=self._build, args=(cached, n, snapshot), name="hnsw-build", daemon=True
            )
            cached.building.start()
        return None

    def _build(self, cached: _Cached, n: int, snapshot: Vector) -> None:
        """Build the index over ``snapshot`` (the first ``n`` rows) without the lock, then install it
        under the lock with the rows written meanwhile."""
        from usearch.index import Index

        index = Index(ndim=cached.dim, metric="cos", dtype="f32", expansion_search=EXPANSION_SEARCH)
        index.add(np.arange(n, dtype=np.int64), snapshot)
        with self._lock:
            late = sorted(cached.changed | set(range(n, cached.n)))
            if late:
                slots = np.asarray(late, dtype=np.int64)
                present = [int(s) for s in slots if index.contains(int(s))]
                if present:
                    index.remove(present)
                index.add(slots, cached.matrix[slots])
            cached.ann, cached.building = index, None
            cached.changed.clear()

    def wait_for_index(self, model_id: str, timeout: float | None = None) -> bool:
        """Wait until a background index build of ``model_id`` is done; True when an index is in place."""
        with self._lock:
            cached = self._cache.get(model_id)
            thread = cached.building if cached is not None else None
        if thread is not None:
            thread.join(timeout)
        with self._lock:
            cached = self._cache.get(model_id)
            return cached is not None and cached.ann is not None

    def memory(self, model_id: str) -> dict[str, int]:
        """What is held in memory for ``model_id``: vectors cached, bytes of their matrix, bytes of the HNSW
        index and the vectors in it (0 when not built): what ``bench/embed.py`` reports."""
        with self._lock:
            cached = self._cache.get(model_id)
            if cached is None:
                return {"vectors": 0, "matrix": 0, "ann": 0, "ann_vectors": 0}
            ann = cached.ann
            return {
                "vectors": cached.n,
                "matrix": cached.n * cached.dim * 4,
                "ann": int(ann.memory_usage) if ann is not None else 0,
                "ann_vectors": len(ann) if ann is not None else 0,
            }

    def _current(self, model_id: str) -> _Cached | None:
        """The cached vectors of ``model_id`` (under the lock), reloaded when the version moved."""
        store = self._store
        with self._store.reading("read vectors"):
            conn = store.conn
            cached = self._cache.get(model_id)
            if cached is not None and cached.version == _version(conn):
                return cached
            loaded = _load(conn, model_id)
        if loaded is None:
            self._cache.pop(model_id, None)
        else:
            self._cache[model_id] = loaded
        return loaded


def _checked_vector(doc_id: str, vec: Vector) -> Vector:
    row = np.asarray(vec, dtype=np.float32)
    if row.ndim != 1 or row.shape[0] == 0:
        raise InputError(f"the vector for {doc_id} must be one row of numbers, got shape {row.shape}")
    if not np.all(np.isfinite(row)):
        raise InputError(f"the vector for {doc_id} has a component that is not a finite number")
    return row


def _scores(rows: Vector, query: Vector) -> Vector:
    """``rows @ query`` without BLAS: in a process that also runs the embedding model, OpenBLAS's threads
    wait on the model's OpenMP threads and one product over 18k rows takes 8 ms instead of 0.6 (einsum's
    own loop: 0.6 ms, steady; ``bench/embed.py``)."""
    out: Vector = np.einsum("ij,j->i", rows, query)
    return out


def _normalized(rows: Vector) -> Vector:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    out: Vector = (rows / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)
    return out


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


def _load(conn: sqlite3.Connection, model_id: str) -> _Cached | None:
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
    dim = int(rows[0][1])
    matrix = np.frombuffer(b"".join(r[2] for r in rows), dtype=np.float32).reshape(len(rows), dim)
    ids = [r[0] for r in rows]
    return _Cached(version, dim, ids, {d: i for i, d in enumerate(ids)}, _normalized(matrix.copy()))


def _usearch_available() -> bool:
    """Whether usearch (the ``semantic`` extra) is installed: without it the exact product answers."""
    try:
        import usearch.index  # noqa: F401
    except ImportError:
        return False
    return True

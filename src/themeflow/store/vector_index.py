"""Document vectors held in memory, and the nearest documents to a query vector: the half of a vector store
that no database sees, shared by every backend (``store/<backend>/vectors.py`` keeps the rows).

The vectors of a model are held as one normalized matrix, so a query is one matrix-vector product (18k
vectors × 384: about a millisecond). From :data:`ANN_THRESHOLD` vectors up, an unrestricted query goes to a
usearch HNSW index instead, extended in place by later writes through the store; its answers are re-scored
exactly from the matrix. The index is built in a background thread started by the first such query (at
100k vectors the build takes about a minute on two cores, and a web server must not stall on its first
semantic query): until it is ready, queries read the whole matrix (about 20 ms at 100k). A query restricted
to ``candidates`` (the hybrid case: re-rank the keyword hits) always reads the matrix.

One copy per store, shared by the web server's threads (one copy of the vectors, not one per thread), so
the cache is guarded by one lock. Each copy remembers the *version* of the model's vectors it was read at,
a key the backend defines that moves whenever any of those vectors is added, replaced or removed, by any
connection or process, and nothing else: an ingest batch that writes documents but no vectors must not throw
away an HNSW index that took seconds to build. Before each query the backend compares the version
(:meth:`VectorIndex._refresh`) and reads the vectors again when it moved. A write through this store that
started at the cached version extends the copy in place instead (:meth:`VectorIndex._wrote`).
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from themeflow.errors import InputError

if TYPE_CHECKING:
    from usearch.index import Index

__all__ = [
    "ANN_THRESHOLD",
    "EXPANSION_SEARCH",
    "CachedVectors",
    "Vector",
    "VectorIndex",
    "check_dim",
    "checked_rows",
]

ANN_THRESHOLD = 20_000
"""Vectors of one model from which an unrestricted query uses the HNSW index rather than the exact product.
At 18k × 384 (``bench/embed.py``, 2 cores) the product takes 0.8 ms and is exact; the index answers in
0.2 ms but costs a build of ~3 s on the first query, 3.7 kB per vector besides the 1.5 kB matrix, and some
recall, so below this size the product wins."""

EXPANSION_SEARCH = 128
"""HNSW candidates kept while searching (usearch's default is 64): on 18k vectors recall@10 goes from 0.995
to 0.998 for 0.04 ms more per query (``bench/embed.py``)."""

Vector = npt.NDArray[np.float32]


@dataclass(slots=True)
class CachedVectors:
    """The vectors of one model as read at ``version``: normalized rows ``matrix[:n]``, ``ids[slot]``."""

    version: Hashable
    dim: int
    ids: list[str]
    slot_of: dict[str, int]
    matrix: Vector
    ann: Index | None = field(default=None)
    building: threading.Thread | None = field(default=None)
    """The background build of :attr:`ann`, while it runs."""
    changed: set[int] = field(default_factory=set)
    """Slots written while the build runs: put into the index when it is installed."""
    confirmed: Hashable = field(default=None)
    """A cheaper key than :attr:`version` under which the backend last found the version current (where
    reading the version costs more than one row); None until it is confirmed again."""

    @classmethod
    def of(cls, version: Hashable, ids: list[str], dim: int, blobs: Sequence[bytes]) -> CachedVectors:
        """The copy of rows read from a database: ``ids[i]``'s vector is ``blobs[i]`` (``dim`` float32s)."""
        matrix = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(ids), dim)
        return cls(version, dim, ids, {d: i for i, d in enumerate(ids)}, _normalized(matrix.copy()))

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


class VectorIndex(ABC):
    """The in-memory copy, ``put`` and the nearest-neighbour search of a
    :class:`~themeflow.store.base.VectorStore`; a backend writes the rows (:meth:`_put_rows`), adds
    ``missing`` and ``count``, and says how to tell whether its copy is current (:meth:`_refresh`).

    ``ann_threshold`` is the vector count from which unrestricted queries use the HNSW index; tests set
    it low to exercise that path on a few hundred vectors.
    """

    def __init__(self, *, ann_threshold: int = ANN_THRESHOLD) -> None:
        self.ann_threshold = ann_threshold
        self._cache: dict[str, CachedVectors] = {}
        self._lock = threading.Lock()

    @abstractmethod
    def _put_rows(
        self, model_id: str, doc_ids: list[str], rows: Vector
    ) -> tuple[Hashable, Hashable, list[int]]:
        """Store ``rows[i]`` as the ``model_id`` vector of ``doc_ids[i]`` in one transaction, skipping ids
        of documents not stored; InputError when the model's vectors have another length. Returns the
        version of the model's vectors before and after, and the indexes ``i`` kept."""

    @abstractmethod
    def _refresh(self, model_id: str, cached: CachedVectors | None) -> CachedVectors | None:
        """``cached`` when it is still the stored vectors of ``model_id``, else them read again (None when
        there are none). Called under the lock, so one thread reads while the others wait for its copy."""

    def put(self, model_id: str, items: Sequence[tuple[str, Vector]]) -> int:
        if not items:
            return 0
        doc_ids, rows = checked_rows(items)
        before, after, kept = self._put_rows(model_id, doc_ids, rows)
        self._wrote(model_id, before, after, [doc_ids[i] for i in kept], rows[kept])
        return len(kept)

    def _wrote(
        self, model_id: str, before: Hashable, after: Hashable, doc_ids: Sequence[str], rows: Vector
    ) -> None:
        """After a committed put of ``rows`` (raw) for ``doc_ids`` that moved the version of ``model_id``
        from ``before`` to ``after``: extend the copy in place when it was read at ``before``, else drop it."""
        with self._lock:
            for other in [m for m in self._cache if m != model_id]:
                del self._cache[other]  # a document re-embedded with this model left the other one
            cached = self._cache.get(model_id)
            if cached is None:
                return
            cached.confirmed = None  # the cheaper key moved with this write: compare the version again
            if cached.version == before and len(doc_ids):
                cached.set_rows(doc_ids, _normalized(rows))
                cached.version = after
            elif cached.version != after:
                del self._cache[model_id]

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

    def _current(self, model_id: str) -> CachedVectors | None:
        """The cached vectors of ``model_id`` (under the lock), read again when the version moved."""
        loaded = self._refresh(model_id, self._cache.get(model_id))
        if loaded is None:
            self._cache.pop(model_id, None)
        else:
            self._cache[model_id] = loaded
        return loaded

    def _ann(self, cached: CachedVectors) -> Index | None:
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

    def _build(self, cached: CachedVectors, n: int, snapshot: Vector) -> None:
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


def checked_rows(items: Sequence[tuple[str, Vector]]) -> tuple[list[str], Vector]:
    """The ids and the vectors of a put as one float32 matrix, refused (InputError) before any database is
    touched when a vector is not one row of finite numbers or the rows differ in length."""
    checked = [_checked_vector(doc_id, vec) for doc_id, vec in items]
    dim = checked[0].shape[0]
    if any(row.shape[0] != dim for row in checked):
        raise InputError(f"the vectors of one put must all have {dim} components")
    return [doc_id for doc_id, _ in items], np.stack(checked)


def check_dim(model_id: str, stored: int | None, dim: int) -> None:
    """Refuse vectors of another length than those ``model_id`` already has (``stored``; None: none yet)."""
    if stored is not None and stored != dim:
        raise InputError(f"{model_id} vectors have {stored} components; these have {dim}")


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


def _usearch_available() -> bool:
    """Whether usearch (the ``semantic`` extra) is installed: without it the exact product answers."""
    try:
        import usearch.index  # noqa: F401
    except ImportError:
        return False
    return True

"""Where an ingest's batches are written: in this process, prepared by worker processes and written in
this one, or as Ray tasks on a cluster.

Why a writer object: the service reads, normalizes and batches documents the same way whoever writes them
(``service.Themeflow.ingest``). A batch handed to a writer is written once, as one transaction, and its
outcomes (new, updated, unchanged) come back to the report; only when they come back differs.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import multiprocessing
import multiprocessing.context
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from themeflow.config import worker_count
from themeflow.model import Document
from themeflow.processes import die_with_parent, lower_priority, worker_context
from themeflow.store.base import Store, WriteOutcome
from themeflow.store.document_rows import with_true_hash

__all__ = [
    "BatchWriter",
    "InlineWriter",
    "Outcomes",
    "PreparingWriter",
    "RayWriter",
    "default_workers",
    "writer_for",
]

Outcomes = Callable[[list[WriteOutcome]], None]
"""Called with a batch's outcomes once it is committed."""


class BatchWriter(Protocol):
    def submit(self, docs: Sequence[Document], done: Outcomes) -> None:
        """Write one batch (one transaction); ``done`` gets its outcomes once it is committed."""
        ...

    def close(self) -> None:
        """Wait for every submitted batch; raises the first failure a batch could not recover from."""
        ...

    def abort(self) -> None:
        """Stop after a failure or an interrupt: batches not yet written are dropped (a re-run writes them)."""
        ...


class InlineWriter:
    """Each batch written here and now, through the open store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def submit(self, docs: Sequence[Document], done: Outcomes) -> None:
        done(self.store.upsert_documents(docs))

    def close(self) -> None:
        """Nothing is ever pending."""

    def abort(self) -> None:
        """Nothing is ever pending."""


Preparer = Callable[[Sequence[Document]], list[Any]]
"""A store's ``preparer``: documents in, what its ``upsert_documents`` takes in their place out
(``store/sqlite/prepare.py``); a module-level function, so a worker process can run it."""

INLINE_BATCHES = 2
"""Batches written before any worker starts: forking two workers costs ~20 ms, but a fork server (a process
with threads) ~0.5 s, more than two batches' analysis saves. An input known to be large (a local file read by
a child process, ``ingest/background.py``) starts the workers with its first batch instead: on the shared
corpus, whose first articles are its longest, the two inline batches left one core mostly idle for the first
2.6 s."""


AHEAD_PER_WORKER = 2
"""Batches handed to the workers ahead of the one being written, per worker (plus two). Why: with one
ahead, a worker that finished its batch while this process wrote waited for the next hand-out, and the two
cores were 78 % busy on the shared corpus; with two, a first ingest of it ran 634–656 against 613–622 docs/s.
Each batch waiting costs its documents and their prepared columns (~30 kB a document)."""


PREPARER_NICENESS = 10
"""Nice levels the preparing workers run below the writer. Why: the writer is the one serial stage (every
batch's rows are written by it, in order), and with two workers beside it on two cores the three shared
them evenly: the writer then ran at two thirds of a core, fell behind, the workers filled the window ahead
of it and waited, and one core idled (1.6 of 2 busy). Below the writer, a worker takes only what the writer
leaves: on the shared corpus the documents were written in 20.7–21.4 s against 24.7–27.7 s (three runs
each, alternating). Niceness also lets an interactive process of the same user (the web app) go first."""


def _start_preparer() -> None:
    """A preparing worker's start: it dies with this process and runs below it."""
    die_with_parent()
    lower_priority(PREPARER_NICENESS)


def default_workers(setting: str | None) -> int:
    """Worker processes for a bulk ingest (``config.worker_count``: the ``ingest_workers`` setting, else the
    cores, at most 8)."""
    return worker_count(setting)


def _worker_context(preparer: Preparer) -> multiprocessing.context.BaseContext:
    """How worker processes start (``processes.worker_context``); a fork server first imports the
    preparer's module."""
    return worker_context([preparer.__module__])


class PreparingWriter:
    """Each batch's analysis and fingerprints computed by worker processes, its rows written here, in order.

    Why: the computation is three quarters of a document's write and needs no database, while the writes must
    stay in one process, one transaction per batch, in order (so a crash loses at most what was not yet
    committed and a re-run resumes exactly). Workers prepare the next batches while this process reads and
    writes; a batch is written as soon as it and every batch before it are prepared.

    - Only documents whose text is new or changed are sent to a worker (one read of the stored hashes per
      batch): a re-ingest of unchanged files costs no analysis.
    - The first ``inline_batches`` (:data:`INLINE_BATCHES`) batches are prepared here, so a small ingest (a
      feed run, the sample corpus) never starts a worker; a large one passes 0.
    - A batch a worker could not prepare (a worker killed, a document that breaks the analysis) is written
      as plain documents: the store then prepares them itself and reports what fails, as without workers.
    """

    def __init__(
        self, store: Store, preparer: Preparer, workers: int, *, inline_batches: int = INLINE_BATCHES
    ) -> None:
        self.store = store
        self.preparer = preparer
        self.workers = max(1, workers)
        self.inline_batches = max(0, inline_batches)
        self._bulk = contextlib.ExitStack()
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._pending: deque[tuple[concurrent.futures.Future[list[Any]] | None, Sequence[Document], Outcomes]]
        self._pending = deque()
        self._batches = 0

    def submit(self, docs: Sequence[Document], done: Outcomes) -> None:
        self._batches += 1
        if self._batches <= self.inline_batches:
            done(self.store.upsert_documents(docs))
            return
        if self._batches == self.inline_batches + 1:
            # many batches follow: the store may write them differently (SQLiteStore.bulk_writing)
            bulk = getattr(self.store, "bulk_writing", None)
            if bulk is not None:
                self._bulk.enter_context(bulk())
        stored = self.store.stored_hashes([d.id for d in docs])  # type: ignore[attr-defined]
        todo = [d for d in docs if stored.get(d.id) != with_true_hash(d).content_hash]
        future = self._prepare(todo) if todo else None
        self._pending.append((future, docs, done))
        while len(self._pending) > AHEAD_PER_WORKER * self.workers + 2 or (
            self._pending and (self._pending[0][0] is None or self._pending[0][0].done())
        ):
            self._write_oldest()

    def close(self) -> None:
        try:
            while self._pending:
                self._write_oldest()
        finally:
            self._shutdown(wait=True)
            self._bulk.close()

    def abort(self) -> None:
        for future, _, _ in self._pending:
            if future is not None:
                future.cancel()
        self._pending.clear()
        self._shutdown(wait=False)
        self._bulk.close()

    def _prepare(self, docs: list[Document]) -> concurrent.futures.Future[list[Any]] | None:
        if self._pool is None:
            self._pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=_worker_context(self.preparer),
                initializer=_start_preparer,
            )
        try:
            return self._pool.submit(self.preparer, docs)
        except (BrokenProcessPool, RuntimeError):
            return None  # the pool is gone: this batch is prepared by the store itself

    def _write_oldest(self) -> None:
        future, docs, done = self._pending.popleft()
        ready: dict[str, Any] = {}
        if future is not None:
            try:
                ready = {p.doc.id: p for p in future.result()}
            except Exception:  # a worker died or a document broke the analysis: the store will say which
                ready = {}
        done(self.store.upsert_documents([ready.get(d.id, d) for d in docs]))

    def _shutdown(self, *, wait: bool) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=not wait)
            self._pool = None


class RayWriter:
    """Each batch written by a Ray task on the cluster (``ray_pool.py``), straight into the shared store."""

    def __init__(self, location: str, *, address: str | None = None) -> None:
        from themeflow.cluster.ray_pool import RayPool, shared_location
        from themeflow.cluster.tasks import write_batch

        self.location = shared_location(location)
        self.pool = RayPool(write_batch, address=address)

    def submit(self, docs: Sequence[Document], done: Outcomes) -> None:
        self.pool.submit(done, self.location, list(docs))

    def close(self) -> None:
        self.pool.close()

    def abort(self) -> None:
        self.pool.close()


def writer_for(
    store: Store,
    workers: int,
    *,
    ray: bool = False,
    location: str | None = None,
    address: str | None = None,
    large: bool = False,
) -> BatchWriter:
    """The writer of an ingest: Ray tasks (``ray``, into the store at ``location``), worker processes and this
    process's writer (a store that can prepare documents, ``workers`` > 1), else this process alone.
    ``large``: the input is known to be large, so workers start with its first batch."""
    if ray:
        return RayWriter(location or "", address=address)
    preparer = getattr(store, "preparer", None)
    if preparer is not None and workers > 1:
        return PreparingWriter(store, preparer, workers, inline_batches=0 if large else INLINE_BATCHES)
    return InlineWriter(store)

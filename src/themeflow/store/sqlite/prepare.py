"""What writing a document to the SQLite store needs that no database is needed for, computed ahead.

Why: a document's write is mostly pure computation — its type, the four analyzed FTS columns (segmentation,
search-mode words, bigrams), their compressed copy for deletes, and its story fingerprint (shingles,
MinHash, sentence keys) — and only a quarter SQL. The SQL must stay in one writer (one transaction per
batch, so a crash loses at most the batch in flight); the computation need not. A bulk ingest runs
:func:`prepare_batch` in worker processes (``cluster/writers.py``, :class:`PreparingWriter`) and hands the
results to :meth:`SQLiteStore.upsert_documents`, which then only writes.

A prepared document is exactly what the writer would compute itself (the same functions run), so a store
written with or without preparation is the same store, row for row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from themeflow import dedup
from themeflow.model import Document
from themeflow.store import document_rows, story_rules
from themeflow.store.sqlite import fts
from themeflow.text.doctype import doc_type

__all__ = ["PreparedDocument", "prepare_batch", "prepare_document"]


@dataclass(frozen=True, slots=True)
class PreparedDocument:
    """A document (its content hash recomputed from its text) with its type, index columns and fingerprint."""

    doc: Document
    kind: str
    tokens: tuple[str, str, str, str]
    tokens_blob: bytes
    fingerprint: dedup.Fingerprint


def prepare_document(doc: Document) -> PreparedDocument:
    """Everything of ``doc``'s write that needs no database (see the module doc)."""
    doc = document_rows.with_true_hash(doc)
    kind = doc_type(doc)
    tokens = fts.tokens_for(doc)
    return PreparedDocument(
        doc=doc,
        kind=kind,
        tokens=tokens,
        tokens_blob=fts.compress_tokens(tokens),
        fingerprint=story_rules.fingerprint_document(doc, kind or None),
    )


def prepare_batch(docs: Sequence[Document]) -> list[PreparedDocument]:
    """:func:`prepare_document` for each of ``docs``, in order (what a worker process runs per batch)."""
    return [prepare_document(d) for d in docs]

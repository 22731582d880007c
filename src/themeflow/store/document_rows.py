"""A document as both stores write and read it: its column values, the rules of an upsert, the ingest log's
row and the statistics record — shared so the two backends cannot drift apart (each keeps only its SQL)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Protocol

from themeflow.model import Document, IngestReport, StoreStats, content_hash_of
from themeflow.serialize import iso, parse_iso

__all__ = [
    "document_from_row",
    "document_values",
    "ingest_log_row",
    "metadata_improves",
    "store_stats",
    "with_true_hash",
]


class Row(Protocol):
    """A stored row read by column name (``sqlite3.Row``, a psycopg dict row)."""

    def __getitem__(self, key: str) -> Any: ...


_ORIGIN_RANK = {"unknown": 0, "fetch": 1, "feed": 2, "document": 3}


def with_true_hash(doc: Document) -> Document:
    """A Document built with dataclasses.replace() keeps its old hash; trust only the text itself, or a
    changed article would be taken for unchanged and its summary cache would go stale."""
    actual = content_hash_of(doc.title, doc.paragraphs)
    return doc if actual == doc.content_hash else replace(doc, content_hash=actual)


def document_values(doc: Document, kind: str, now: float) -> dict[str, Any]:
    """The ``documents`` columns of ``doc`` written at ``now`` (``ingested_at`` is added for a new one);
    ``meta`` as JSON text, which both stores accept."""
    return {
        "id": doc.id,
        "title": doc.title,
        "source": doc.source,
        "published_at": iso(doc.published_at),
        "published_ts": doc.published_at.timestamp() if doc.published_at is not None else None,
        "time_origin": doc.time_origin,
        "url": doc.url,
        "lang": doc.lang,
        "fetched_at": iso(doc.fetched_at),
        "origin": doc.origin,
        "meta": json.dumps(dict(doc.meta), ensure_ascii=False) if doc.meta else None,
        "content_hash": doc.content_hash,
        "paragraph_count": len(doc.paragraphs),
        "char_count": sum(len(p) for p in doc.paragraphs),
        "kind": kind,
        "updated_at": now,
    }


def metadata_improves(row: Row, doc: Document) -> bool:
    """Whether ``doc`` (same text as the stored ``row``) brings a better publish time or a missing outlet."""
    if doc.published_at is not None and _ORIGIN_RANK[doc.time_origin] > _ORIGIN_RANK.get(
        row["time_origin"] or "unknown", 0
    ):
        return True
    return bool(doc.source and not row["source"])


def document_from_row(row: Row, paragraphs: tuple[str, ...]) -> Document:
    """A stored row back as a Document (``meta``: JSON text, or already parsed from JSONB)."""
    meta = row["meta"]
    return Document(
        id=row["id"],
        title=row["title"],
        paragraphs=paragraphs,
        source=row["source"],
        published_at=parse_iso(row["published_at"]),
        time_origin=row["time_origin"],
        url=row["url"],
        lang=row["lang"],
        fetched_at=parse_iso(row["fetched_at"]),
        origin=row["origin"],
        meta=meta if isinstance(meta, dict) else (json.loads(meta) if meta else {}),
        content_hash=row["content_hash"],
    )


def ingest_log_row(source: str, report: IngestReport, started_at: datetime) -> tuple[object, ...]:
    """``ingest_log`` values (started_at, finished_at, source, read, new, updated, unchanged, failed,
    errors): the first 1,000 errors kept."""
    errors = [{"source": e.source, "record": e.record, "reason": e.reason} for e in report.errors[:1000]]
    return (
        started_at.timestamp(),
        time.time(),
        source,
        report.read,
        report.new,
        report.updated,
        report.unchanged,
        report.failed,
        json.dumps(errors, ensure_ascii=False),
    )


def store_stats(
    counts: Mapping[str, Any],
    sources: Iterable[Sequence[Any]],
    span: Sequence[Any] | None,
    tokens: Sequence[Any] | None,
    schema: list[str],
    location: str,
) -> StoreStats:
    """The statistics record from what a store counted: ``counts`` (documents, paragraphs, summaries,
    ingests, stories, multi_copy_stories), (outlet, documents) rows, the (earliest, latest) publish epochs and
    the LLM (prompt, completion) token sums."""
    lo, hi = span if span else (None, None)
    tokens_in, tokens_out = tokens if tokens else (0, 0)
    return StoreStats(
        documents=int(counts["documents"]),
        paragraphs=int(counts["paragraphs"]),
        sources={(r[0] or "(unknown)"): int(r[1]) for r in sources},
        earliest=datetime.fromtimestamp(lo, UTC) if lo is not None else None,
        latest=datetime.fromtimestamp(hi, UTC) if hi is not None else None,
        summaries=int(counts["summaries"]),
        llm_prompt_tokens=int(tokens_in),
        llm_completion_tokens=int(tokens_out),
        stories=int(counts["stories"]),
        multi_copy_stories=int(counts["multi_copy_stories"]),
        ingests=int(counts["ingests"]),
        schema=schema,
        location=location,
    )


COUNTS = {
    "documents": "documents",
    "paragraphs": "paragraphs",
    "summaries": "summaries",
    "ingests": "ingest_log",
    "stories": "stories",
}
"""Counted tables of :func:`store_stats` (``multi_copy_stories`` is the stories of size above one)."""

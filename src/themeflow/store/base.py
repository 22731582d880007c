"""The `Store` protocol: everything the service needs from persistence, and nothing more.

Backends (``sqlite.py`` now, ``postgres.py`` later) implement it; the service, CLI and web app only ever
see this interface, so the same test suite can run against each backend.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

from themeflow.model import Document, IngestReport, SearchPage, Story, Summary

if TYPE_CHECKING:
    from themeflow.search.request import SearchRequest

WriteOutcome = Literal["new", "updated", "unchanged"]


@dataclass(frozen=True, slots=True)
class StoreStats:
    """What ``themeflow stats`` shows."""

    documents: int
    paragraphs: int
    sources: dict[str, int] = field(default_factory=dict)
    earliest: datetime | None = None
    latest: datetime | None = None
    summaries: int = 0
    stories: int = 0
    multi_copy_stories: int = 0
    ingests: int = 0
    schema: list[str] = field(default_factory=list)
    location: str = ""


@runtime_checkable
class Store(Protocol):
    """Persistence for documents, their index, stories, summaries and ingest history."""

    location: str

    def upsert_documents(self, docs: Sequence[Document]) -> list[WriteOutcome]:
        """Write a batch in one transaction: new ids are inserted, changed content is updated in place
        (index and story membership follow), identical content is left alone."""
        ...

    def get_document(self, doc_id: str) -> Document:
        """The document with this id; raises NotFoundError."""
        ...

    def get_documents(self, doc_ids: Sequence[str]) -> dict[str, Document]:
        """The documents among ``doc_ids`` that exist, keyed by id."""
        ...

    def iter_documents(self, *, ingested_after: datetime | None = None) -> Iterator[Document]:
        """Every document (optionally only those written after a time), in ingest order."""
        ...

    def count_documents(self) -> int: ...

    def stats(self) -> StoreStats: ...

    def search(self, request: SearchRequest) -> SearchPage:
        """Run a parsed search request against the full-text index."""
        ...

    def record_ingest(self, source: str, report: IngestReport, started_at: datetime) -> None: ...

    def get_summary(self, content_hash: str, summarizer: str) -> Summary | None: ...

    def put_summary(self, summary: Summary) -> None: ...

    def story_of(self, doc_id: str) -> Story | None: ...

    def stories_for(self, doc_ids: Sequence[str]) -> dict[str, Story]: ...

    def list_stories(
        self, *, since: datetime | None = None, min_size: int = 2, limit: int = 100
    ) -> list[Story]: ...

    def optimize(self) -> None:
        """Compact the search index after a large write (a no-op where the backend needs none)."""
        ...

    def close(self) -> None: ...

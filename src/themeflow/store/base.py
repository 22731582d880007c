"""The storage protocols: everything the service, workflows, reports and web pages need from persistence.

A backend (``store/sqlite/`` now; ``store/postgres/`` for teams) implements :class:`Store`, which is the
sum of smaller protocols, each one job:

- :class:`DocumentStore`: documents with their paragraphs, write history and ingest log;
- :class:`SearchIndex`: full-text search over the analyzed text (the query language and ranking rules are
  backend-free, in ``search/``);
- :class:`StoryStore`: which documents are copies of one story;
- :class:`SummaryStore`: the summary cache, keyed by content hash and summarizer;
- :class:`WorkflowStore`: saved themes, runs, seen sets and run locks, read and written through
  :class:`WorkflowTables` inside a read or a write transaction;
- :class:`VectorStore`: one dense vector per document and embedding model, and the nearest documents to a
  query vector;
- :class:`TagStore`: the concepts each document is tagged with, and per concept the feed, counts, trend and
  related concepts that its page shows.

Nothing outside ``store/`` sees a connection, a row or SQL, so the same test suite runs against each backend
and adding one touches only its package and the registry in ``store/__init__.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from themeflow.model import (
    Document,
    DocumentTag,
    IngestReport,
    LockHolder,
    RunItem,
    RunRecord,
    SearchPage,
    StoreStats,
    Story,
    Summary,
    TagCount,
    TagState,
    Theme,
    WriteOutcome,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from themeflow.search.request import SearchRequest

__all__ = [
    "PORTABLE_TABLES",
    "DocumentStore",
    "PortableTable",
    "StoredDocument",
    "TableTransfer",
    "SearchIndex",
    "Store",
    "StoreStats",
    "StoryStore",
    "SummaryStore",
    "NO_TIME",
    "TagCursor",
    "TagStore",
    "VectorStore",
    "WorkflowStore",
    "WorkflowTables",
    "WriteOutcome",
]

TagCursor = tuple[float, str]
"""Where a concept's newest-first feed goes on: the (sort time, document id) of the last row read."""

NO_TIME = -1e18
"""The sort time of a document without a publish time in a concept's feed: after every dated one."""


class DocumentStore(Protocol):
    """Documents, their write history and the ingest log."""

    location: str
    """Where the data lives, for messages (a file path; a URL with the password removed)."""

    def upsert_documents(self, docs: Sequence[Document]) -> list[WriteOutcome]:
        """Write a batch in one transaction: new ids are inserted, changed content is updated in place
        (index and story membership follow), identical content is left alone."""
        ...

    def get_document(self, doc_id: str) -> Document:
        """The document with this id; raises NotFoundError."""
        ...

    def get_documents(self, doc_ids: Sequence[str], *, paragraphs: bool = True) -> dict[str, Document]:
        """The documents among ``doc_ids`` that exist, keyed by id; without their paragraphs (``()``) when
        ``paragraphs`` is false (a reader that keeps the texts it has read: ``SearchRequest.paragraphs``)."""
        ...

    def iter_documents(self, *, ingested_after: datetime | None = None) -> Iterator[Document]:
        """Every document (optionally only those written after a time), in ingest order."""
        ...

    def document_ids_written_between(self, after: float | None, until: float) -> list[str]:
        """Ids of documents written (new or changed) in ``(after, until]``, epoch seconds, in write order:
        what an incremental workflow run looks at."""
        ...

    def count_documents(self) -> int: ...

    def stats(self) -> StoreStats: ...

    def write_fingerprint(self) -> tuple[object, ...]:
        """A cheap value that changes whenever a document is written (result caches compare it)."""
        ...

    def record_ingest(self, source: str, report: IngestReport, started_at: datetime) -> None: ...


class SearchIndex(Protocol):
    """Full-text search over the analyzed text of every document."""

    def search(self, request: SearchRequest) -> SearchPage:
        """Run a search request: QueryError for a malformed query, NotAvailableError for a mode this
        backend does not offer."""
        ...

    def optimize(self) -> None:
        """Compact the index after a large write (a no-op where the backend needs none)."""
        ...

    def reindex(self) -> int:
        """Rebuild the index from the stored documents; returns the number indexed."""
        ...


class StoryStore(Protocol):
    """Stories: syndicated copies of one article grouped, with a canonical copy."""

    def story_of(self, doc_id: str) -> Story | None: ...

    def stories_for(self, doc_ids: Sequence[str]) -> dict[str, Story]:
        """The multi-copy story of each document among ``doc_ids`` that has one."""
        ...

    def list_stories(
        self, *, since: datetime | None = None, min_size: int = 2, limit: int = 100
    ) -> list[Story]: ...


class SummaryStore(Protocol):
    """The summary cache: a summary is kept per content hash and summarizer, so copies share it."""

    def get_summary(self, content_hash: str, summarizer: str) -> Summary | None: ...

    def put_summary(self, summary: Summary) -> None:
        """Keep a summary (a read-only store computes summaries without keeping them)."""
        ...


class WorkflowTables(Protocol):
    """The workflow tables within one read or write transaction (see :class:`WorkflowStore`)."""

    def theme_id(self, name: str) -> int | None: ...

    def insert_theme(self, theme: Theme, now: float | None = None) -> int | None:
        """Insert a theme; returns its id, or None when the name is taken."""
        ...

    def update_theme(self, name: str, theme: Theme, now: float | None = None) -> bool:
        """Replace the definition of theme ``name`` (which may be renamed to ``theme.name``)."""
        ...

    def delete_theme(self, name: str) -> bool:
        """Delete a theme with its runs, items, seen set and lock."""
        ...

    def get_theme(self, name: str) -> Theme | None: ...

    def list_themes(self) -> list[Theme]: ...

    def start_run(
        self,
        *,
        theme_id: int,
        theme: str,
        started_at: datetime,
        window_start: datetime | None,
        window_end: datetime,
        trigger: str = "manual",
        slot_at: datetime | None = None,
    ) -> int:
        """Record a run as ``running``; returns its id (ids are never reused: reports are named after them)."""
        ...

    def interrupt_stale_runs(self, theme_id: int, now: float) -> int:
        """Mark runs left ``running`` by a process that died as failed (only while holding the lock)."""
        ...

    def finish_run(
        self,
        run_id: int,
        *,
        finished_at: datetime,
        candidates: int,
        new_documents: int,
        items: Sequence[RunItem],
        summarized: int,
        reports: Mapping[str, str],
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
    ) -> None:
        """Record a run's items and mark it ``ok``: the one write that moves the theme's window forward;
        ``prompt_tokens``/``completion_tokens``: what its LLM summaries cost (0 without an LLM)."""
        ...

    def fail_run(self, run_id: int, *, finished_at: datetime, error: str) -> None: ...

    def get_run(self, run_id: int) -> RunRecord | None: ...

    def last_successful_run(self, theme_id: int) -> RunRecord | None: ...

    def first_successful_window_end(self, theme_id: int) -> datetime | None:
        """End of the theme's first successful run: documents written up to then are its backfill."""
        ...

    def last_run(self, theme_id: int) -> RunRecord | None: ...

    def list_runs(self, theme_id: int, limit: int = 20) -> list[RunRecord]: ...

    def run_items(self, run_id: int) -> list[RunItem]: ...

    def seen_hashes(self, theme_id: int, doc_ids: Iterable[str]) -> dict[str, str]:
        """``doc_id -> content_hash`` for the documents among ``doc_ids`` this theme already reported."""
        ...

    def mark_seen(self, theme_id: int, run_id: int, docs: Iterable[tuple[str, str, str | None]]) -> None:
        """Record ``(doc_id, content_hash, story_id)`` as reported by ``run_id``."""
        ...

    def acquire_lock(
        self,
        name: str,
        owner: str,
        *,
        now: float,
        ttl: float,
        is_stale: Callable[[str], bool] | None = None,
    ) -> LockHolder | None:
        """Take the run lock on ``name`` for ``owner``: None on success, else the current holder. Inside a
        write transaction, so two schedulers cannot both see it free."""
        ...

    def refresh_lock(self, name: str, owner: str, *, now: float, ttl: float) -> bool: ...

    def lock_holder(self, name: str) -> LockHolder | None: ...

    def release_lock(self, name: str, owner: str | None = None) -> bool:
        """Release the lock if ``owner`` still holds it; ``owner=None`` removes it whoever holds it."""
        ...


class WorkflowStore(Protocol):
    """Saved themes and their runs: a read, or a write transaction, over :class:`WorkflowTables`."""

    def reading(self) -> AbstractContextManager[WorkflowTables]:
        """The tables for reading (errors become StoreError)."""
        ...

    def writing(self) -> AbstractContextManager[WorkflowTables]:
        """The tables in one write transaction: committed on success, rolled back on any error."""
        ...

    def refresh_lock(self, name: str, owner: str, *, now: float, ttl: float) -> bool:
        """The run heartbeat: push ``owner``'s lock expiry to ``now + ttl``; False when the lock is no longer
        theirs. Safe to call from any thread; StoreError when the store is briefly unavailable."""
        ...


class VectorStore(Protocol):
    """Dense vectors for semantic search: at most one per document, filed under the embedding model's id.

    Vectors are float32 and compared by cosine. A document whose text changes loses its vector (it no longer
    describes the text), and so does a deleted one; both then show in :meth:`missing` or nowhere.
    """

    def put(self, model_id: str, items: Sequence[tuple[str, npt.NDArray[np.float32]]]) -> int:
        """Keep ``(doc_id, vector)`` pairs under ``model_id`` in one transaction, replacing a document's
        vector of any model; ids of documents not (or no longer) stored are skipped. Returns the number
        kept. InputError for a vector of the wrong shape or with a non-finite component."""
        ...

    def missing(
        self, model_id: str, limit: int | None = None, *, among: Sequence[str] | None = None
    ) -> list[str]:
        """Ids of documents without a vector from ``model_id`` (none at all, or one from another model:
        changing the model embeds everything again), in ingest order; only those among ``among`` when given."""
        ...

    def count(self, model_id: str) -> int:
        """Documents with a vector from ``model_id``."""
        ...

    def nearest(
        self,
        model_id: str,
        query_vec: npt.NDArray[np.float32],
        k: int,
        candidates: Sequence[str] | None = None,
    ) -> list[tuple[str, float]]:
        """The ``k`` documents whose ``model_id`` vectors are closest to ``query_vec``, as ``(doc_id,
        cosine)``, best first; only among ``candidates`` when given (ids without a vector are left out)."""
        ...


class TagStore(Protocol):
    """Concept tags: which documents each concept of the vocabulary (``tags/``) is about or mentioned in.

    A concept's tags are written with its :class:`~themeflow.model.TagState` in one transaction, so a reader
    never sees tags of one definition under the state of another. Tags of a document go with it when it
    is deleted. Feed order is newest first by publish time (documents without one last), then document id.
    """

    def states(self) -> dict[str, TagState]:
        """Every concept with stored tags, by name."""
        ...

    def write(
        self, state: TagState, tags: Sequence[DocumentTag], *, replacing: Sequence[str] | None = None
    ) -> None:
        """Store ``state`` and ``tags`` of one concept. ``replacing`` None: the concept's tag set becomes
        ``tags``; otherwise only the tags of the documents in ``replacing`` are replaced (an incremental
        refresh). A tag keeps its first ``tagged_at`` while it stays."""
        ...

    def drop(self, name: str) -> bool:
        """Forget a concept and its tags (a theme removed); False when it had none."""
        ...

    def counts(self, as_of: float, *, name: str | None = None) -> list[TagCount]:
        """Every concept's counts and trend as of ``as_of`` (epoch seconds), largest first; only the concept
        ``name`` when given (one index range, not the whole table)."""
        ...

    def feed(
        self,
        name: str,
        *,
        aboutness: Sequence[str],
        after: TagCursor | None = None,
        limit: int = 20,
    ) -> list[DocumentTag]:
        """The concept's tags of the given kinds, newest first, starting after ``after``."""
        ...

    def tagged(self, name: str, doc_ids: Sequence[str]) -> dict[str, DocumentTag]:
        """The concept's tags of these documents (any kind), by document id."""
        ...

    def published_times(self, name: str, *, aboutness: Sequence[str], since: float) -> list[float]:
        """Publish times (epoch seconds) of the concept's tagged documents published since ``since``."""
        ...

    def related(self, name: str, *, limit: int = 8) -> list[tuple[str, int]]:
        """Other concepts that documents about ``name`` are also about, with how many such documents,
        most shared first."""
        ...

    def tags_of(self, doc_id: str) -> list[DocumentTag]:
        """Every concept one document is tagged with, about-tags first, then by score."""
        ...


@dataclass(frozen=True, slots=True)
class PortableTable:
    """A table a store copy (``store/transfer.py``) carries row for row. Documents are not among them: they
    are copied through the destination's own writes, which rebuild its index and stories."""

    name: str
    columns: tuple[str, ...]
    """As the copy sees them: ``doc_id`` stands for a documents-rowid column when ``doc_rowid``."""
    key: tuple[str, ...]
    json: tuple[str, ...] = ()
    """Columns holding JSON (text in SQLite, JSONB in PostgreSQL), carried as parsed values."""
    doc_rowid: bool = False
    """The table refers to documents by the store's rowid (``doc_rowid``), which differs between stores."""
    identity: str | None = None
    """An id column whose values are kept (run ids name report files); the next id continues after them."""


PORTABLE_TABLES: tuple[PortableTable, ...] = (
    PortableTable(
        "summaries",
        ("content_hash", "summarizer", "doc_id", "payload", "created_at"),
        ("content_hash", "summarizer"),
        json=("payload",),
    ),
    PortableTable(
        "ingest_log",
        (
            "id",
            "started_at",
            "finished_at",
            "source",
            "read",
            "new",
            "updated",
            "unchanged",
            "failed",
            "errors",
        ),
        ("id",),
        json=("errors",),
        identity="id",
    ),
    PortableTable(
        "themes",
        (
            "id",
            "name",
            "query",
            "keywords",
            "exclusions",
            "sources",
            "since",
            "schedule",
            "summarizer",
            "figures",
            "created_at",
            "updated_at",
        ),
        ("id",),
        json=("keywords", "exclusions", "sources"),
        identity="id",
    ),
    PortableTable(
        "runs",
        (
            "id",
            "theme_id",
            "theme",
            "started_at",
            "finished_at",
            "status",
            "trigger",
            "slot_at",
            "window_start",
            "window_end",
            "candidates",
            "new_documents",
            "items",
            "summarized",
            "prompt_tokens",
            "completion_tokens",
            "error",
            "reports",
        ),
        ("id",),
        json=("reports",),
        identity="id",
    ),
    PortableTable(
        "run_items",
        (
            "run_id",
            "position",
            "doc_id",
            "story_id",
            "status",
            "new_doc_ids",
            "score",
            "snippet",
            "summarized",
            "aboutness",
            "late",
        ),
        ("run_id", "position"),
        json=("new_doc_ids", "snippet"),
    ),
    PortableTable(
        "theme_seen", ("theme_id", "doc_id", "content_hash", "story_id", "run_id"), ("theme_id", "doc_id")
    ),
    PortableTable("tag_concepts", ("name", "kind", "digest", "watermark", "refreshed_at"), ("name",)),
    PortableTable(
        "doc_tags",
        ("concept", "doc_id", "aboutness", "score", "sort_ts", "tagged_at"),
        ("concept", "doc_id"),
        doc_rowid=True,
    ),
    PortableTable("doc_vectors", ("doc_id", "model", "dim", "vec"), ("model", "doc_id"), doc_rowid=True),
)
"""What a store copy carries besides the documents, parents before children. Derived tables (the full-text
index, fingerprints and stories) are rebuilt by the destination; run locks are live state and stay behind."""

StoredDocument = tuple[Document, float, float]
"""A document with the times the store first and last wrote it (epoch seconds)."""


class TableTransfer(Protocol):
    """A store's side of a copy between stores (``themeflow migrate``): its documents and portable tables
    read out in batches, and written in, each batch one transaction."""

    def documents(self, batch: int = 500) -> Iterator[list[StoredDocument]]:
        """Every document with its write times, in the order the store received them."""
        ...

    def put_documents(self, items: Sequence[StoredDocument]) -> None:
        """Write documents through the store's own writes (index, stories), keeping their write times."""
        ...

    def rows(self, table: PortableTable, batch: int = 1000) -> Iterator[list[dict[str, object]]]:
        """The table's rows as :attr:`PortableTable.columns` name them, JSON parsed, booleans as bool."""
        ...

    def put_rows(self, table: PortableTable, rows: Sequence[Mapping[str, object]]) -> None:
        """Insert rows read from another store (their documents already copied)."""
        ...

    def finish(self) -> None:
        """After the last batch: the next generated id of each identity table follows the copied ones."""
        ...


@runtime_checkable
class Store(DocumentStore, SearchIndex, StoryStore, SummaryStore, Protocol):
    """Everything themeflow keeps: what a backend implements."""

    @property
    def transfer(self) -> TableTransfer:
        """Its side of a copy to or from another store (``store/transfer.py``)."""
        ...

    @property
    def workflows(self) -> WorkflowStore: ...

    @property
    def vectors(self) -> VectorStore: ...

    @property
    def tags(self) -> TagStore: ...

    def close(self) -> None: ...

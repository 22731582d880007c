"""The records every stage passes to the next.

Stages never reach into each other's internals: ingest produces `Document`s, the store keeps them,
search returns `Hit`s, summarizers return `Summary`s, the workflow records `RunRecord`s. Keeping these plain
frozen dataclasses makes them cheap to build in tests and safe to share between threads; pydantic models
live only at the API edge.

Paragraph numbers are 1-based everywhere: paragraph ``n`` is ``doc.paragraphs[n - 1]`` and is cited in
summaries as ``[n]``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

TimeOrigin = Literal["document", "feed", "fetch", "unknown"]
"""Where a publish time came from. A crawl/fetch time is recorded as ``fetch`` and never shown as a
publish time without saying so."""


def content_hash_of(title: str, paragraphs: Sequence[str]) -> str:
    """Hash of the normalized title and paragraphs: changes iff what a reader sees changes."""
    h = hashlib.sha256()
    h.update(title.strip().encode("utf-8"))
    for p in paragraphs:
        h.update(b"\x1e")
        h.update(p.strip().encode("utf-8"))
    return h.hexdigest()[:32]


WriteOutcome = Literal["new", "updated", "unchanged"]
"""What writing one document did: stored for the first time, changed in place, or already stored as is."""


@dataclass(frozen=True, slots=True)
class Document:
    """One normalized article or research note.

    ``id`` is stable across re-ingests (see :mod:`themeflow.ids`); ``content_hash`` changes when the
    text does, which is how re-ingest tells "unchanged" from "updated" and how summaries are cached.
    """

    id: str
    title: str
    paragraphs: tuple[str, ...]
    source: str | None = None
    published_at: datetime | None = None
    time_origin: TimeOrigin = "unknown"
    url: str | None = None
    lang: str = "zh"
    fetched_at: datetime | None = None
    origin: str | None = None
    """Where the record was read from (file path and record number, feed or page URL)."""
    meta: Mapping[str, str] = field(default_factory=dict)
    """Extra fields kept verbatim (e.g. the upstream record id)."""
    content_hash: str = ""

    def __post_init__(self) -> None:
        if not self.content_hash:
            object.__setattr__(self, "content_hash", content_hash_of(self.title, self.paragraphs))
        if not isinstance(self.paragraphs, tuple):
            object.__setattr__(self, "paragraphs", tuple(self.paragraphs))

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)

    def paragraph(self, n: int) -> str:
        """Paragraph ``n`` (1-based), the one a citation ``[n]`` points to."""
        if not 1 <= n <= len(self.paragraphs):
            raise IndexError(f"document {self.id} has no paragraph {n} (it has {len(self.paragraphs)})")
        return self.paragraphs[n - 1]


@dataclass(frozen=True, slots=True)
class Copy:
    """A syndicated copy folded into a story (shown as "also in …")."""

    id: str
    source: str | None
    published_at: datetime | None
    url: str | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Story:
    """One news story: the canonical document and its syndicated copies (canonical excluded)."""

    id: str
    canonical_id: str
    copies: tuple[Copy, ...] = ()

    @property
    def size(self) -> int:
        return 1 + len(self.copies)


@dataclass(frozen=True, slots=True)
class Snippet:
    """A passage around the best-matching paragraph; ``highlights`` are (start, end) offsets in ``text``."""

    paragraph: int
    text: str
    highlights: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result."""

    document: Document
    score: float
    snippet: Snippet | None = None
    story_id: str | None = None
    copies: tuple[Copy, ...] = ()
    aboutness: str | None = None
    """``主题`` (about the query's concept) or ``提及`` (a roundup or live blog that only mentions it); None
    for a query without bare terms."""
    partial: bool = False
    """Says less of the query's concept than its minimum-should-match asks: relevance order lists such
    documents after every match (recall-first), newest first never."""


@dataclass(frozen=True, slots=True)
class SearchPage:
    """A page of results with the totals an analyst needs to judge coverage."""

    query: str
    total: int
    hits: tuple[Hit, ...]
    per_source: Mapping[str, int] = field(default_factory=dict)
    offset: int = 0
    limit: int = 20
    partial: int = 0
    """Partial matches after the ``total`` matches (relevance order of a concept query only)."""


@dataclass(frozen=True, slots=True)
class Bullet:
    """A terse claim and the paragraphs it rests on. ``verified`` is set by the verifier."""

    text: str
    citations: tuple[int, ...]
    verified: bool | None = None
    reason: str | None = None
    """Why verification failed (None when it passed or was not run)."""


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    bullets: tuple[Bullet, ...]


@dataclass(frozen=True, slots=True)
class Summary:
    """A structured digest of one document.

    ``excerpt`` is True when the document was too short for structure and the summary is a lead
    excerpt; it is then labelled as such wherever it is shown.
    """

    doc_id: str
    content_hash: str
    summarizer: str
    """``name@version``: the cache key together with ``content_hash``."""
    core_views: tuple[Bullet, ...] = ()
    sections: tuple[Section, ...] = ()
    excerpt: bool = False
    focus: str | None = None
    """The theme this summary is focused on (a roundup shown under a theme): it covers only
    ``focus_paragraphs``, its citations in the article's own numbering. None: the whole document."""
    focus_paragraphs: tuple[int, ...] = ()
    model: str | None = None
    """The LLM that wrote it (None: no model, e.g. the extractive summarizer)."""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    dropped: int = 0
    """Bullets the summarizer wrote that failed verification (after one re-ask) and were left out."""
    fallback: str | None = None
    """Set when this is another summarizer's summary standing in (the LLM's had too few verified bullets)."""

    def bullets(self) -> tuple[Bullet, ...]:
        out = list(self.core_views)
        for s in self.sections:
            out.extend(s.bullets)
        return tuple(out)


@dataclass(frozen=True, slots=True)
class Citation:
    doc_id: str
    paragraph: int


@dataclass(frozen=True, slots=True)
class Fact:
    """A figure stated in a document: who, what, how much, when, and where it was said."""

    entity: str
    metric: str
    value: str
    """The figure as written (``1100亿美元``)."""
    unit: str
    normalized_value: float
    normalized_unit: str
    period: str | None
    citation: Citation
    qualifier: str | None = None
    """约 / 超过 / 近 / 至少 … as written."""


@dataclass(frozen=True, slots=True)
class Theme:
    """A saved theme: what an analyst tracks and how often."""

    name: str
    query: str
    keywords: tuple[str, ...] = ()
    exclusions: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    since: datetime | None = None
    schedule: str | None = None
    """An interval (``6h``, ``1d``) or a cron expression (``0 8 * * *``); None = on demand only."""
    summarizer: str = "extractive"
    figures: str = "rules"
    """How the theme's key figures are read: ``rules`` (the extractor alone) or ``llm`` (each fact confirmed,
    corrected or rejected by the LLM against its paragraph; only confirmed facts enter conflicts)."""


TagKind = Literal["lexicon", "theme"]
"""Where a concept of the tag vocabulary comes from: the curated finance lexicon or a saved theme."""


@dataclass(frozen=True, slots=True)
class TagState:
    """How far one concept's tags are computed: from which definition (``digest``), and every document
    written up to ``watermark`` (epoch seconds, write time) has been read for it."""

    name: str
    kind: TagKind
    digest: str
    watermark: float
    refreshed_at: float


@dataclass(frozen=True, slots=True)
class DocumentTag:
    """One document tagged with one concept: ``主题`` (about it) or ``提及`` (a roundup or live blog that only
    mentions it), with the search score it matched with and when the tag was first written."""

    concept: str
    doc_id: str
    aboutness: str
    score: float
    published_at: datetime | None
    tagged_at: float


@dataclass(frozen=True, slots=True)
class TagCount:
    """A concept's size and trend: documents about it, mentions, and documents about it published in the
    last 7 / 30 days before ``as_of`` against the 7 / 30 days before those."""

    name: str
    kind: TagKind
    documents: int
    mentions: int
    last_7d: int
    prev_7d: int
    last_30d: int
    prev_30d: int
    latest: datetime | None
    refreshed_at: float


RunStatus = Literal["running", "ok", "failed"]
ItemStatus = Literal["new", "updated"]
Trigger = Literal["manual", "scheduler"]


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One run of a saved theme as stored: what it covered, what it found, and the bookkeeping the scheduler
    needs (trigger, slot, counts, report paths)."""

    id: int
    theme: str
    started_at: datetime
    finished_at: datetime | None
    status: RunStatus
    trigger: Trigger
    slot_at: datetime | None
    """The schedule slot this run was recorded for (see :mod:`themeflow.schedule`)."""
    window_start: datetime | None
    """Exclusive lower bound of the write window (None: everything written before ``window_end``)."""
    window_end: datetime
    """Inclusive upper bound: the next run starts here."""
    candidates: int = 0
    """Documents written in the window, matching or not."""
    new_documents: int = 0
    """Matching documents new (or changed) for this theme."""
    items: int = 0
    """Stories reported (copies folded)."""
    summarized: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    """LLM tokens the run's new summaries took (cached summaries cost nothing again)."""
    error: str | None = None
    reports: Mapping[str, str] = field(default_factory=dict)
    item_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RunItem:
    """One reported story of a run: its lead document and which of its copies were new in this run."""

    run_id: int
    position: int
    doc_id: str
    story_id: str | None
    status: ItemStatus
    new_doc_ids: tuple[str, ...]
    score: float | None = None
    snippet: Snippet | None = None
    summarized: bool = True
    aboutness: str | None = None
    """``主题`` or ``提及`` as the theme's search read the lead document (None: not recorded)."""
    late: bool = False
    """补录: published well before the previous run although only written since (a late or back-filled
    article), listed apart from what is new."""


@dataclass(frozen=True, slots=True)
class LockHolder:
    """Who holds a workflow's run lock, since when, and until when its heartbeat keeps it."""

    name: str
    owner: str
    """``host:pid:thread:nonce`` of the process running it (see ``workflow/locks.py``)."""
    expires_at: datetime
    acquired_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class IngestError:
    """One record that could not be ingested, and why."""

    source: str
    record: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class StoreStats:
    """What ``themeflow stats`` shows: counts, outlets, the publish-time span and the schema applied."""

    documents: int
    paragraphs: int
    sources: dict[str, int] = field(default_factory=dict)
    earliest: datetime | None = None
    latest: datetime | None = None
    summaries: int = 0
    llm_prompt_tokens: int = 0
    llm_completion_tokens: int = 0
    """LLM tokens the stored summaries took when they were made."""
    stories: int = 0
    multi_copy_stories: int = 0
    ingests: int = 0
    schema: list[str] = field(default_factory=list)
    location: str = ""


@dataclass(slots=True)
class IngestReport:
    """The tally of one ingest: what ``themeflow ingest --json`` prints."""

    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[IngestError] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def docs_per_second(self) -> float:
        return self.read / self.seconds if self.seconds > 0 else 0.0

"""What a caller asks the search backend for: the query text plus the flags the CLI and API expose.

The query text may carry its own filters (``source:``, ``since:``, ``until:``); the backend combines them
with the fields here: sources from both are one set (a document from any of them matches), dates take the
narrower bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Literal

from themeflow.errors import InputError

__all__ = ["MAX_LIMIT", "SearchRequest"]

MAX_LIMIT = 1000

Sort = Literal["time", "relevance"]
Mode = Literal["bm25", "semantic", "hybrid"]
AnalysisName = Literal["word", "bigram", "word+bigram"]


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """One search.

    ``sort="time"`` is newest first (documents without a known time last); ``"relevance"`` is pure bm25
    unless ``recency_boost`` asks for a mild preference for recent documents. ``collapse`` folds syndicated
    copies into their story (one hit per story; totals count stories). ``analysis`` picks the index streams a
    bare term is matched against — the default was chosen on the labelled set (``scripts/eval_search.py``).
    A naive ``since``/``until`` is read as Beijing time; ``until`` is inclusive.
    """

    query: str
    since: datetime | None = None
    until: datetime | None = None
    sources: tuple[str, ...] = ()
    sort: Sort = "relevance"
    limit: int = 20
    offset: int = 0
    mode: Mode = "bm25"
    recency_boost: bool = False
    collapse: bool = True
    analysis: AnalysisName = "word+bigram"
    strict: bool = False
    """Bare terms must occur as typed (no concept expansion, every term required): the pre-expansion rule,
    kept for analysts who want it and as the baseline the expansion is measured against."""
    vector: tuple[float, ...] | None = None
    """The query's embedding (``query:`` side of the model) for ``semantic``/``hybrid``: computed by the
    service, which owns the embedder; the store only compares vectors."""
    vector_model: str | None = None
    """The model ``vector`` came from: only document vectors of the same model are compared."""
    tz: tzinfo | None = None
    """Zone of naive dates inside the query (``since:2025-11``); None = Beijing time."""
    snippets: bool = True
    """Build each hit's highlighted snippet; a reader that only needs the matching documents (a tag
    refresh) turns it off."""
    paragraphs: bool = True
    """Read each hit's paragraphs. A reader that keeps what it needs of the documents it has already read (a
    tag refresh reads each for every concept that matches it) turns it off: each hit's document then comes
    without them (``paragraphs == ()``) and the reader reads those it lacks itself."""
    within: frozenset[str] | None = None
    """Only these documents (ids) can match: what an incremental reader (a workflow run, a tag refresh) asks
    of the documents written since its last pass. The backend applies it before it reads, labels or builds
    any hit, so the cost follows the new documents, not every match; totals count only these."""

    def __post_init__(self) -> None:
        if self.within is not None and not isinstance(self.within, frozenset):
            object.__setattr__(self, "within", frozenset(self.within))
        if self.sort not in ("time", "relevance"):
            raise InputError(f"unknown sort {self.sort!r}; use 'time' or 'relevance'")
        if self.mode not in ("bm25", "semantic", "hybrid"):
            raise InputError(f"unknown search mode {self.mode!r}; use bm25, semantic or hybrid")
        if self.analysis not in ("word", "bigram", "word+bigram"):
            raise InputError(f"unknown analysis {self.analysis!r}; use word, bigram or word+bigram")
        if not 0 <= self.limit <= MAX_LIMIT:
            raise InputError(f"--limit must be between 0 and {MAX_LIMIT} (got {self.limit})")
        if self.offset < 0:
            raise InputError(f"--offset must be 0 or more (got {self.offset})")
        if isinstance(self.sources, str):
            object.__setattr__(self, "sources", (self.sources,))

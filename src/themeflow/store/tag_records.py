"""Concept tags as rows and back, and the arithmetic done on them after a query, for every store backend.

Every backend keeps the same two tables (``tag_concepts``, ``doc_tags``) and answers the
:class:`~themeflow.store.base.TagStore` calls with its own SQL. What the rows mean is decided here once: the
record a row reads back as, which row a concept's new tags write per document (the last tag given for a
document wins; a tag that stays keeps the time it was first written), the trend windows of a count, and the
cosine that ranks related concepts. So a feed cursor, a count or a related list means one thing whichever
backend wrote it. Nothing here runs a statement.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from themeflow.model import DocumentTag, TagCount, TagKind, TagState
from themeflow.store.base import NO_TIME

__all__ = [
    "DAY",
    "TREND_WINDOWS",
    "TagRow",
    "by_size",
    "concept_kind",
    "count_from_row",
    "rank_related",
    "state_from_row",
    "tag_from_row",
    "tag_rows",
    "trend_bounds",
]

DAY = 86_400.0

TREND_WINDOWS: tuple[tuple[int, int], ...] = ((7, 0), (14, 7), (30, 0), (60, 30))
"""The trend windows of a :class:`~themeflow.model.TagCount`, as (start, end] days before ``as_of``:
``last_7d``, ``prev_7d``, ``last_30d``, ``prev_30d``."""

TagRow = tuple[str, float, float, float]
"""One document's ``doc_tags`` values besides concept and document: aboutness, score, sort_ts, tagged_at."""


def concept_kind(value: object) -> TagKind:
    return "theme" if value == "theme" else "lexicon"


def state_from_row(row: Sequence[Any]) -> TagState:
    """A ``tag_concepts`` row (name, kind, digest, watermark, refreshed_at) as the concept's state."""
    name, kind, digest, watermark, refreshed_at = row
    return TagState(str(name), concept_kind(kind), str(digest), float(watermark), float(refreshed_at))


def tag_from_row(row: Sequence[Any]) -> DocumentTag:
    """A tag from (concept, document id, aboutness, score, sort_ts, tagged_at); :data:`NO_TIME` is no time."""
    concept, doc_id, aboutness, score, sort_ts, tagged_at = row
    ts = float(sort_ts)
    return DocumentTag(
        concept=str(concept),
        doc_id=str(doc_id),
        aboutness=str(aboutness),
        score=float(score),
        published_at=datetime.fromtimestamp(ts, UTC) if ts > NO_TIME else None,
        tagged_at=float(tagged_at),
    )


def tag_rows(
    tags: Sequence[DocumentTag], docs: Mapping[str, tuple[int, float]], first_tagged: Mapping[int, float]
) -> dict[int, TagRow]:
    """The ``doc_tags`` values a concept's ``tags`` write, by document rowid: ``docs`` maps each stored
    document id to (rowid, sort_ts), tags of other documents are dropped; the last tag given for a document
    wins, and a document tagged before (``first_tagged``, read before the old tags are removed) keeps that
    first ``tagged_at``."""
    rows: dict[int, TagRow] = {}
    for t in tags:
        if t.doc_id in docs:
            rowid, sort_ts = docs[t.doc_id]
            rows[rowid] = (t.aboutness, t.score, sort_ts, first_tagged.get(rowid, t.tagged_at))
    return rows


def trend_bounds(as_of: float) -> list[tuple[float, float]]:
    """The (start, end] sort times of each of :data:`TREND_WINDOWS` as of ``as_of`` (epoch seconds)."""
    return [(as_of - start * DAY, as_of - end * DAY) for start, end in TREND_WINDOWS]


def count_from_row(row: Sequence[Any]) -> TagCount:
    """A concept's count from (name, kind, refreshed_at, about, mentions, the four trend windows in
    :data:`TREND_WINDOWS` order, latest about-tagged sort time or None)."""
    name, kind, refreshed_at, documents, mentions, last_7d, prev_7d, last_30d, prev_30d, latest = row
    return TagCount(
        name=str(name),
        kind=concept_kind(kind),
        documents=int(documents),
        mentions=int(mentions),
        last_7d=int(last_7d),
        prev_7d=int(prev_7d),
        last_30d=int(last_30d),
        prev_30d=int(prev_30d),
        latest=datetime.fromtimestamp(float(latest), UTC) if latest is not None else None,
        refreshed_at=float(refreshed_at),
    )


def by_size(counts: Iterable[TagCount]) -> list[TagCount]:
    """Largest first (documents about the concept), then by name."""
    return sorted(counts, key=lambda c: (-c.documents, c.name))


def rank_related(
    name: str, sizes: Mapping[str, int], shared: Iterable[tuple[str, int]], *, limit: int
) -> list[tuple[str, int]]:
    """Concepts related to ``name`` ranked by the cosine of their about-document sets (shared / √(size ×
    other's size)), so a concept every article touches (科技, 财报) does not head every list by sheer size;
    ties by name. ``sizes``: about-documents per concept (``name`` and the others at least); ``shared``:
    (other concept, documents about both). A pair sharing fewer than two documents is not related."""
    own = sizes.get(name, 0)
    if not own:
        return []
    scored = [
        (n / math.sqrt(own * sizes[other]), other, n) for other, n in shared if n >= 2 and sizes.get(other)
    ]
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [(other, n) for _, other, n in scored[:limit]]

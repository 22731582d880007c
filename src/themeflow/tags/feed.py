"""A concept's feed: its tagged documents newest first, one item per story, stories of one event grouped,
and its documents per day.

Why one item per story: an outlet's copy of a 华尔街见闻 article is the same story, shown once with "also
in …". Each story is shown at one of its tagged members, the *representative*: the canonical document when
it is tagged, else the member that comes first in the feed. Every other member is skipped wherever it
falls, on this page or a later one, so paging never shows a story twice, and no state is carried between
pages beyond the cursor.

Why events on top: eight outlets writing up one deal are eight stories (none is a copy), and a feed that
lists them one after another buries the next happening. A page groups its stories into events
(:func:`themeflow.events.group_events`, newest story leading) and shows each event once, "N outlets". The
grouping is a view of the page: an event whose stories fall on two pages is shown on both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Protocol

from themeflow.errors import InputError
from themeflow.events import event_signature, group_events
from themeflow.model import Copy, Document, DocumentTag, Story
from themeflow.search.aboutness import ABOUT, MENTION
from themeflow.search.hits import other_copies
from themeflow.store.base import NO_TIME, DocumentStore, StoryStore, TagCursor, TagStore

__all__ = ["FeedItem", "FeedPage", "day_counts", "decode_cursor", "encode_cursor", "feed_page", "kinds"]

_NO_TIME = datetime.min.replace(tzinfo=UTC)


class FeedStore(DocumentStore, StoryStore, Protocol):
    @property
    def tags(self) -> TagStore: ...


@dataclass(frozen=True, slots=True)
class FeedItem:
    document: Document
    tag: DocumentTag
    copies: tuple[Copy, ...] = ()


@dataclass(frozen=True, slots=True)
class FeedPage:
    concept: str
    items: tuple[FeedItem, ...]
    next: TagCursor | None
    """Where the next page starts; None on the last page."""
    events: tuple[tuple[int, ...], ...] = ()
    """Indexes of :attr:`items` grouped by event, in feed order, each led by its newest story."""

    def event_groups(self) -> list[list[FeedItem]]:
        """The items by event: one list per event, its lead story first (every item in one list)."""
        if not self.events:
            return [[item] for item in self.items]
        return [[self.items[i] for i in group] for group in self.events]


def _page(name: str, items: list[FeedItem], after: TagCursor | None) -> FeedPage:
    groups = group_events([event_signature(item.document) for item in items])
    return FeedPage(name, tuple(items), after, tuple(tuple(g) for g in groups))


def kinds(mentions: bool) -> tuple[str, ...]:
    """The aboutness labels a feed lists: documents about the concept, and its mentions when asked."""
    return (ABOUT, MENTION) if mentions else (ABOUT,)


def _sort_key(tag: DocumentTag) -> tuple[datetime, str]:
    return (tag.published_at or _NO_TIME, tag.doc_id)


def _representative(story: Story, tagged: dict[str, DocumentTag]) -> str | None:
    if story.canonical_id in tagged:
        return story.canonical_id
    if not tagged:
        return None
    # first in the feed: newest, ties by id (the feed's own tie order is not visible here; any fixed rule
    # that picks a tagged member shows the story exactly once)
    return min(tagged.values(), key=lambda t: (-(_sort_key(t)[0].timestamp()), t.doc_id)).doc_id


def feed_page(
    store: FeedStore,
    name: str,
    *,
    mentions: bool = False,
    after: TagCursor | None = None,
    limit: int = 20,
) -> FeedPage:
    """Up to ``limit`` stories of the concept after ``after``, newest first."""
    wanted = kinds(mentions)
    items: list[FeedItem] = []
    cursor = after
    while len(items) < limit:
        batch = store.tags.feed(name, aboutness=wanted, after=cursor, limit=2 * limit + 5)
        if not batch:
            return _page(name, items, None)
        stories = store.stories_for([t.doc_id for t in batch])
        members = {m for s in stories.values() for m in (s.canonical_id, *(c.id for c in s.copies))}
        tagged = store.tags.tagged(name, sorted(members)) if members else {}
        tagged = {i: t for i, t in tagged.items() if t.aboutness in wanted}
        docs = store.get_documents([t.doc_id for t in batch])
        for t in batch:
            cursor = (t.published_at.timestamp() if t.published_at else NO_TIME, t.doc_id)
            doc = docs.get(t.doc_id)
            if doc is None:
                continue
            story = stories.get(t.doc_id)
            copies: tuple[Copy, ...] = ()
            if story is not None and story.size > 1:
                ids = (story.canonical_id, *(c.id for c in story.copies))
                rep = _representative(story, {i: tagged[i] for i in ids if i in tagged})
                if rep is not None and rep != t.doc_id:
                    continue
                copies = other_copies(story, t.doc_id, store.get_documents)
            items.append(FeedItem(doc, t, copies))
            if len(items) == limit:
                more = t is not batch[-1] or len(batch) == 2 * limit + 5
                return _page(name, items, cursor if more else None)
        if len(batch) < 2 * limit + 5:
            return _page(name, items, None)
    return _page(name, items, cursor)


def day_counts(times: Sequence[float], *, end: date, days: int, tz: tzinfo) -> list[tuple[date, int]]:
    """Documents per local day for the ``days`` days ending on ``end`` (oldest first, empty days kept)."""
    first = end - timedelta(days=days - 1)
    counts = {first + timedelta(days=i): 0 for i in range(days)}
    for ts in times:
        day = datetime.fromtimestamp(ts, tz).date()
        if day in counts:
            counts[day] += 1
    return sorted(counts.items())


def encode_cursor(cursor: TagCursor) -> str:
    """The ``next`` token of a feed page: opaque to clients, stable while documents arrive (a page starts
    after a document, not at an offset that shifts when newer ones come in)."""
    ts, doc_id = cursor
    return f"{ts!r}~{doc_id}"


def decode_cursor(token: str | None) -> TagCursor | None:
    """The cursor a ``next`` token names; InputError for a token this server did not write."""
    if not token:
        return None
    ts, sep, doc_id = token.partition("~")
    try:
        value = float(ts)
    except ValueError:
        value = float("nan")
    if not sep or not doc_id or value != value or len(token) > 300:
        raise InputError("a bad feed position (after=…): use the `next` value of the previous page")
    return value, doc_id

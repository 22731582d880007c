"""What the faces ask of concept tags: the vocabulary, refreshes, counts with trend, a concept's feed and
the parts of its page header (documents per day, related concepts, key figures).

The service builds one :class:`TagCatalog` over its store and search and hands it the saved themes as
concepts, so this package never imports the service or the workflow engine.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, date, datetime, tzinfo
from typing import TYPE_CHECKING, Any, Protocol

from themeflow.config import Settings, worker_count
from themeflow.errors import ConfigError, NotFoundError, ThemeflowError
from themeflow.model import Document, DocumentTag, Summary, TagCount
from themeflow.search.aboutness import MENTION
from themeflow.serialize import iso, tag_count_to_dict, tagged_document_to_dict
from themeflow.store.base import TagCursor
from themeflow.summarize.verify import drop_unverified
from themeflow.tags.feed import FeedItem, FeedPage, FeedStore, day_counts, encode_cursor, feed_page, kinds
from themeflow.tags.tagger import Retagger, Search, TaggingStore, TagRefresh, refresh_tags
from themeflow.tags.vocabulary import TagConcept, resolve_concept, vocabulary

if TYPE_CHECKING:
    from themeflow.facts import FactChecker, ThemeFigures

__all__ = ["HEAT_DAYS", "TagCatalog"]

HEAT_DAYS = 90
"""Days the heat chart of a concept page covers, ending on the concept's newest document."""

EXPORT_PAGE = 500
"""Stories read per feed page while exporting a whole concept."""

FIGURE_DOCUMENTS = 60
"""Newest documents about a concept whose figures the page header lines up."""


class CatalogStore(FeedStore, TaggingStore, Protocol):
    """Documents, stories and tags: what the catalog reads."""


class Summarize(Protocol):
    """The service's ``summarize``: cached, verified, focused on the concept for a mention."""

    def __call__(
        self, doc: Document, *, summarizer: str | None = ..., theme: str | Sequence[str] | None = ...
    ) -> Summary: ...


class TagCatalog:
    """Concept tags over one store (see the module doc)."""

    def __init__(
        self,
        store: CatalogStore,
        search: Search,
        themes: Callable[[], list[TagConcept]],
        settings: Settings,
        summarize: Summarize,
    ) -> None:
        self._store = store
        self._search = search
        self._themes = themes
        self._summarize = summarize
        self._settings = settings
        self._checker: FactChecker | None = None
        self.tz: tzinfo = settings.timezone

    def vocabulary(self) -> dict[str, TagConcept]:
        """Every lexicon concept and saved theme, by name."""
        return vocabulary(self._themes())

    def refresh(self, *, only: Collection[str] | None = None, full: bool = False) -> TagRefresh:
        """Bring tags up to date (every concept, or those in ``only``; concepts gone are dropped)."""
        return refresh_tags(
            self._store, self._search, self.vocabulary(), only=only, full=full, retag=self._retagger()
        )

    def _retagger(self) -> Retagger | None:
        """Worker processes for concepts tagged from scratch (``tags/parallel.py``): on a SQLite file of
        :data:`~themeflow.tags.parallel.MIN_DOCUMENTS` documents or more, with ``ingest_workers`` above 1."""
        from themeflow.store import backend_of
        from themeflow.tags.parallel import MIN_DOCUMENTS, parallel_retagger

        workers = worker_count(self._settings.get("ingest_workers"))
        store = self._store
        if workers < 2 or backend_of(store.location) != "sqlite":
            return None
        if store.count_documents() < MIN_DOCUMENTS:
            return None
        return parallel_retagger(store.location, self.tz, workers)

    def concept(self, name: str) -> tuple[TagConcept, str | None]:
        """The concept ``name`` addresses and a note when it was read as another name; NotFoundError
        naming the closest concepts when there is none."""
        vocab = self.vocabulary()
        found = resolve_concept(name, vocab)
        if found is None:
            near = [n for n in vocab if n in name or name in n][:5]
            hint = f"; did you mean {', '.join(near)}?" if near else "; `themeflow tags` lists them"
            raise NotFoundError(f"no concept or theme named {name!r}{hint}")
        return found

    def counts(self, as_of: datetime | None = None) -> tuple[list[TagCount], datetime]:
        """Every concept's counts and 7/30-day trend, and the instant the trend is counted back from: the
        given one, else the newest tagged document's publish time (a store of last year's articles has a
        trend too), never later than now."""
        now = time.time()
        if as_of is not None:
            return self._store.tags.counts(as_of.timestamp()), as_of
        counts = self._store.tags.counts(now)
        latest = max((c.latest.timestamp() for c in counts if c.latest is not None), default=now)
        end = min(now, latest)
        if end < now:
            counts = self._store.tags.counts(end)
        return counts, datetime.fromtimestamp(end, UTC)

    def count(self, name: str) -> TagCount | None:
        """One concept's counts (trend as of its own newest document), None before its first refresh."""
        found = next(iter(self._store.tags.counts(time.time(), name=name)), None)
        if found is None or found.latest is None or found.latest.timestamp() >= time.time():
            return found
        return next(iter(self._store.tags.counts(found.latest.timestamp(), name=name)), found)

    def feed(
        self, name: str, *, mentions: bool = False, after: TagCursor | None = None, limit: int = 20
    ) -> FeedPage:
        return feed_page(self._store, name, mentions=mentions, after=after, limit=limit)

    def heat(self, name: str, *, days: int = HEAT_DAYS, mentions: bool = False) -> list[tuple[date, int]]:
        """Documents about ``name`` per local day, over the ``days`` days ending on its newest one."""
        count = self.count(name)
        end = (count.latest if count and count.latest else datetime.now(UTC)).astimezone(self.tz).date()
        start = datetime.combine(end, datetime.min.time(), tzinfo=self.tz).timestamp() - days * 86_400.0
        times = self._store.tags.published_times(name, aboutness=kinds(mentions), since=start)
        return day_counts(times, end=end, days=days, tz=self.tz)

    def related(self, name: str, *, limit: int = 8) -> list[tuple[str, int]]:
        return self._store.tags.related(name, limit=limit)

    def tags_of(self, doc_id: str) -> list[DocumentTag]:
        return self._store.tags.tags_of(doc_id)

    def figures(self, name: str, *, documents: int = FIGURE_DOCUMENTS) -> ThemeFigures:
        """Key figures of the newest documents about ``name`` (every copy read, each story counted once);
        a theme whose ``figures`` is ``llm`` has the facts of its conflicts checked by the LLM (the rules
        alone when no endpoint is configured)."""
        from themeflow.facts import figures_for_documents

        tags = self._store.tags.feed(name, aboutness=kinds(False), limit=documents)
        docs = self._store.get_documents([t.doc_id for t in tags])
        ordered = [docs[t.doc_id] for t in tags if t.doc_id in docs]
        concept = self.vocabulary().get(name)
        checker = self._fact_checker() if concept is not None and concept.figures == "llm" else None
        theme = " ".join((name, *concept.queries)) if concept is not None else name
        return figures_for_documents(
            ordered, self._store.stories_for([d.id for d in ordered]), checker=checker, theme=theme
        )

    def _fact_checker(self) -> FactChecker | None:
        """One checker per catalog (its answers are kept, so a page viewed again asks nothing twice)."""
        from themeflow.facts.confirm import llm_fact_checker

        if self._checker is None:
            try:
                self._checker = llm_fact_checker(self._settings.get)
            except ConfigError:
                return None
        return self._checker

    def summary_of(self, concept: TagConcept, item: FeedItem) -> Summary | None:
        """An item's summary as its concept page shows it, verified bullets only: a mention summarized from
        its paragraphs on the concept; made on first view, then cached (``Themeflow.summarize``). None
        when the summarizer cannot answer (an LLM endpoint down): the feed is still served."""
        theme = concept.queries if item.tag.aboutness == MENTION else None
        try:
            return drop_unverified(self._summarize(item.document, summarizer=concept.summarizer, theme=theme))
        except ThemeflowError:
            return None

    def header(self, concept: TagConcept, note: str | None = None) -> dict[str, Any]:
        """The concept as the page header and the JSON twins show it."""
        count = self.count(concept.name)
        return {
            "name": concept.name,
            "kind": concept.kind,
            "note": note,
            "definition": {k: list(v) for k, v in concept.definition.items() if v},
            "counts": tag_count_to_dict(count) if count is not None else None,
            "refreshed_at": iso(datetime.fromtimestamp(count.refreshed_at, UTC)) if count else None,
        }

    def feed_body(
        self,
        name: str,
        *,
        mentions: bool = False,
        after: TagCursor | None = None,
        limit: int = 20,
        summaries: bool = True,
    ) -> tuple[dict[str, Any], FeedPage]:
        """``/api/tags/concept``, ``/api/themes/NAME`` and ``tags show --json``: ``{"tag", "documents",
        "next"}``, newest first, one entry per story; and the page it was built from."""
        concept, note = self.concept(name)
        page = self.feed(concept.name, mentions=mentions, after=after, limit=limit)
        events: dict[str, dict[str, Any]] = {}
        for group in page.event_groups():
            if len(group) > 1:
                lead = group[0].document
                event = {"id": lead.id, "stories": len(group), "outlets": _outlets(group)}
                events.update((item.document.id, event) for item in group)
        documents = [
            tagged_document_to_dict(
                item.document,
                item.tag.aboutness,
                item.copies,
                self.summary_of(concept, item) if summaries else None,
                score=item.tag.score,
                event=events.get(item.document.id),
            )
            for item in page.items
        ]
        body = {
            "tag": self.header(concept, note),
            "documents": documents,
            "next": encode_cursor(page.next) if page.next is not None else None,
        }
        return body, page

    def export_body(self, name: str, *, mentions: bool = False, summaries: bool = False) -> dict[str, Any]:
        """Every story of the concept, newest first: ``{"tag", "documents"}`` as the feed's JSON has them."""
        body, page = self.feed_body(name, mentions=mentions, limit=EXPORT_PAGE, summaries=summaries)
        documents = list(body["documents"])
        while page.next is not None:
            more, page = self.feed_body(
                name, mentions=mentions, after=page.next, limit=EXPORT_PAGE, summaries=summaries
            )
            documents.extend(more["documents"])
        return {"tag": body["tag"], "documents": documents}


def _outlets(group: Sequence[FeedItem]) -> list[str]:
    """The outlets of an event's stories and their copies, each once, in feed order."""
    names = [item.document.source for item in group] + [c.source for item in group for c in item.copies]
    return list(dict.fromkeys(n for n in names if n))

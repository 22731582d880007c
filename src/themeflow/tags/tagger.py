"""Keep every concept's tags current: in full when its definition changed, else only new documents.

Why tags are search results: a concept page, a theme's workflow and a search for the concept must agree on
what belongs to it, so a document is tagged with a concept exactly when the concept's search (expanded, with
its minimum-should-match; partial matches never) finds it, labelled ``主题`` or ``提及`` as search labels it.

How a refresh decides what to read (per concept, :func:`refresh_tags`):

- **No stored tags, or another digest** (a new theme, an edited theme, a new lexicon version): the concept's
  searches are run over the whole store and its tag set replaced in one transaction.
- **Same digest**: only documents *written* (ingested or changed) since the concept's watermark, less a
  small overlap, are read (``document_ids_written_between``, as workflow runs do): their old tags are
  replaced by what the search finds among them, so a document whose text changed can lose a tag. When few
  documents are new, a concept none of them can match (not one piece of any of its forms occurs in their
  text) is not searched at all: that check is a necessary condition of an FTS match, so it never drops a
  tag the search would give. This keeps the refresh after a small ingest to the handful of concepts the new
  documents touch.
- **A concept no longer in the vocabulary** (a theme removed or renamed) is dropped with its tags, whatever
  ``only`` names.

The watermark is the time the refresh started, so a document written while it runs is read next time.
"""

from __future__ import annotations

import concurrent.futures
import concurrent.futures.process
import functools
import re
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from themeflow import progress
from themeflow.model import Document, DocumentTag, SearchPage, TagState
from themeflow.search.aboutness import ABOUT, MENTION, concept_matcher
from themeflow.search.concept import Clause, expand_query
from themeflow.search.query import parse_query
from themeflow.store.base import DocumentStore, TagStore
from themeflow.tags.vocabulary import TagConcept
from themeflow.text.doctype import theme_centrality
from themeflow.text.segment import fold, query_words
from themeflow.text.sentences import split_sentences

__all__ = [
    "OVERLAP_SECONDS",
    "PREFILTER_MAX",
    "SEARCH_PAGE",
    "FoldedTexts",
    "Retagger",
    "TagRefresh",
    "might_match",
    "refresh_tags",
    "search_tags",
]

OVERLAP_SECONDS = 5.0
"""Documents written this long before a watermark are read again (a writer stamps its write time just
before it waits for the write lock; see ``workflow/runner.py``). Re-reading is harmless: tags are replaced."""

SEARCH_PAGE = 1000
"""Hits read per search call while collecting a concept's matches."""

CENTRAL_ENOUGH = 0.25
"""Centrality from which a match is about the concept (主题): the concept in the lead, or in the title, or
in half of the paragraphs; below it (a passing mention deep in the text) the document is tagged 提及.
Chosen on the dev themes of the pooled relevance set (``scripts/eval_tags.py``)."""

PREFILTER_MAX = 500
"""Up to this many new documents, concepts none of them can match are skipped (their text is read once);
above it every concept is searched (reading thousands of documents costs more than the searches)."""


class Search(Protocol):
    """The service's search (``Themeflow.search``): the same expansion, filters and labels users see."""

    def __call__(
        self,
        query: str,
        *,
        since: datetime | None = ...,
        sources: Sequence[str] = ...,
        sort: Any = ...,
        limit: int = ...,
        offset: int = ...,
        collapse: bool = ...,
        within: Collection[str] | None = ...,
        snippets: bool = ...,
        paragraphs: bool = ...,
    ) -> SearchPage: ...


ReadDocuments = Callable[[Sequence[str]], Mapping[str, Document]]
"""``store.get_documents``: the documents among these ids, keyed by id, paragraphs included."""


class TaggingStore(DocumentStore, Protocol):
    """What a refresh reads and writes: documents by write time, and the tag tables."""

    @property
    def tags(self) -> TagStore: ...


@dataclass(slots=True)
class TagRefresh:
    """What one refresh did, for the CLI and the ingest report."""

    concepts: int = 0
    retagged: list[str] = field(default_factory=list)
    """Concepts tagged from scratch (new or changed definition)."""
    updated: list[str] = field(default_factory=list)
    """Concepts whose new documents were searched."""
    skipped: int = 0
    """Concepts with new documents none of which could match them."""
    dropped: list[str] = field(default_factory=list)
    tags_written: int = 0
    documents_read: int = 0
    seconds: float = 0.0


Retagger = Callable[[Sequence[TagConcept], float], Iterable[tuple[str, list[DocumentTag]]]]
"""Tags concepts from scratch elsewhere (worker processes, ``tags/parallel.py``): each concept's name and its
tags, in the order given; ``search_tags`` with the given ``tagged_at``."""


def refresh_tags(
    store: TaggingStore,
    search: Search,
    vocab: Mapping[str, TagConcept],
    *,
    only: Collection[str] | None = None,
    full: bool = False,
    now: Callable[[], float] = time.time,
    retag: Retagger | None = None,
) -> TagRefresh:
    """Bring the tags of ``vocab`` (or of the names in ``only``) up to date; ``full`` recomputes each.
    ``retag``: where concepts to be tagged from scratch are tagged when there are two or more of them (if it
    fails, the concepts it has not returned are tagged here)."""
    t0 = time.perf_counter()
    result = TagRefresh()
    states = store.tags.states()
    started = now()
    for name in sorted(set(states) - set(vocab)):
        store.tags.drop(name)
        result.dropped.append(name)
    concepts = [c for c in vocab.values() if only is None or c.name in only]
    result.concepts = len(concepts)

    def from_scratch(concept: TagConcept) -> bool:
        state = states.get(concept.name)
        return full or state is None or state.digest != concept.digest

    done = _retag_elsewhere(store, retag, [c for c in concepts if from_scratch(c)], started, result)
    new_ids: dict[float, list[str]] = {}
    new_docs: dict[str, Document] | None = None
    folded = FoldedTexts()
    for i, concept in enumerate(concepts, 1):
        state = states.get(concept.name)
        fresh = TagState(concept.name, concept.kind, concept.digest, started, started)
        if concept.name in done:
            continue
        if state is None or from_scratch(concept):
            progress.stage(f"tagging {concept.name} ({i}/{len(concepts)})")
            tags = search_tags(search, concept, None, started, folded=folded, bodies=store.get_documents)
            store.tags.write(fresh, tags)
            result.retagged.append(concept.name)
            result.tags_written += len(tags)
            continue
        after = state.watermark - OVERLAP_SECONDS
        if after not in new_ids:
            new_ids[after] = store.document_ids_written_between(after, started)
        ids = new_ids[after]
        if not ids:
            continue
        if len(ids) <= PREFILTER_MAX:
            if new_docs is None or not set(ids) <= set(new_docs):
                new_docs = store.get_documents(ids)
                result.documents_read = len(new_docs)
            if not any(might_match(concept, d) for d in new_docs.values()):
                store.tags.write(fresh, [], replacing=ids)
                result.skipped += 1
                continue
        progress.stage(f"tagging {concept.name}: {len(ids)} new documents ({i}/{len(concepts)})")
        tags = search_tags(search, concept, set(ids), started, folded=folded, bodies=store.get_documents)
        store.tags.write(fresh, tags, replacing=ids)
        result.updated.append(concept.name)
        result.tags_written += len(tags)
    result.seconds = time.perf_counter() - t0
    return result


def _retag_elsewhere(
    store: TaggingStore,
    retag: Retagger | None,
    concepts: list[TagConcept],
    started: float,
    result: TagRefresh,
) -> set[str]:
    """Tag ``concepts`` through ``retag`` and write each as it comes back; the names written. A retagger that
    fails (a worker killed, no process can start) leaves the rest to the caller, which tags them itself."""
    done: set[str] = set()
    if retag is None or len(concepts) < 2:
        return done
    by_name = {c.name: c for c in concepts}
    progress.stage(f"tagging {len(concepts)} concepts in worker processes")
    try:
        for name, tags in retag(concepts, started):
            concept = by_name[name]
            store.tags.write(TagState(name, concept.kind, concept.digest, started, started), tags)
            result.retagged.append(name)
            result.tags_written += len(tags)
            done.add(name)
    except (OSError, RuntimeError, concurrent.futures.process.BrokenProcessPool):
        pass  # tagged here instead; what failed in a worker fails here with its own message
    return done


def search_tags(
    search: Search,
    concept: TagConcept,
    among: set[str] | None,
    tagged_at: float,
    central: float = CENTRAL_ENOUGH,
    folded: FoldedTexts | None = None,
    bodies: ReadDocuments | None = None,
) -> list[DocumentTag]:
    """The concept's tags: the union of its searches' matches (``among`` only, when given). The score is
    the concept's centrality to the document (``text.doctype.theme_centrality``: title, lead, share of
    paragraphs, a long paragraph read as its sentences); a match search calls 主题 stays 主题 from
    ``central`` on or when the concept returns in :data:`RETURNS` segments, else it is a 提及.

    With ``bodies`` (the store's ``get_documents``), the searches return their hits without paragraphs and
    only the documents ``folded`` does not hold yet are read whole: a refresh meets each document once for
    every concept that matches it, and reading its paragraphs again each time was a third of its work."""
    best: dict[str, DocumentTag] = {}
    on_topic = _matcher(concept)
    folded = folded if folded is not None else FoldedTexts()
    lean = bodies is not None or on_topic is None  # hits without paragraphs: read here, or never needed
    for query in concept.queries:
        offset = 0
        while True:
            page = search(
                query,
                since=concept.since,
                sources=concept.sources,
                sort="time",
                limit=SEARCH_PAGE,
                offset=offset,
                collapse=False,
                within=among,
                snippets=False,
                paragraphs=not lean,
            )
            texts = None
            if bodies is not None and on_topic is not None:
                wanted = [h.document for h in page.hits if among is None or h.document.id in among]
                texts = folded.for_page(wanted, bodies)
            for hit in page.hits:
                doc = hit.document
                if among is not None and doc.id not in among:
                    continue
                if texts is None:
                    score, returns = _centrality(doc, on_topic, folded)
                elif doc.id in texts:
                    score, returns = _centrality_of(texts[doc.id], on_topic)
                else:
                    continue  # deleted since the search found it
                about = (hit.aboutness or ABOUT) == ABOUT and (score >= central or returns >= RETURNS)
                tag = DocumentTag(
                    concept=concept.name,
                    doc_id=doc.id,
                    aboutness=ABOUT if about else MENTION,
                    score=score,
                    published_at=doc.published_at,
                    tagged_at=tagged_at,
                )
                old = best.get(doc.id)
                if old is None or (tag.aboutness == ABOUT, tag.score) > (old.aboutness == ABOUT, old.score):
                    best[doc.id] = tag
            offset += len(page.hits)
            if not page.hits or offset >= page.total:
                break
    return list(best.values())


LONG_PARAGRAPH = 600
"""Characters from which a paragraph is read as its sentences for centrality: a web page stored as one
paragraph (navigation, article, a sidebar of news flashes) would otherwise count as one paragraph that is
entirely on every concept its sidebar names."""


RETURNS = 3
"""Paragraphs (or sentences of a long paragraph) on the concept from which a match is about it whatever its
centrality: an article that keeps returning to a subject is about it even when its title and lead are not
(a page stored with its navigation first). Chosen with :data:`CENTRAL_ENOUGH` on the dev themes."""


class FoldedTexts:
    """Documents' folded title and segments, kept while one refresh runs: a document is read for every
    concept that matches it (a dozen on average), and folding its text is most of the cost of reading it.
    At most :data:`FOLDED_KEPT` documents are kept (then the oldest half goes), so memory stays bounded on a
    large store."""

    def __init__(self) -> None:
        self._texts: dict[tuple[str, str], tuple[str, list[str]]] = {}

    def of(self, doc: Document) -> tuple[str, list[str]]:
        """``doc``'s folded title and segments, folded now unless kept (``doc`` must have its paragraphs
        then: hits read without them go through :meth:`for_page`)."""
        key = (doc.id, doc.content_hash)
        found = self._texts.get(key)
        if found is None:
            self._make_room()
            found = self._texts[key] = (fold(doc.title), [fold(s) for s in _segments(doc.paragraphs)])
        return found

    def for_page(self, docs: Sequence[Document], bodies: ReadDocuments) -> dict[str, tuple[str, list[str]]]:
        """The folded title and segments of each of ``docs`` (read without paragraphs), by id: those kept as
        kept, the rest read whole in one call and folded. Returned for the whole page, so making room for
        the ones read never takes away one the page needs. A document deleted since it was found is not in
        it."""
        out: dict[str, tuple[str, list[str]]] = {}
        missing: list[str] = []
        for doc in docs:
            found = self._texts.get((doc.id, doc.content_hash))
            if found is None:
                missing.append(doc.id)
            else:
                out[doc.id] = found
        if missing:
            for doc in bodies(missing).values():
                out[doc.id] = self.of(doc)
        return out

    def _make_room(self) -> None:
        if len(self._texts) >= FOLDED_KEPT:
            for old in list(self._texts)[: FOLDED_KEPT // 2]:
                del self._texts[old]


FOLDED_KEPT = 20_000


def _centrality(
    doc: Document, on_topic: Callable[[str], bool] | None, folded: FoldedTexts
) -> tuple[float, int]:
    """The concept's centrality to ``doc`` and how many of its segments are on it (1.0, 0 when there is no
    concept to test: an operator-only search). ``on_topic`` reads folded text."""
    if on_topic is None:
        return 1.0, 0
    return _centrality_of(folded.of(doc), on_topic)


def _centrality_of(texts: tuple[str, list[str]], on_topic: Callable[[str], bool] | None) -> tuple[float, int]:
    """:func:`_centrality` of a document's folded title and segments."""
    if on_topic is None:
        return 1.0, 0
    title, segments = texts
    c = theme_centrality(segments, title, on_topic)
    return c.score, len(c.paragraphs)


def _segments(paragraphs: Sequence[str]) -> list[str]:
    """Paragraphs, each one longer than :data:`LONG_PARAGRAPH` replaced by its sentences."""
    out: list[str] = []
    for para in paragraphs:
        out.extend(split_sentences(para) if len(para) > LONG_PARAGRAPH else (para,))
    return out


def _matcher(concept: TagConcept) -> Callable[[str], bool] | None:
    """Whether a folded text is on the concept (any of its searches' concepts); None when a search has no bare
    terms (an operator-only theme: every match counts as central)."""
    tests = []
    for query in concept.queries:
        expanded, _rest = expand_query(parse_query(query))
        if expanded is None:
            return None
        tests.append(concept_matcher(expanded, folded=True))
    return lambda text: any(t(text) for t in tests)


_NOT_WORD = re.compile(r"[\W_]+")


def _squeeze(text: str) -> str:
    """Folded, with spaces and punctuation gone: an FTS phrase matches across both, a substring test must too."""
    return _NOT_WORD.sub("", fold(text).lower())


def _pieces(clause: Clause) -> set[str]:
    """Strings of which a document must contain at least one to match ``clause`` (modifiers are never
    required, so they are not among them)."""
    found: set[str] = set()
    for surface in clause.whole:
        if surface.exact:
            found.add(_squeeze(surface.text))
        else:
            found.update(_squeeze(w) for w in query_words(surface.text))
    for part in clause.parts:
        found |= _pieces(part)
    return {p for p in found if p}


@functools.lru_cache(maxsize=1024)
def _concept_pieces(queries: tuple[str, ...]) -> frozenset[str] | None:
    """Pieces of every search of a concept (its ``queries``); None when a search has no bare terms
    (operators only): then nothing is skipped."""
    pieces: set[str] = set()
    for query in queries:
        expanded, _rest = expand_query(parse_query(query))
        if expanded is None:
            return None
        for clause in expanded.clauses:
            pieces |= _pieces(clause)
    return frozenset(pieces)


def might_match(concept: TagConcept, document: Document) -> bool:
    """False only when the document cannot match any search of ``concept`` (no piece of any form in its
    title or text); True otherwise, including whenever that cannot be told."""
    pieces = _concept_pieces(concept.queries)
    if not pieces:
        return True
    text = _squeeze(document.title + "\n" + "\n".join(document.paragraphs))
    return any(p in text for p in pieces)

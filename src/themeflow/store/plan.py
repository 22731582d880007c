"""The search plan every store runs: full-text passes combined, filtered, folded and paged over
per-document columns (ranking rules: ``search/ranking.py``).

Why one plan for every backend: what a query means — concept clauses and their minimum-should-match, the
partial matches after the matches, 主题 before 提及, copies folded into stories, the newest-first tie order —
must not depend on where the documents are kept. A backend supplies a few primitives (:class:`SearchBackend`):
one full-text pass for a match tree (every matching rowid with its FTS5-style bm25, lower is better), the
columns of ``store/columns.py``, the page's rows, the 提及 reading, stories and documents. SQLite's are
in ``store/sqlite/search.py``, PostgreSQL's in ``store/postgres/search.py``.

Plan, chosen so the common case stays cheap at a million documents:

1. Parse the query (a :class:`QueryError` reaches the caller untouched).
2. The common case — terms to match, no recency prior — is one full-text pass returning ``(rowid, bm25)``
   for every match. Source and date filters, folding copies into stories, ``total``, ``per_source`` and
   the page (by bm25 or newest first) are then computed in numpy over the cached per-document columns;
   only the page's stories are read (``stories_for``). On SQLite at a million documents a two-term query
   went from ~52 to ~26 ms against a counting pass plus a ranking pass; folding here instead of in Python
   took a query on the shared corpus from ~11 to ~5 ms by relevance.
3. A query with only filters or exclusions, or with a recency prior, is the backend's ``general`` path.
4. Concept queries (bare terms) run one pass per form of every clause, combined by
   ``search/ranking.combine_clauses``; in relevance order the partial matches follow the matches.

Snippets and highlights are built for the page's documents only.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from themeflow.errors import NotAvailableError
from themeflow.model import Document, SearchPage, Story
from themeflow.search import match_expr
from themeflow.search.aboutness import MENTION_FACTOR
from themeflow.search.concept import BOOST_WEIGHT, PARTS_WEIGHT, Clause, Concept, expand_query
from themeflow.search.hits import LoadDocuments, build_hits
from themeflow.search.match_expr import Expr
from themeflow.search.query import BEIJING, ParsedQuery, parse_query
from themeflow.search.ranking import (
    Candidate,
    ScoredRows,
    best_of,
    combine_clauses,
    fuse_rrf,
    some_of,
    without,
)
from themeflow.search.request import SearchRequest
from themeflow.store.base import VectorStore
from themeflow.store.columns import DocMeta, StoryCols
from themeflow.store.mentions import may_mention
from themeflow.store.page import Head, epoch, mask, ranked_rows, row_keys, single_pass, source_counts

__all__ = ["SearchBackend", "epoch", "mask", "result", "run", "single_pass", "source_counts"]

PageRow = tuple[str, str | None, float | None]
"""A page row's document id, outlet and publish time (epoch seconds)."""


class SearchBackend(Protocol):
    """What the plan needs of a store, for the duration of one search."""

    def scan(self, expr: Expr) -> ScoredRows:
        """(rowid, bm25) of every document matching ``expr``, in rowid order (bm25 lower is better)."""
        ...

    def doc_meta(self, rows: int) -> DocMeta:
        """The columns, covering at least rowids ``0..rows-1``."""
        ...

    def story_cols(self, rows: int) -> StoryCols:
        """Story keys, covering at least rowids ``0..rows-1``."""
        ...

    def has_stories(self) -> bool:
        """Whether any multi-copy story exists (else folding is a no-op)."""
        ...

    def within(self, ids: Collection[str] | None) -> npt.NDArray[np.int64] | None:
        """Sorted rowids of ``ids`` (None: no restriction)."""
        ...

    def rowids_of(self, ids: Sequence[str]) -> dict[str, int]: ...

    def page_rows(self, rowids: Sequence[int]) -> dict[int, PageRow]: ...

    def mentions(self, rowids: npt.NDArray[np.int64], concept: Concept) -> npt.NDArray[np.bool_]:
        """Which of ``rowids`` only mention ``concept`` (``search/aboutness.py``)."""
        ...

    def general(
        self, query: ParsedQuery, request: SearchRequest, match: Expr | None
    ) -> tuple[list[Candidate], int, dict[str, int], dict[str, Story]]:
        """A query with no terms (filters, exclusions), or a ranked one with a recency prior: the page,
        total, per-outlet counts and the page's stories."""
        ...

    def get_documents(self, doc_ids: Sequence[str], *, paragraphs: bool = True) -> dict[str, Document]: ...

    def stories_for(self, doc_ids: Sequence[str]) -> dict[str, Story]: ...

    @property
    def vectors(self) -> VectorStore: ...


READ_ALL_UNDER = 100
"""A concept query with at most this many roundups and live blogs among its matches reads them all at once
(``_read_as_needed``): making the page a second time costs about what reading a dozen of them does."""

SEMANTIC_DEPTH = 200
"""Nearest documents a semantic or hybrid search considers: dense similarity has no match set, so its list
is cut here (a theme page of 200 stories is more than an analyst reads; filters apply after the cut)."""


def run(search: SearchBackend, request: SearchRequest) -> SearchPage:
    """Execute ``request``; raises QueryError for a malformed query, NotAvailableError for semantic modes."""
    query = parse_query(request.query, tz=request.tz or BEIJING)
    concept, rest = (None, query) if request.strict else expand_query(query)
    if request.mode != "bm25":
        return _dense_search(search, concept, rest, query, request)
    if concept is not None:
        return _concept_search(search, concept, rest, query, request)
    match = match_expr.compile_match(query, request.analysis)
    ranked = match is not None and request.sort == "relevance"
    if match is not None and not (ranked and request.recency_boost):
        # The common case: one full-text pass; filters, folding, counts and the page from cached columns.
        fold = request.collapse and search.has_stories()
        page_rows, total, per_source, _ = single_pass(
            search, search.scan(match), query, request, ranked, fold=fold
        )
        stories = search.stories_for([r.id for r in page_rows]) if fold and page_rows else {}
        return result(search, query, request, page_rows, total, per_source, stories)
    page_rows, total, per_source, stories = search.general(query, request, match)
    return result(search, query, request, page_rows, total, per_source, stories)


def _concept_search(
    search: SearchBackend, concept: Concept, rest: ParsedQuery, query: ParsedQuery, request: SearchRequest
) -> SearchPage:
    """A query with bare terms: one full-text pass per form of every concept clause and modifier, each clause
    scored by its best form, combined with the minimum-should-match and coordination of
    ``search/ranking.combine_clauses``; operator clauses (``rest``) are required, exclusions removed. Then
    the same filters, folding and page as every ranked query."""
    seen: dict[Expr, ScoredRows] = {}
    scanned = _concept_scan(search, concept, rest, request, seen)
    if request.sort != "relevance":
        return _concept_page(search, scanned, concept, rest, query, request)
    # Recall-first: the partial matches (some of the concept, less than the minimum) follow the matches.
    loose = without(_concept_scan(search, concept, rest, request, seen, loose=True), scanned[0])
    rows = np.concatenate([scanned[0], loose[0]])
    order = np.argsort(rows, kind="stable")
    partial = np.concatenate([np.zeros(len(scanned[0]), np.bool_), np.ones(len(loose[0]), np.bool_)])
    merged: ScoredRows = rows[order], np.concatenate([scanned[1], loose[1]])[order]
    return _concept_page(search, merged, concept, rest, query, request, partial=partial[order])


def _concept_scan(
    search: SearchBackend,
    concept: Concept,
    rest: ParsedQuery,
    request: SearchRequest,
    seen: dict[Expr, ScoredRows] | None = None,
    *,
    loose: bool = False,
) -> ScoredRows:
    """The concept's matches with their scores; ``loose``: every document that says any of it (one clause,
    one part of a compound), for the partial tier of relevance order. ``seen`` shares full-text passes."""
    seen = {} if seen is None else seen
    clauses = [_clause_rows(search, c, request, seen, loose=loose) for c in concept.clauses]
    boosts = [_clause_rows(search, b, request, seen) for b in concept.boosts()]
    musts = match_expr.compile_match(ParsedQuery(raw=rest.raw, groups=rest.groups), request.analysis)
    excluded = match_expr.compile_exclusions(rest.excluded, request.analysis)
    return combine_clauses(
        clauses,
        1 if loose else concept.minimum,
        boosts=boosts,
        boost_weight=BOOST_WEIGHT,
        required=search.scan(musts) if musts else None,
        excluded=search.scan(excluded)[0] if excluded else None,
    )


def _dense_search(
    search: SearchBackend,
    concept: Concept | None,
    rest: ParsedQuery,
    query: ParsedQuery,
    request: SearchRequest,
) -> SearchPage:
    """``semantic``: the nearest documents by cosine; ``hybrid``: those fused (reciprocal rank) with the
    bm25 matches of the query. Filters, exclusions, folding and the page as for every query."""
    if request.vector is None or request.vector_model is None:
        raise NotAvailableError(
            f"--mode {request.mode} needs the query's embedding; search through the service, which embeds it"
        )
    near = search.vectors.nearest(
        request.vector_model, np.asarray(request.vector, dtype=np.float32), SEMANTIC_DEPTH
    )
    rowids = search.rowids_of([doc_id for doc_id, _ in near])
    pairs = sorted((rowids[d], -cos) for d, cos in near if d in rowids)
    dense: ScoredRows = (
        np.array([r for r, _ in pairs], dtype=np.int64),
        np.array([c for _, c in pairs], dtype=np.float64),
    )
    excluded = match_expr.compile_exclusions(rest.excluded if concept else query.excluded, request.analysis)
    if excluded:
        keep = ~np.isin(dense[0], search.scan(excluded)[0])
        dense = dense[0][keep], dense[1][keep]
    if request.mode == "semantic":
        scanned = dense
    elif concept is not None:
        scanned = fuse_rrf([_concept_scan(search, concept, rest, request), dense])
    else:
        match = match_expr.compile_match(query, request.analysis)
        scanned = fuse_rrf([search.scan(match), dense]) if match else dense
    if concept is not None:
        return _concept_page(search, scanned, concept, rest, query, request)
    ranked = request.sort == "relevance"
    fold = request.collapse and search.has_stories()
    page_rows, total, per_source, _ = single_pass(search, scanned, query, request, ranked, fold=fold)
    stories = search.stories_for([r.id for r in page_rows]) if fold and page_rows else {}
    return result(search, query, request, page_rows, total, per_source, stories)


def _concept_page(
    search: SearchBackend,
    scanned: ScoredRows,
    concept: Concept,
    rest: ParsedQuery,
    query: ParsedQuery,
    request: SearchRequest,
    *,
    partial: npt.NDArray[np.bool_] | None = None,
) -> SearchPage:
    """The page of a concept query; ``partial`` (per scanned row) marks the partial matches of relevance
    order, which are never read for aboutness (they come after every match whatever their kind)."""
    ranked = request.sort == "relevance"
    within = search.within(request.within)
    if within is not None:  # before the 提及 reading, which loads documents
        inside = np.isin(scanned[0], within)
        scanned = scanned[0][inside], scanned[1][inside]
        partial = partial[inside] if partial is not None else None
    fold = request.collapse and search.has_stories()
    page_rows, total, per_source, partial_total = _read_as_needed(
        search, scanned, concept, query, request, ranked, fold=fold, partial=partial
    )
    stories = search.stories_for([r.id for r in page_rows]) if fold and page_rows else {}
    shown = ParsedQuery(raw=query.raw, groups=tuple((t,) for t in concept.terms()) + rest.groups)
    return result(search, shown, request, page_rows, total, per_source, stories, partial=partial_total)


def _read_as_needed(
    search: SearchBackend,
    scanned: ScoredRows,
    concept: Concept,
    query: ParsedQuery,
    request: SearchRequest,
    ranked: bool,
    *,
    fold: bool,
    partial: npt.NDArray[np.bool_] | None,
) -> tuple[list[Candidate], int, dict[str, int], int]:
    """:func:`single_pass` with the 提及 reading, reading only the roundups and live blogs that can reach the
    requested page.

    Why: reading whether a roundup is about the concept is the costliest step of a concept query (its
    title and paragraphs are matched against every form), and a query matches hundreds of roundups at a
    million documents of which a page shows a few. Reading one can only move it back (its score times
    :data:`MENTION_FACTOR` by relevance, after every 主题 newest first). So the page is made once as if
    every unread one were 提及: the true page's last row is no further back than that page's last row, and
    a roundup whose key read as 主题 is behind that row can never reach the true page, whatever it reads
    as. Only the others are read, with every copy of their stories (a story is placed by its best copy and
    shows its canonical one), and the page is made again: the page a reading of every match gives, ties
    included (the tie keys, time and rowid, do not change). Counts and totals do not depend on the
    reading. Everything is read when there are at most :data:`READ_ALL_UNDER` suspects, and when a score
    is above zero (none from bm25, which is lower-is-better and negative), as halving would move it
    forward.
    """
    rowids, scores = scanned
    unread = may_mention(search.doc_meta(int(rowids.max()) + 1 if len(rowids) else 0).kind_code, rowids)
    if partial is not None:
        unread &= ~partial
    mention = np.zeros(len(rowids), dtype=np.bool_)
    if int(unread.sum()) <= READ_ALL_UNDER or (ranked and (scores > 0).any()):
        mention[unread] = search.mentions(rowids[unread], concept)
        unread[:] = False
    if not request.limit:  # no page: nothing to read
        unread[:] = False

    def scored(moved: npt.NDArray[np.bool_]) -> ScoredRows:
        """The scores with ``moved`` read as 提及 (halved by relevance; newest first moves them by tier)."""
        return (rowids, np.where(moved, scores * MENTION_FACTOR, scores)) if ranked else scanned

    def page_as(moved: npt.NDArray[np.bool_]) -> Head:
        recency = ranked and request.recency_boost
        return ranked_rows(
            search,
            scored(moved),
            query,
            request,
            ranked,
            fold=fold,
            recency=recency,
            mention=moved,
            partial=partial,
        )

    if unread.any():
        # The page if every unread one were 提及: a row whose key, read as 主题, is behind that page's last
        # row can never reach the page, so only the others are read (a story's copies together).
        low = page_as(mention | unread)
        todo = unread.copy()
        full = len(low.shown) == request.offset + request.limit
        if full and low.last_key is not None and not low.last_key[1]:
            high = row_keys(
                search,
                scored(mention),
                query,
                request,
                ranked,
                recency=ranked and request.recency_boost,
                mention=mention,
                partial=partial,
            )
            reach = np.zeros(len(rowids), dtype=np.bool_)
            reach[high.at] = high.primary(ranked) <= low.last_key[0]
            todo &= reach
        if fold and todo.any():
            story = search.story_cols(int(rowids.max()) + 1).story[rowids]
            todo = unread & np.isin(story, story[todo])
        if todo.any():
            mention[todo] = search.mentions(rowids[todo], concept)
    head = page_as(mention)
    return head.page(search, request.offset), head.total, head.per_source, head.partial_total


def _clause_rows(
    search: SearchBackend,
    clause: Clause,
    request: SearchRequest,
    seen: dict[Expr, ScoredRows],
    *,
    loose: bool = False,
) -> ScoredRows:
    """Documents matching ``clause`` with its score: the best weighted form, or enough of its parts (any
    one when ``loose``). ``seen``: scans already made for this query, as a form may appear under two
    concepts."""
    alternatives: list[ScoredRows] = []
    for surface in clause.whole:
        expr = match_expr.surface_expr(surface, request.analysis)
        if expr is None:
            continue
        if expr not in seen:
            seen[expr] = search.scan(expr)
        rows, bm25 = seen[expr]
        alternatives.append((rows, bm25 * surface.weight))
    if clause.parts:
        parts = [_clause_rows(search, p, request, seen, loose=loose) for p in clause.parts]
        alternatives.append(some_of(parts, 1 if loose else clause.parts_minimum, PARTS_WEIGHT))
    return best_of(alternatives)


def result(
    search: SearchBackend,
    query: ParsedQuery,
    request: SearchRequest,
    page_rows: list[Candidate],
    total: int,
    per_source: dict[str, int],
    stories: dict[str, Story],
    *,
    partial: int = 0,
) -> SearchPage:
    if request.paragraphs:
        load: LoadDocuments = search.get_documents
    else:
        load = functools.partial(search.get_documents, paragraphs=False)
    hits = build_hits(page_rows, stories, query, request, load)
    return SearchPage(
        query=request.query,
        total=total,
        partial=partial,
        hits=tuple(hits),
        per_source=per_source,
        offset=request.offset,
        limit=request.limit,
    )

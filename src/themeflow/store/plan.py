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

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import numpy as np
import numpy.typing as npt

from themeflow.errors import NotAvailableError
from themeflow.model import Document, SearchPage, Story
from themeflow.search import match_expr
from themeflow.search.aboutness import MENTION_FACTOR
from themeflow.search.concept import BOOST_WEIGHT, PARTS_WEIGHT, Clause, Concept, expand_query
from themeflow.search.hits import build_hits
from themeflow.search.match_expr import Expr
from themeflow.search.query import BEIJING, ParsedQuery, parse_query
from themeflow.search.ranking import (
    Candidate,
    ScoredRows,
    best_of,
    combine_clauses,
    fold_columns,
    fuse_rrf,
    recency_factors,
    some_of,
    sorted_counts,
    without,
)
from themeflow.search.request import SearchRequest
from themeflow.search.sources import source_keys, source_matches, wanted_sources, wants_unknown
from themeflow.store.base import VectorStore
from themeflow.store.columns import DocMeta, StoryCols
from themeflow.store.mentions import may_mention

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

    def get_documents(self, doc_ids: Sequence[str]) -> dict[str, Document]: ...

    def stories_for(self, doc_ids: Sequence[str]) -> dict[str, Story]: ...

    @property
    def vectors(self) -> VectorStore: ...


READ_ALL_UNDER = 100
"""A concept query with at most this many roundups and live blogs among its matches reads them all at once
(``_read_as_needed``): making the page a second time costs about what reading a dozen of them does."""

SEMANTIC_DEPTH = 200
"""Nearest documents a semantic or hybrid search considers: dense similarity has no match set, so its list
is cut here (a theme page of 200 stories is more than an analyst reads; filters apply after the cut)."""


def epoch(dt: datetime | None) -> float | None:
    """Epoch seconds of a bound; a naive one is Beijing time (as the query language reads dates)."""
    if dt is None:
        return None
    return (dt if dt.tzinfo is not None else dt.replace(tzinfo=BEIJING)).timestamp()


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
    if unread.any():
        # The page if every unread one were 提及: a row whose key, read as 主题, is behind that page's last
        # row can never reach the page, so only the others are read (a story's copies together).
        low = _ranked_rows(
            search,
            (rowids, np.where(mention | unread, scores * MENTION_FACTOR, scores)) if ranked else scanned,
            query,
            request,
            ranked,
            fold=fold,
            recency=ranked and request.recency_boost,
            mention=mention | unread,
            partial=partial,
        )
        todo = unread.copy()
        full = len(low.shown) == request.offset + request.limit
        if full and low.last_key is not None and not low.last_key[1]:
            high = _row_keys(
                search,
                (rowids, np.where(mention, scores * MENTION_FACTOR, scores)) if ranked else scanned,
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
    head = _ranked_rows(
        search,
        (rowids, np.where(mention, scores * MENTION_FACTOR, scores)) if ranked else scanned,
        query,
        request,
        ranked,
        fold=fold,
        recency=ranked and request.recency_boost,
        mention=mention,
        partial=partial,
    )
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


def single_pass(
    search: SearchBackend,
    scanned: ScoredRows,
    query: ParsedQuery,
    request: SearchRequest,
    ranked: bool,
    *,
    fold: bool = False,
    recency: bool = False,
    mention: npt.NDArray[np.bool_] | None = None,
    partial: npt.NDArray[np.bool_] | None = None,
) -> tuple[list[Candidate], int, dict[str, int], int]:
    """Every match's (rowid, bm25) from one full-text pass (or a combination of passes); filters, folding,
    counts and the page from cached columns.

    Same answer as ``_counts`` + ``_page`` (same bm25 doubles, same tie order: time, then rowid, newest
    first), without the second MATCH evaluation and the per-row join to ``documents``. With ``fold`` the
    same answer as ``_all_rows`` + ``_rank_fold`` (see :func:`_fold`); with ``recency`` the prior of
    ``rank_fold`` is applied to the scores first. ``mention`` (per scanned row) marks documents that only
    mention a concept: newest first lists them after the documents about it, and each page row carries
    its label. ``partial`` (per scanned row) marks partial matches of a concept: they rank after every
    match, are not counted in the total or the outlet counts (their number is returned last), and their
    page rows say so.
    """
    head = _ranked_rows(
        search, scanned, query, request, ranked, fold=fold, recency=recency, mention=mention, partial=partial
    )
    return head.page(search, request.offset), head.total, head.per_source, head.partial_total


@dataclass(frozen=True, slots=True)
class _Head:
    """The rows of :func:`single_pass` from the first up to the page's end, before the page is read."""

    shown: list[int]
    """The document shown for each row (a story's canonical copy when it matched)."""
    placed_by: list[int]
    """The match whose keys placed each row (a story's best member; the shown document itself unfolded)."""
    scores: list[float]
    labels: list[str | None]
    partial: list[bool]
    total: int
    per_source: dict[str, int]
    partial_total: int
    last_key: tuple[float, bool] | None = None
    """The last row's first sort key and whether it is a partial match (None: no row)."""

    def page(self, search: SearchBackend, offset: int, end: int | None = None) -> list[Candidate]:
        """The rows from ``offset`` to ``end`` as candidates (a document deleted since the columns were read
        is left out)."""
        ids = self.shown[offset:end]
        found = search.page_rows(ids)
        return [
            Candidate(rid, found[rid][0], found[rid][1], found[rid][2], score, label, part)
            for rid, score, label, part in zip(
                ids, self.scores[offset:end], self.labels[offset:end], self.partial[offset:end], strict=True
            )
            if rid in found
        ]


@dataclass(frozen=True, slots=True)
class _RowKeys:
    """Each kept match's sort keys (filters applied): ``at`` indexes the scanned rows; ``primary`` is what
    the page is ordered by first, lower first (bm25 by relevance, the newest-first key with the 提及 and
    partial tiers newest first)."""

    at: npt.NDArray[np.intp]
    rowids: npt.NDArray[np.int64]
    bm25: npt.NDArray[np.float64]
    newest: npt.NDArray[np.float64]
    tier: npt.NDArray[np.bool_]
    part: npt.NDArray[np.bool_]
    meta: DocMeta

    def primary(self, ranked: bool) -> npt.NDArray[np.float64]:
        return self.bm25 if ranked else self.newest


def _row_keys(
    search: SearchBackend,
    scanned: ScoredRows,
    query: ParsedQuery,
    request: SearchRequest,
    ranked: bool,
    *,
    recency: bool,
    mention: npt.NDArray[np.bool_] | None,
    partial: npt.NDArray[np.bool_] | None,
) -> _RowKeys:
    rowids, bm25 = scanned
    tier = mention if mention is not None else np.zeros(len(rowids), dtype=np.bool_)
    part = partial if partial is not None else np.zeros(len(rowids), dtype=np.bool_)
    meta = search.doc_meta(int(rowids.max()) + 1 if len(rowids) else 0)
    keep = mask(meta, rowids, query, request, search.within(request.within))
    at = np.arange(len(rowids)) if keep is None else np.flatnonzero(keep)
    if keep is not None:
        rowids, bm25, tier, part = rowids[keep], bm25[keep], tier[keep], part[keep]
    if recency and len(rowids):
        bm25 = bm25 * recency_factors(meta.ts[rowids])
    ts = meta.ts[rowids]
    newest = -np.where(np.isnan(ts), -np.inf, ts)  # ascending = newest first, no time last
    if not ranked:
        # Newest first, documents that only mention a concept come after every document about it (also
        # when a story picks the member that represents it).
        # Keys: about (dated ≈ -2e9…0, undated 1e14), then mentions (the same plus 1e15), partial last.
        newest = np.where(np.isinf(newest), 1e14, newest) + np.where(tier, 1e15, 0.0)
        newest += np.where(part, 2e15, 0.0)
    return _RowKeys(at, rowids, bm25, newest, tier, part, meta)


def _ranked_rows(
    search: SearchBackend,
    scanned: ScoredRows,
    query: ParsedQuery,
    request: SearchRequest,
    ranked: bool,
    *,
    fold: bool = False,
    recency: bool = False,
    mention: npt.NDArray[np.bool_] | None = None,
    partial: npt.NDArray[np.bool_] | None = None,
) -> _Head:
    """:func:`single_pass` up to the page's end, from the first row on, without reading any row."""
    k = _row_keys(search, scanned, query, request, ranked, recency=recency, mention=mention, partial=partial)
    rowids, bm25, newest, tier, part = k.rowids, k.bm25, k.newest, k.tier, k.part
    shown, score = rowids, -bm25  # the document shown for each ranked row, and its score
    if fold:
        cols = search.story_cols(int(rowids.max()) + 1 if len(rowids) else 0)
        sel, shown, score = fold_columns(
            cols.story, cols.canonical, cols.n_stories, rowids, bm25, newest, ranked, tier=part
        )
        rowids, bm25, newest, tier, part = rowids[sel], bm25[sel], newest[sel], tier[sel], part[sel]
    per_source = source_counts(k.meta, shown[~part])
    total = int((~part).sum())
    available = len(rowids)
    want = request.offset + request.limit
    if request.limit == 0 or request.offset >= available:
        return _Head([], [], [], [], [], total, per_source, available - total)
    primary = bm25 if ranked else newest
    sel = _reachable(primary, part if ranked else None, want)
    keys = (
        (-rowids[sel], newest[sel], bm25[sel], part[sel])
        if ranked
        else (-rowids[sel], newest[sel], tier[sel])
    )
    order = sel[np.lexsort(keys)][:want]
    labels = [("提及" if t else "主题") if mention is not None else None for t in tier[order].tolist()]
    last = order[-1]
    return _Head(
        shown=shown[order].tolist(),
        placed_by=rowids[order].tolist(),
        scores=score[order].tolist(),
        labels=labels,
        partial=part[order].tolist(),
        total=total,
        per_source=per_source,
        partial_total=available - total,
        last_key=(float(primary[last]), bool(part[last])),
    )


def _reachable(
    primary: npt.NDArray[np.float64], part: npt.NDArray[np.bool_] | None, want: int
) -> npt.NDArray[np.intp]:
    """Indexes of the rows that can reach the first ``want`` by ``primary`` (lower first), every match
    before every partial match (``part``): only those take part in the full sort."""
    if want >= len(primary):
        return np.arange(len(primary))
    if part is None or not part.any():
        cut = np.partition(primary, want - 1)[want - 1]
        return np.flatnonzero(primary <= cut)
    full, rest = np.flatnonzero(~part), np.flatnonzero(part)
    if want <= len(full):
        return full[_reachable(primary[full], None, want)]
    return np.concatenate([full, rest[_reachable(primary[rest], None, want - len(full))]])


def source_counts(meta: DocMeta, shown: npt.NDArray[np.int64]) -> dict[str, int]:
    """Documents per outlet among the shown rows (code -1, no outlet, is ``(unknown)``), largest first."""
    tally = np.bincount(meta.source_code[shown] + 1, minlength=len(meta.sources) + 1)
    counts: dict[str | None, int] = {
        name: int(tally[i + 1]) for i, name in enumerate(meta.sources) if tally[i + 1]
    }
    if tally[0]:
        counts[None] = int(tally[0])
    return sorted_counts(counts)


def mask(
    meta: DocMeta,
    rowids: npt.NDArray[np.int64],
    query: ParsedQuery,
    request: SearchRequest,
    within: npt.NDArray[np.int64] | None = None,
) -> npt.NDArray[np.bool_] | None:
    """The source, date and ``within`` filters of ``_filters``, over the cached columns (None: nothing to
    filter)."""
    keep: npt.NDArray[np.bool_] | None = None if within is None else np.isin(rowids, within)
    wanted = wanted_sources(request.sources, query.sources)
    if wanted:
        keys = source_keys(wanted)
        codes = [i for i, s in enumerate(meta.sources) if keys and source_matches(s, keys)]
        codes += [-1] if wants_unknown(wanted) else []  # code -1: no outlet
        in_sources = np.isin(meta.source_code[rowids], np.array(codes, dtype=np.int32))
        keep = in_sources if keep is None else keep & in_sources
    since = [t for t in (epoch(request.since), epoch(query.since)) if t is not None]
    until = [t for t in (epoch(request.until), epoch(query.until)) if t is not None]
    if since or until:
        ts = meta.ts[rowids]
        with np.errstate(invalid="ignore"):
            in_range = np.ones(len(rowids), dtype=np.bool_)
            if since:
                in_range &= ts >= max(since)
            if until:
                in_range &= ts <= min(until)
        keep = in_range if keep is None else keep & in_range
    return keep


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
    hits = build_hits(page_rows, stories, query, request, search.get_documents)
    return SearchPage(
        query=request.query,
        total=total,
        partial=partial,
        hits=tuple(hits),
        per_source=per_source,
        offset=request.offset,
        limit=request.limit,
    )

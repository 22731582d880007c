"""Run a :class:`SearchRequest` against the SQLite store's FTS5 index (ranking rules: ``search/ranking.py``).

Plan, chosen so the common case stays cheap at a million documents:

1. Parse the query (a :class:`QueryError` reaches the caller untouched).
2. The common case — terms to match, no recency prior — is one FTS5 pass returning ``(rowid, bm25)``
   for every match. Source and date filters, folding copies into stories, ``total``, ``per_source`` and
   the page (by bm25 or newest first) are then computed in numpy over cached per-document columns
   (``docmeta.py``); only the page's stories are read (``stories_for``). That replaced a counting pass
   plus a ranking pass, each evaluating the MATCH and joining every match to ``documents``: at a million
   documents a two-term query went from ~52 to ~26 ms. Folding there instead of in Python (step 4) took a
   query on the shared corpus (18k documents, 793 multi-copy stories, snippets included) from ~11 to
   ~5 ms by relevance and from ~14 to ~8 ms newest first (medians).
3. A query with only filters or exclusions runs in SQL (``_counts`` + ``_page``), which is also the
   reference the single pass is tested against (``tests/test_search_fastpath.py``).
4. A recency prior, or copies to fold in a query with no terms, fetches every match with its score; it is
   ranked, folded and paged in Python (the slow, general path, and the reference the folding single pass
   is tested against).

Snippets and highlights are built for the page's documents only.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from themeflow.errors import NotAvailableError
from themeflow.model import Document, SearchPage, Story
from themeflow.search.aboutness import MENTION_FACTOR
from themeflow.search.concept import BOOST_WEIGHT, PARTS_WEIGHT, Clause, Concept, expand_query
from themeflow.search.hits import build_hits
from themeflow.search.query import BEIJING, ParsedQuery, parse_query
from themeflow.search.ranking import (
    Candidate,
    ScoredRows,
    best_of,
    combine_clauses,
    fold_columns,
    fuse_rrf,
    rank_fold,
    recency_factors,
    some_of,
    sorted_counts,
    without,
)
from themeflow.search.request import SearchRequest
from themeflow.search.sources import source_keys, source_matches, wanted_sources, wants_unknown
from themeflow.store.base import VectorStore
from themeflow.store.sqlite import fts
from themeflow.store.sqlite.docmeta import DocMeta, StoryCols, doc_meta, story_cols
from themeflow.store.sqlite.match import compile_exclusions, compile_match, surface_expr
from themeflow.store.sqlite.mentions import concept_mentions
from themeflow.store.sqlite.params import chunks, marks
from themeflow.store.sqlite.scans import scan

__all__ = ["resolve_sources", "run"]


class _Store(Protocol):
    @property
    def conn(self) -> sqlite3.Connection: ...

    def get_documents(self, doc_ids: Sequence[str]) -> dict[str, Document]: ...

    def stories_for(self, doc_ids: Sequence[str]) -> dict[str, Story]: ...

    @property
    def write_generation(self) -> int: ...

    @property
    def search_cache(self) -> dict[str, Any]: ...

    @property
    def vectors(self) -> VectorStore: ...


def resolve_sources(conn: sqlite3.Connection, wanted: Sequence[str]) -> list[str]:
    """The outlet names in the store that a requested name means: same normalized name, or starting with it."""
    keys = source_keys(wanted)
    known = [r[0] for r in conn.execute("SELECT DISTINCT source FROM documents WHERE source IS NOT NULL")]
    return [s for s in known if keys and source_matches(s, keys)]


def _epoch(dt: datetime | None) -> float | None:
    if dt is None:
        return None
    return (dt if dt.tzinfo is not None else dt.replace(tzinfo=BEIJING)).timestamp()


def run(store: _Store, request: SearchRequest) -> SearchPage:
    """Execute ``request``; raises QueryError for a malformed query, NotAvailableError for semantic modes."""
    query = parse_query(request.query, tz=request.tz or BEIJING)
    conn = store.conn
    concept, rest = (None, query) if request.strict else expand_query(query)
    if request.mode != "bm25":
        return _dense_search(store, concept, rest, query, request)
    if concept is not None:
        return _concept_search(store, concept, rest, query, request)
    match = compile_match(query, request.analysis)
    ranked = match is not None and request.sort == "relevance"
    stories_exist = request.collapse and _has_stories(conn)
    stories: dict[str, Story] = {}
    if match is not None and not (ranked and request.recency_boost):
        # The common case: one FTS5 pass; filters, folding, counts and the page come from cached columns.
        scanned = scan(store, match)
        page_rows, total, per_source, _ = _single_pass(
            store, scanned, query, request, ranked, fold=stories_exist
        )
        if stories_exist and page_rows:
            stories = store.stories_for([r.id for r in page_rows])
        return _result(store, query, request, page_rows, total, per_source, stories)
    where, params = _filters(conn, query, request)
    if where is None:  # sources asked for that no document has
        return SearchPage(query=request.query, total=0, hits=(), offset=request.offset, limit=request.limit)
    if match is not None:
        frm = "doc_fts JOIN documents d ON d.rowid = doc_fts.rowid"
        where = ["doc_fts MATCH ?", *where]
        params = [match, *params]
    else:
        frm = "documents d"
        excl = compile_exclusions(query.excluded, request.analysis)
        if excl is not None:
            where.append("d.rowid NOT IN (SELECT rowid FROM doc_fts WHERE doc_fts MATCH ?)")
            params.append(excl)
    sql_where = " AND ".join(where) if where else "1"
    if stories_exist or (ranked and request.recency_boost):
        rows = _all_rows(conn, frm, sql_where, params, scored=match is not None)
        page_rows, total, per_source, stories = _rank_fold(store, rows, request, ranked, stories_exist)
    else:
        per_source = _counts(conn, frm, sql_where, params)
        total = sum(per_source.values())
        page_rows = _page(conn, frm, sql_where, params, request, ranked, scored=match is not None)
    return _result(store, query, request, page_rows, total, per_source, stories)


def _result(
    store: _Store,
    query: ParsedQuery,
    request: SearchRequest,
    page_rows: list[Candidate],
    total: int,
    per_source: dict[str, int],
    stories: dict[str, Story],
    *,
    partial: int = 0,
) -> SearchPage:
    hits = build_hits(page_rows, stories, query, request, store.get_documents)
    return SearchPage(
        query=request.query,
        total=total,
        partial=partial,
        hits=tuple(hits),
        per_source=per_source,
        offset=request.offset,
        limit=request.limit,
    )


def _filters(
    conn: sqlite3.Connection, query: ParsedQuery, request: SearchRequest
) -> tuple[list[str] | None, list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    wanted = wanted_sources(request.sources, query.sources)
    if wanted:
        names = resolve_sources(conn, wanted)
        if not names and not wants_unknown(wanted):
            return None, []
        either = [f"d.source IN ({','.join('?' * len(names))})"] if names else []
        either += ["d.source IS NULL"] if wants_unknown(wanted) else []
        where.append("(" + " OR ".join(either) + ")")
        params.extend(names)
    if request.within is not None:
        where.append("d.id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(sorted(request.within)))
    since = [t for t in (_epoch(request.since), _epoch(query.since)) if t is not None]
    until = [t for t in (_epoch(request.until), _epoch(query.until)) if t is not None]
    if since:
        where.append("d.published_ts >= ?")
        params.append(max(since))
    if until:
        where.append("d.published_ts <= ?")
        params.append(min(until))
    return where, params


def _concept_search(
    store: _Store, concept: Concept, rest: ParsedQuery, query: ParsedQuery, request: SearchRequest
) -> SearchPage:
    """A query with bare terms: one FTS5 pass per form of every concept clause and modifier, each clause
    scored by its best form, combined with the minimum-should-match and coordination of
    ``search/ranking.combine_clauses``; operator clauses (``rest``) are required, exclusions removed. Then
    the same filters, folding and page as every ranked query."""
    seen: dict[str, ScoredRows] = {}
    scanned = _concept_scan(store, concept, rest, request, seen)
    if request.sort != "relevance":
        return _concept_page(store, scanned, concept, rest, query, request)
    # Recall-first: the partial matches (some of the concept, less than the minimum) follow the matches.
    loose = without(_concept_scan(store, concept, rest, request, seen, loose=True), scanned[0])
    rows = np.concatenate([scanned[0], loose[0]])
    order = np.argsort(rows, kind="stable")
    partial = np.concatenate([np.zeros(len(scanned[0]), np.bool_), np.ones(len(loose[0]), np.bool_)])
    merged: ScoredRows = rows[order], np.concatenate([scanned[1], loose[1]])[order]
    return _concept_page(store, merged, concept, rest, query, request, partial=partial[order])


def _concept_scan(
    store: _Store,
    concept: Concept,
    rest: ParsedQuery,
    request: SearchRequest,
    seen: dict[str, ScoredRows] | None = None,
    *,
    loose: bool = False,
) -> ScoredRows:
    """The concept's matches with their scores; ``loose``: every document that says any of it (one clause,
    one part of a compound), for the partial tier of relevance order. ``seen`` shares FTS5 scans."""
    seen = {} if seen is None else seen
    clauses = [_clause_rows(store, c, request, seen, loose=loose) for c in concept.clauses]
    boosts = [_clause_rows(store, b, request, seen) for b in concept.boosts()]
    musts = compile_match(ParsedQuery(raw=rest.raw, groups=rest.groups), request.analysis)
    excluded = compile_exclusions(rest.excluded, request.analysis)
    return combine_clauses(
        clauses,
        1 if loose else concept.minimum,
        boosts=boosts,
        boost_weight=BOOST_WEIGHT,
        required=scan(store, musts) if musts else None,
        excluded=scan(store, excluded)[0] if excluded else None,
    )


SEMANTIC_DEPTH = 200
"""Nearest documents a semantic or hybrid search considers: dense similarity has no match set, so its list
is cut here (a theme page of 200 stories is more than an analyst reads; filters apply after the cut)."""


def _dense_search(
    store: _Store, concept: Concept | None, rest: ParsedQuery, query: ParsedQuery, request: SearchRequest
) -> SearchPage:
    """``semantic``: the nearest documents by cosine; ``hybrid``: those fused (reciprocal rank) with the
    bm25 matches of the query. Filters, exclusions, folding and the page as for every query."""
    if request.vector is None or request.vector_model is None:
        raise NotAvailableError(
            f"--mode {request.mode} needs the query's embedding; search through the service, which embeds it"
        )
    near = store.vectors.nearest(
        request.vector_model, np.asarray(request.vector, dtype=np.float32), SEMANTIC_DEPTH
    )
    rowids = _rowids_of(store.conn, [doc_id for doc_id, _ in near])
    pairs = sorted((rowids[d], -cos) for d, cos in near if d in rowids)
    dense: ScoredRows = (
        np.array([r for r, _ in pairs], dtype=np.int64),
        np.array([c for _, c in pairs], dtype=np.float64),
    )
    excluded = compile_exclusions(rest.excluded if concept else query.excluded, request.analysis)
    if excluded:
        keep = ~np.isin(dense[0], scan(store, excluded)[0])
        dense = dense[0][keep], dense[1][keep]
    if request.mode == "semantic":
        scanned = dense
    elif concept is not None:
        scanned = fuse_rrf([_concept_scan(store, concept, rest, request), dense])
    else:
        match = compile_match(query, request.analysis)
        scanned = fuse_rrf([scan(store, match), dense]) if match else dense
    if concept is not None:
        return _concept_page(store, scanned, concept, rest, query, request)
    ranked = request.sort == "relevance"
    fold = request.collapse and _has_stories(store.conn)
    page_rows, total, per_source, _ = _single_pass(store, scanned, query, request, ranked, fold=fold)
    stories = store.stories_for([r.id for r in page_rows]) if fold and page_rows else {}
    return _result(store, query, request, page_rows, total, per_source, stories)


def _rowids_of(conn: sqlite3.Connection, doc_ids: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in chunks(list(doc_ids)):
        for doc_id, rowid in conn.execute(
            f"SELECT id, rowid FROM documents WHERE id IN ({marks(len(part))})", part
        ):
            out[doc_id] = int(rowid)
    return out


def _concept_page(
    store: _Store,
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
    within = _within(store.conn, request)
    if within is not None:  # before the 提及 reading, which loads documents
        inside = np.isin(scanned[0], within)
        scanned = scanned[0][inside], scanned[1][inside]
        partial = partial[inside] if partial is not None else None
    if partial is None:
        mention = concept_mentions(store, scanned[0], concept)
    else:
        mention = np.zeros(len(scanned[0]), dtype=np.bool_)
        mention[~partial] = concept_mentions(store, scanned[0][~partial], concept)
    if ranked:
        scanned = scanned[0], np.where(mention, scanned[1] * MENTION_FACTOR, scanned[1])
    fold = request.collapse and _has_stories(store.conn)
    page_rows, total, per_source, partial_total = _single_pass(
        store,
        scanned,
        query,
        request,
        ranked,
        fold=fold,
        recency=ranked and request.recency_boost,
        mention=mention,
        partial=partial,
    )
    stories = store.stories_for([r.id for r in page_rows]) if fold and page_rows else {}
    shown = ParsedQuery(raw=query.raw, groups=tuple((t,) for t in concept.terms()) + rest.groups)
    return _result(store, shown, request, page_rows, total, per_source, stories, partial=partial_total)


def _clause_rows(
    store: _Store,
    clause: Clause,
    request: SearchRequest,
    seen: dict[str, ScoredRows],
    *,
    loose: bool = False,
) -> ScoredRows:
    """Documents matching ``clause`` with its score: the best weighted form, or enough of its parts (any
    one when ``loose``). ``seen``: scans already made for this query, as a form may appear under two
    concepts."""
    alternatives: list[ScoredRows] = []
    for surface in clause.whole:
        expr = surface_expr(surface, request.analysis)
        if expr is None:
            continue
        if expr not in seen:
            seen[expr] = scan(store, expr)
        rows, bm25 = seen[expr]
        alternatives.append((rows, bm25 * surface.weight))
    if clause.parts:
        parts = [_clause_rows(store, p, request, seen, loose=loose) for p in clause.parts]
        alternatives.append(some_of(parts, 1 if loose else clause.parts_minimum, PARTS_WEIGHT))
    return best_of(alternatives)


def _single_pass(
    store: _Store,
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
    """Every match's (rowid, bm25) from one FTS5 pass (or a combination of passes); filters, folding,
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
    conn = store.conn
    cur = conn.cursor()
    cur.row_factory = None
    meta = doc_meta(conn, store.write_generation, store.search_cache)
    rowids, bm25 = scanned
    tier = mention if mention is not None else np.zeros(len(rowids), dtype=np.bool_)
    part = partial if partial is not None else np.zeros(len(rowids), dtype=np.bool_)
    if len(rowids) and int(rowids.max()) >= len(meta.ts):  # a document written after the columns were read
        meta = DocMeta.load(conn)
    keep = _mask(meta, rowids, query, request, _within(conn, request))
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
    shown, score = rowids, -bm25  # the document shown for each ranked row, and its score
    if fold:
        cols = story_cols(conn, store.write_generation, store.search_cache)
        if len(rowids) and int(rowids.max()) >= len(cols.story):
            cols = StoryCols.load(conn)
        sel, shown, score = fold_columns(
            cols.story, cols.canonical, cols.n_stories, rowids, bm25, newest, ranked, tier=part
        )
        rowids, bm25, newest, tier, part = rowids[sel], bm25[sel], newest[sel], tier[sel], part[sel]
    per_source = _source_counts(meta, shown[~part])
    total = int((~part).sum())
    available = len(rowids)
    want = request.offset + request.limit
    if request.limit == 0 or request.offset >= available:
        return [], total, per_source, available - total
    primary = bm25 if ranked else newest
    sel = _reachable(primary, part if ranked else None, want)
    keys = (
        (-rowids[sel], newest[sel], bm25[sel], part[sel])
        if ranked
        else (-rowids[sel], newest[sel], tier[sel])
    )
    order = sel[np.lexsort(keys)][request.offset : want]
    page_ids = [int(r) for r in shown[order]]
    scores = {int(r): float(v) for r, v in zip(shown[order], score[order], strict=True)}
    labels: dict[int, str | None] = {
        int(r): (("提及" if t else "主题") if mention is not None else None)
        for r, t in zip(shown[order], tier[order], strict=True)
    }
    partial_rows = {int(r) for r, p in zip(shown[order], part[order], strict=True) if p}
    qmarks = ",".join("?" * len(page_ids))
    found = {
        int(r[0]): r
        for r in cur.execute(
            f"SELECT rowid, id, source, published_ts FROM documents WHERE rowid IN ({qmarks})", page_ids
        )
    }
    page = [
        Candidate(
            rid, found[rid][1], found[rid][2], found[rid][3], scores[rid], labels[rid], rid in partial_rows
        )
        for rid in page_ids
        if rid in found
    ]
    return page, total, per_source, available - total


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


def _source_counts(meta: DocMeta, shown: npt.NDArray[np.int64]) -> dict[str, int]:
    """Documents per outlet among the shown rows (code -1, no outlet, is ``(unknown)``), largest first."""
    tally = np.bincount(meta.source_code[shown] + 1, minlength=len(meta.sources) + 1)
    counts: dict[str | None, int] = {
        name: int(tally[i + 1]) for i, name in enumerate(meta.sources) if tally[i + 1]
    }
    if tally[0]:
        counts[None] = int(tally[0])
    return sorted_counts(counts)


def _within(conn: sqlite3.Connection, request: SearchRequest) -> npt.NDArray[np.int64] | None:
    """Rowids of ``request.within`` (None: no restriction), sorted; one statement however many ids."""
    if request.within is None:
        return None
    rows = conn.execute(
        "SELECT rowid FROM documents WHERE id IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(request.within)),),
    ).fetchall()
    return np.sort(np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)))


def _mask(
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
    since = [t for t in (_epoch(request.since), _epoch(query.since)) if t is not None]
    until = [t for t in (_epoch(request.until), _epoch(query.until)) if t is not None]
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


def _counts(conn: sqlite3.Connection, frm: str, where: str, params: list[Any]) -> dict[str, int]:
    rows = conn.execute(f"SELECT d.source, count(*) FROM {frm} WHERE {where} GROUP BY d.source", params)
    return sorted_counts({r[0]: int(r[1]) for r in rows})


_TIME_ORDER = "(d.published_ts IS NULL), d.published_ts DESC, d.rowid DESC"


def _page(
    conn: sqlite3.Connection,
    frm: str,
    where: str,
    params: list[Any],
    request: SearchRequest,
    ranked: bool,
    scored: bool,
) -> list[Candidate]:
    if request.limit == 0:
        return []
    if ranked:
        sql = (
            f"SELECT d.rowid, d.id, d.source, d.published_ts, {fts.bm25_sql()} AS r FROM {frm} WHERE {where} "
            f"ORDER BY r, {_TIME_ORDER} LIMIT ? OFFSET ?"
        )
    else:
        # Newest first; bm25 rides along in the same scan (a second per-row lookup costs ~0.7 ms a hit).
        score = fts.bm25_sql() if scored else "0.0"
        sql = (
            f"SELECT d.rowid, d.id, d.source, d.published_ts, {score} FROM {frm} WHERE {where} "
            f"ORDER BY {_TIME_ORDER} LIMIT ? OFFSET ?"
        )
    rows = conn.execute(sql, [*params, request.limit, request.offset]).fetchall()
    return [Candidate(int(r[0]), r[1], r[2], r[3], -float(r[4])) for r in rows]


def _all_rows(
    conn: sqlite3.Connection, frm: str, where: str, params: list[Any], *, scored: bool
) -> list[Candidate]:
    score = f"{fts.bm25_sql()}" if scored else "0.0"
    sql = f"SELECT d.rowid, d.id, d.source, d.published_ts, {score} FROM {frm} WHERE {where}"
    return [Candidate(int(r[0]), r[1], r[2], r[3], -float(r[4])) for r in conn.execute(sql, params)]


def _has_stories(conn: sqlite3.Connection) -> bool:
    """Whether any multi-copy story exists (else folding is a no-op and the fast path applies)."""
    return conn.execute("SELECT 1 FROM stories WHERE size > 1 LIMIT 1").fetchone() is not None


def _rank_fold(
    store: _Store, rows: list[Candidate], request: SearchRequest, ranked: bool, fold_copies: bool
) -> tuple[list[Candidate], int, dict[str, int], dict[str, Story]]:
    """Rank every match, fold copies into stories, count, and cut the page (the slow, general path)."""
    stories = store.stories_for([r.id for r in rows]) if fold_copies and rows else {}
    page, total, counts = rank_fold(rows, stories, request, ranked)
    return page, total, counts, stories

"""The SQLite store's side of the search plan (``store/plan.py``): FTS5 passes, the cached columns, the
page's rows and the 提及 reading, plus the SQL path for queries without terms.

The plan itself (concept clauses, filters, folding, the page) is shared with every backend; what is here is
what only SQLite does: a match tree printed as FTS5 MATCH text (``match.py``) and run once per form
(``scans.py``), the columns of ``docmeta.py``, and, for a query with only filters or exclusions, counts and
the page in SQL — also the reference the single pass is tested against (``tests/test_search_fastpath.py``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from themeflow.model import Document, SearchPage, Story
from themeflow.search.concept import Concept
from themeflow.search.match_expr import Expr
from themeflow.search.query import ParsedQuery
from themeflow.search.ranking import Candidate, ScoredRows, rank_fold, sorted_counts
from themeflow.search.request import SearchRequest
from themeflow.search.sources import source_keys, source_matches, wanted_sources, wants_unknown
from themeflow.store import plan
from themeflow.store.base import VectorStore
from themeflow.store.columns import DocMeta, StoryCols
from themeflow.store.plan import PageRow, epoch
from themeflow.store.sqlite import fts
from themeflow.store.sqlite.docmeta import doc_meta, load_doc_meta, load_story_cols, story_cols
from themeflow.store.sqlite.match import compile_exclusions, fts5
from themeflow.store.sqlite.mentions import concept_mentions
from themeflow.store.sqlite.params import chunks, marks
from themeflow.store.sqlite.scans import scan

__all__ = ["SQLiteSearch", "resolve_sources", "run"]


class _Store(Protocol):
    @property
    def conn(self) -> sqlite3.Connection: ...

    def get_documents(self, doc_ids: Sequence[str], *, paragraphs: bool = True) -> dict[str, Document]: ...

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


def run(store: _Store, request: SearchRequest) -> SearchPage:
    """Execute ``request`` (``store/plan.py``); raises QueryError for a malformed query, NotAvailableError
    for semantic modes."""
    return plan.run(SQLiteSearch(store), request)


class SQLiteSearch:
    """:class:`~themeflow.store.plan.SearchBackend` over one SQLite store (its per-thread connection)."""

    def __init__(self, store: _Store) -> None:
        self.store = store

    def scan(self, expr: Expr) -> ScoredRows:
        return scan(self.store, fts5(expr))

    def doc_meta(self, rows: int) -> DocMeta:
        meta = doc_meta(self.store.conn, self.store.write_generation, self.store.search_cache)
        # A document written after the columns were read (on this connection, in this instant).
        return meta if rows <= len(meta.ts) else load_doc_meta(self.store.conn)

    def story_cols(self, rows: int) -> StoryCols:
        cols = story_cols(self.store.conn, self.store.write_generation, self.store.search_cache)
        return cols if rows <= len(cols.story) else load_story_cols(self.store.conn)

    def has_stories(self) -> bool:
        return _has_stories(self.store.conn)

    def within(self, ids: Collection[str] | None) -> npt.NDArray[np.int64] | None:
        return _within_ids(self.store.conn, ids)

    def rowids_of(self, ids: Sequence[str]) -> dict[str, int]:
        return _rowids_of(self.store.conn, ids)

    def page_rows(self, rowids: Sequence[int]) -> dict[int, PageRow]:
        cur = self.store.conn.cursor()
        cur.row_factory = None
        found: dict[int, PageRow] = {}
        for part in chunks(list(rowids)):
            for r in cur.execute(
                f"SELECT rowid, id, source, published_ts FROM documents WHERE rowid IN ({marks(len(part))})",
                part,
            ):
                found[int(r[0])] = (r[1], r[2], r[3])
        return found

    def mentions(self, rowids: npt.NDArray[np.int64], concept: Concept) -> npt.NDArray[np.bool_]:
        return concept_mentions(self.store, rowids, concept)

    def general(
        self, query: ParsedQuery, request: SearchRequest, match: Expr | None
    ) -> tuple[list[Candidate], int, dict[str, int], dict[str, Story]]:
        """Filters and exclusions only, or a recency prior: in SQL (``_counts`` + ``_page``, the reference
        the single pass is tested against), or every match ranked and folded in Python."""
        conn = self.store.conn
        ranked = match is not None and request.sort == "relevance"
        where, params = _filters(conn, query, request)
        if where is None:  # sources asked for that no document has
            return [], 0, {}, {}
        if match is not None:
            frm = "doc_fts JOIN documents d ON d.rowid = doc_fts.rowid"
            where = ["doc_fts MATCH ?", *where]
            params = [fts5(match), *params]
        else:
            frm = "documents d"
            excl = compile_exclusions(query.excluded, request.analysis)
            if excl is not None:
                where.append("d.rowid NOT IN (SELECT rowid FROM doc_fts WHERE doc_fts MATCH ?)")
                params.append(excl)
        sql_where = " AND ".join(where) if where else "1"
        stories_exist = request.collapse and _has_stories(conn)
        if stories_exist or (ranked and request.recency_boost):
            rows = _all_rows(conn, frm, sql_where, params, scored=match is not None)
            return _rank_fold(self.store, rows, request, ranked, stories_exist)
        per_source = _counts(conn, frm, sql_where, params)
        page_rows = _page(conn, frm, sql_where, params, request, ranked, scored=match is not None)
        return page_rows, sum(per_source.values()), per_source, {}

    def get_documents(self, doc_ids: Sequence[str], *, paragraphs: bool = True) -> dict[str, Document]:
        return self.store.get_documents(doc_ids, paragraphs=paragraphs)

    def stories_for(self, doc_ids: Sequence[str]) -> dict[str, Story]:
        return self.store.stories_for(doc_ids)

    @property
    def vectors(self) -> VectorStore:
        return self.store.vectors


def _single_pass(
    store: _Store,
    scanned: ScoredRows,
    query: ParsedQuery,
    request: SearchRequest,
    ranked: bool,
    **options: Any,
) -> tuple[list[Candidate], int, dict[str, int], int]:
    """The plan's single pass over this store (the tests hold it equal to the SQL and Python plans)."""
    return plan.single_pass(SQLiteSearch(store), scanned, query, request, ranked, **options)


def _result(
    store: _Store,
    query: ParsedQuery,
    request: SearchRequest,
    page_rows: list[Candidate],
    total: int,
    per_source: dict[str, int],
    stories: dict[str, Story],
) -> SearchPage:
    return plan.result(SQLiteSearch(store), query, request, page_rows, total, per_source, stories)


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
    since = [t for t in (epoch(request.since), epoch(query.since)) if t is not None]
    until = [t for t in (epoch(request.until), epoch(query.until)) if t is not None]
    if since:
        where.append("d.published_ts >= ?")
        params.append(max(since))
    if until:
        where.append("d.published_ts <= ?")
        params.append(min(until))
    return where, params


def _rowids_of(conn: sqlite3.Connection, doc_ids: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in chunks(list(doc_ids)):
        for doc_id, rowid in conn.execute(
            f"SELECT id, rowid FROM documents WHERE id IN ({marks(len(part))})", part
        ):
            out[doc_id] = int(rowid)
    return out


def _within_ids(conn: sqlite3.Connection, ids: Collection[str] | None) -> npt.NDArray[np.int64] | None:
    """Rowids of ``ids`` (None: no restriction), sorted; one statement however many ids."""
    if ids is None:
        return None
    rows = conn.execute(
        "SELECT rowid FROM documents WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(sorted(ids)),)
    ).fetchall()
    return np.sort(np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)))


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

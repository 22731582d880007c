"""Run a :class:`SearchRequest` against the SQLite store's FTS5 index.

Plan, chosen so the common case stays cheap at a million documents:

1. Parse the query (a :class:`QueryError` reaches the caller untouched) and resolve outlet names.
2. Counts — ``total`` and ``per_source`` over *all* matches — come from one ``GROUP BY`` pass without
   ranking, and the page from a second query: ``ORDER BY bm25 LIMIT`` or ``ORDER BY published_ts LIMIT``.
3. Only when copies must be folded (stories exist) or a recency prior is asked for do we fetch every match
   with its score and do the ranking, folding and paging in Python.

Snippets and highlights are built for the page's documents only.
"""

from __future__ import annotations

import math
import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from themeflow.errors import NotAvailableError
from themeflow.model import Copy, Document, Hit, SearchPage, Story
from themeflow.search import fts
from themeflow.search.query import BEIJING, ParsedQuery, compile_exclusions, compile_match, parse_query
from themeflow.search.request import SearchRequest
from themeflow.search.snippet import Highlighter, make_snippet
from themeflow.text.segment import fold

__all__ = ["RECENCY_HALF_LIFE_DAYS", "normalize_source", "resolve_sources", "run"]

RECENCY_HALF_LIFE_DAYS = 30.0
RECENCY_FLOOR = 0.8
"""With the recency prior a document's score is multiplied by between 0.8 (old or undated) and 1.0 (as new as
the newest match): enough to break near-ties toward fresh news, too little to bury a clearly better match."""

_SOURCE_SUFFIXES = ("官网", "客户端", "app", "网")


class _Store(Protocol):
    @property
    def conn(self) -> sqlite3.Connection: ...

    def get_documents(self, doc_ids: Sequence[str]) -> dict[str, Document]: ...

    def stories_for(self, doc_ids: Sequence[str]) -> dict[str, Story]: ...


@dataclass(slots=True)
class _Row:
    rowid: int
    id: str
    source: str | None
    ts: float | None
    score: float = 0.0


def normalize_source(name: str) -> str:
    """Outlet name for matching: folded, no spaces, without a trailing 网 / APP / 客户端 (东方财富网 = 东方财富)."""
    out = "".join(fold(name).split())
    for suffix in _SOURCE_SUFFIXES:
        if len(out) > len(suffix) and out.endswith(suffix):
            out = out[: -len(suffix)]
            break
    return out


def resolve_sources(conn: sqlite3.Connection, wanted: Sequence[str]) -> list[str]:
    """The outlet names in the store that a requested name means: same normalized name, or starting with it."""
    keys = [normalize_source(w) for w in wanted if w.strip()]
    known = [r[0] for r in conn.execute("SELECT DISTINCT source FROM documents WHERE source IS NOT NULL")]
    return [s for s in known if any(normalize_source(s).startswith(k) for k in keys)]


def _epoch(dt: datetime | None) -> float | None:
    if dt is None:
        return None
    return (dt if dt.tzinfo is not None else dt.replace(tzinfo=BEIJING)).timestamp()


def run(store: _Store, request: SearchRequest) -> SearchPage:
    """Execute ``request``; raises QueryError for a malformed query, NotAvailableError for semantic modes."""
    if request.mode != "bm25":
        raise NotAvailableError(
            f"--mode {request.mode} is not yet available: dense retrieval lands in a later release; "
            "use --mode bm25 (the default)"
        )
    query = parse_query(request.query)
    conn = store.conn
    match = compile_match(query, request.analysis)
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
    ranked = match is not None and request.sort == "relevance"
    stories_exist = request.collapse and _has_stories(conn)
    if stories_exist or (ranked and request.recency_boost):
        rows = _all_rows(conn, frm, sql_where, params, scored=match is not None)
        page_rows, total, per_source, stories = _rank_fold(store, rows, request, ranked, stories_exist)
    else:
        per_source = _counts(conn, frm, sql_where, params)
        total = sum(per_source.values())
        page_rows = _page(conn, frm, sql_where, params, request, ranked, scored=match is not None)
        stories = {}
    hits = _hits(store, query, request, page_rows, stories)
    return SearchPage(
        query=request.query,
        total=total,
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
    wanted = list(dict.fromkeys([*request.sources, *query.sources]))
    if wanted:
        names = resolve_sources(conn, wanted)
        if not names:
            return None, []
        where.append(f"d.source IN ({','.join('?' * len(names))})")
        params.extend(names)
    since = [t for t in (_epoch(request.since), _epoch(query.since)) if t is not None]
    until = [t for t in (_epoch(request.until), _epoch(query.until)) if t is not None]
    if since:
        where.append("d.published_ts >= ?")
        params.append(max(since))
    if until:
        where.append("d.published_ts <= ?")
        params.append(min(until))
    return where, params


def _counts(conn: sqlite3.Connection, frm: str, where: str, params: list[Any]) -> dict[str, int]:
    rows = conn.execute(f"SELECT d.source, count(*) FROM {frm} WHERE {where} GROUP BY d.source", params)
    counts = {(r[0] or "(unknown)"): int(r[1]) for r in rows}
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


_TIME_ORDER = "(d.published_ts IS NULL), d.published_ts DESC, d.rowid DESC"


def _page(
    conn: sqlite3.Connection,
    frm: str,
    where: str,
    params: list[Any],
    request: SearchRequest,
    ranked: bool,
    scored: bool,
) -> list[_Row]:
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
    return [_Row(int(r[0]), r[1], r[2], r[3], -float(r[4])) for r in rows]


def _all_rows(
    conn: sqlite3.Connection, frm: str, where: str, params: list[Any], *, scored: bool
) -> list[_Row]:
    score = f"{fts.bm25_sql()}" if scored else "0.0"
    sql = f"SELECT d.rowid, d.id, d.source, d.published_ts, {score} FROM {frm} WHERE {where}"
    return [_Row(int(r[0]), r[1], r[2], r[3], -float(r[4])) for r in conn.execute(sql, params)]


def _has_stories(conn: sqlite3.Connection) -> bool:
    """Whether any multi-copy story exists (else folding is a no-op and the fast path applies)."""
    try:
        return conn.execute("SELECT 1 FROM stories WHERE size > 1 LIMIT 1").fetchone() is not None
    except sqlite3.OperationalError:  # no stories table in this build
        return False


def _rank_fold(
    store: _Store, rows: list[_Row], request: SearchRequest, ranked: bool, fold_copies: bool
) -> tuple[list[_Row], int, dict[str, int], dict[str, Story]]:
    """Rank every match, fold copies into stories, count, and cut the page (the slow, general path)."""
    if ranked and request.recency_boost:
        newest = max((r.ts for r in rows if r.ts is not None), default=None)
        for r in rows:
            if newest is None or r.ts is None:
                factor = RECENCY_FLOOR
            else:
                age_days = max(0.0, (newest - r.ts) / 86400.0)
                factor = RECENCY_FLOOR + (1 - RECENCY_FLOOR) * math.pow(
                    0.5, age_days / RECENCY_HALF_LIFE_DAYS
                )
            r.score *= factor
    if ranked:
        rows.sort(key=lambda r: (-r.score, r.ts is None, -(r.ts or 0.0), -r.rowid))
    else:
        rows.sort(key=lambda r: (r.ts is None, -(r.ts or 0.0), -r.rowid))
    stories = store.stories_for([r.id for r in rows]) if fold_copies and rows else {}
    kept: list[_Row] = []
    by_story: dict[str, int] = {}
    for r in rows:
        story = stories.get(r.id)
        if story is None:
            kept.append(r)
            continue
        at = by_story.get(story.id)
        if at is None:
            by_story[story.id] = len(kept)
            kept.append(r)
        elif r.id == story.canonical_id:
            # The canonical copy represents its story, at the rank of the story's best member.
            best = kept[at]
            kept[at] = _Row(r.rowid, r.id, r.source, r.ts, max(best.score, r.score))
    per_source = Counter((r.source or "(unknown)") for r in kept)
    page = kept[request.offset : request.offset + request.limit]
    counts = dict(sorted(per_source.items(), key=lambda kv: (-kv[1], kv[0])))
    return page, len(kept), counts, stories


def _hits(
    store: _Store, query: ParsedQuery, request: SearchRequest, rows: list[_Row], stories: dict[str, Story]
) -> list[Hit]:
    if not rows:
        return []
    docs = store.get_documents([r.id for r in rows])
    highlighter = Highlighter.for_query(query, loose=request.analysis != "bigram")
    hits: list[Hit] = []
    for r in rows:
        doc = docs.get(r.id)
        if doc is None:  # deleted between the two queries
            continue
        story = stories.get(r.id)
        hits.append(
            Hit(
                document=doc,
                score=r.score,
                snippet=make_snippet(doc, highlighter),
                story_id=story.id if story else None,
                copies=_copies(store, story, doc.id) if story else (),
            )
        )
    return hits


def _copies(store: _Store, story: Story, shown_id: str) -> tuple[Copy, ...]:
    """The story's other members: its copies, plus the canonical one when a copy represents the story."""
    out = [c for c in story.copies if c.id != shown_id]
    if story.canonical_id != shown_id:
        canon = store.get_documents([story.canonical_id]).get(story.canonical_id)
        if canon is not None:
            out.insert(0, Copy(canon.id, canon.source, canon.published_at, canon.url, canon.title))
    return tuple(out)

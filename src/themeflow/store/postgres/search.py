"""The PostgreSQL store's side of the search plan (``store/plan.py``).

A search runs in one read transaction. What it derives from the whole store — the per-document columns
(``store/columns.py``), full-text passes with their bm25, the corpus statistics bm25 needs, 提及 verdicts —
is kept per thread under the store's write counter (``db.py``): any commit, by any process, moves it, and
the next search reads afresh. Queries without terms, and ranked ones with a recency prior, take the same
single pass over every document (or every match) instead of a second SQL plan.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import psycopg

from themeflow.model import Document, SearchPage, Story
from themeflow.search import match_expr
from themeflow.search.concept import Concept
from themeflow.search.match_expr import Expr
from themeflow.search.query import ParsedQuery
from themeflow.search.ranking import Candidate, ScoredRows
from themeflow.search.request import SearchRequest
from themeflow.store import mentions, plan
from themeflow.store.base import VectorStore
from themeflow.store.columns import DocMeta, StoryCols
from themeflow.store.mentions import FoldedText
from themeflow.store.plan import PageRow
from themeflow.store.postgres import stories
from themeflow.store.postgres.tsquery import Corpus, scan

if TYPE_CHECKING:
    from themeflow.store.postgres.store import PostgresStore

__all__ = ["PostgresSearch", "drop_passes", "run"]

SCAN_CACHE_ROWS = 500_000
"""Matched rows kept per thread from earlier full-text passes (paging through a theme, or the next query
sharing a concept's forms, reuses the pass)."""

Conn = psycopg.Connection[Any]


@dataclass
class _State:
    """What searches derive from the store while its write counter stays at ``writes``."""

    writes: int
    meta: DocMeta | None = None
    cols: StoryCols | None = None
    multi_copy: bool | None = None
    every_row: npt.NDArray[np.int64] | None = None
    corpus: Corpus | None = None
    scans: OrderedDict[Expr, ScoredRows] = field(default_factory=OrderedDict)
    verdicts: dict[tuple[object, ...], dict[int, bool]] = field(default_factory=dict)
    texts: dict[int, FoldedText] = field(default_factory=dict)


def _state(store: PostgresStore, conn: Conn) -> _State:
    """This thread's state for ``store`` (kept on the store, so it dies with it), renewed after any write."""
    writes = store.db.writes(conn)
    state: _State | None = getattr(store.search_states, "state", None)
    if state is None or state.writes != writes:
        state = store.search_states.state = _State(writes)
    return state


def drop_passes(store: PostgresStore) -> None:
    """Forget this thread's full-text passes and corpus statistics (a benchmark times every query's own)."""
    state: _State | None = getattr(store.search_states, "state", None)
    if state is not None:
        state.scans.clear()
        state.corpus = None


def run(store: PostgresStore, request: SearchRequest) -> SearchPage:
    """Execute ``request``; raises QueryError for a malformed query, NotAvailableError for semantic modes."""
    with store.db.read("search") as conn:
        return plan.run(PostgresSearch(store, conn, _state(store, conn)), request)


class PostgresSearch:
    """:class:`~themeflow.store.plan.SearchBackend` over one read of a PostgreSQL store."""

    def __init__(self, store: PostgresStore, conn: Conn, state: _State) -> None:
        self.store = store
        self.conn = conn
        self.state = state

    def scan(self, expr: Expr) -> ScoredRows:
        held = self.state.scans
        found = held.get(expr)
        if found is not None:
            held.move_to_end(expr)
            return found
        if self.state.corpus is None:
            self.state.corpus = Corpus.read(self.conn)
        found = held[expr] = scan(self.conn, expr, self.state.corpus)
        total = sum(len(r) for r, _ in held.values())
        while total > SCAN_CACHE_ROWS and len(held) > 1:
            _, (old, _) = held.popitem(last=False)
            total -= len(old)
        return found

    def doc_meta(self, rows: int) -> DocMeta:
        meta = self.state.meta
        if meta is None or rows > len(meta.ts):
            meta = self.state.meta = _load_meta(self.conn)
        return meta

    def story_cols(self, rows: int) -> StoryCols:
        cols = self.state.cols
        if cols is None or rows > len(cols.story):
            top = _top(self.conn)
            cols = self.state.cols = StoryCols.build(top, stories.story_columns(self.conn))
        return cols

    def has_stories(self) -> bool:
        if self.state.multi_copy is None:
            self.state.multi_copy = stories.has_multi_copy_stories(self.conn)
        return self.state.multi_copy

    def within(self, ids: Collection[str] | None) -> npt.NDArray[np.int64] | None:
        if ids is None:
            return None
        rows = self.conn.execute("SELECT rowid FROM documents WHERE id = ANY(%s)", (sorted(ids),)).fetchall()
        return np.sort(np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)))

    def rowids_of(self, ids: Sequence[str]) -> dict[str, int]:
        rows = self.conn.execute("SELECT id, rowid FROM documents WHERE id = ANY(%s)", (list(ids),))
        return {r[0]: int(r[1]) for r in rows}

    def page_rows(self, rowids: Sequence[int]) -> dict[int, PageRow]:
        rows = self.conn.execute(
            "SELECT rowid, id, source, published_ts FROM documents WHERE rowid = ANY(%s)", (list(rowids),)
        )
        return {int(r[0]): (r[1], r[2], r[3]) for r in rows}

    def mentions(self, rowids: npt.NDArray[np.int64], concept: Concept) -> npt.NDArray[np.bool_]:
        meta = self.doc_meta(int(rowids.max()) + 1 if len(rowids) else 0)
        return mentions.concept_mentions(meta.kind_code, rowids, concept, self.state.verdicts, self._texts)

    def _texts(self, rowids: Sequence[int]) -> dict[int, FoldedText]:
        def read(todo: list[int]) -> tuple[Iterable[tuple[int, str | None, str]], Iterable[tuple[int, str]]]:
            heads = self.conn.execute(
                "SELECT rowid, title, kind FROM documents WHERE rowid = ANY(%s)", (todo,)
            ).fetchall()
            paragraphs = self.conn.execute(
                "SELECT doc_rowid, text FROM paragraphs WHERE doc_rowid = ANY(%s) ORDER BY doc_rowid, n",
                (todo,),
            ).fetchall()
            return heads, paragraphs

        return mentions.folded_texts(self.state.texts, rowids, read)

    def general(
        self, query: ParsedQuery, request: SearchRequest, match: Expr | None
    ) -> tuple[list[Candidate], int, dict[str, int], dict[str, Story]]:
        """Every document (no terms) less the exclusions, newest first; or every match with the recency
        prior: the plan's single pass either way."""
        ranked = match is not None and request.sort == "relevance"
        if match is not None:
            scanned = self.scan(match)
        else:
            rows = self._every_row()
            excluded = match_expr.compile_exclusions(query.excluded, request.analysis)
            if excluded is not None:
                rows = rows[~np.isin(rows, self.scan(excluded)[0])]
            scanned = rows, np.zeros(len(rows), dtype=np.float64)
        fold = request.collapse and self.has_stories()
        page, total, per_source, _ = plan.single_pass(
            self, scanned, query, request, ranked, fold=fold, recency=ranked and request.recency_boost
        )
        page_stories = self.stories_for([r.id for r in page]) if fold and page else {}
        return page, total, per_source, page_stories

    def _every_row(self) -> npt.NDArray[np.int64]:
        if self.state.every_row is None:
            rows = self.conn.execute("SELECT rowid FROM documents ORDER BY rowid").fetchall()
            self.state.every_row = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        return self.state.every_row

    def get_documents(self, doc_ids: Sequence[str], *, paragraphs: bool = True) -> dict[str, Document]:
        return self.store.get_documents(doc_ids, paragraphs=paragraphs)

    def stories_for(self, doc_ids: Sequence[str]) -> dict[str, Story]:
        return stories.stories_for(self.conn, list(doc_ids)) if doc_ids else {}

    @property
    def vectors(self) -> VectorStore:
        return self.store.vectors


def _top(conn: Conn) -> int:
    row = conn.execute("SELECT max(rowid) FROM documents").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _load_meta(conn: Conn) -> DocMeta:
    """The columns of :class:`~themeflow.store.columns.DocMeta`: one grouped read per column."""
    by_source = [
        (name, np.array(ids, dtype=np.int64))
        for name, ids in conn.execute(
            "SELECT source, array_agg(rowid) FROM documents WHERE source IS NOT NULL GROUP BY source"
            ' ORDER BY source COLLATE "C"'
        )
    ]
    rows = conn.execute("SELECT rowid, published_ts FROM documents WHERE published_ts IS NOT NULL").fetchall()
    published = np.array(rows, dtype=np.float64) if rows else np.empty((0, 2), dtype=np.float64)
    by_kind = [
        (name, np.array(ids, dtype=np.int64))
        for name, ids in conn.execute(
            "SELECT kind, array_agg(rowid) FROM documents WHERE kind IS NOT NULL GROUP BY kind"
        )
    ]
    return DocMeta.build(_top(conn), by_source, published, by_kind)

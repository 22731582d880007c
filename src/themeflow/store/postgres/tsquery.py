"""A query's match tree (``search/match_expr.py``) as tsquery conditions, and its bm25 as FTS5 computes it.

Why bm25 computed here instead of ``ts_rank``: the relevance rules above the index (concept clauses,
weights, the partial tier, the 提及 factor) were tuned on FTS5's bm25, and a team store must rank as the
embedded one does. The formula is FTS5's: for each phrase of the query,
``idf = ln((N - n + 0.5) / (n + 0.5))`` (at least 1e-6) over the documents that contain it, its
frequency in a document the sum of its occurrences weighted 4 in the title and 1 in the body, and
``score = Σ idf · f·(k1 + 1) / (f + k1·(1 − b + b·|D| / avgdl))`` with k1 = 1.2, b = 0.75 and |D| every
token of the document's four streams. PostgreSQL supplies the matching rows (GIN) and, for those rows only,
the positions of the query's tokens; phrases are counted from the positions.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import psycopg

from themeflow.search.match_expr import AllOf, AnyOf, Expr, Phrase, Tokens, Without, phrases
from themeflow.search.ranking import ScoredRows
from themeflow.store.postgres.fulltext import MAX_POSITION

__all__ = ["Corpus", "condition", "scan"]

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 4.0
BODY_WEIGHT = 1.0


def _lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def _tsquery(expr: Tokens) -> str:
    weight = "A" if expr.title else ""
    last = len(expr.tokens) - 1
    parts = [
        f"{_lexeme(t)}:{'*' if expr.prefix and i == last else ''}{weight}".rstrip(":")
        for i, t in enumerate(expr.tokens)
    ]
    return (" <-> " if expr.consecutive else " & ").join(parts)


def _phrase_tsquery(p: Phrase) -> str:
    return _tsquery(Tokens(p.tokens, p.grams, p.title, True, p.prefix))


def condition(expr: Expr, params: list[str]) -> str:
    """A SQL condition on ``doc_index i`` matching ``expr``; the tsquery texts are appended to ``params``."""
    if isinstance(expr, Tokens):
        params.append(_tsquery(expr))
        return f"i.{'grams' if expr.grams else 'words'} @@ %s::tsquery"
    if isinstance(expr, Without):
        keep = condition(expr.keep, params)
        return f"({keep}) AND NOT ({condition(expr.drop, params)})"
    joiner = " AND " if isinstance(expr, AllOf) else " OR "
    assert isinstance(expr, AllOf | AnyOf)
    return "(" + joiner.join(condition(p, params) for p in expr.parts) + ")"


@dataclass
class Corpus:
    """What bm25 needs of the whole index, kept while the store is unchanged: the number of documents, the
    average length and each phrase's document count."""

    documents: int = 0
    avgdl: float = 1.0
    df: dict[Phrase, int] = field(default_factory=dict)

    @classmethod
    def read(cls, conn: psycopg.Connection[Any]) -> Corpus:
        row = conn.execute("SELECT count(*), coalesce(sum(size), 0) FROM doc_index").fetchone()
        n, total = (int(row[0]), float(row[1])) if row else (0, 0.0)
        return cls(n, total / n if n else 1.0)

    def idf(self, conn: psycopg.Connection[Any], p: Phrase) -> float:
        n = self.df.get(p)
        if n is None:
            column = "grams" if p.grams else "words"
            row = conn.execute(
                f"SELECT count(*) FROM doc_index WHERE {column} @@ %s::tsquery", (_phrase_tsquery(p),)
            ).fetchone()
            n = self.df[p] = int(row[0]) if row else 0
        idf = math.log((self.documents - n + 0.5) / (n + 0.5))
        return idf if idf > 0 else 1e-6


Positions = dict[str, tuple[list[int], list[bool]]]
"""Per token: its positions in one stream of one document, and whether each is in the title."""


def scan(conn: psycopg.Connection[Any], expr: Expr, corpus: Corpus) -> ScoredRows:
    """(rowid, bm25) of every document matching ``expr``, in rowid order; bm25 as FTS5 returns it (negative,
    lower is better)."""
    params: list[str] = []
    where = condition(expr, params)
    rows = conn.execute(
        f"SELECT i.rowid, i.size FROM doc_index i WHERE {where} ORDER BY i.rowid",
        params,
    ).fetchall()
    rowids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    sizes = np.fromiter((r[1] for r in rows), dtype=np.float64, count=len(rows))
    scored = list(phrases(expr))
    bm25 = np.zeros(len(rows), dtype=np.float64)
    if not len(rows) or not scored:
        return rowids, bm25
    by_stream = {
        grams: _positions(
            conn, rowids, "grams" if grams else "words", [p for p in scored if p.grams == grams]
        )
        for grams in (False, True)
        if any(p.grams == grams for p in scored)
    }
    norm = K1 * (1 - B + B * sizes / corpus.avgdl)
    index = {int(r): i for i, r in enumerate(rowids)}
    for p in scored:
        idf = corpus.idf(conn, p)
        freq = np.zeros(len(rows), dtype=np.float64)
        for rowid, held in by_stream[p.grams].items():
            f = _frequency(held, p)
            if f:
                freq[index[rowid]] = f
        bm25 -= idf * freq * (K1 + 1) / (freq + norm)
    rowids.flags.writeable = False
    bm25.flags.writeable = False
    return rowids, bm25


def _positions(
    conn: psycopg.Connection[Any], rowids: np.ndarray[Any, Any], column: str, wanted: Iterable[Phrase]
) -> dict[int, Positions]:
    """The positions of the phrases' tokens in ``column`` of each of ``rowids`` (a prefix token: of every
    lexeme it begins, gathered under the prefix)."""
    exact: set[str] = set()
    prefixes: set[str] = set()
    for p in wanted:
        exact.update(p.tokens[:-1] if p.prefix else p.tokens)
        if p.prefix:
            prefixes.add(p.tokens[-1])
    patterns = [_like(x) + "%" for x in sorted(prefixes)]
    found: dict[int, Positions] = defaultdict(dict)
    for rowid, lexeme, where, weights in conn.execute(
        f"SELECT i.rowid, u.lexeme, u.positions, u.weights FROM doc_index i, unnest(i.{column}) u"
        " WHERE i.rowid = ANY(%s) AND (u.lexeme = ANY(%s) OR u.lexeme LIKE ANY(%s))",
        (rowids.tolist(), sorted(exact), patterns),
    ):
        held = found[int(rowid)]
        titles = [w == "A" for w in weights]
        if lexeme in exact:
            _add(held, lexeme, where, titles)
        for prefix in prefixes:
            if lexeme.startswith(prefix):
                _add(held, "\0" + prefix, where, titles)
    return found


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _add(held: Positions, key: str, where: list[int], titles: list[bool]) -> None:
    pos, title = held.setdefault(key, ([], []))
    pos.extend(where)
    title.extend(titles)


def _frequency(held: Positions, p: Phrase) -> float:
    """Occurrences of ``p`` in one document, each weighted by where it is (title 4, body 1)."""
    keys = [*p.tokens[:-1], ("\0" + p.tokens[-1]) if p.prefix else p.tokens[-1]]
    first = held.get(keys[0])
    if first is None:
        return 0.0
    if len(keys) == 1:
        return sum(TITLE_WEIGHT if t else BODY_WEIGHT for t in first[1] if t or not p.title)
    rest = []
    for key in keys[1:]:
        found = held.get(key)
        if found is None:
            return 0.0
        rest.append(set(found[0]))
    total = 0.0
    for start, title in zip(*first, strict=True):
        if p.title and not title:
            continue
        if start + len(rest) >= MAX_POSITION:  # a clamped position says nothing about order
            continue
        if all(start + k + 1 in positions for k, positions in enumerate(rest)):
            total += TITLE_WEIGHT if title else BODY_WEIGHT
    return total

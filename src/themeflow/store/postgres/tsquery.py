"""A query's match tree (``search/match_expr.py``) as tsquery conditions, and its bm25 as FTS5 computes it.

Why bm25 computed here instead of ``ts_rank``: the relevance rules above the index (concept clauses,
weights, the partial tier, the 提及 factor) were tuned on FTS5's bm25, and a team store must rank as the
embedded one does. The formula is FTS5's: for each phrase of the query,
``idf = ln((N - n + 0.5) / (n + 0.5))`` (at least 1e-6) over the documents that contain it, its
frequency in a document the sum of its occurrences weighted 4 in the title and 1 in the body, and
``score = Σ idf · f·(k1 + 1) / (f + k1·(1 − b + b·|D| / avgdl))`` with k1 = 1.2, b = 0.75 and |D| every
token of the document's four streams. PostgreSQL supplies the matching rows (GIN) and each phrase's weighted
frequency in them: ``ts_rank_cd`` of one token or one phrase without normalization sums the weights of its
occurrences (``RANK_WEIGHTS``), the same count FTS5 makes (checked against a count from the positions).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import psycopg

from themeflow.search.match_expr import AllOf, AnyOf, Expr, Phrase, Tokens, Without, phrases
from themeflow.search.ranking import ScoredRows

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

    def count(self, conn: psycopg.Connection[Any], wanted: list[Phrase]) -> None:
        """Document counts of the phrases not yet counted, in one pass over their matches."""
        todo = [p for p in wanted if p not in self.df]
        if not todo:
            return
        params = [_phrase_tsquery(p) for p in todo]
        tests = [f"{'grams' if p.grams else 'words'} @@ %s::tsquery" for p in todo]
        counts = ", ".join(f"count(*) FILTER (WHERE {t})" for t in tests)
        row = conn.execute(
            f"SELECT {counts} FROM doc_index WHERE {' OR '.join(tests)}",
            [*params, *params],
        ).fetchone()
        for p, n in zip(todo, row or [0] * len(todo), strict=True):
            self.df[p] = int(n)

    def idf(self, p: Phrase) -> float:
        n = self.df[p]
        idf = math.log((self.documents - n + 0.5) / (n + 0.5))
        return idf if idf > 0 else 1e-6


RANK_WEIGHTS = "{0.25,0.5,0.75,1}"
"""``ts_rank_cd`` weights (D, C, B, A). For one token, or one phrase, ``ts_rank_cd`` with no normalization is
the sum over its occurrences of their weights: ×4 that is FTS5's weighted frequency (body 1, title 4)."""


def scan(conn: psycopg.Connection[Any], expr: Expr, corpus: Corpus) -> ScoredRows:
    """(rowid, bm25) of every document matching ``expr``, in rowid order; bm25 as FTS5 returns it (negative,
    lower is better). One statement: the matching rows with each phrase's weighted frequency."""
    scored = list(phrases(expr))
    distinct = list(dict.fromkeys(scored))
    params: list[str] = []
    ranks = "".join(
        f", ts_rank_cd('{RANK_WEIGHTS}', i.{'grams' if p.grams else 'words'}, %s::tsquery, 0)"
        for p in distinct
    )
    params.extend(_phrase_tsquery(p) for p in distinct)
    where = condition(expr, params)
    rows = conn.execute(
        f"SELECT i.rowid, i.size{ranks} FROM doc_index i WHERE {where} ORDER BY i.rowid",
        params,
    ).fetchall()
    table = np.array(rows, dtype=np.float64).reshape(len(rows), 2 + len(distinct))
    rowids = table[:, 0].astype(np.int64)
    bm25 = np.zeros(len(rows), dtype=np.float64)
    if len(rows) and scored:
        corpus.count(conn, distinct)
        norm = K1 * (1 - B + B * table[:, 1] / corpus.avgdl)
        column = {p: 2 + i for i, p in enumerate(distinct)}
        for p in scored:  # a phrase the query names twice counts twice, as in FTS5
            freq = table[:, column[p]] * (TITLE_WEIGHT / 1.0)
            bm25 -= corpus.idf(p) * freq * (K1 + 1) / (freq + norm)
    rowids.flags.writeable = False
    bm25.flags.writeable = False
    return rowids, bm25

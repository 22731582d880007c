"""A query's match tree (``search/match_expr.py``) printed as a safe FTS5 MATCH expression over the index
layout of :mod:`.fts`.

Every token is emitted as a double-quoted FTS5 string, so nothing a user types reaches FTS5 as syntax.
"""

from __future__ import annotations

from collections.abc import Iterable

from themeflow.search import match_expr
from themeflow.search.concept import Surface
from themeflow.search.match_expr import AllOf, Expr, Tokens, Without
from themeflow.search.query import Analysis, ParsedQuery, Term

__all__ = ["compile_exclusions", "compile_match", "fts5", "surface_expr", "term_expr"]


def _q(token: str) -> str:
    """An FTS5 string literal: the analyzer never emits a quote, but escape anyway."""
    return '"' + token.replace('"', '""') + '"'


def _cols(expr: Tokens) -> str:
    if expr.title:
        return "{title_g}" if expr.grams else "{title}"
    return "{title_g body_g}" if expr.grams else "{title body}"


def _tokens(expr: Tokens) -> str:
    if expr.consecutive or len(expr.tokens) == 1:
        star = " *" if expr.prefix else ""
        return f"{_cols(expr)} : ({' + '.join(_q(t) for t in expr.tokens)}{star})"
    parts = [_q(t) for t in expr.tokens]
    if expr.prefix:
        parts[-1] += " *"
    return f"{_cols(expr)} : ({' AND '.join(parts)})"


def fts5(expr: Expr, *, top: bool = False) -> str:
    """The MATCH text of ``expr``; ``top``: an alternative at the root needs no parentheses."""
    if isinstance(expr, Tokens):
        return _tokens(expr)
    if isinstance(expr, Without):
        return f"({fts5(expr.keep)}) NOT ({fts5(expr.drop, top=True)})"
    if len(expr.parts) == 1:
        return fts5(expr.parts[0])
    if isinstance(expr, AllOf):
        return " AND ".join(fts5(p) for p in expr.parts)
    joined = " OR ".join(fts5(p) for p in expr.parts)
    return joined if top else f"({joined})"


def term_expr(term: Term, analysis: Analysis, *, exclusion: bool = False) -> str | None:
    """The FTS5 expression for one term under an analysis variant (None if nothing searchable)."""
    expr = match_expr.term_expr(term, analysis, exclusion=exclusion)
    return fts5(expr) if expr is not None else None


def compile_match(query: ParsedQuery, analysis: Analysis = "word+bigram") -> str | None:
    """The MATCH expression for the positive part of ``query`` with exclusions applied (None: no terms)."""
    expr = match_expr.compile_match(query, analysis)
    return fts5(expr) if expr is not None else None


def compile_exclusions(terms: Iterable[Term], analysis: Analysis = "word+bigram") -> str | None:
    """One expression matching any excluded term (for ``NOT`` or a ``rowid NOT IN`` subquery)."""
    expr = match_expr.compile_exclusions(terms, analysis)
    return fts5(expr, top=True) if expr is not None else None


def surface_expr(surface: Surface, analysis: Analysis = "word+bigram") -> str | None:
    """One form of a concept (``search/concept.py``) as FTS5 text (None: nothing searchable)."""
    expr = match_expr.surface_expr(surface, analysis)
    return fts5(expr) if expr is not None else None

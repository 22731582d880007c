"""What a query asks the full-text index, as a small tree every backend prints in its own syntax.

Why a tree: which stream a term is matched on (words, grams, or either), whether its pieces must be
consecutive, whether it is restricted to the title — these are ranking and recall decisions, made once here
for every store. A backend only prints the tree (FTS5 MATCH text in ``store/sqlite/match.py``, tsquery
conditions in ``store/postgres/tsquery.py``) and scores its phrases with the same bm25.

Every token is analyzed with the index's analyzer (``text/segment.py``), so nothing a user types reaches
a backend as syntax.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from themeflow.search.concept import Surface
from themeflow.search.query import Analysis, ParsedQuery, Term
from themeflow.text.segment import gram_phrase, in_vocabulary, query_words

__all__ = [
    "AllOf",
    "AnyOf",
    "Expr",
    "Tokens",
    "Without",
    "compile_exclusions",
    "compile_match",
    "phrases",
    "surface_expr",
    "term_expr",
]


@dataclass(frozen=True, slots=True)
class Tokens:
    """Analyzed tokens in one stream (``grams`` or words) of the title, or of title and body.

    ``consecutive``: one phrase, the tokens in order; else every token somewhere (each its own phrase).
    ``prefix``: the last token matches any token it begins (a one-character query's trailing gram).
    """

    tokens: tuple[str, ...]
    grams: bool
    title: bool
    consecutive: bool
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Without:
    """Documents matching ``keep`` and not ``drop``."""

    keep: Expr
    drop: Expr


Expr = Tokens | AnyOf | AllOf | Without


@dataclass(frozen=True, slots=True)
class Phrase:
    """One bm25 phrase: consecutive tokens in one stream (``prefix``: the last one is a prefix)."""

    tokens: tuple[str, ...]
    grams: bool
    title: bool
    prefix: bool


def phrases(expr: Expr) -> Iterator[Phrase]:
    """The phrases bm25 scores, in the order an FTS5 MATCH lists them (the excluded side scores nothing)."""
    if isinstance(expr, Tokens):
        if expr.consecutive or len(expr.tokens) == 1:
            yield Phrase(expr.tokens, expr.grams, expr.title, expr.prefix)
            return
        last = len(expr.tokens) - 1
        for i, token in enumerate(expr.tokens):
            yield Phrase((token,), expr.grams, expr.title, expr.prefix and i == last)
    elif isinstance(expr, Without):
        yield from phrases(expr.keep)
    else:
        for part in expr.parts:
            yield from phrases(part)


def _gram_expr(term: Term, *, as_phrase: bool) -> Tokens | None:
    grams, prefix = gram_phrase(term.text)
    if not grams:
        return None
    title = term.field == "title"
    if as_phrase or len(grams) == 1:
        return Tokens(tuple(grams), grams=True, title=title, consecutive=True, prefix=prefix)
    return Tokens(tuple(dict.fromkeys(grams)), grams=True, title=title, consecutive=False, prefix=prefix)


def _word_expr(term: Term, *, as_phrase: bool) -> Tokens | None:
    ws = [w for w in query_words(term.text) if w.strip()]
    if not ws:
        return None
    tokens = tuple(ws if as_phrase else dict.fromkeys(ws))
    return Tokens(tokens, grams=False, title=term.field == "title", consecutive=as_phrase)


def term_expr(term: Term, analysis: Analysis, *, exclusion: bool = False) -> Expr | None:
    """The expression for one term under an analysis variant (None if nothing searchable).

    word+bigram: a bare term matches if all its words occur (ranking signal, loose) or, when the term is out
    of vocabulary, its characters occur consecutively (recall for names jieba splits differently). A phrase,
    or an exclusion, is the exact consecutive-gram match only: "contains X" should mean X as written.

    An in-vocabulary term (every piece a dictionary word, see ``in_vocabulary``) is matched on its words
    alone. Its gram alternative costs two to four more phrases, each with its own bm25 document-frequency
    scan over the whole index (a two-term query at 1M documents on SQLite: ~27 -> ~13 ms), and what it adds
    is almost all false hits: on the shared corpus 97 of ~28.8k term matches over the benchmark terms, such
    as 美联储能够 for 储能, 相关税费 for 关税, 香港股票 for 港股 (专项债 in 专项债券, segmented 专项 + 债券, is the
    real miss). nDCG@10 on the labelled set: 0.91476 -> 0.91157, recall@50 1.0 -> 1.0.
    """
    if analysis == "word":
        return _word_expr(term, as_phrase=term.phrase)
    if analysis == "bigram":
        return _gram_expr(term, as_phrase=term.phrase or exclusion)
    if not (term.phrase or exclusion) and in_vocabulary(term.text):
        word = _word_expr(term, as_phrase=False)
        if word is not None:
            return word
    gram = _gram_expr(term, as_phrase=True)
    if term.phrase or exclusion or gram is None:
        return gram
    word = _word_expr(term, as_phrase=False)
    return gram if word is None else AnyOf((word, gram))


def compile_match(query: ParsedQuery, analysis: Analysis = "word+bigram") -> Expr | None:
    """The positive part of ``query`` with its exclusions applied (None: no terms to match)."""
    groups: list[Expr] = []
    for group in query.groups:
        alts = [e for e in (term_expr(t, analysis) for t in group) if e is not None]
        if alts:
            groups.append(alts[0] if len(alts) == 1 else AnyOf(tuple(alts)))
    if not groups:
        return None
    expr = AllOf(tuple(groups))
    excl = compile_exclusions(query.excluded, analysis)
    return Without(expr, excl) if excl is not None else expr


def compile_exclusions(terms: Iterable[Term], analysis: Analysis = "word+bigram") -> AnyOf | None:
    """One expression matching any excluded term."""
    parts = tuple(e for e in (term_expr(t, analysis, exclusion=True) for t in terms) if e is not None)
    return AnyOf(parts) if parts else None


def surface_expr(surface: Surface, analysis: Analysis = "word+bigram") -> Expr | None:
    """One form of a concept (``search/concept.py``): exact forms as consecutive characters, the typed
    form like any bare term (None: nothing searchable)."""
    return term_expr(Term(surface.text, phrase=surface.exact), analysis)

"""The search query language: parse what an analyst types into a :class:`ParsedQuery`.

Syntax (whitespace separates clauses)::

    资本开支 算力              both concepts, each in any of its forms (资本支出, capex …; see below)
    AI资本开支周期             a theme name: its parts (AI · 资本开支), their synonyms, narrower terms (算力投资)
    +资本开支                  must occur exactly as typed: no synonyms, no splitting
    "资本开支周期"             an exact phrase (consecutive characters; punctuation between words ignored)
    美联储 OR 欧洲央行 降息     OR binds tighter than AND: (美联储 OR 欧洲央行) AND 降息
    -光伏  NOT 光伏            exclude documents containing the term
    title:降息  title:"…"      only in the title
    source:东方财富            outlet, matched on a normalized prefix (东方财富 finds 东方财富网)
    since:2025-11-01 until:2025-11-30   dates (YYYY, YYYY-MM, YYYY-MM-DD, ISO datetimes; naive = Beijing time)

The matching rule (recall first, operators exact): every bare term is a concept (``search/concept.py``): it
matches in any of its forms from the finance lexicon, and a compound matches when all its parts occur. Of
the bare terms, one or two must all match; of three or four, all but one; of five or more, about 70 %.
Documents that match more of them, and their modifier words (周期, 板块), rank higher. Operators mean exactly
what they say: a ``"phrase"``, a ``+term``, an ``OR`` group and a ``title:`` term are required as typed; ``-``
excludes. ``--strict`` turns expansion off: every bare term must then occur as typed.

Why a hand-written parser rather than passing text to the index: full-text engines have their own operators
(FTS5's ``NEAR(``, ``*``, ``^``, column filters) and raise errors on malformed input. Here a query becomes
structure first; each backend compiles that structure to its own syntax, analyzing every token with the
index's analyzer and quoting it, so nothing a user types reaches the engine as syntax (SQLite:
``store/sqlite/match.py``). Mistakes become a :class:`~themeflow.errors.QueryError` naming the position.
Punctuation-only words (``*``, ``^``, ``(``) carry nothing to search for and are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Literal

from themeflow.dates import DateFormatError, parse_bound
from themeflow.errors import QueryError
from themeflow.text.segment import fold, gram_phrase, runs

__all__ = [
    "MAX_QUERY_CHARS",
    "MAX_TERM_CHARS",
    "MAX_TERM_PARTS",
    "MAX_TERMS",
    "Analysis",
    "ParsedQuery",
    "Term",
    "parse_date_bound",
    "parse_query",
]

Analysis = Literal["word", "bigram", "word+bigram"]
Field = Literal["any", "title"]

MAX_QUERY_CHARS = 1000
"""Longer input is almost certainly a pasted article, not a query; FTS5 would grind on thousands of terms."""
MAX_TERMS = 64
MAX_TERM_CHARS = 100
"""One term (a word or a quoted phrase) longer than this is a pasted sentence; a headline is ~40 characters."""
MAX_TERM_PARTS = 16
"""Runs of one script (CJK, Latin, digits) in one term. Each part is a piece of the term's FTS5 phrase and of
its highlight pattern, so ``A股,A股,…`` (one 'word' of 666 parts) cost ~1 s of regex compilation per page."""

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
"""Dates without an offset are read in China time: the corpus is Chinese news stamped in +08:00."""

_FIELD_ALIASES = {
    "title": "title",
    "标题": "title",
    "source": "source",
    "来源": "source",
    "since": "since",
    "from": "since",
    "until": "until",
    "to": "until",
}


@dataclass(frozen=True, slots=True)
class Term:
    """One search term as typed: ``text`` (unquoted), whether it was a quoted phrase, where to look."""

    text: str
    phrase: bool = False
    field: Field = "any"
    position: int = 0
    required: bool = False
    """Typed with ``+``: must occur as typed, never expanded into synonyms."""


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A query as structure: an AND of OR-groups of terms, exclusions, and the filters it carried."""

    raw: str
    groups: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()
    sources: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    dropped: tuple[Term, ...] = field(default=())
    """Terms with nothing searchable in them (``*``, ``^``), ignored."""

    @property
    def has_terms(self) -> bool:
        return bool(self.groups)

    def positive_terms(self) -> list[Term]:
        return [t for g in self.groups for t in g]


# -- lexing -----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Tok:
    text: str
    position: int
    quoted: bool
    negated: bool
    field: str | None
    value_position: int
    required: bool = False


_SPACE = re.compile(r"[\s\u3000]+")


def _lex(raw: str) -> list[_Tok]:
    """Split into clauses: ``[-][field:]value`` where value is a bare word or a double-quoted phrase."""
    toks: list[_Tok] = []
    i, n = 0, len(raw)
    while i < n:
        m = _SPACE.match(raw, i)
        if m:
            i = m.end()
            continue
        start = i
        negated = required = False
        if raw[i] in "+＋" and i + 1 < n and not raw[i + 1].isspace():
            required = True
            i += 1
        if raw[i] == "-" or raw[i] == "－":
            negated = True
            i += 1
            if i >= n or raw[i].isspace():
                raise QueryError(
                    "'-' must be followed directly by a word to exclude, e.g. -光伏; "
                    'put a lone hyphen in quotes ("-") to search for it',
                    start,
                )
        fld: str | None = None
        m = re.match(r"([A-Za-z]+|标题|来源)[:：]", raw[i:])
        if m and m.group(1).lower() in _FIELD_ALIASES:
            fld = _FIELD_ALIASES[m.group(1).lower()]
            i += m.end()
            if i >= n or raw[i].isspace():
                raise QueryError(
                    f"'{m.group(0)}' needs a value right after the colon, e.g. {m.group(1)}:降息", start
                )
        value_pos = i
        if raw[i] in '"“”＂':
            close = _find_close(raw, i + 1)
            if close < 0:
                raise QueryError('unbalanced quote — close the phrase with another " or remove the quote', i)
            toks.append(_Tok(raw[i + 1 : close], start, True, negated, fld, value_pos, required))
            i = close + 1
            continue
        m = _SPACE.search(raw, i)
        end = m.start() if m else n
        word = raw[i:end]
        quote = next((k for k, ch in enumerate(word) if ch in '"“”＂'), -1)
        if quote >= 0:
            # A quote inside a word (abc"def): treat it as the start of a phrase if it closes, else complain.
            if _find_close(raw, i + quote + 1) < 0:
                raise QueryError(
                    'unbalanced quote — close the phrase with another " or remove the quote', i + quote
                )
            if quote > 0:
                toks.append(_Tok(word[:quote], start, False, negated, fld, value_pos, required))
            i = i + quote
            continue
        toks.append(_Tok(word, start, False, negated, fld, value_pos, required))
        i = end
    return toks


def _find_close(raw: str, start: int) -> int:
    for k in range(start, len(raw)):
        if raw[k] in '"“”＂':
            return k
    return -1


# -- parsing ----------------------------------------------------------------------------------------------
_OR_NEEDS_TERMS = "OR needs a search term on each side, e.g. 美联储 OR 欧洲央行"


def parse_query(text: str, *, tz: tzinfo = BEIJING) -> ParsedQuery:
    """Parse a query string; raises :class:`QueryError` (with the character position) when it is malformed."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"query is too long ({len(text)} characters; the limit is {MAX_QUERY_CHARS}) — "
            "search for a few key words instead of pasting text",
            MAX_QUERY_CHARS,
        )
    parser = _Parser(text, tz)
    toks = _lex(text)
    for k, tok in enumerate(toks):
        if not parser.operator(tok, last=k == len(toks) - 1):
            parser.clause(tok)
    return parser.finish()


class _Parser:
    """The state of one parse: clauses seen so far and the operators (``OR``, ``NOT``) waiting for their
    right-hand side. Each clause kind has its own step, so each rule lives in one place."""

    def __init__(self, raw: str, tz: tzinfo) -> None:
        self.raw = raw
        self.tz = tz
        self.groups: list[list[Term]] = []
        self.excluded: list[Term] = []
        self.dropped: list[Term] = []
        self.sources: list[str] = []
        self.since: datetime | None = None
        self.until: datetime | None = None
        self.pending_or: _Tok | None = None
        self.pending_not: _Tok | None = None
        self.prev_kind: str | None = None
        """What the last clause was — "term", "filter" or "exclude" — for the rules of OR."""

    def operator(self, tok: _Tok, *, last: bool) -> bool:
        """Take a bare ``OR`` / ``|`` / ``AND`` / ``NOT``; False when ``tok`` is not one."""
        if tok.quoted or tok.field is not None or tok.negated:
            return False
        if tok.text in ("OR", "|"):
            if self.prev_kind != "term" or self.pending_or is not None:
                raise QueryError(_OR_NEEDS_TERMS, tok.position)
            self.pending_or = tok
            return True
        if tok.text == "AND":
            return True  # AND is what clauses mean anyway
        if tok.text == "NOT":
            if self.pending_not is not None or last:
                raise QueryError("NOT must be followed by a word to exclude, e.g. NOT 光伏", tok.position)
            self.pending_not = tok
            return True
        return False

    def clause(self, tok: _Tok) -> None:
        """A filter (``source:``, ``since:``, ``until:``) or a search term, negated by ``-`` or a ``NOT``."""
        negated = tok.negated or self.pending_not is not None
        self.pending_not = None
        if self.pending_or is not None and (negated or tok.field in ("source", "since", "until")):
            if not (tok.field == "source" and self.prev_kind == "filter" and not negated):
                raise QueryError(
                    "OR can only join search terms (or source: filters)", self.pending_or.position
                )
        if tok.field == "source":
            self._source(tok, negated)
        elif tok.field in ("since", "until"):
            self._date_bound(tok, negated)
        else:
            self._term(tok, negated)

    def _source(self, tok: _Tok, negated: bool) -> None:
        if negated:
            raise QueryError("excluding a source is not supported; list the sources you want", tok.position)
        name = tok.text.strip()
        if name:
            self.sources.append(name)
        self.pending_or, self.prev_kind = None, "filter"

    def _date_bound(self, tok: _Tok, negated: bool) -> None:
        if negated:
            raise QueryError(f"'-{tok.field}:' is not supported; use the other bound", tok.position)
        bound = parse_date_bound(tok.text, end=tok.field == "until", position=tok.value_position, tz=self.tz)
        if tok.field == "since":
            self.since = bound if self.since is None else max(self.since, bound)
        else:
            self.until = bound if self.until is None else min(self.until, bound)
        self.pending_or, self.prev_kind = None, "filter"

    def _term(self, tok: _Tok, negated: bool) -> None:
        term = Term(
            tok.text, tok.quoted, "title" if tok.field == "title" else "any", tok.position, tok.required
        )
        _check_size(term)
        if not _searchable(term):
            self.dropped.append(term)
            self.pending_or = None  # "a OR *": keep a
            self.prev_kind = "term" if self.groups and not negated else self.prev_kind
            return
        if negated:
            self.excluded.append(term)
            self.prev_kind = "exclude"
            return
        if self.pending_or is not None and self.groups:
            self.groups[-1].append(term)
        else:
            self.groups.append([term])
        self.pending_or, self.prev_kind = None, "term"
        if sum(len(g) for g in self.groups) + len(self.excluded) > MAX_TERMS:
            raise QueryError(f"too many search terms (the limit is {MAX_TERMS})", tok.position)

    def finish(self) -> ParsedQuery:
        """Check what can only be checked at the end, and build the query."""
        if self.pending_or is not None:
            raise QueryError(_OR_NEEDS_TERMS, self.pending_or.position)
        if self.since is not None and self.until is not None and self.since > self.until:
            raise QueryError("since: is after until: — nothing can match; swap the dates", 0)
        filters = self.sources or self.since is not None or self.until is not None
        if not self.groups and not self.excluded and self.dropped and not filters:
            first = self.dropped[0]
            raise QueryError(
                f"nothing to search for: {first.text!r} has no letters or digits — type words to search for",
                first.position,
            )
        return ParsedQuery(
            raw=self.raw,
            groups=tuple(tuple(g) for g in self.groups),
            excluded=tuple(self.excluded),
            sources=tuple(dict.fromkeys(self.sources)),
            since=self.since,
            until=self.until,
            dropped=tuple(self.dropped),
        )


def _check_size(term: Term) -> None:
    """Refuse a term too long to be a search term (see :data:`MAX_TERM_CHARS`, :data:`MAX_TERM_PARTS`)."""
    shown = term.text if len(term.text) <= 24 else term.text[:20] + "…"
    if len(term.text) > MAX_TERM_CHARS:
        raise QueryError(
            f"search term {shown!r} is too long ({len(term.text)} characters; the limit is {MAX_TERM_CHARS})"
            " — search for its key words instead",
            term.position,
        )
    parts = sum(1 for _ in runs(fold(term.text)))
    if parts > MAX_TERM_PARTS:
        raise QueryError(
            f"search term {shown!r} has too many parts ({parts} separate runs of Chinese, letters or digits;"
            f" the limit is {MAX_TERM_PARTS}) — separate words with spaces, e.g. A股 港股",
            term.position,
        )


def _searchable(term: Term) -> bool:
    return bool(gram_phrase(term.text)[0])


def parse_date_bound(text: str, *, end: bool, position: int = 0, tz: tzinfo = BEIJING) -> datetime:
    """A date or datetime as the start (``end=False``) or inclusive end (``end=True``) of the period it names.

    ``2025`` → the year, ``2025-11`` → the month, ``2025-11-20`` → the day, an ISO datetime → that instant,
    ``30d`` → thirty days ago; naive values are in ``tz`` (:func:`themeflow.dates.parse_bound`, the one
    reading of dates shared with the command-line flags). Raises :class:`QueryError` at ``position``.
    """
    try:
        return parse_bound(text, end=end, tz=tz)
    except DateFormatError as exc:
        raise QueryError(str(exc), position) from None

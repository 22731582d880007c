"""A theme or a natural query expanded into a concept: what a document may say to be about it.

Why: an analyst types ``AI资本开支周期`` and means every article about AI capital spending, whether it says
``AI资本开支``, ``资本支出``, ``capex`` or ``算力投资``. Matched literally (all of AI, 资本开支 and 周期), the
query found 4 of 69 relevant articles. Here each bare term the user typed becomes a :class:`Clause`:

- **whole**: ways of writing the whole term — as typed, its other names from the finance lexicon
  (``data/finance_lexicon.toml``), and narrower terms that imply it (算力投资 for AI资本开支);
- **parts**: when the term is a compound of lexicon concepts (``美联储降息`` → 美联储 · 降息), each part
  expanded the same way; a document that says enough of the parts in any of their forms matches, "enough"
  by the same minimum-should-match as typed words (both of two, two of three): a compound typed as one
  word asks no more than its pieces typed apart;
- **boosts**: modifier words (``周期``, ``板块``) that name a kind of concept rather than the concept: they
  raise a document's rank and are never required.

A document matches a clause when it says one whole form, or enough of the parts. The clauses of a query
are combined with a minimum-should-match (:func:`minimum_should_match`): two clauses must both match (with
their synonyms), longer queries may miss one or more. That is the match set (the total, newest-first
order, workflows). Relevance order is recall-first: after every match come the *partial* matches,
documents that say some of the concept but less than the minimum, best first, so a theme ranked by
relevance never lists fewer documents than plain OR over its words would. Operators keep their exact meaning: a ``"phrase"``, a
``+must`` term, an ``OR`` group or a ``title:`` term is required as typed and never expanded, ``-term``
excludes. The backend compiles clauses to its own syntax (SQLite: ``store/sqlite/match.py``) and scores a
document by the sum of its clause scores times the share of clauses it matched (coordination). A clause
scores its best form (weighted: :class:`Surface`), not the sum of every form it contains, so an article
that lists many narrower terms in passing does not outrank one about the concept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from themeflow.search.query import ParsedQuery, Term, parse_query
from themeflow.text.lexicon import Lexicon, LexiconEntry, finance_lexicon
from themeflow.text.segment import fold, query_words

__all__ = [
    "BOOST_WEIGHT",
    "EXPANSION_RULES",
    "NARROWER_WEIGHT",
    "PARTS_WEIGHT",
    "SAME_WEIGHT",
    "Clause",
    "Concept",
    "Surface",
    "clause_to_dict",
    "explain_query",
    "expand_query",
    "expand_term",
    "is_loose",
    "minimum_should_match",
]

BOOST_WEIGHT = 0.3
"""A modifier's score counts this much of a clause's: enough to order 资本开支周期 articles before other AI capex
articles, too little to lift an article that says only 周期."""

SAME_WEIGHT = 0.9
NARROWER_WEIGHT = 0.7
"""A narrower term implies the concept but is often one detail of an article about something else (GPU in
an article about gaming), so it ranks below the concept's own names."""
PARTS_WEIGHT = 0.8
"""Saying every part of a compound somewhere (AI … 资本开支) is weaker evidence than saying the compound."""

EXPANSION_RULES = 2
"""Bump when the way a term becomes a clause changes (not the lexicon, which has its own version): what was
kept under the old rules (concept tags, a roundup's focused summary) is made again. 2: a lexicon term is split
only into other concepts (not into another name of its own, nor into a word the lexicon does not know)."""

MAX_DEPTH = 2
"""A compound's parts may themselves be compounds (AI资本开支 → AI · 资本开支), one level further at most."""


@dataclass(frozen=True, slots=True)
class Surface:
    """One way of writing a concept: the text, whether it must occur as consecutive characters (``exact``;
    otherwise matched like a typed bare term, its words in any order) and why it is there."""

    text: str
    why: str
    exact: bool = True
    weight: float = 1.0
    """Share of a match's score this form keeps: the typed form counts fully, another name of the same
    concept a little less, a narrower term less again (see :data:`SAME_WEIGHT`, :data:`NARROWER_WEIGHT`)."""


@dataclass(frozen=True, slots=True)
class Clause:
    """What a document must say for one term: any form of the whole, or every part (see the module doc)."""

    label: str
    whole: tuple[Surface, ...]
    parts: tuple[Clause, ...] = ()
    boosts: tuple[Clause, ...] = ()
    parts_minimum: int = 0
    """How many of ``parts`` a document must say (:func:`minimum_should_match` of their number)."""

    def surfaces(self) -> list[Surface]:
        """Every form this clause can match, parts and boosts included (for highlighting and explain)."""
        out = list(self.whole)
        for sub in (*self.parts, *self.boosts):
            out.extend(sub.surfaces())
        return out


@dataclass(frozen=True, slots=True)
class Concept:
    """The expanded form of a query's bare terms: clauses, the number that must match, and the modifiers."""

    clauses: tuple[Clause, ...]
    minimum: int
    lexicon_version: int

    def boosts(self) -> list[Clause]:
        """Every modifier of every clause, at any depth (scored once each, at the top level)."""
        out: list[Clause] = []

        def walk(c: Clause) -> None:
            out.extend(c.boosts)
            for p in c.parts:
                walk(p)

        for clause in self.clauses:
            walk(clause)
        return out

    def terms(self) -> list[Term]:
        """Every form as a search term, for the highlighter: what matched is what is marked."""
        seen: dict[str, Term] = {}
        for clause in self.clauses:
            for s in clause.surfaces():
                seen.setdefault(fold(s.text), Term(s.text, phrase=s.exact))
        return list(seen.values())


def minimum_should_match(n: int) -> int:
    """How many of ``n`` clauses a document must match: all of one or two (a two-word query means both),
    all but one of three or four, about 70 % of five or more (a long natural query rarely has every word
    in every relevant article)."""
    if n <= 2:
        return n
    if n <= 4:
        return n - 1
    return max(1, math.ceil(0.7 * n))


def is_loose(group: tuple[Term, ...]) -> bool:
    """Whether a query group is a bare term the user typed (expandable), not an operator clause."""
    if len(group) != 1:
        return False
    term = group[0]
    return not (term.phrase or term.required or term.field != "any")


def _entry_surfaces(entry: LexiconEntry, typed: str) -> list[Surface]:
    typed_key = fold(typed).strip()
    out: list[Surface] = []
    for form in entry.keys:
        if fold(form) != typed_key:
            out.append(Surface(form, f"同义: 词库「{entry.name}」", weight=SAME_WEIGHT))
    out.extend(
        Surface(form, f"下位: 词库「{entry.name}」", weight=NARROWER_WEIGHT) for form in entry.narrower
    )
    return out


def _split(text: str, lexicon: Lexicon) -> list[str]:
    """``text`` cut into lexicon keys and modifiers (longest first, left to right) and, between them, the
    words the segmenter finds; the pieces keep the typed characters."""
    folded = fold(text)
    pieces: list[str] = []
    gap_start = i = 0
    while i < len(folded):
        size = lexicon.longest_key_at(folded, i, shorter_than=len(folded))
        if size:
            if gap_start < i:
                pieces.extend(query_words(text[gap_start:i]))
            pieces.append(text[i : i + size])
            i += size
            gap_start = i
        else:
            i += 1
    if gap_start < len(folded):
        pieces.extend(query_words(text[gap_start:]))
    return [p for p in (p.strip() for p in pieces) if p]


def expand_term(text: str, *, lexicon: Lexicon | None = None, depth: int = 0, why: str = "输入") -> Clause:
    """The clause for one typed term (see the module doc)."""
    lexicon = lexicon or finance_lexicon()
    whole = [Surface(text, why, exact=depth > 0)]
    entry = lexicon.lookup(text)
    if entry is not None:
        whole.extend(_entry_surfaces(entry, text))
    parts: list[Clause] = []
    boosts: list[Clause] = []
    pieces = _split(text, lexicon) if depth < MAX_DEPTH else []
    known = any(lexicon.lookup(p) or lexicon.is_modifier(p) for p in pieces)
    if len(pieces) >= 2 and known:
        cores = [p for p in pieces if not lexicon.is_modifier(p)] or pieces
        for piece in pieces:
            sub = expand_term(piece, lexicon=lexicon, depth=depth + 1, why=f"拆分自「{text}」")
            (parts if piece in cores else boosts).append(sub)
    if entry is not None and not _into_other_concepts(parts, entry, lexicon):
        parts = []
    return Clause(text, tuple(_unique(whole)), tuple(parts), tuple(boosts), minimum_should_match(len(parts)))


def _into_other_concepts(parts: list[Clause], entry: LexiconEntry, lexicon: Lexicon) -> bool:
    """Whether every part of a lexicon term is another lexicon concept: a term the lexicon names is split only
    into concepts (AI资本开支 → AI · 资本开支), as this module says parts are; otherwise its curated forms stand
    alone. A term the lexicon does not know keeps its split on any known piece: its literal form is all it
    has otherwise.

    The pieces of the other splits matched anywhere, apart or inside other words. Another name of the term's
    own concept and a leftover (美联储 → 美 · 联储, 锂电池 → 锂电 · 池): the leftover matched every gram it
    begins (美国, 美元), and one part was enough in the partial tier. A word the lexicon does not know
    (人民银行 → 人民 · 银行 matched any article saying 人民币 and 银行; 日本央行 → 日本 · 央行 one naming Japan and
    the PBOC; 香港股市 → 香 · 港股 · 市 one saying 香港 and 市场). Of 120 articles such splits alone matched (ten
    for each of twelve terms, read by three readers against a written guide: ``tests/data/search_splits/``),
    98 were not about the term and 22 mentioned it, 2 of them at length."""
    for part in parts:
        found = lexicon.lookup(part.label)
        if found is None or found == entry:
            return False
    return True


def _unique(surfaces: list[Surface]) -> list[Surface]:
    seen: set[str] = set()
    out: list[Surface] = []
    for s in surfaces:
        key = fold(s.text)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def expand_query(query: ParsedQuery, *, lexicon: Lexicon | None = None) -> tuple[Concept | None, ParsedQuery]:
    """Split ``query`` into the concept of its bare terms and the rest (operator clauses, exclusions and
    filters, kept exactly). ``(None, query)`` when it has no bare term."""
    loose = [g[0] for g in query.groups if is_loose(g)]
    if not loose:
        return None, query
    lexicon = lexicon or finance_lexicon()
    clauses = tuple(expand_term(t.text, lexicon=lexicon) for t in loose)
    rest = ParsedQuery(
        raw=query.raw,
        groups=tuple(g for g in query.groups if not is_loose(g)),
        excluded=query.excluded,
        sources=query.sources,
        since=query.since,
        until=query.until,
        dropped=query.dropped,
    )
    return Concept(clauses, minimum_should_match(len(clauses)), lexicon.version), rest


def clause_to_dict(clause: Clause) -> dict[str, Any]:
    """A clause as ``theme explain --json`` shows it: its forms (text, weight, why), parts and modifiers."""
    return {
        "label": clause.label,
        "forms": [{"text": s.text, "weight": s.weight, "exact": s.exact, "why": s.why} for s in clause.whole],
        "parts": [clause_to_dict(p) for p in clause.parts],
        "parts_minimum": clause.parts_minimum,
        "boosts": [clause_to_dict(b) for b in clause.boosts],
    }


def _term_text(term: Term) -> str:
    text = f'"{term.text}"' if term.phrase else term.text
    text = f"+{text}" if term.required else text
    return f"title:{text}" if term.field == "title" else text


def explain_query(text: str, *, lexicon: Lexicon | None = None) -> dict[str, Any]:
    """What one search string means: its concept clauses (each with every form and why it is there), how
    many must match, the operator clauses kept exactly, and the exclusions."""
    query = parse_query(text)
    lexicon = lexicon or finance_lexicon()
    concept, rest = expand_query(query, lexicon=lexicon)
    return {
        "query": text,
        "lexicon_version": lexicon.version,
        "clauses": [clause_to_dict(c) for c in concept.clauses] if concept else [],
        "minimum_should_match": concept.minimum if concept else 0,
        "exact": [" OR ".join(_term_text(t) for t in g) for g in rest.groups],
        "excluded": [_term_text(t) for t in rest.excluded],
        "sources": list(rest.sources),
    }

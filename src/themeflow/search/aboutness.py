"""Whether a matching document is *about* a theme (主题) or only *mentions* it (提及).

Why: newest-first results for 美联储 降息 and 储能 were led by daily roundups (头版头条精华摘要, 财经晚报, 早餐FM,
收评) that name the theme in one line, each shown as if it were a story about the theme. A roundup or a live
blog (``text.doctype``) is a mention unless the theme is central to it (``text.doctype.theme_centrality``:
title, lead and share of paragraphs); every other kind of document that matches is about the theme.
Mentions stay findable — they are labelled and ranked after the documents about the theme (newest first:
all 主题 documents by time, then the 提及 ones; by relevance: their score scaled by
:data:`MENTION_FACTOR`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Literal

from themeflow.model import Document
from themeflow.search.concept import Clause, Concept
from themeflow.text.doctype import DocType, theme_centrality
from themeflow.text.segment import fold

__all__ = [
    "ABOUT",
    "CENTRAL_ENOUGH",
    "MENTION",
    "MENTION_FACTOR",
    "MENTION_KINDS",
    "Aboutness",
    "aboutness_of",
    "concept_matcher",
    "mention_test",
]

Aboutness = Literal["主题", "提及"]
ABOUT: Aboutness = "主题"
MENTION: Aboutness = "提及"

MENTION_KINDS: frozenset[DocType] = frozenset({"roundup", "liveblog"})
"""Kinds of document that cover many subjects, so matching a theme says little about being about it."""

CENTRAL_ENOUGH = 0.5
"""A roundup is about the theme from this centrality on: title plus lead (0.65), or lead plus half of its
paragraphs (0.6); the title alone (0.4: 晚报｜…；光模块… names every item) or one line among thirty is not."""

MENTION_FACTOR = 0.5
"""Relevance order: a mention's score is halved, enough to put a roundup below the articles it summarizes
at the same term weight, not so much that a roundup disappears when it is all there is."""


def aboutness_of(
    kind: DocType, title: str, paragraphs: Sequence[str], matches: Callable[[str], bool]
) -> Aboutness:
    """主题 or 提及 for one document that matched a theme (``matches``: the theme's forms, see
    ``concept_matcher``)."""
    if kind not in MENTION_KINDS:
        return ABOUT
    return ABOUT if theme_centrality(paragraphs, title, matches).score >= CENTRAL_ENOUGH else MENTION


def _clause_matcher(clause: Clause) -> Callable[[str], bool]:
    """A test on *folded* text: one of the clause's forms as written (folded), or enough of its parts
    (the clause's minimum-should-match over them, as the search asks)."""
    forms = sorted({fold(s.text) for s in clause.whole if fold(s.text).strip()}, key=len, reverse=True)
    whole = re.compile("|".join(re.escape(f) for f in forms)) if forms else None
    parts = [_clause_matcher(p) for p in clause.parts]

    def matches(folded: str) -> bool:
        if whole is not None and whole.search(folded):
            return True
        return bool(parts) and sum(m(folded) for m in parts) >= clause.parts_minimum

    return matches


def concept_matcher(concept: Concept, *, folded: bool = False) -> Callable[[str], bool]:
    """Whether a text (a paragraph, a title) is on the concept: it says one of a clause's forms, or enough
    parts of a compound clause (a lone part — AI without 资本开支 — is not the concept). Forms are matched as
    folded substrings (script, width and case folded once per text): this runs over every paragraph of
    every roundup a theme matches, so it is one C-level regex search per clause, not a highlighter.
    ``folded``: the caller passes text already folded (it tests one text against many concepts)."""
    clauses = [_clause_matcher(c) for c in concept.clauses]
    # most paragraphs of a roundup say none of the concept's words: one search for any form of any clause
    # or part settles those before the per-clause minimum-should-match runs
    forms = sorted({f for c in concept.clauses for f in _all_forms(c)}, key=len, reverse=True)
    prefilter = re.compile("|".join(re.escape(f) for f in forms)) if forms else None

    def on_folded(text: str) -> bool:
        if prefilter is not None and prefilter.search(text) is None:
            return False
        return any(m(text) for m in clauses)

    if folded:
        return on_folded
    return lambda text: on_folded(fold(text))


def _all_forms(clause: Clause) -> set[str]:
    """Every folded form of a clause and of its parts (any one of them is needed for it to match)."""
    out = {fold(s.text) for s in clause.whole if fold(s.text).strip()}
    for part in clause.parts:
        out |= _all_forms(part)
    return out


def mention_test(document: Document, queries: Sequence[str]) -> tuple[Callable[[str], bool], str, str] | None:
    """For a document shown under a theme (its queries): when it only *mentions* the theme, the test of a
    paragraph being on the theme, an identity of that test (the queries and the lexicon version, for a
    cache key) and the theme's label; None when the document is about the theme or never names it."""
    from themeflow.search.concept import EXPANSION_RULES, expand_query
    from themeflow.search.query import parse_query
    from themeflow.text.doctype import doc_type

    wanted = [q.strip() for q in queries if q and q.strip()]
    kind = doc_type(document)
    if not wanted or kind not in MENTION_KINDS:
        return None
    tests = []
    version = 0
    for q in wanted:
        concept, _ = expand_query(parse_query(q))
        if concept is not None:
            tests.append(concept_matcher(concept))
            version = concept.lexicon_version
    if not tests:
        return None

    def on_topic(text: str) -> bool:
        return any(t(text) for t in tests)

    if aboutness_of(kind, document.title, document.paragraphs, on_topic) != MENTION:
        return None
    identity = "\x00".join([*wanted, f"lexicon={version}", f"rules={EXPANSION_RULES}"])
    label = " ".join(w for w in wanted[0].split() if not w.startswith("-")) or wanted[0]
    return on_topic, identity, label

"""Which concept matches only *mention* the concept (提及): the roundups and live blogs among them, read.

The search plan asks this for the matches of a concept query (``search/aboutness.py`` has the rule). Shared
by the backends: each supplies the kind column, a place to keep verdicts while the store is unchanged, and
a reader of folded texts (``store/sqlite/mentions.py``, ``store/postgres/search.py``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import cast

import numpy as np
import numpy.typing as npt

from themeflow.search.aboutness import MENTION, MENTION_KINDS, aboutness_of, concept_matcher
from themeflow.search.concept import Clause, Concept
from themeflow.store.columns import KINDS
from themeflow.text.doctype import DocType
from themeflow.text.segment import fold

__all__ = ["TEXTS_KEPT", "FoldedText", "concept_mentions", "folded_texts", "may_mention"]

FoldedText = tuple[str, str, list[str]]
"""A document's folded title, its kind and its folded paragraphs."""

TextReader = Callable[[Sequence[int]], dict[int, FoldedText]]

TEXTS_KEPT = 10_000
"""Folded roundups and live blogs kept per store state; past it the older half goes. A concept refresh
searches every concept of the vocabulary against one unchanged store, and a server answers theme pages for
days between writes: without a bound this cache would come to hold every roundup of a million-document
store."""


def concept_mentions(
    kind_code: npt.NDArray[np.int8],
    rowids: npt.NDArray[np.int64],
    concept: Concept,
    verdicts_by_concept: dict[tuple[object, ...], dict[int, bool]],
    read_texts: TextReader,
) -> npt.NDArray[np.bool_]:
    """Which matches only mention the concept: roundups and live blogs are read (title and paragraphs) to
    see whether the concept is central to them; other kinds never are mentions. ``verdicts_by_concept`` is
    kept by the backend while the store is unchanged: a theme page is reloaded and paged through far more
    often than documents are written."""
    suspects = np.flatnonzero(may_mention(kind_code, rowids))
    mention = np.zeros(len(rowids), dtype=np.bool_)
    if not len(suspects):
        return mention
    verdicts = verdicts_by_concept.setdefault(_concept_key(concept), {})
    todo = [int(rowids[i]) for i in suspects if int(rowids[i]) not in verdicts]
    if todo:
        matcher = _matcher(concept)
        for rowid, (title, kind_name, paragraphs) in read_texts(todo).items():
            kind_of = cast(DocType, kind_name)  # one of MENTION_KINDS: selected by its code
            verdicts[rowid] = aboutness_of(kind_of, title, paragraphs, matcher) == MENTION
    for i in suspects:
        mention[i] = verdicts.get(int(rowids[i]), False)
    return mention


def may_mention(kind_code: npt.NDArray[np.int8], rowids: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Which of ``rowids`` are of a kind that can merely mention a concept (roundups and live blogs): only
    those are ever read, every other match is about what it matches."""
    codes = np.array([KINDS.index(k) for k in MENTION_KINDS], dtype=np.int8)
    known = rowids < len(kind_code)
    kind = np.full(len(rowids), -1, dtype=np.int8)
    kind[known] = kind_code[rowids[known]]
    return np.isin(kind, codes)


_MATCHERS: OrderedDict[tuple[object, ...], Callable[[str], bool]] = OrderedDict()
MATCHERS_KEPT = 256
"""Concept matchers kept (a matcher compiles a regex over every form): a concept query reads its roundups
in a few rounds (``store/plan.py``) and a concept refresh or a theme page asks the same concept again."""


def _matcher(concept: Concept) -> Callable[[str], bool]:
    key = _concept_key(concept)
    found = _MATCHERS.get(key)
    if found is None:
        found = _MATCHERS[key] = concept_matcher(concept, folded=True)
        while len(_MATCHERS) > MATCHERS_KEPT:
            _MATCHERS.popitem(last=False)
    return found


def _concept_key(concept: Concept) -> tuple[object, ...]:
    """What the reading of a concept depends on: its clauses' forms, parts and minimums, and the lexicon."""
    return (concept.lexicon_version, tuple(_clause_key(c) for c in concept.clauses))


def _clause_key(clause: Clause) -> tuple[object, ...]:
    return (
        tuple(s.text for s in clause.whole),
        tuple(_clause_key(p) for p in clause.parts),
        clause.parts_minimum,
    )


def folded_texts(
    held: dict[int, FoldedText],
    rowids: Sequence[int],
    read: Callable[[list[int]], tuple[Iterable[tuple[int, str | None, str]], Iterable[tuple[int, str]]]],
) -> dict[int, FoldedText]:
    """Title, kind and paragraphs of each document, folded once and kept in ``held`` (per store state, at
    most :data:`TEXTS_KEPT` of them):
    every concept query reads the same few hundred roundups, and reading and folding them was half of an
    uncached theme query. ``read`` returns (rowid, title, kind) rows and (rowid, paragraph) rows in
    paragraph order for the rowids it is given."""
    wanted = [int(r) for r in rowids]
    found = {r: held[r] for r in wanted if r in held}
    todo = [r for r in wanted if r not in found]
    if todo:
        heads, paragraphs = read(todo)
        fresh: dict[int, FoldedText] = {int(r): (fold(t or ""), k, []) for r, t, k in heads}
        for rowid, text in paragraphs:
            fresh[int(rowid)][2].append(fold(text))
        found.update(fresh)
        if len(held) + len(fresh) > TEXTS_KEPT:
            for old in list(held)[: len(held) // 2 + 1]:  # the oldest half (insertion order)
                del held[old]
        held.update(fresh)
    return {r: found[r] for r in wanted if r in found}

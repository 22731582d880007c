"""Which concept matches only *mention* the concept (提及): the roundups and live blogs among them, read.

The search runner asks this for the matches of a concept query (``search/aboutness.py`` has the rule);
verdicts are cached per concept while the store is unchanged.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import numpy.typing as npt

from themeflow.search.aboutness import MENTION, MENTION_KINDS, aboutness_of, concept_matcher
from themeflow.search.concept import Concept
from themeflow.store.sqlite.docmeta import KINDS, CachingStore, doc_meta, state_slot
from themeflow.store.sqlite.params import chunks, marks
from themeflow.text.doctype import DocType
from themeflow.text.segment import fold

__all__ = ["concept_mentions"]


def concept_mentions(
    store: CachingStore, rowids: npt.NDArray[np.int64], concept: Concept
) -> npt.NDArray[np.bool_]:
    """Which matches only mention the concept (``search/aboutness.py``): roundups and live blogs are read
    (title and paragraphs) to see whether the concept is central to them; other kinds never are mentions."""
    meta = doc_meta(store.conn, store.write_generation, store.search_cache)
    codes = np.array([KINDS.index(k) for k in MENTION_KINDS], dtype=np.int8)
    known = rowids < len(meta.kind_code)
    kind = np.full(len(rowids), -1, dtype=np.int8)
    kind[known] = meta.kind_code[rowids[known]]
    suspects = np.flatnonzero(np.isin(kind, codes))
    mention = np.zeros(len(rowids), dtype=np.bool_)
    if not len(suspects):
        return mention
    # Verdicts are cached per concept while the store is unchanged: a theme page is reloaded and paged
    # through far more often than documents are written.
    by_concept: dict[tuple[object, ...], dict[int, bool]] = state_slot(store, "aboutness", dict)
    verdicts = by_concept.setdefault(_concept_key(concept), {})
    todo = np.array([i for i in suspects if int(rowids[i]) not in verdicts], dtype=np.int64)
    if len(todo):
        _judge_mentions(store, rowids[todo], concept, verdicts)
    for i in suspects:
        mention[i] = verdicts.get(int(rowids[i]), False)
    return mention


def _concept_key(concept: Concept) -> tuple[object, ...]:
    return (concept.lexicon_version, tuple(f.text for c in concept.clauses for f in c.surfaces()))


def _judge_mentions(
    store: CachingStore, rowids: npt.NDArray[np.int64], concept: Concept, verdicts: dict[int, bool]
) -> None:
    """Read the roundups and live blogs among ``rowids`` and record whether each only mentions the concept."""
    matcher = concept_matcher(concept, folded=True)
    for rowid, (title, kind_name, paragraphs) in _folded_texts(store, rowids).items():
        kind_of = cast(DocType, kind_name)  # one of MENTION_KINDS: selected by its code
        verdicts[rowid] = aboutness_of(kind_of, title, paragraphs, matcher) == MENTION


def _folded_texts(
    store: CachingStore, rowids: npt.NDArray[np.int64]
) -> dict[int, tuple[str, str, list[str]]]:
    """Title, kind and paragraphs of each document, folded once and kept per connection while the store is
    unchanged: every concept query reads the same few hundred roundups, and reading and folding them was
    half of an uncached theme query."""
    texts: dict[int, tuple[str, str, list[str]]] = state_slot(store, "mention_texts", dict)
    todo = [int(r) for r in rowids if int(r) not in texts]
    conn = store.conn
    for part in chunks(todo):
        fresh: dict[int, tuple[str, str, list[str]]] = {}
        for rowid, title, kind_name in conn.execute(
            f"SELECT rowid, title, kind FROM documents WHERE rowid IN ({marks(len(part))})", part
        ):
            fresh[int(rowid)] = (fold(title or ""), kind_name, [])
        for rowid, text in conn.execute(
            f"SELECT doc_rowid, text FROM paragraphs WHERE doc_rowid IN ({marks(len(part))}) ORDER BY doc_rowid, n",
            part,
        ):
            fresh[int(rowid)][2].append(fold(text))
        texts.update(fresh)
    return {int(r): texts[int(r)] for r in rowids if int(r) in texts}

"""The SQLite store's side of the 提及 reading (``store/mentions.py``): verdicts and folded texts kept per
connection while the store is unchanged, texts read in chunks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from themeflow.search.concept import Concept
from themeflow.store import mentions
from themeflow.store.mentions import FoldedText
from themeflow.store.sqlite.docmeta import CachingStore, doc_meta, state_slot
from themeflow.store.sqlite.params import chunks, marks

__all__ = ["concept_mentions"]


def concept_mentions(
    store: CachingStore, rowids: npt.NDArray[np.int64], concept: Concept
) -> npt.NDArray[np.bool_]:
    """Which matches only mention the concept (``search/aboutness.py``)."""
    meta = doc_meta(store.conn, store.write_generation, store.search_cache)
    verdicts: dict[tuple[object, ...], dict[int, bool]] = state_slot(store, "aboutness", dict)
    return mentions.concept_mentions(
        meta.kind_code, rowids, concept, verdicts, lambda todo: _folded_texts(store, todo)
    )


def _folded_texts(store: CachingStore, rowids: Sequence[int]) -> dict[int, FoldedText]:
    held: dict[int, FoldedText] = state_slot(store, "mention_texts", dict)

    def read(todo: list[int]) -> tuple[list[tuple[int, str | None, str]], Iterable[tuple[int, str]]]:
        heads: list[tuple[int, str | None, str]] = []
        paragraphs: list[tuple[int, str]] = []
        for part in chunks(todo):
            heads += store.conn.execute(
                f"SELECT rowid, title, kind FROM documents WHERE rowid IN ({marks(len(part))})", part
            ).fetchall()
            paragraphs += store.conn.execute(
                f"SELECT doc_rowid, text FROM paragraphs WHERE doc_rowid IN ({marks(len(part))})"
                " ORDER BY doc_rowid, n",
                part,
            ).fetchall()
        return heads, paragraphs

    return mentions.folded_texts(held, rowids, read)

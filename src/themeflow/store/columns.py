"""Per-document columns the search plan (``store/plan.py``) reads for every match, whatever the backend.

Why: at a million documents a two-term query matches tens of thousands of rows. Counting them per outlet,
filtering them by date and cutting the newest-first page with these columns in memory leaves the database
one full-text pass (rowid + bm25) per query; the rest is a ``bincount`` and a partial sort.

The columns are indexed by rowid (``source_code[rowid]``, ``ts[rowid]``; NaN = no known time; code -1 =
no outlet). Each backend loads them with its own SQL and keeps them while the store is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import get_args

import numpy as np
import numpy.typing as npt

from themeflow.text.doctype import DocType

__all__ = ["KINDS", "DocMeta", "StoryCols"]

KINDS: tuple[str, ...] = get_args(DocType)
"""Document kinds in a fixed order, for the ``kind_code`` column."""

RowIds = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class DocMeta:
    """Outlet code and publish time per rowid, plus the outlet names the codes stand for."""

    sources: tuple[str, ...]
    source_code: npt.NDArray[np.int32]
    ts: npt.NDArray[np.float64]
    kind_code: npt.NDArray[np.int8]
    """Index into :data:`KINDS` (``text.doctype``), -1 when not classified."""

    @classmethod
    def build(
        cls,
        top: int,
        by_source: Iterable[tuple[str, RowIds]],
        published: npt.NDArray[np.float64],
        by_kind: Iterable[tuple[str, RowIds]],
    ) -> DocMeta:
        """Columns for rowids ``0..top``: each outlet with its rowids, ``published`` as (rowid, epoch)
        pairs, each kind with its rowids."""
        code = np.full(top + 1, -1, dtype=np.int32)
        ts = np.full(top + 1, np.nan, dtype=np.float64)
        sources: list[str] = []
        for name, ids in by_source:
            code[ids] = len(sources)
            sources.append(name)
        if len(published):
            ts[published[:, 0].astype(np.int64)] = published[:, 1]
        kind = np.full(top + 1, -1, dtype=np.int8)
        for name, ids in by_kind:
            if name in KINDS:
                kind[ids] = KINDS.index(name)
        return cls(tuple(sources), code, ts, kind)


@dataclass(frozen=True, slots=True)
class StoryCols:
    """Story key and canonical flag per rowid.

    ``story[rowid]`` is the same small integer for every member of one multi-copy story (``size > 1``);
    a document alone in its story, or in none, gets a key of its own (``n_stories + rowid``).
    ``canonical[rowid]`` is true for the canonical copy of a multi-copy story.
    """

    n_stories: int
    story: npt.NDArray[np.int64]
    canonical: npt.NDArray[np.bool_]

    @classmethod
    def from_codes(cls, top: int, members: npt.NDArray[np.int64]) -> StoryCols:
        """Columns for rowids ``0..top`` from an (k, 3) array of (rowid, story code, is canonical) rows,
        the codes numbering the multi-copy stories 0..n-1 in the order of their ids (what :meth:`build`
        assigns): a store that can number them itself hands over three integers a member, not a tuple."""
        n = int(members[:, 1].max()) + 1 if len(members) else 0
        story = np.arange(n, n + top + 1, dtype=np.int64)
        canonical = np.zeros(top + 1, dtype=np.bool_)
        if len(members):
            story[members[:, 0]] = members[:, 1]
            canonical[members[:, 0]] = members[:, 2].astype(np.bool_)
        return cls(n, story, canonical)

    @classmethod
    def build(cls, top: int, members: Sequence[tuple[int, object, bool]]) -> StoryCols:
        """Columns for rowids ``0..top`` from (rowid, story id, is canonical) of every member of a
        multi-copy story."""
        names = {sid: i for i, sid in enumerate(sorted({m[1] for m in members}, key=str))}
        n = len(names)
        story = np.arange(n, n + top + 1, dtype=np.int64)
        canonical = np.zeros(top + 1, dtype=np.bool_)
        if members:
            rowids = np.fromiter((m[0] for m in members), dtype=np.int64, count=len(members))
            story[rowids] = np.fromiter((names[m[1]] for m in members), dtype=np.int64, count=len(members))
            canonical[rowids] = np.fromiter((bool(m[2]) for m in members), dtype=np.bool_, count=len(members))
        return cls(n, story, canonical)

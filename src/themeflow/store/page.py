"""The page of one search over the per-document columns: each match's sort keys, folding, the first rows
up to the page's end, the outlet counts (``store/plan.py`` decides which matches; this orders them).

Why apart from the plan: a concept query makes its page twice when it reads roundups as needed (first as
if every unread one were 提及, ``plan._read_as_needed``), and every other search makes it once
(``single_pass``); both need the rows in order without reading a document, the page's rows read into
candidates only at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from themeflow.search.query import BEIJING, ParsedQuery
from themeflow.search.ranking import Candidate, ScoredRows, fold_columns, recency_factors, sorted_counts
from themeflow.search.request import SearchRequest
from themeflow.search.sources import source_keys, source_matches, wanted_sources, wants_unknown
from themeflow.store.columns import DocMeta

if TYPE_CHECKING:
    from themeflow.store.plan import SearchBackend

__all__ = ["Head", "RowKeys", "epoch", "mask", "ranked_rows", "row_keys", "single_pass", "source_counts"]


def epoch(dt: datetime | None) -> float | None:
    """Epoch seconds of a bound; a naive one is Beijing time (as the query language reads dates)."""
    if dt is None:
        return None
    return (dt if dt.tzinfo is not None else dt.replace(tzinfo=BEIJING)).timestamp()


def single_pass(
    search: SearchBackend,
    scanned: ScoredRows,
    query: ParsedQuery,
    request: SearchRequest,
    ranked: bool,
    *,
    fold: bool = False,
    recency: bool = False,
    mention: npt.NDArray[np.bool_] | None = None,
    partial: npt.NDArray[np.bool_] | None = None,
) -> tuple[list[Candidate], int, dict[str, int], int]:
    """Every match's (rowid, bm25) from one full-text pass (or a combination of passes); filters, folding,
    counts and the page from cached columns.

    Same answer as ``_counts`` + ``_page`` (same bm25 doubles, same tie order: time, then rowid, newest
    first), without the second MATCH evaluation and the per-row join to ``documents``. With ``fold`` the
    same answer as ``_all_rows`` + ``_rank_fold`` (see :func:`_fold`); with ``recency`` the prior of
    ``rank_fold`` is applied to the scores first. ``mention`` (per scanned row) marks documents that only
    mention a concept: newest first lists them after the documents about it, and each page row carries
    its label. ``partial`` (per scanned row) marks partial matches of a concept: they rank after every
    match, are not counted in the total or the outlet counts (their number is returned last), and their
    page rows say so.
    """
    head = ranked_rows(
        search, scanned, query, request, ranked, fold=fold, recency=recency, mention=mention, partial=partial
    )
    return head.page(search, request.offset), head.total, head.per_source, head.partial_total


@dataclass(frozen=True, slots=True)
class Head:
    """The rows of :func:`single_pass` from the first up to the page's end, before the page is read."""

    shown: list[int]
    """The document shown for each row (a story's canonical copy when it matched)."""
    scores: list[float]
    labels: list[str | None]
    partial: list[bool]
    total: int
    per_source: dict[str, int]
    partial_total: int
    last_key: tuple[float, bool] | None = None
    """The last row's first sort key and whether it is a partial match (None: no row)."""

    def page(self, search: SearchBackend, offset: int, end: int | None = None) -> list[Candidate]:
        """The rows from ``offset`` to ``end`` as candidates (a document deleted since the columns were read
        is left out)."""
        ids = self.shown[offset:end]
        found = search.page_rows(ids)
        return [
            Candidate(rid, found[rid][0], found[rid][1], found[rid][2], score, label, part)
            for rid, score, label, part in zip(
                ids, self.scores[offset:end], self.labels[offset:end], self.partial[offset:end], strict=True
            )
            if rid in found
        ]


@dataclass(frozen=True, slots=True)
class RowKeys:
    """Each kept match's sort keys (filters applied): ``at`` indexes the scanned rows; ``primary`` is what
    the page is ordered by first, lower first (bm25 by relevance, the newest-first key with the 提及 and
    partial tiers newest first)."""

    at: npt.NDArray[np.intp]
    rowids: npt.NDArray[np.int64]
    bm25: npt.NDArray[np.float64]
    newest: npt.NDArray[np.float64]
    tier: npt.NDArray[np.bool_]
    part: npt.NDArray[np.bool_]
    meta: DocMeta

    def primary(self, ranked: bool) -> npt.NDArray[np.float64]:
        return self.bm25 if ranked else self.newest


def row_keys(
    search: SearchBackend,
    scanned: ScoredRows,
    query: ParsedQuery,
    request: SearchRequest,
    ranked: bool,
    *,
    recency: bool,
    mention: npt.NDArray[np.bool_] | None,
    partial: npt.NDArray[np.bool_] | None,
) -> RowKeys:
    rowids, bm25 = scanned
    tier = mention if mention is not None else np.zeros(len(rowids), dtype=np.bool_)
    part = partial if partial is not None else np.zeros(len(rowids), dtype=np.bool_)
    meta = search.doc_meta(int(rowids.max()) + 1 if len(rowids) else 0)
    keep = mask(meta, rowids, query, request, search.within(request.within))
    at = np.arange(len(rowids)) if keep is None else np.flatnonzero(keep)
    if keep is not None:
        rowids, bm25, tier, part = rowids[keep], bm25[keep], tier[keep], part[keep]
    if recency and len(rowids):
        bm25 = bm25 * recency_factors(meta.ts[rowids])
    ts = meta.ts[rowids]
    newest = -np.where(np.isnan(ts), -np.inf, ts)  # ascending = newest first, no time last
    if not ranked:
        # Newest first, documents that only mention a concept come after every document about it (also
        # when a story picks the member that represents it).
        # Keys: about (dated ≈ -2e9…0, undated 1e14), then mentions (the same plus 1e15), partial last.
        newest = np.where(np.isinf(newest), 1e14, newest) + np.where(tier, 1e15, 0.0)
        newest += np.where(part, 2e15, 0.0)
    return RowKeys(at, rowids, bm25, newest, tier, part, meta)


def ranked_rows(
    search: SearchBackend,
    scanned: ScoredRows,
    query: ParsedQuery,
    request: SearchRequest,
    ranked: bool,
    *,
    fold: bool = False,
    recency: bool = False,
    mention: npt.NDArray[np.bool_] | None = None,
    partial: npt.NDArray[np.bool_] | None = None,
) -> Head:
    """:func:`single_pass` up to the page's end, from the first row on, without reading any row."""
    k = row_keys(search, scanned, query, request, ranked, recency=recency, mention=mention, partial=partial)
    rowids, bm25, newest, tier, part = k.rowids, k.bm25, k.newest, k.tier, k.part
    shown, score = rowids, -bm25  # the document shown for each ranked row, and its score
    if fold:
        cols = search.story_cols(int(rowids.max()) + 1 if len(rowids) else 0)
        sel, shown, score = fold_columns(
            cols.story, cols.canonical, cols.n_stories, rowids, bm25, newest, ranked, tier=part
        )
        rowids, bm25, newest, tier, part = rowids[sel], bm25[sel], newest[sel], tier[sel], part[sel]
    per_source = source_counts(k.meta, shown[~part])
    total = int((~part).sum())
    available = len(rowids)
    want = request.offset + request.limit
    if request.limit == 0 or request.offset >= available:
        return Head([], [], [], [], total, per_source, available - total)
    primary = bm25 if ranked else newest
    sel = _reachable(primary, part if ranked else None, want)
    keys = (
        (-rowids[sel], newest[sel], bm25[sel], part[sel])
        if ranked
        else (-rowids[sel], newest[sel], tier[sel])
    )
    order = sel[np.lexsort(keys)][:want]
    labels = [("提及" if t else "主题") if mention is not None else None for t in tier[order].tolist()]
    last = order[-1]
    return Head(
        shown=shown[order].tolist(),
        scores=score[order].tolist(),
        labels=labels,
        partial=part[order].tolist(),
        total=total,
        per_source=per_source,
        partial_total=available - total,
        last_key=(float(primary[last]), bool(part[last])),
    )


def _reachable(
    primary: npt.NDArray[np.float64], part: npt.NDArray[np.bool_] | None, want: int
) -> npt.NDArray[np.intp]:
    """Indexes of the rows that can reach the first ``want`` by ``primary`` (lower first), every match
    before every partial match (``part``): only those take part in the full sort."""
    if want >= len(primary):
        return np.arange(len(primary))
    if part is None or not part.any():
        cut = np.partition(primary, want - 1)[want - 1]
        return np.flatnonzero(primary <= cut)
    full, rest = np.flatnonzero(~part), np.flatnonzero(part)
    if want <= len(full):
        return full[_reachable(primary[full], None, want)]
    return np.concatenate([full, rest[_reachable(primary[rest], None, want - len(full))]])


def source_counts(meta: DocMeta, shown: npt.NDArray[np.int64]) -> dict[str, int]:
    """Documents per outlet among the shown rows (code -1, no outlet, is ``(unknown)``), largest first."""
    tally = np.bincount(meta.source_code[shown] + 1, minlength=len(meta.sources) + 1)
    counts: dict[str | None, int] = {
        name: int(tally[i + 1]) for i, name in enumerate(meta.sources) if tally[i + 1]
    }
    if tally[0]:
        counts[None] = int(tally[0])
    return sorted_counts(counts)


def mask(
    meta: DocMeta,
    rowids: npt.NDArray[np.int64],
    query: ParsedQuery,
    request: SearchRequest,
    within: npt.NDArray[np.int64] | None = None,
) -> npt.NDArray[np.bool_] | None:
    """The source, date and ``within`` filters of ``_filters``, over the cached columns (None: nothing to
    filter)."""
    keep: npt.NDArray[np.bool_] | None = None if within is None else np.isin(rowids, within)
    wanted = wanted_sources(request.sources, query.sources)
    if wanted:
        keys = source_keys(wanted)
        codes = [i for i, s in enumerate(meta.sources) if keys and source_matches(s, keys)]
        codes += [-1] if wants_unknown(wanted) else []  # code -1: no outlet
        in_sources = np.isin(meta.source_code[rowids], np.array(codes, dtype=np.int32))
        keep = in_sources if keep is None else keep & in_sources
    since = [t for t in (epoch(request.since), epoch(query.since)) if t is not None]
    until = [t for t in (epoch(request.until), epoch(query.until)) if t is not None]
    if since or until:
        ts = meta.ts[rowids]
        with np.errstate(invalid="ignore"):
            in_range = np.ones(len(rowids), dtype=np.bool_)
            if since:
                in_range &= ts >= max(since)
            if until:
                in_range &= ts <= min(until)
        keep = in_range if keep is None else keep & in_range
    return keep

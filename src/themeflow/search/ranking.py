"""Ranking and story folding over scored candidates, backend-free.

A backend finds the matches and their bm25 scores; what happens next is the same everywhere: an optional
recency prior, the order (relevance or newest first, ties broken by time then insertion order), one row per
story (its canonical copy shown at the rank of the story's best member), per-outlet counts and the page.

Two implementations of one rule: :func:`rank_fold` over Python rows (the general path, and the reference),
and :func:`fold_columns` over numpy arrays (the fast path of a backend that keeps per-document columns).
``tests/test_search_fastpath.py`` holds them to the same answer.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from themeflow.model import Story
from themeflow.search.request import SearchRequest

__all__ = [
    "ScoredRows",
    "RRF_K",
    "all_of",
    "some_of",
    "without",
    "fuse_rrf",
    "best_of",
    "combine_clauses",
    "recency_factors",
    "RECENCY_FLOOR",
    "RECENCY_HALF_LIFE_DAYS",
    "Candidate",
    "fold_columns",
    "rank_fold",
    "sorted_counts",
]

RECENCY_HALF_LIFE_DAYS = 30.0
RECENCY_FLOOR = 0.8
"""With the recency prior a document's score is multiplied by between 0.8 (old or undated) and 1.0 (as new as
the newest match): enough to break near-ties toward fresh news, too little to bury a clearly better match."""


@dataclass(slots=True)
class Candidate:
    """One matching document: its position in the index (insertion order), id, outlet, time and score."""

    rowid: int
    id: str
    source: str | None
    ts: float | None
    score: float = 0.0
    aboutness: str | None = None
    """主题 or 提及 when the query was a concept (``search/aboutness.py``); None otherwise."""
    partial: bool = False
    """A partial match of a concept (relevance order lists them after every match)."""


def sorted_counts(counts: Mapping[str | None, int]) -> dict[str, int]:
    """Per-outlet counts, largest first then by name; no outlet is ``(unknown)``."""
    merged: Counter[str] = Counter()
    for name, n in counts.items():
        merged[name or "(unknown)"] += n
    return dict(sorted(merged.items(), key=lambda kv: (-kv[1], kv[0])))


ScoredRows = tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]
"""Matching documents by index position, with their bm25 as the index gives it (lower is better)."""


def _positions(rows: npt.NDArray[np.int64], among: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Index into sorted ``among`` of each of ``rows`` that occurs there, -1 where it does not."""
    if not len(among):
        return np.full(len(rows), -1, dtype=np.int64)
    at = np.searchsorted(among, rows)
    clipped = np.minimum(at, len(among) - 1)
    return np.where(among[clipped] == rows, clipped, -1).astype(np.int64)


def best_of(alternatives: Sequence[ScoredRows]) -> ScoredRows:
    """Documents matching any alternative, each with its best (lowest) bm25: a clause is as good as its
    best form, and saying five synonyms is not five times the evidence."""
    if not alternatives:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    rows = np.concatenate([r for r, _ in alternatives])
    scores = np.concatenate([s for _, s in alternatives])
    every, inverse = np.unique(rows, return_inverse=True)
    best = np.full(len(every), np.inf)
    np.minimum.at(best, inverse, scores)
    return every, best


def all_of(parts: Sequence[ScoredRows], weight: float = 1.0) -> ScoredRows:
    """Documents matching every part, scored ``weight`` times the parts' mean bm25 (a compound said in
    pieces is on the scale of one term)."""
    return some_of(parts, len(parts), weight)


def some_of(parts: Sequence[ScoredRows], minimum: int, weight: float = 1.0) -> ScoredRows:
    """Documents matching at least ``minimum`` of ``parts``, scored ``weight`` times the sum of the parts
    they match over the number of parts: the mean bm25 when every part matched (as :func:`all_of`), less
    for each part missing (coordination)."""
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    every = np.unique(np.concatenate([rows for rows, _ in parts]))
    total = np.zeros(len(every))
    count = np.zeros(len(every), dtype=np.int64)
    for rows, scores in parts:
        at = np.searchsorted(every, rows)
        total[at] += scores
        count[at] += 1
    keep = count >= max(1, minimum)
    return every[keep], total[keep] * (weight / len(parts))


def without(rows: ScoredRows, drop: npt.NDArray[np.int64]) -> ScoredRows:
    """``rows`` less the documents in ``drop`` (sorted)."""
    keep = _positions(rows[0], drop) < 0
    return rows[0][keep], rows[1][keep]


RRF_K = 60
"""Reciprocal-rank fusion's constant (Cormack et al. 2009): a document's fused score is the sum over lists
of 1 / (RRF_K + rank); 60 keeps one list's top ranks from drowning the other's."""


def fuse_rrf(lists: Sequence[ScoredRows], k: int = RRF_K) -> ScoredRows:
    """Reciprocal-rank fusion of ranked lists (each: rows with a score, lower is better), as rows sorted by
    position with the negated fused score (lower is better, like bm25). Why rank fusion: bm25 and cosine
    are on scales that no fixed weight reconciles across queries; their ranks are."""
    parts = [lst for lst in lists if len(lst[0])]
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    every = np.unique(np.concatenate([r for r, _ in parts]))
    fused = np.zeros(len(every))
    for rows, scores in parts:
        order = np.argsort(scores, kind="stable")
        ranks = np.empty(len(rows), dtype=np.int64)
        ranks[order] = np.arange(len(rows))
        fused[np.searchsorted(every, rows)] += 1.0 / (k + ranks + 1)
    return every, -fused


def combine_clauses(
    clauses: Sequence[ScoredRows],
    minimum: int,
    *,
    boosts: Sequence[ScoredRows] = (),
    boost_weight: float = 0.3,
    required: ScoredRows | None = None,
    excluded: npt.NDArray[np.int64] | None = None,
) -> ScoredRows:
    """Documents matching at least ``minimum`` of the concept's clauses (and ``required``, not ``excluded``),
    scored as the sum of their clause bm25s, plus ``boost_weight`` of each modifier's and the required
    clauses', times the share of clauses matched (coordination): a document that says every part of a
    theme ranks above one that says half of it at the same term weight. Sorted by position."""
    every = np.unique(np.concatenate([r for r, _ in clauses])) if clauses else np.zeros(0, np.int64)
    total = np.zeros(len(every))
    count = np.zeros(len(every), dtype=np.int64)
    for rows, bm25 in clauses:
        at = np.searchsorted(every, rows)
        total[at] += bm25
        count[at] += 1
    keep = count >= max(1, minimum)
    if required is not None:
        keep &= np.isin(every, required[0])
    if excluded is not None and len(excluded):
        keep &= ~np.isin(every, excluded)
    every, total, count = every[keep], total[keep], count[keep]
    extra = [(b, boost_weight) for b in boosts] + ([(required, 1.0)] if required is not None else [])
    for (rows, bm25), weight in extra:
        at = _positions(rows, every)
        hit = at >= 0
        total[at[hit]] += weight * bm25[hit]
    if clauses:
        total *= count / len(clauses)
    return every, total


def recency_factors(ts: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The recency prior of :func:`rank_fold` over a column of times (NaN: undated), for the numpy paths."""
    dated = ~np.isnan(ts)
    if not dated.any():
        return np.full(len(ts), RECENCY_FLOOR)
    newest = float(ts[dated].max())
    age_days = np.maximum(0.0, (newest - np.where(dated, ts, newest)) / 86400.0)
    factor = RECENCY_FLOOR + (1 - RECENCY_FLOOR) * np.power(0.5, age_days / RECENCY_HALF_LIFE_DAYS)
    return np.where(dated, factor, RECENCY_FLOOR)


def _apply_recency(rows: list[Candidate]) -> None:
    newest = max((r.ts for r in rows if r.ts is not None), default=None)
    for r in rows:
        if newest is None or r.ts is None:
            factor = RECENCY_FLOOR
        else:
            age_days = max(0.0, (newest - r.ts) / 86400.0)
            factor = RECENCY_FLOOR + (1 - RECENCY_FLOOR) * math.pow(0.5, age_days / RECENCY_HALF_LIFE_DAYS)
        r.score *= factor


def rank_fold(
    rows: list[Candidate], stories: Mapping[str, Story], request: SearchRequest, ranked: bool
) -> tuple[list[Candidate], int, dict[str, int]]:
    """Rank every match, fold copies into stories, count, and cut the page: ``(page, total, per_source)``.

    ``stories`` maps document ids to their multi-copy story (empty: nothing to fold). ``rows`` is sorted in
    place. Partial matches (:attr:`Candidate.partial`) come after every match and are not counted.
    """
    if ranked and request.recency_boost:
        _apply_recency(rows)
    if ranked:
        rows.sort(key=lambda r: (r.partial, -r.score, r.ts is None, -(r.ts or 0.0), -r.rowid))
    else:
        # Documents that only mention a concept (提及) after every document about it, each part newest first.
        rows.sort(key=lambda r: (r.partial, r.aboutness == "提及", r.ts is None, -(r.ts or 0.0), -r.rowid))
    kept: list[Candidate] = []
    by_story: dict[str, int] = {}
    for r in rows:
        story = stories.get(r.id)
        if story is None:
            kept.append(r)
            continue
        at = by_story.get(story.id)
        if at is None:
            by_story[story.id] = len(kept)
            kept.append(r)
        elif r.id == story.canonical_id:
            # The canonical copy represents its story, at the rank of the story's best member.
            # A partial copy never lends its score to a story that matches.
            best = kept[at]
            score = best.score if r.partial and not best.partial else max(best.score, r.score)
            kept[at] = Candidate(r.rowid, r.id, r.source, r.ts, score, best.aboutness, best.partial)
    page = kept[request.offset : request.offset + request.limit]
    matches = [r for r in kept if not r.partial]
    return page, len(matches), sorted_counts(Counter(r.source for r in matches))


def fold_columns(
    story: npt.NDArray[np.int64],
    canonical: npt.NDArray[np.bool_],
    n_stories: int,
    rowids: npt.NDArray[np.int64],
    bm25: npt.NDArray[np.float64],
    newest: npt.NDArray[np.float64],
    ranked: bool,
    *,
    tier: npt.NDArray[np.bool_] | None = None,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Fold the matches into stories exactly as :func:`rank_fold` does; returns (sel, shown, score).

    ``story[rowid]`` is the story key of each document (keys ``>= n_stories`` stand for documents in no
    multi-copy story), ``canonical[rowid]`` whether it is its story's canonical copy. One row per story
    survives: its best-ranked match in the requested order (``sel`` indexes the input, whose rank keys stay
    those of that best match). The document *shown* is the story's canonical copy when it is among the
    matches (filters applied), else that best match; its score is the better of the two. ``tier`` marks
    partial matches: a story's best member is a match when it has one, and a partial copy shown for it
    never lends its score.
    """
    key = story[rowids]
    multi = np.flatnonzero(key < n_stories)
    if not len(multi):
        return np.arange(len(rowids)), rowids, -bm25
    mk = key[multi]
    part = tier if tier is not None else np.zeros(len(rowids), dtype=np.bool_)
    keys = (
        (-rowids[multi], newest[multi], bm25[multi], part[multi], mk)
        if ranked
        else (-rowids[multi], newest[multi], part[multi], mk)
    )
    grouped = multi[np.lexsort(keys)]  # by story, best-ranked first
    gk = key[grouped]
    first = np.ones(len(grouped), dtype=np.bool_)
    first[1:] = gk[1:] != gk[:-1]
    best = grouped[first]  # one per story, in story-key order
    shown = best.copy()
    canon = multi[canonical[rowids[multi]]]  # at most one per story
    shown[np.searchsorted(gk[first], key[canon])] = canon
    single = np.flatnonzero(key >= n_stories)
    sel = np.concatenate([single, best])
    shown_rowids = np.concatenate([rowids[single], rowids[shown]])
    lend = part[best] == part[shown]
    story_score = -np.where(lend, np.minimum(bm25[best], bm25[shown]), bm25[best])
    score = np.concatenate([-bm25[single], story_score])
    return sel, shown_rowids, score

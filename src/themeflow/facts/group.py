"""Theme figures: line up facts about the same (entity, metric, period) across outlets, flag conflicts.

Why the rules are what they are:

* **Same metric** is decided on a comparison key (synonyms folded: 算力支出 → 计算支出, compute spending →
  计算支出; fillers dropped: 预算总额, 规模, 峰值), then equal keys, a key that is the other plus a known
  modifier (预期营收 ~ 营收) or character-bigram overlap ≥ 0.75 (AI数据中心总容量 ~ 数据中心总容量).
  Metrics that measure a change (增长, 蒸发, 涨) never match levels (市值蒸发 is not 市值).
* **Same period** compares normalized periods (2028年 = 2028, 今年 → the publish year). A figure with no
  period is only compared with figures published the same day, and conflicts are not flagged for
  unperiodized percentages (daily market moves differ by the hour they were written).
* **Agreement** counts independent outlets, not documents: syndicated copies of one story say a figure
  once, and so do one outlet's repeats and flashes (five 华尔街见闻 items of one number are one voice).
* **Revisions** are shown as such: a start value (``从4.6%``) is not a row of its own; the value it was
  revised to carries it (``4.1%``, revised from 4.6%).
* **Conflict**: two documents state values for the same key whose tolerance intervals do not overlap,
  and the two documents do not both state one value for that key (a document saying ``从600亿上调至900亿``
  does not conflict with one saying 900亿; a start value marked 从 is not a statement, and two different
  values of one document never share a cluster, so ``从4300美元上调至4090美元`` vs ``…至4900美元`` is
  flagged). Tolerance is ±5% for a plain figure (a percentage: half its last written digit, so 3.1% and
  3.3% are two rates while 45% and 45.3% agree), ±10% for 约/左右, and one-sided
  for bounds (超过 X covers X…2X; 近/不到 X covers 0.8X…X), so 超过 and 约 do not spuriously clash.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from themeflow.facts.comparable import Side, comparable
from themeflow.facts.extract import extract_facts
from themeflow.facts.keys import entity_key, metric_key, metrics_match, period_key
from themeflow.facts.lexicon import (
    ABOUT_QUALIFIERS,
    OVER_QUALIFIERS,
    UNDER_QUALIFIERS,
)
from themeflow.model import Citation, Document, Fact, Story
from themeflow.text.numbers import find_figures
from themeflow.text.outlets import implausible_reason
from themeflow.text.sentences import split_sentences

if TYPE_CHECKING:
    from themeflow.facts.confirm import FactChecker

__all__ = [
    "Conflict",
    "ConflictValue",
    "FigureGroup",
    "ThemeFigures",
    "figures_for_documents",
    "LinedUp",
    "cluster_metrics",
    "group_facts",
    "independent_voices",
    "lined_up",
    "side_of",
]

DEFAULT_TOLERANCE = 0.05
"""Relative difference above which two plain figures disagree (rounding in the press stays under it)."""

_PERCENTS = frozenset({"%", "pp", "bp"})
OUTLIER_AGAINST = 3
"""A value one outlet carries against this many independent voices for another is shown as an outlier."""


@dataclass(frozen=True, slots=True)
class FigureGroup:
    """One figure of a theme: a value stated for (entity, metric, period), by how many stories, where."""

    entity: str
    metric: str
    period: str | None
    value: str
    unit: str
    normalized_value: float
    normalized_unit: str
    qualifier: str | None
    citations: tuple[Citation, ...]
    outlets: tuple[str, ...]
    agreement: int
    """Independent voices stating this value: copies of one story and one outlet's documents count once
    (``independent_voices``)."""
    published: datetime | None = None
    """The newest publish time among the documents stating it (tables rank the recent first)."""
    revised_from: str | None = None
    """The value this one replaced where a document says so (``从4.6%下调至4.1%``: 4.1% revised from
    4.6%): a revision is shown as such, never as two values that disagree."""


@dataclass(frozen=True, slots=True)
class ConflictValue:
    value: str
    unit: str
    normalized_value: float
    qualifier: str | None
    citations: tuple[Citation, ...]
    outlets: tuple[str, ...]
    agreement: int = 1
    """Independent voices stating this value (as :attr:`FigureGroup.agreement`)."""
    sentence: str = ""
    """The sentence of the first citation that states the value, so both sides can be read at once."""
    outlier: bool = False
    """One voice against :data:`OUTLIER_AGAINST` or more for another value: the likelier slip."""


@dataclass(frozen=True, slots=True)
class Conflict:
    """Sources that state different values for the same (entity, metric, period)."""

    entity: str
    metric: str
    period: str | None
    normalized_unit: str
    values: tuple[ConflictValue, ...]


@dataclass(frozen=True, slots=True)
class ThemeFigures:
    """What ``themeflow figures`` shows and the workflow digest embeds."""

    figures: tuple[FigureGroup, ...]
    conflicts: tuple[Conflict, ...]
    documents: int = 0
    facts: int = 0
    check: Mapping[str, Any] | None = None
    """When an LLM checked the facts (``facts/confirm.py``): its model, the verdict counts (confirmed,
    corrected, unchecked), what was asked (``scope``), requests and tokens. None: the rules alone."""
    hidden: Mapping[str, int] = field(default_factory=dict)
    """Figures left off the table by default, counted by reason (``facts/readable.py``); empty when
    every figure is listed."""


# -- tolerance -------------------------------------------------------------------------------------------
def _interval(fact: Fact, tol: float) -> tuple[float, float]:
    v = fact.normalized_value
    hi_v = _high(fact)
    if hi_v is not None:
        lo, hi = min(v, hi_v), max(v, hi_v)  # never inverted, even if a range was misparsed
        return lo - abs(lo) * tol, hi + abs(hi) * tol
    q = fact.qualifier
    if q is None and fact.normalized_unit in _PERCENTS and (half := _half_step(fact.value)) is not None:
        return v - half, v + half  # 3.1% vs 3.3%: a rate is written to its last digit, not within 5%
    if q in ABOUT_QUALIFIERS:
        return v - abs(v) * 2 * tol, v + abs(v) * 2 * tol
    if q in OVER_QUALIFIERS:
        return v - abs(v) * tol, v + abs(v) * (0.5 if q in ("多", "余") else 1.0)
    if q in UNDER_QUALIFIERS:
        return v - abs(v) * 0.2, v + abs(v) * tol
    return v - abs(v) * tol, v + abs(v) * tol


_DECIMALS = re.compile(r"\d+(?:\.(\d+))?")


def _half_step(value: str) -> float | None:
    """Half a unit of the last digit a percentage is written to (``3.1%`` → 0.05, ``45%`` → 0.5), with a
    hair of room for float noise; None when no Arabic number is written (三成, 百分之六)."""
    m = _DECIMALS.search(value)
    if m is None:
        return None
    return 0.5 * 10.0 ** -len(m.group(1) or "") + 1e-9


def _high(fact: Fact) -> float | None:
    if not any(sep in fact.value for sep in ("至", "到", "-", "~", "～", "—")):
        return None
    figs = find_figures(fact.value)
    return figs[0].high if figs else None


def compatible(a: Fact, b: Fact, tol: float = DEFAULT_TOLERANCE) -> bool:
    """True when the two facts' values can both be right (same unit, overlapping tolerance intervals)."""
    if a.normalized_unit != b.normalized_unit:
        return False
    lo_a, hi_a = _interval(a, tol)
    lo_b, hi_b = _interval(b, tol)
    return lo_a <= hi_b and lo_b <= hi_a


# -- grouping --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LinedUp:
    """A fact with what lining it up needs: its story, its outlet as a voice, its period key, its time."""

    fact: Fact
    story: str
    outlet: str
    period: str | None
    published: datetime | None = None


def independent_voices(pairs: Collection[tuple[str, str]]) -> int:
    """How many independent sources state something, given each document's (story, outlet): documents of
    one story (syndicated copies) are one voice, and so are the documents of one outlet (its repeats and
    flashes of one number). An unknown outlet ('') joins nothing but its story."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for story, outlet in pairs:
        root = find("s:" + story)
        if outlet:
            parent[find("o:" + outlet)] = root
    return len({find("s:" + story) for story, _ in pairs})


def figures_for_documents(
    docs: Sequence[Document],
    stories: Mapping[str, Story] | None = None,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    checker: FactChecker | None = None,
    check: Literal["conflicts", "all"] = "conflicts",
    theme: str | None = None,
) -> ThemeFigures:
    """Extract, group and check the figures of a set of documents (the report and the service call this).

    ``stories`` maps a document id to its story (``store.stories_for(ids)``); documents without one are
    their own story. With a ``checker`` (an LLM, ``facts/confirm.py``) conflicts are found among the
    confirmed and corrected facts only, the corrected ones under their corrected owner, metric and
    period; the figures table keeps the rules' reading. ``check``: which facts are asked about —
    ``conflicts`` (the facts of the conflicts the rules find: what a conflict needs confirmed, at a
    fraction of the cost) or ``all`` (every fact, so a corrected reading may also meet figures it did not
    meet under the rules). ``theme``: the theme's query or name; when given, the table keeps only the
    figures worth reading on it (``facts/readable.py``: no times, markets or fragments as owners, no
    market-wide or undated moves) and counts the rest in ``hidden``; None lists every figure.
    """
    result = _figures_for_documents(docs, stories, tolerance=tolerance, checker=checker, check=check)
    if theme is None:
        return result
    from themeflow.facts.readable import readable  # noqa: PLC0415 (readable imports this module)

    return readable(result, theme)


def _figures_for_documents(
    docs: Sequence[Document],
    stories: Mapping[str, Story] | None,
    *,
    tolerance: float,
    checker: FactChecker | None,
    check: Literal["conflicts", "all"],
) -> ThemeFigures:
    facts = [f for d in docs for f in extract_facts(d)]
    by_id = {d.id: d for d in docs}
    # The table keeps the rules' reading: a model's corrections decide which facts may conflict (a quarter
    # read as its own period no longer meets the year), but a small model corrects as often wrongly as
    # rightly (README: every fact checked by a 1.5B model took the table's precision from 0.919 to 0.651)
    table = group_facts(facts, by_id, stories or {}, tolerance=tolerance)
    if checker is None:
        return table
    asked = facts
    if check == "conflicts":
        cited = {(c, v.value) for k in table.conflicts for v in k.values for c in v.citations}
        asked = [f for f in facts if (f.citation, f.value) in cited]
    checked = checker.check(docs, asked)
    asked_ids = {id(f) for f in asked}
    kept = [f for f in facts if id(f) not in asked_ids] + checked.kept()
    judged = group_facts(kept, by_id, stories or {}, tolerance=tolerance, comparable=checked.comparable())
    result = replace(table, conflicts=judged.conflicts)
    summary: dict[str, Any] = {
        "scope": check,
        "model": checked.model,
        **checked.counts(),
        "requests": checked.requests,
        "failed_requests": checked.failed_requests,
        "prompt_tokens": checked.prompt_tokens,
        "completion_tokens": checked.completion_tokens,
    }
    return replace(result, facts=len(facts), check=summary)


def group_facts(
    facts: Sequence[Fact],
    docs: Mapping[str, Document],
    stories: Mapping[str, Story],
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    comparable: Collection[int] | None = None,
) -> ThemeFigures:
    """Group facts into figures with agreement counts, and find conflicts between documents (among the
    facts whose ``id`` is in ``comparable`` only, when given: the ones an LLM confirmed)."""
    groups: list[FigureGroup] = []
    conflicts: list[Conflict] = []
    for (_, scope, unit), items in lined_up(facts, docs, stories).items():
        for metric_items in cluster_metrics(items):
            clusters = _cluster_values(metric_items, tolerance)
            starts = _start_values(metric_items)
            groups.extend(_figure(c, starts) for c in clusters if not _only_start_values(c))
            if (scope.startswith("@") and unit in _PERCENTS) or not metric_items[0].fact.entity:
                continue  # daily moves without a period, and figures nobody is named for, never conflict
            if comparable is not None:
                clusters = [c for c in ([it for it in c if id(it.fact) in comparable] for c in clusters) if c]
            conflict = _conflict(clusters, tolerance, docs)
            if conflict is not None:
                conflicts.append(conflict)
    groups.sort(key=_table_order)
    return ThemeFigures(tuple(groups), tuple(conflicts), documents=len(docs), facts=len(facts))


def _outlet(doc: Document | None, seen: dict[str, str]) -> str:
    """The document's outlet as a voice, '' when unknown or when the stored name reads like a headline
    (a store written before ingest refused those: ``宁德时代上半年营收189`` is nobody's outlet)."""
    name = ((doc.source if doc else None) or "").strip()
    if name not in seen:
        seen[name] = name if name and implausible_reason(name) is None else ""
    return seen[name]


def _table_order(g: FigureGroup) -> tuple[object, ...]:
    """Most independent voices first, then the most recent, then by name (a stable order)."""
    newest = -g.published.timestamp() if g.published is not None else float("inf")
    return (-g.agreement, newest, g.entity, g.metric, g.period or "", g.normalized_value)


def lined_up(
    facts: Sequence[Fact], docs: Mapping[str, Document], stories: Mapping[str, Story]
) -> dict[tuple[str, str, str], list[LinedUp]]:
    """The facts filed by (owner key, period scope, unit), each with its story, outlet, period key and
    publish time: the buckets figures and conflicts are found in (and the conflict pool's near misses)."""
    buckets: dict[tuple[str, str, str], list[LinedUp]] = defaultdict(list)
    outlets: dict[str, str] = {}
    for f in facts:
        doc = docs.get(f.citation.doc_id)
        published = doc.published_at if doc else None
        pk = period_key(f.period, published)
        story = stories.get(f.citation.doc_id)
        item = LinedUp(f, story.id if story else f.citation.doc_id, _outlet(doc, outlets), pk, published)
        # no period: comparable only with figures written the same day (undated: only within the document)
        scope = (
            pk if pk is not None else "@" + (published.date().isoformat() if published else f.citation.doc_id)
        )
        buckets[(entity_key(f.entity), scope, f.normalized_unit)].append(item)
    return buckets


def cluster_metrics(items: list[LinedUp]) -> list[list[LinedUp]]:
    """The items of one bucket split by metric (``metrics_match``, transitively)."""
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(items)):
        for j in range(i):
            if find(i) != find(j) and metrics_match(items[i].fact.metric, items[j].fact.metric):
                parent[find(i)] = find(j)
    out: dict[int, list[LinedUp]] = defaultdict(list)
    for i, it in enumerate(items):
        out[find(i)].append(it)
    return list(out.values())


def _cluster_values(items: list[LinedUp], tol: float) -> list[list[LinedUp]]:
    """Greedy clusters of mutually compatible values, plain figures first so they anchor the cluster."""
    order = sorted(items, key=lambda it: (it.fact.qualifier is not None, it.fact.normalized_value))
    clusters: list[list[LinedUp]] = []
    for it in order:
        for c in clusters:
            if compatible(c[0].fact, it.fact, tol) and not _restates(c, it):
                c.append(it)
                break
        else:
            clusters.append([it])
    return clusters


def _restates(cluster: list[LinedUp], it: LinedUp) -> bool:
    """The cluster already holds another value from ``it``'s document: ``从4300美元上调至4090美元`` states
    two values, which one document never means to be the same one."""
    doc, v = it.fact.citation.doc_id, it.fact.normalized_value
    return any(x.fact.citation.doc_id == doc and x.fact.normalized_value != v for x in cluster)


def _start_values(items: list[LinedUp]) -> dict[Citation, str]:
    """The start value (``从X``) each paragraph states for this key, by citation."""
    return {it.fact.citation: it.fact.value for it in items if it.fact.qualifier == "从"}


def _only_start_values(cluster: list[LinedUp]) -> bool:
    return all(it.fact.qualifier == "从" for it in cluster)


def _most_common(values: list[str]) -> str:
    return max(dict.fromkeys(values), key=values.count)


def _figure(cluster: list[LinedUp], starts: Mapping[Citation, str] | None = None) -> FigureGroup:
    head = cluster[0].fact
    revised = [
        starts[it.fact.citation]
        for it in cluster
        if starts and it.fact.qualifier != "从" and it.fact.citation in starts
        and starts[it.fact.citation] != it.fact.value
    ]  # fmt: skip
    return FigureGroup(
        entity=_most_common([it.fact.entity for it in cluster]),
        metric=_most_common([it.fact.metric for it in cluster]),
        period=_most_common([it.fact.period or "" for it in cluster]) or None,
        value=head.value,
        unit=head.unit,
        normalized_value=head.normalized_value,
        normalized_unit=head.normalized_unit,
        qualifier=head.qualifier,
        citations=tuple(dict.fromkeys(it.fact.citation for it in cluster)),
        outlets=tuple(sorted({it.outlet for it in cluster if it.outlet})),
        agreement=independent_voices({(it.story, it.outlet) for it in cluster}),
        published=max((it.published for it in cluster if it.published is not None), default=None),
        revised_from=_most_common(revised) if revised else None,
    )


def side_of(item: LinedUp, documents: Mapping[str, Document]) -> Side:
    """One figure as the conflict rules read it: its sentence, publish time, period and metric keys."""
    doc = documents.get(item.fact.citation.doc_id)
    paragraph = ""
    if doc is not None and 1 <= item.fact.citation.paragraph <= len(doc.paragraphs):
        paragraph = doc.paragraphs[item.fact.citation.paragraph - 1]
    sentence = next((s for s in split_sentences(paragraph) if item.fact.value in s), paragraph)
    at = paragraph.find(item.fact.value)
    return Side(
        item.fact,
        sentence,
        doc.published_at if doc else None,
        item.period,
        metric_key(item.fact.metric),
        paragraph[: at if at >= 0 else len(paragraph)],
    )


def _shown_as_conflict(
    ci: list[LinedUp], doc_a: str, cj: list[LinedUp], doc_b: str, documents: Mapping[str, Document] | None
) -> bool:
    """Whether the two documents' values may be shown as a conflict (``facts/comparable.py``); without
    the documents (a caller that has only facts), every disagreement is."""
    if documents is None:
        return True
    a = next(it for it in ci if it.fact.citation.doc_id == doc_a)
    b = next(it for it in cj if it.fact.citation.doc_id == doc_b)
    return comparable(side_of(a, documents), side_of(b, documents))


def _conflict(
    clusters: list[list[LinedUp]], tol: float, documents: Mapping[str, Document] | None = None
) -> Conflict | None:
    """Clusters stated by documents that share no value for this key; None when all agree."""
    if len(clusters) < 2:
        return None
    doc_clusters: dict[str, set[int]] = defaultdict(set)
    asserted: dict[str, set[int]] = defaultdict(set)  # clusters a document states as current, not 从 X
    for i, c in enumerate(clusters):
        for it in c:
            doc_clusters[it.fact.citation.doc_id].add(i)
            if it.fact.qualifier != "从":
                asserted[it.fact.citation.doc_id].add(i)
    involved: set[int] = set()
    docs = list(doc_clusters)
    for a in range(len(docs)):
        for b in range(a):
            ca, cb = doc_clusters[docs[a]], doc_clusters[docs[b]]
            if any(i in asserted[docs[a]] and i in asserted[docs[b]] for i in ca & cb):
                continue  # both state a value of one cluster; a start value (从4.6%降至…) is not a statement
            pairs = [
                (i, j)
                for i in ca
                for j in cb
                if not compatible(clusters[i][0].fact, clusters[j][0].fact, tol)
                and _shown_as_conflict(clusters[i], docs[a], clusters[j], docs[b], documents)
            ]
            for i, j in pairs:
                involved.update((i, j))
    if not involved:
        return None
    chosen = [clusters[i] for i in sorted(involved)]
    head = chosen[0][0].fact
    voices = [independent_voices({(it.story, it.outlet) for it in c}) for c in chosen]
    return Conflict(
        entity=head.entity,
        metric=_most_common([it.fact.metric for c in chosen for it in c]),
        period=_most_common([it.fact.period or "" for c in chosen for it in c]) or None,
        normalized_unit=head.normalized_unit,
        values=tuple(
            ConflictValue(
                value=c[0].fact.value,
                unit=c[0].fact.unit,
                normalized_value=c[0].fact.normalized_value,
                qualifier=c[0].fact.qualifier,
                citations=tuple(dict.fromkeys(it.fact.citation for it in c)),
                outlets=tuple(sorted({it.outlet for it in c if it.outlet})),
                agreement=n,
                sentence=side_of(c[0], documents).sentence if documents is not None else "",
                outlier=n == 1 and max(m for j, m in enumerate(voices) if j != k) >= OUTLIER_AGAINST,
            )
            for k, (c, n) in enumerate(zip(chosen, voices, strict=True))
        ),
    )

"""Where a fact's entity and metric came from, and the rule score that summarizes it.

Each candidate fact carries :class:`Evidence`: where its entity and metric were found, how the entity's
name was recognized, what looks wrong with the metric. :func:`rule_score` turns that into one number, a
product of one factor per source and one per doubt. It is the prior the confidence model
(:mod:`.confidence`) starts from; the model also reads features the factors do not cover.

Why these factors (measured on the hand labels, ``scripts/eval_facts.py``):

* **entity** named in the figure's own clause, or right after it as its owner (``640亿美元的CoreWeave``),
  is nearly always right; one from an earlier clause of the sentence usually is. An anaphor
  (该公司, 公司, 其) resolved to the paragraph's or the title's subject is right when it is the only
  candidate. A title entity *without* an anaphor is wrong more often than right (market wraps, research
  notes titled by their author), and so is an empty entity: both fall below the threshold.
* **metric** read from the window before the number or a noun phrase right after it is usually right
  when the entity is named in the same clause, less so when the entity comes from further away (the
  window may name a subject of its own: :data:`REMOTE_WINDOW_FACTOR`);
  one inherited from an earlier figure of the sentence less so, and one taken from a clause head before
  the first entity (``数据显示…``) was wrong in every labelled case.
* **name kind** (:data:`KIND_FACTORS`): a name found only by the segmenter's tags, or an all-capitals
  acronym (ESS, MaaS, ABF: segments and jargon as often as organizations), is less often the real subject.
* **doubts** (:func:`~themeflow.facts.metric.metric_doubt`): a metric that is a place, a landmark word
  (大关, 关口), a bare anaphor (数据, 数字, 公司), a clause with its own verb, or a lone acronym; and
  (:mod:`~themeflow.facts.doubts`) an entity from an earlier clause or sentence whose
  mention introduces speech (``鲍威尔说道，…核心PCE同比通胀率可能为3%``: the speaker is not the owner).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Evidence", "rule_score"]

ENTITY_FACTORS: dict[str, float] = {
    "window": 1.0,  # named between the previous figure of the clause and this one
    "clause": 1.0,
    "owner": 0.95,  # 640亿美元的CoreWeave
    "sentence": 0.9,  # the first subject of an earlier clause of the sentence
    "scope": 0.9,  # 美国, 全球, A股: a scope named in the sentence, no actor
    "bracket": 0.9,  # 容量（约1200GW）: the figure in brackets restates the phrase before them
    "coref": 0.85,  # 该公司/公司/其 → the paragraph's latest subject, or the title's
    "paragraph": 0.7,  # no anaphor, the latest subject of an earlier sentence
    "title": 0.45,  # no anaphor, nothing in the paragraph: the title's main entity
    "none": 0.3,
}
METRIC_FACTORS: dict[str, float] = {
    "window": 1.0,
    "change": 1.0,  # 涨0.5% → 涨幅
    "after": 0.9,  # 46.7亿港元配售, 300兆瓦的新增算力
    "bracket": 0.9,
    "inherited": 0.8,  # 从600亿美元上调至900亿美元: the same metric as the figure before
    "list_head": 0.8,  # 主要合约包括甲骨文OCI 3000亿美元 微软Azure…: the head introduces the list
    "head": 0.7,  # 主要合约包括甲骨文OCI 3000亿美元: the clause head before its first entity
}
DOUBT_FACTOR = 0.4
"""Each doubt about the metric multiplies the score by this."""
RIVAL_FACTOR = 0.85
"""An entity from an earlier clause when the sentence names several other actors before the figure."""
REMOTE_WINDOW_FACTOR = 0.8
"""A metric read from the figure's own words while its entity comes from an earlier clause, sentence or a
scope: those words often name a subject of their own that is no known entity (``DDR5现货价格飙升25%``,
``欧元区银行体系超额流动性减少``). Measured: 0.75 precision for such facts against 0.98 for facts whose
entity is named in the figure's own clause."""
_REMOTE = frozenset({"sentence", "paragraph", "scope"})
KIND_FACTORS: dict[str, float] = {
    "tagged": 0.9,  # a segmenter name tag: 0.79 precision on the development sets, 0.49 on the third blind set
    "acronym": 0.9,  # ESS, MaaS, ABF, FICC: as often a segment or jargon as an organization (0.75 / 0.52)
}
"""How the entity's name was recognized; lexicon names, indices, market movers and capitalized Latin names
keep 1.0 (0.94–1.0 precision on the development sets)."""


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a fact's entity and metric came from (see the module docstring for what each means)."""

    entity_from: str
    metric_from: str
    rivals: int = 0
    """Other actors (strong mentions, not the entity) named in the sentence before the figure."""
    doubts: tuple[str, ...] = ()
    """Why the metric does not look like a measure (:func:`~themeflow.facts.metric.metric_doubt`)."""
    entity_kind: str = "known"
    """How the entity's name was recognized (:attr:`~themeflow.facts.mentions.EntityMention.kind`)."""
    gap: int = -1
    """Characters between the entity's mention and the figure: its latest mention before the figure, or
    for an owner its name right after (``640亿美元的CoreWeave``: 1); -1 when the paragraph does not name
    it there (a title or anaphor entity)."""
    role: str | None = None
    """``from`` or ``to`` for the two ends of a change (``从114.3GW增长至236GW``), else None."""


def rule_score(ev: Evidence) -> float:
    """A score in [0, 1]: the product of the entity, metric, rival and doubt factors."""
    score = ENTITY_FACTORS.get(ev.entity_from, 0.5) * METRIC_FACTORS.get(ev.metric_from, 0.5)
    if ev.metric_from == "window" and ev.entity_from in _REMOTE:
        score *= REMOTE_WINDOW_FACTOR
    score *= KIND_FACTORS.get(ev.entity_kind, 1.0)
    if ev.rivals >= 2 and ev.entity_from in ("sentence", "paragraph", "coref"):
        score *= RIVAL_FACTOR
    for _ in ev.doubts:
        score *= DOUBT_FACTOR
    return round(score, 3)

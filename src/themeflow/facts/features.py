"""The features the confidence model reads from a candidate fact.

Why features and a learned model rather than more hand-set factors: the rule factors in
:mod:`.evidence` each come from one measurement, and their product was not calibrated (facts scored
0.65 were right half the time, facts scored 0.9 four times in five). A logistic model over the same
evidence, plus a few signals the rules did not use (a forecaster or institution as entity, a metric
with no measure word, the distance from the entity's mention), gives a score that means what it says.
``scripts/train_confidence.py`` fits it on the hand-labelled figures; this module only describes a fact.

Every feature is a property of the fact's own words or of where its parts came from, never of the
article it is in, so the model carries over to articles it has not seen.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from themeflow.facts.evidence import Evidence, rule_score
from themeflow.facts.lexicon import EXPECTATION_WORDS, FORECASTERS, INSTITUTIONS, MEASURE_WORDS
from themeflow.model import Fact
from themeflow.text.segment import pos_tags
from themeflow.text.units import unit_kind

__all__ = ["FEATURE_NAMES", "fact_features", "unit_class"]

_ENTITY_FROM = (
    "window",
    "clause",
    "owner",
    "sentence",
    "scope",
    "bracket",
    "coref",
    "paragraph",
    "title",
    "none",
)
_METRIC_FROM = ("window", "change", "after", "bracket", "inherited", "list_head", "head")
_ENTITY_KINDS = ("known", "index", "latin", "acronym", "tagged", "mover", "title", "none")
_UNIT_CLASSES = ("percent", "money", "points", "multiple", "physical", "count", "bare")
_NAME_TAGS = frozenset({"nr", "nrt", "nrfg", "ns", "nt", "nz"})
_LATIN = re.compile(r"[A-Za-z]")

FEATURE_NAMES: tuple[str, ...] = (
    *(f"entity_from:{k}" for k in _ENTITY_FROM),
    *(f"metric_from:{k}" for k in _METRIC_FROM),
    *(f"entity_kind:{k}" for k in _ENTITY_KINDS),
    *(f"unit:{k}" for k in _UNIT_CLASSES),
    "log_rule_score",
    "doubts",
    "rivals",
    "log_gap",
    "forecaster",
    "institution",
    "move_from_afar",
    "metric_measure_word",
    "metric_length",
    "metric_expectation",
    "metric_has_name",
    "metric_has_latin",
    "has_period",
)
"""The model's inputs, in the order of its weights."""


def unit_class(unit: str) -> str:
    """The family of a canonical unit: percentages, points (pp, bp), money, multiples, physical quantities
    (GW, 吨, 桶: rarely ambiguous about what they measure), counted nouns (股, 辆, 人: often counts of
    something other than the subject's measure), or none."""
    if unit in ("pp", "bp"):
        return "points"
    kind = unit_kind(unit)
    if kind in ("percent", "money", "multiple", "count", "bare"):
        return kind
    return "physical"


def fact_features(fact: Fact, ev: Evidence) -> dict[str, float]:
    """The non-zero features of one candidate fact (names from :data:`FEATURE_NAMES`)."""
    entity, metric = fact.entity or "", fact.metric
    out: dict[str, float] = {
        f"entity_from:{ev.entity_from}": 1.0,
        f"metric_from:{ev.metric_from}": 1.0,
        f"entity_kind:{ev.entity_kind}": 1.0,
        f"unit:{unit_class(fact.normalized_unit)}": 1.0,
        "log_rule_score": math.log(max(rule_score(ev), 0.01)),
        "doubts": float(len(ev.doubts)),
        "rivals": float(min(ev.rivals, 3)),
        "log_gap": math.log1p(min(ev.gap, 200)) if ev.gap >= 0 else math.log1p(200),
        "forecaster": float(bool(entity and FORECASTERS.search(entity))),
        "institution": float(bool(entity and INSTITUTIONS.search(entity))),
        # a price move whose mover is not named in the figure's own words: 美联储…，周内累计上涨逾1%
        "move_from_afar": float(ev.metric_from == "change" and ev.entity_from != "window"),
        "metric_measure_word": float(bool(MEASURE_WORDS.search(metric))),
        "metric_length": min(len(metric), 12) / 12,
        "metric_expectation": float(bool(EXPECTATION_WORDS.search(metric))),
        "metric_has_name": float(_has_name(metric)),
        "metric_has_latin": float(bool(_LATIN.search(metric))),
        "has_period": float(bool(fact.period)),
    }
    return {k: v for k, v in out.items() if v and k in _KNOWN}


_KNOWN = frozenset(FEATURE_NAMES)


@lru_cache(maxsize=8192)
def _has_name(metric: str) -> bool:
    """A name-tagged token inside the metric (``美债收益率``, ``宏力跌幅``): the metric names a subject
    of its own. Cached: the same metric phrases recur across a corpus."""
    return any(tag in _NAME_TAGS for _, tag in pos_tags(metric))

"""How sure the extractor is of a fact, and the threshold below which it abstains.

Analysts rely on every number shown, so the extractor states a fact only when it is likely right. Each
candidate fact carries :class:`~themeflow.facts.evidence.Evidence` (where its entity and metric came
from); :func:`confidence` is a logistic model over the features :mod:`.features` reads from the fact and
that evidence, the rule score among them. Its weights and threshold live in ``confidence_model.json``
next to this module, written by ``scripts/train_confidence.py`` from the hand-labelled figures
(``tests/data/figures_labels*.jsonl``): the threshold is the lowest score at which the model's
out-of-fold precision, cross-validated by article, reaches the file's ``target_precision``.

:func:`~themeflow.facts.extract.extract_facts` returns facts at or above :data:`CONFIDENCE_THRESHOLD`;
:func:`~themeflow.facts.extract.scored_facts` returns every candidate with its score and evidence, so a
user can see what was dropped and why.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from themeflow.errors import ThemeflowError
from themeflow.facts.evidence import Evidence
from themeflow.facts.features import FEATURE_NAMES, fact_features
from themeflow.model import Fact

__all__ = ["CONFIDENCE_THRESHOLD", "ConfidenceModel", "ScoredFact", "confidence", "load_model"]

MODEL_FILE = "confidence_model.json"


@dataclass(frozen=True, slots=True)
class ConfidenceModel:
    """A logistic model: ``sigmoid(bias + sum(weight * feature))``."""

    weights: dict[str, float]
    bias: float
    threshold: float
    meta: dict[str, Any]

    def score(self, features: dict[str, float]) -> float:
        z = self.bias + sum(self.weights.get(k, 0.0) * v for k, v in features.items())
        return 1.0 / (1.0 + math.exp(-z))

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ConfidenceModel:
        """A model from its JSON form. Its features must be exactly :data:`FEATURE_NAMES`: a model trained
        on other features would silently score with missing weights, so a mismatch is an error."""
        if tuple(raw.get("features", ())) != FEATURE_NAMES:
            raise ThemeflowError(
                f"{MODEL_FILE} was trained on other features than this version reads; "
                "retrain it with scripts/train_confidence.py"
            )
        return cls(
            weights=dict(zip(raw["features"], raw["weights"], strict=True)),
            bias=raw["bias"],
            threshold=raw["threshold"],
            meta={k: v for k, v in raw.items() if k not in ("features", "weights", "bias", "threshold")},
        )


@cache
def _model_json() -> dict[str, Any]:
    raw: dict[str, Any] = json.loads(
        resources.files("themeflow.facts").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    )
    return raw


@cache
def load_model() -> ConfidenceModel:
    """The shipped model (``confidence_model.json`` next to this module)."""
    return ConfidenceModel.from_dict(_model_json())


CONFIDENCE_THRESHOLD: float = float(_model_json()["threshold"])
"""Facts scoring below this are not shown (see the module docstring for how it is chosen). Read without
checking the features, so that the training script can import the extractor to retrain a stale model."""


@dataclass(frozen=True, slots=True)
class ScoredFact:
    fact: Fact
    confidence: float
    evidence: Evidence


def confidence(fact: Fact, ev: Evidence) -> float:
    """The estimated probability that ``fact`` (value, entity and metric) is right."""
    return round(load_model().score(fact_features(fact, ev)), 3)

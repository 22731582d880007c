"""Score extracted facts against hand labels (``tests/data/figures_labels.jsonl``).

Why a lenient match: a label says what a reader would call the entity and metric; the extractor names
them from the words around the number. ``净利润`` vs ``Q1净利润`` or ``营收`` vs ``预期营收`` are the same
answer, ``工人正在紧张施工`` vs ``工人数量`` is not. The rules, in order:

* **value + unit** must match exactly: same canonical unit and normalized value (ranges: both ends).
* **entity**: same canonical name (aliases folded: 英伟达 = NVIDIA), or one name contains the other;
  a label may list alternatives ``A|B``; an empty label only matches an empty entity.
* **metric**: :func:`~themeflow.facts.group.metrics_match`, or one comparison key contains the other,
  or character-bigram Dice ≥ 0.5 on the keys; direction words fold (暴涨/涨超/收涨/高开 → 涨幅, as the
  labelling guide lets a move be labelled with the article's own word), and so do price words
  (报价/交投价 → 价格, 收于/收报 → 收盘价).

A fact is *correct* when value+unit, entity and metric all match a label of its paragraph (one-to-one).
Only labelled paragraphs are scored: the labeller labels every figure of a paragraph or none. A label
file may also mark whole articles as labelled with a row ``{"doc_id": ..., "complete": true}`` (the
blind held-out sets do): then every paragraph of that article is scored, so a fact drawn from a
paragraph with no gold figure counts against precision.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from themeflow.facts.keys import entity_key, metric_key, metrics_match
from themeflow.model import Fact
from themeflow.text.numbers import Figure, find_figures

__all__ = ["Label", "Score", "complete_docs", "judge_facts", "load_labels", "score_facts"]

_DIRECTION = {"暴涨": "涨幅", "大涨": "涨幅", "涨超": "涨幅", "飙升": "涨幅", "上涨": "涨幅", "累涨": "涨幅"}
_DIRECTION |= {"暴跌": "跌幅", "大跌": "跌幅", "跌超": "跌幅", "重挫": "跌幅", "下跌": "跌幅"}
# the labelling guide lets a price move be labelled with the article's own word (收涨, 高开): the same metric
_DIRECTION |= {"收涨": "涨幅", "收高": "涨幅", "高开": "涨幅", "收跌": "跌幅", "收低": "跌幅", "低开": "跌幅"}
# a quoted or traded price is the price (每桶报价 = 每桶价格), and a close is the closing price
_DIRECTION |= {"交投价": "价格", "报价": "价格", "收于": "收盘价", "收报": "收盘价"}


@dataclass(frozen=True, slots=True)
class Label:
    doc_id: str
    paragraph: int
    value: str
    unit: str
    entity: str
    metric: str
    period: str | None


@dataclass(slots=True)
class Score:
    predicted: int = 0
    gold: int = 0
    correct: int = 0
    value_matched: int = 0
    entity_ok: int = 0
    metric_ok: int = 0
    period_ok: int = 0
    errors: list[dict[str, object]] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 0.0

    @property
    def value_precision(self) -> float:
        return self.value_matched / self.predicted if self.predicted else 0.0

    @property
    def value_recall(self) -> float:
        return self.value_matched / self.gold if self.gold else 0.0


def load_labels(path: Path) -> list[Label]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            if d.get("complete"):
                continue
            out.append(
                Label(
                    d["doc_id"],
                    int(d["paragraph"]),
                    d["value"],
                    d["unit"],
                    d["entity"],
                    d["metric"],
                    d.get("period"),
                )
            )
    return out


def complete_docs(path: Path) -> set[str]:
    """Articles the label file marks as labelled in full (every paragraph scored)."""
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and (d := json.loads(line)).get("complete"):
            out.add(d["doc_id"])
    return out


def _figure(value: str) -> Figure | None:
    figs = [f for f in find_figures(value) if f.is_quantity]
    return figs[0] if figs else None


def _same_value(fact: Fact, gold: Figure) -> bool:
    """Same unit and value(s). A rate is compared by its numerator's unit: the labels were written before
    the parser read denominators, some with ``/吨`` and some without, and the figure is the same one."""
    pred = _figure(fact.value)
    if pred is None or pred.unit.split("/", 1)[0] != gold.unit.split("/", 1)[0]:
        return False
    return all(
        math.isclose(a, b, rel_tol=1e-6) for a, b in zip(pred.endpoints(), gold.endpoints(), strict=False)
    ) and ((pred.high is None) == (gold.high is None))


def entity_ok(pred: str, gold: str) -> bool:
    for g in gold.split("|"):
        if not g and not pred:
            return True
        if not g or not pred:
            continue
        kp, kg = entity_key(pred), entity_key(g)
        if kp == kg or (len(kp) >= 2 and kp in kg) or (len(kg) >= 2 and kg in kp):
            return True
    return False


def _fold(metric: str) -> str:
    key = metric_key(metric)
    for word, canon in _DIRECTION.items():
        key = key.replace(word, canon)
    return key


def metric_ok(pred: str, gold: str) -> bool:
    for g in gold.split("|"):
        if metrics_match(pred, g):
            return True
        kp, kg = _fold(pred), _fold(g)
        if (len(kp) >= 2 and kp in kg) or (len(kg) >= 2 and kg in kp):
            return True
        bp = {kp[i : i + 2] for i in range(len(kp) - 1)} or {kp}
        bg = {kg[i : i + 2] for i in range(len(kg) - 1)} or {kg}
        if 2 * len(bp & bg) / (len(bp) + len(bg)) >= 0.5:
            return True
    return False


def score_facts(facts: Iterable[Fact], labels: Sequence[Label], complete: Iterable[str] = ()) -> Score:
    """Precision and recall of ``facts`` over the labelled paragraphs (see the module docstring).

    ``complete``: articles labelled in full; facts from any of their paragraphs are scored.
    """
    whole = set(complete)
    gold: Mapping[tuple[str, int], list[Label]] = defaultdict(list)
    for lab in labels:
        gold[(lab.doc_id, lab.paragraph)].append(lab)
    score = Score(gold=len(labels))
    used: set[int] = set()
    for fact in facts:
        key = (fact.citation.doc_id, fact.citation.paragraph)
        if key not in gold and key[0] not in whole:
            continue
        score.predicted += 1
        candidates = [g for g in gold[key] if id(g) not in used]
        figs = [(g, _figure(g.value)) for g in candidates]
        same = [g for g, fig in figs if fig is not None and _same_value(fact, fig)]
        if not same:
            score.errors.append({"kind": "value", "fact": _fact_dict(fact)})
            continue
        best = next(
            (g for g in same if entity_ok(fact.entity, g.entity) and metric_ok(fact.metric, g.metric)),
            same[0],
        )
        used.add(id(best))
        score.value_matched += 1
        e_ok, m_ok = entity_ok(fact.entity, best.entity), metric_ok(fact.metric, best.metric)
        score.entity_ok += e_ok
        score.metric_ok += m_ok
        score.period_ok += (fact.period or "") == (best.period or "")
        if e_ok and m_ok:
            score.correct += 1
        else:
            score.errors.append(
                {
                    "kind": "entity" if not e_ok else "metric",
                    "fact": _fact_dict(fact),
                    "gold": best.__repr__(),
                }
            )
    score.missed = _missed(labels, used)
    return score


def judge_facts(
    facts: Sequence[Fact], labels: Sequence[Label], complete: Iterable[str] = ()
) -> list[bool | None]:
    """Each fact on its own: True when it matches a label of its paragraph (value+unit, entity and
    metric, as in :func:`score_facts`), False when it does not, None when its paragraph is not scored.

    Unlike :func:`score_facts` a label may be matched by several facts: this judges candidates (the
    training rows of the confidence model), not a final answer set.
    """
    whole = set(complete)
    gold: dict[tuple[str, int], list[tuple[Label, Figure | None]]] = defaultdict(list)
    for lab in labels:
        gold[(lab.doc_id, lab.paragraph)].append((lab, _figure(lab.value)))
    out: list[bool | None] = []
    for fact in facts:
        key = (fact.citation.doc_id, fact.citation.paragraph)
        if key not in gold and key[0] not in whole:
            out.append(None)
            continue
        out.append(any(_matches(fact, g, fig) for g, fig in gold.get(key, ())))
    return out


def _matches(fact: Fact, label: Label, figure: Figure | None) -> bool:
    """The whole-fact rule of the module docstring: value+unit, entity and metric."""
    return (
        figure is not None
        and _same_value(fact, figure)
        and entity_ok(fact.entity, label.entity)
        and metric_ok(fact.metric, label.metric)
    )


def _missed(labels: Sequence[Label], used: set[int]) -> list[str]:
    return [
        f"{g.doc_id}#{g.paragraph} {g.value} | {g.entity} | {g.metric}" for g in labels if id(g) not in used
    ]


def _fact_dict(f: Fact) -> dict[str, object]:
    return {
        "doc": f.citation.doc_id,
        "p": f.citation.paragraph,
        "value": f.value,
        "entity": f.entity,
        "metric": f.metric,
    }

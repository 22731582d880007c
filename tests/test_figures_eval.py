"""Quality gates on the shared corpus: extraction precision on hand labels, conflicts on doctored copies.

Floors are pinned (STYLE.md): raise them when the extractor improves, never lower them silently.
Needs ../shared/data; skipped on a fresh clone.
"""

from __future__ import annotations

import functools
import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import TEST_DATA
from themeflow.facts import extract_facts, figures_for_documents
from themeflow.facts.evaluate import Score, complete_docs, load_labels, score_facts
from themeflow.model import Document

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from eval_facts import load_documents  # noqa: E402

LABEL_SETS = {
    # file: (precision floor, recall floor, articles labelled in full or None for the paragraph-labelled set)
    "figures_labels.jsonl": (0.93, 0.32, None),
    "figures_labels_heldout.jsonl": (0.95, 0.43, 20),
    "figures_labels_dev2.jsonl": (0.98, 0.35, 10),
    "figures_labels_check.jsonl": (0.97, 0.38, 10),
    "figures_labels_blind3.jsonl": (0.87, 0.24, 30),
    "figures_labels_blind4.jsonl": (0.94, 0.39, 15),
    "figures_labels_blind5.jsonl": (0.95, 0.40, 20),
    "figures_labels_blind6.jsonl": (0.90, 0.37, 20),
}
"""Floors per label set (see scripts/eval_facts.py and docs/figure-labelling.md for how each was made).

Measured with the learned confidence model (``facts/confidence_model.json``, trained on these seven sets,
threshold 0.74): precision 0.948 / 0.966 / 0.990 / 0.978 / 0.882 / 0.950 / 0.956, recall 0.324 / 0.436 /
0.352 / 0.383 / 0.250 / 0.400 / 0.401. The recall floor of the paragraph-labelled development set was
lowered from 0.40 to 0.32 on purpose: the model drops facts whose kind of evidence was right on that set
but wrong on the blind ones (title-entity anaphors, inherited metrics); every other set kept or gained
recall. History of the blind estimates: the third set was scored once at 0.710, the fourth at 0.874 (rule
factors); the fifth (draws 86–105) was scored once at 0.890 with the first learned model, trained on the
other six sets — 0.932 once the scorer accepted the guide's own move words (收涨, 高开) and price words
(报价), against 0.847 for the rule factors on the same articles. It is a training set since. The sixth
set (draws 106–125, 509 figures) was labelled while the model was built, never trained or tuned on, and
scored once with the frozen model: precision 0.910, recall 0.379 (the rule factors: 0.878 / 0.381); after
two lexicon fixes found on the bundled sample (companies named 中国…, 年度资本支出 is no name), one feature
dropped for a weight of zero, and a retrain: 0.919 / 0.377."""
POOLED_PRECISION_FLOOR = 0.93
"""Every labelled figure together (3,946 figures, 145 articles): measured 0.944 (1,430 of 1,515 facts)."""
VALUE_PRECISION_FLOOR = 0.99
DOCTORED_FLAGGED_FLOOR = 8
"""Of the 12 doctored copies in tests/data/conflict_cases.jsonl: 10 were flagged with the rule factors, 8
are with the learned confidence model, which holds the original figure itself below the threshold in three
cases (a figure whose entity only the title names, an anaphor with an inherited metric, an agency found by
the segmenter's tags). Lowered on purpose: the price of precision on unseen articles, not a regression."""

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def labelled(shared_data: Path) -> dict[str, Document]:
    labels = load_labels(TEST_DATA / "figures_labels.jsonl")
    return {d.id: d for d in load_documents(shared_data / "news.jsonl", {lab.doc_id for lab in labels})}


@functools.cache
def _score(shared_data: Path, name: str) -> Score:
    """One extraction pass per label set, shared by the per-set floors and the pooled gate."""
    path = TEST_DATA / name
    labels, whole = load_labels(path), complete_docs(path)
    docs = load_documents(shared_data / "news.jsonl", whole | {lab.doc_id for lab in labels})
    return score_facts([f for d in docs for f in extract_facts(d)], labels, whole)


def test_labels_cover_enough_figures_and_articles() -> None:
    labels = load_labels(TEST_DATA / "figures_labels.jsonl")
    assert len(labels) >= 120
    assert len({lab.doc_id for lab in labels}) >= 20


def test_blind_sets_are_complete_and_disjoint() -> None:
    seen = {lab.doc_id for lab in load_labels(TEST_DATA / "figures_labels.jsonl")}
    for name, (_, _, articles) in LABEL_SETS.items():
        if articles is None:
            continue
        whole = complete_docs(TEST_DATA / name)
        assert len(whole) >= articles, name
        assert {lab.doc_id for lab in load_labels(TEST_DATA / name)} <= whole, name
        assert not seen & whole, name
        seen |= whole


@pytest.mark.parametrize("name", sorted(LABEL_SETS))
def test_extraction_floors(shared_data: Path, name: str) -> None:
    precision_floor, recall_floor, _ = LABEL_SETS[name]
    score = _score(shared_data, name)
    assert score.value_precision >= VALUE_PRECISION_FLOOR
    assert score.precision >= precision_floor, score.errors[:10]
    assert score.recall >= recall_floor


def test_pooled_precision_on_every_labelled_figure(shared_data: Path) -> None:
    scores = [_score(shared_data, name) for name in LABEL_SETS]
    correct, predicted = sum(s.correct for s in scores), sum(s.predicted for s in scores)
    assert sum(s.gold for s in scores) >= 2500
    assert correct / predicted >= POOLED_PRECISION_FLOOR


def _cases() -> list[dict[str, str]]:
    lines = (TEST_DATA / "conflict_cases.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_doctored_copies_are_flagged(labelled: dict[str, Document], shared_data: Path) -> None:
    cases = [c for c in _cases() if c["kind"] == "doctored"]
    docs = labelled | {
        d.id: d
        for d in load_documents(shared_data / "news.jsonl", {c["doc_id"] for c in cases})
        if d.id not in labelled
    }
    flagged = 0
    for case in cases:
        original = docs[case["doc_id"]]
        n = int(case["paragraph"])
        paragraphs = list(original.paragraphs)
        assert case["original"] in paragraphs[n - 1], case["id"]
        paragraphs[n - 1] = paragraphs[n - 1].replace(case["original"], case["doctored"], 1)
        copy = replace(
            original,
            id=original.id + "-doctored",
            source="doctored",
            paragraphs=tuple(paragraphs),
            content_hash="",
        )
        result = figures_for_documents([original, copy])
        hit = any(case["doctored"] in v.value for c in result.conflicts for v in c.values)
        if case["expect"] == "conflict":
            flagged += hit
        else:
            assert not result.conflicts, case["id"]
    assert flagged >= DOCTORED_FLAGGED_FLOOR


def test_shipped_confidence_model_is_what_its_recipe_trains(shared_data: Path) -> None:
    """The model file cannot drift from scripts/train_confidence.py and the label sets (nor be hand-edited)."""
    pytest.importorskip("sklearn", reason="needs scikit-learn: pip install -e '.[train]'")
    import train_confidence

    assert train_confidence.main(["--data", str(shared_data), "--check"]) == 0
    assert not set(train_confidence.HELD_OUT) & set(train_confidence.TRAIN_SETS)


def test_a_rate_read_with_its_denominator_matches_a_label_written_without_it() -> None:
    """Labels written before the parser read ``/克`` (``1168元``) still score the fuller reading, and only
    for the same amount."""
    from themeflow.facts.evaluate import Label
    from themeflow.model import Citation, Fact

    label = Label("d", 6, "1168元", "元", "周大福", "挂牌价", None)

    def fact(value: str) -> Fact:
        return Fact("周大福", "挂牌价", value, "元/克", 1168.0, "CNY/g", None, Citation("d", 6), None)

    assert score_facts([fact("1168元/克")], [label]).correct == 1
    assert score_facts([fact("1169元/克")], [label]).correct == 0

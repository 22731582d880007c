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
    "figures_labels.jsonl": (0.95, 0.40, None),
    "figures_labels_heldout.jsonl": (0.95, 0.40, 20),
    "figures_labels_dev2.jsonl": (0.95, 0.36, 10),
    "figures_labels_check.jsonl": (0.93, 0.38, 10),
    "figures_labels_blind3.jsonl": (0.77, 0.24, 30),
    "figures_labels_blind4.jsonl": (0.87, 0.38, 15),
}
"""Floors per label set (see scripts/eval_facts.py and docs/figure-labelling.md for how each was made).
Measured with the calibrated confidence (threshold 0.65, remote-window and name-kind factors): precision
0.958 / 0.957 / 0.954 / 0.938 / 0.783 / 0.875, recall 0.401 / 0.407 / 0.366 / 0.387 / 0.250 / 0.385. The third blind set
(long-form analysis: rack bills of materials, IPO filings, earnings calls) was scored once at 0.710 before
the name-kind factor and mover fixes; it is a development set since. The fourth blind set (draws 71–85) was
labelled after every rule and factor here was fixed and scored once: precision 0.874, recall 0.383 (0.875 /
0.385 after a bug fix: a name before 数据中心 was taken for a data publisher)."""
POOLED_PRECISION_FLOOR = 0.89
"""Every labelled figure together (2,733 figures, 105 articles): measured 0.897 (957 of 1,067 facts)."""
VALUE_PRECISION_FLOOR = 0.99
DOCTORED_FLAGGED_FLOOR = 10
"""Of the 12 doctored copies in tests/data/conflict_cases.jsonl."""

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

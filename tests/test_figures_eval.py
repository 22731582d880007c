"""Quality gates on the shared corpus: extraction precision on hand labels, conflicts on doctored copies.

Floors are pinned (STYLE.md): raise them when the extractor improves, never lower them silently.
Needs ../shared/data; skipped on a fresh clone.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import TEST_DATA
from themeflow.facts import extract_facts, figures_for_documents
from themeflow.facts.evaluate import complete_docs, load_labels, score_facts
from themeflow.model import Document

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from eval_facts import load_documents  # noqa: E402

PRECISION_FLOOR = 0.92
"""Entity + metric + value all right (lenient match, see themeflow.facts.evaluate); measured 0.925."""
VALUE_PRECISION_FLOOR = 0.99
RECALL_FLOOR = 0.43
"""Measured 0.437: the extractor abstains below facts.confidence.CONFIDENCE_THRESHOLD."""
HELDOUT_PRECISION_FLOOR = 0.92
"""Blind held-out set (tests/data/figures_labels_heldout.jsonl: 20 fr- articles labelled in full before
any extractor output was seen; every paragraph scored); measured 0.923 (0.918 before the bare-move,
speaker and metric-acronym rules; 0.847 before the metric-shape, name-fragment, list-member,
named-product and market-measure doubts; 0.755 before the generic rules)."""
HELDOUT_RECALL_FLOOR = 0.42
"""Measured 0.422 (0.411 before the bare-move rule: 盘中涨 → 盘中涨幅; 0.304 before the generic rules)."""
DEV2_PRECISION_FLOOR = 0.92
"""Second blind dev set (tests/data/figures_labels_dev2.jsonl: draws 31–40 of eval_facts.pick_articles,
10 fr- articles, 284 figures, labelled in full before any extractor output was seen); measured 0.929
(0.849 before the bare-move, speaker, metric-acronym and preposition rules)."""
DEV2_RECALL_FLOOR = 0.36
"""Measured 0.366 (0.356 before)."""
DOCTORED_FLAGGED_FLOOR = 10
"""Of the 12 doctored copies in tests/data/conflict_cases.jsonl."""

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def labelled(shared_data: Path) -> dict[str, Document]:
    labels = load_labels(TEST_DATA / "figures_labels.jsonl")
    return {d.id: d for d in load_documents(shared_data / "news.jsonl", {lab.doc_id for lab in labels})}


def test_labels_cover_enough_figures_and_articles() -> None:
    labels = load_labels(TEST_DATA / "figures_labels.jsonl")
    assert len(labels) >= 120
    assert len({lab.doc_id for lab in labels}) >= 20


def test_extraction_precision_floor(labelled: dict[str, Document]) -> None:
    labels = load_labels(TEST_DATA / "figures_labels.jsonl")
    score = score_facts([f for d in labelled.values() for f in extract_facts(d)], labels)
    assert score.value_precision >= VALUE_PRECISION_FLOOR
    assert score.precision >= PRECISION_FLOOR, score.errors[:10]
    assert score.recall >= RECALL_FLOOR


def test_heldout_labels_are_blind_and_large_enough() -> None:
    path = TEST_DATA / "figures_labels_heldout.jsonl"
    assert len(load_labels(path)) >= 150
    assert len(complete_docs(path)) >= 20
    dev = {lab.doc_id for lab in load_labels(TEST_DATA / "figures_labels.jsonl")}
    assert not dev & complete_docs(path)


def test_heldout_precision_floor(shared_data: Path) -> None:
    path = TEST_DATA / "figures_labels_heldout.jsonl"
    labels, whole = load_labels(path), complete_docs(path)
    docs = load_documents(shared_data / "news.jsonl", whole | {lab.doc_id for lab in labels})
    score = score_facts([f for d in docs for f in extract_facts(d)], labels, whole)
    assert score.precision >= HELDOUT_PRECISION_FLOOR, score.errors[:10]
    assert score.recall >= HELDOUT_RECALL_FLOOR


def test_dev2_labels_are_blind_and_disjoint() -> None:
    path = TEST_DATA / "figures_labels_dev2.jsonl"
    assert len(load_labels(path)) >= 150
    assert len(complete_docs(path)) >= 10
    others = {lab.doc_id for lab in load_labels(TEST_DATA / "figures_labels.jsonl")}
    for name in ("figures_labels_heldout.jsonl", "figures_labels_check.jsonl"):
        others |= complete_docs(TEST_DATA / name)
    assert not others & complete_docs(path)


def test_dev2_precision_floor(shared_data: Path) -> None:
    path = TEST_DATA / "figures_labels_dev2.jsonl"
    labels, whole = load_labels(path), complete_docs(path)
    docs = load_documents(shared_data / "news.jsonl", whole | {lab.doc_id for lab in labels})
    score = score_facts([f for d in docs for f in extract_facts(d)], labels, whole)
    assert score.precision >= DEV2_PRECISION_FLOOR, score.errors[:10]
    assert score.recall >= DEV2_RECALL_FLOOR


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

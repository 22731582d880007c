"""Summaries of real articles from ../shared/data: every kept bullet verifies, figures are 100% faithful.

Skipped on a fresh clone (no shared corpus). Floors for the evaluation metrics live in
``tests/data/summary_eval_baseline.json`` (ids + numbers only, written by ``scripts/eval_summaries.py``);
a floor may be raised, never silently lowered.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.shared_corpus import fr_documents
from themeflow.summarize import ExtractiveSummarizer, drop_unverified, verify
from themeflow.text.numbers import figure_matches, find_figures

pytestmark = pytest.mark.shared
BASELINE = Path(__file__).parent / "data" / "summary_eval_baseline.json"


def test_fr_articles_verify(shared_data: Path) -> None:
    docs = list(fr_documents(shared_data, 45))
    assert len(docs) >= 40
    summ = ExtractiveSummarizer()
    n_bullets = passed = structured = 0
    for doc in docs:
        checked = verify(summ.summarize(doc), doc)
        n_bullets += len(checked.bullets())
        passed += sum(bool(b.verified) for b in checked.bullets())
        kept = drop_unverified(checked)
        if not kept.excerpt:
            structured += 1
            assert 2 <= len(kept.core_views) <= 4, doc.id
            assert 1 <= len(kept.sections) <= 5, doc.id
            assert all(1 <= len(s.bullets) <= 4 for s in kept.sections), doc.id
        for b in kept.bullets():
            assert b.verified, (doc.id, b.text, b.reason)
            evidence = [f for c in b.citations for f in find_figures(doc.paragraph(c))]
            for f in find_figures(b.text):
                assert figure_matches(f, evidence), (doc.id, b.text, f.raw)
    assert structured >= 30
    assert passed / n_bullets >= 0.98


def test_eval_floors(shared_data: Path) -> None:
    """The pinned floors hold on the baseline's own articles."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from eval_summaries import evaluate, record_to_document

    base = json.loads(BASELINE.read_text(encoding="utf-8"))
    want = set(base["ids"])
    docs = []
    with (shared_data / "news.jsonl").open(encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec["id"] in want:
                docs.append(record_to_document(rec))
    metrics, _ = evaluate(docs)
    floors = base["floors"]
    assert metrics["citation_validity"] == 1.0
    assert metrics["figure_fidelity"] == 1.0
    for key, floor in floors.items():
        assert metrics[key] >= floor, (key, metrics[key], floor)

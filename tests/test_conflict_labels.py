"""The judged conflict set (docs/conflict-labelling.md) is well formed: every pooled candidate judged once
with a label of the guide, splits as the pool builder computes them, every method represented. Its
figures are reported by ``scripts/eval_conflicts.py`` (README); the texts stay in ../shared/data."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

import eval_conflicts  # noqa: E402


def _rows(path: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def test_every_candidate_is_judged_once_with_a_label_of_the_guide() -> None:
    pool = _rows(eval_conflicts.POOL)
    labels = _rows(eval_conflicts.LABELS)
    assert len(pool) >= 150
    assert Counter(str(r["id"]) for r in labels).most_common(1)[0][1] == 1
    assert {str(r["id"]) for r in labels} == {str(r["id"]) for r in pool}
    assert {str(r["label"]) for r in labels} <= set(eval_conflicts.LABEL_SET)
    assert all(r["note"] for r in labels if r["label"] != eval_conflicts.TRUE)


def test_splits_and_methods_are_what_the_builder_says() -> None:
    import hashlib

    def split_of(cid: str) -> str:  # scripts/build_conflict_pool.split_of, without its imports
        return (
            "blind"
            if int(hashlib.sha1(f"conflict-split:{cid}".encode()).hexdigest()[:8], 16) % 5 < 2
            else "dev"
        )

    pool = _rows(eval_conflicts.POOL)
    assert all(r["split"] == split_of(str(r["id"])) for r in pool)
    methods = Counter(m for r in pool for m in r["methods"])  # type: ignore[attr-defined]
    assert methods["rules"] and methods["loose"] and methods["shown"]
    for r in pool:
        a, b = r["a"], r["b"]
        assert a["doc"] != b["doc"] and a["paragraph"] >= 1 and b["paragraph"] >= 1  # type: ignore[index]


def test_the_report_counts_what_the_labels_say() -> None:
    out = eval_conflicts.report("all")
    rules = out["rules"]
    assert isinstance(rules, dict) and rules["precision"] is not None
    assert 0.0 <= float(rules["precision"]) <= 1.0
    assert out["true_conflicts_the_rules_show"] <= out["true_conflicts_in_pool"]  # type: ignore[operator]

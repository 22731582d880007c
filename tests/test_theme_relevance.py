"""Theme retrieval quality on the pooled, graded set (tests/data/themes/, judged with GUIDE.md).

The set was pooled from the top 100 of every mode (strict AND, plain BM25 over the theme's words, concept
expansion; semantic and hybrid on a 3,848-document subset with vectors) and judged 0/1/2 by careful readers who did not know which mode found what. The dev
themes are what ranking and lexicon changes are tuned on; the blind themes were scored once (and a second
blind part, blind2, judged after the recall-first change, once more); blind2 is pinned here only as "the default
beats strict AND and plain BM25".
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

import eval_themes  # noqa: E402

NDCG50_FLOOR = 0.78
RECALL100_FLOOR = 0.81
"""Dev means measured for the default (expanded) mode (0.807 and 0.832 with every mode's pool judged), pinned a little below; raise, never
silently lower."""


def test_the_judgments_are_well_formed() -> None:
    rows = [json.loads(line) for line in eval_themes.QRELS.read_text(encoding="utf-8").splitlines()]
    assert {r["theme"] for r in rows} == set(eval_themes.THEMES)
    assert len({(r["theme"], r["doc"]) for r in rows}) == len(rows)  # one grade per pair
    assert all(r["grade"] in (0, 1, 2) and r["split"] == eval_themes.THEMES[r["theme"]] for r in rows)
    relevant = Counter(r["theme"] for r in rows if r["grade"] > 0)
    # 光伏产能过剩 (blind2) has 4: the corpus holds few articles on it, and a theme is not dropped after judging
    assert all(relevant[t] >= 4 for t in eval_themes.THEMES), relevant
    guide = (eval_themes.SET_DIR / "GUIDE.md").read_text(encoding="utf-8")
    assert all(f"| {theme} |" in guide for theme in eval_themes.THEMES)


def _means(split: str) -> dict[str, dict[str, float]]:
    store = eval_themes.cached_store(eval_themes.SHARED / "news.jsonl", "full", set())
    qrels = eval_themes.load_qrels()
    themes = [t for t, s in eval_themes.THEMES.items() if s == split]
    out: dict[str, dict[str, float]] = {}
    for name, ranker in eval_themes.MODES.items():
        rankings = {t: ranker(store, t, 100) for t in themes}
        out[name] = {
            "ndcg@50": sum(eval_themes.ndcg(rankings[t], qrels[t], 50) for t in themes) / len(themes),
            "recall@100": sum(eval_themes.recall(rankings[t], qrels[t], 100) for t in themes) / len(themes),
        }
    store.close()
    return out


@pytest.mark.shared
def test_concept_expansion_beats_strict_and_plain_bm25_on_dev_themes(shared_data: Path) -> None:
    means = _means("dev")
    expanded = means["expanded"]
    for baseline in ("strict", "bm25"):
        for metric in ("ndcg@50", "recall@100"):
            assert expanded[metric] > means[baseline][metric], (metric, baseline, means)
    assert expanded["ndcg@50"] >= NDCG50_FLOOR, means
    assert expanded["recall@100"] >= RECALL100_FLOOR, means


@pytest.mark.shared
def test_the_default_beats_strict_and_plain_bm25_on_the_second_blind_part(shared_data: Path) -> None:
    """blind2 was judged after the recall-first change and scored once (README); pinned here so a later
    change cannot silently lose the lead. Nobody tunes on it: a change that needs it is tested on new themes."""
    means = _means("blind2")
    expanded = means["expanded"]
    for baseline in ("strict", "bm25"):
        for metric in ("ndcg@50", "recall@100"):
            assert expanded[metric] > means[baseline][metric], (metric, baseline, means)

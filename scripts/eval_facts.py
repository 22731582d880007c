"""Extraction precision/recall on the hand labels, and theme-figure conflicts on the shared corpus.

Usage::

    python scripts/eval_facts.py [--data ../shared/data] [--labels PATH] [--errors] [--themes]

Label sets (all in ``tests/data/``):

* ``figures_labels.jsonl`` — the development set (284 figures, 20 articles; drafted from the
  extractor's output and the rules were tuned on it, so it flatters the extractor);
* ``figures_labels_heldout.jsonl`` — blind held-out set: 20 ``fr-`` articles labelled in full by hand
  before any extractor output was looked at (every paragraph scored);
* ``figures_labels_check.jsonl`` — 10 more blind articles, measured once after tuning (the
  generalisation estimate);
* ``figures_labels_dev2.jsonl`` — a second blind dev set: draws 31–40, 10 ``fr-`` articles labelled in
  full before any extractor output was looked at; rules may be checked on it (it is a dev set now).
* ``figures_labels_blind3.jsonl`` — draws 41–70, 30 articles labelled in full by three labellers following
  ``docs/figure-labelling.md``; scored blind once (precision 0.710), a development set since.
* ``figures_labels_blind4.jsonl`` — draws 71–85, 15 articles, labelled after the rules were frozen and
  scored once (precision 0.874, recall 0.383).
* ``figures_labels_blind5.jsonl`` — draws 86–105, 20 articles, 704 figures: scored once with the first
  learned confidence model (0.890; 0.932 with the scorer's move-word folds); a training set since.
* ``figures_labels_blind6.jsonl`` — draws 106–125, 20 articles, 509 figures: never trained on, scored once
  with the frozen model (precision 0.910, recall 0.379): the current generalisation estimate.

The confidence model (``scripts/train_confidence.py``) is trained on every set but the newest blind one.

The blind articles were drawn with :func:`pick_articles` (seed 20260807; see its docstring).

Labels (``tests/data/figures_labels.jsonl``) hold article ids, paragraph numbers and the gold figure
(value, unit, entity, metric, period) — never article text. Paragraph n is the n-th non-empty line of
the record's ``text`` (what ingest produces for these records). The matching rules are documented in
:mod:`themeflow.facts.evaluate`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from themeflow.facts import extract_facts, figures_for_documents
from themeflow.facts.evaluate import complete_docs, load_labels, score_facts
from themeflow.model import Document

REPO = Path(__file__).resolve().parents[1]
LABELS = REPO / "tests" / "data" / "figures_labels.jsonl"
THEMES = {
    "AI资本开支": ("资本开支", "算力", "数据中心"),
    "美联储 降息": ("美联储",),
    "南下资金": ("南下资金", "港股通"),
}


def load_documents(news: Path, ids: set[str] | None = None, prefix: str = "") -> list[Document]:
    """Records of ``news.jsonl`` as Documents (paragraphs = non-empty stripped lines)."""
    out = []
    with news.open(encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            if (ids is not None and d["id"] not in ids) or not d["id"].startswith(prefix):
                continue
            published = d.get("published")
            out.append(
                Document(
                    id=d["id"],
                    title=d.get("title") or "",
                    paragraphs=tuple(p.strip() for p in d["text"].split("\n") if p.strip()),
                    source=d.get("source"),
                    published_at=datetime.fromisoformat(published) if published else None,
                )
            )
    return out


PICK_SEED = 20260807
PICK_TOPICS = {
    "ai": ("资本开支", "算力", "芯片", "英伟达", "数据中心"),
    "fed": ("美联储", "降息", "加息"),
    "hk": ("南下资金", "港股通", "恒生", "港股"),
    "commodities": ("黄金", "原油", "铜价", "大宗商品", "油价", "金价"),
    "earnings": ("财报", "净利润", "营收", "业绩"),
}


def pick_articles(news: Path, exclude: set[str], rounds: int = 8) -> list[tuple[str, str]]:
    """The blind label sets' articles: (topic, id), in drawing order.

    ``fr-`` records not in ``exclude`` (the development set's ids) with 800–3,000 characters of body,
    sorted by id; ``random.Random(PICK_SEED)``; each round draws one not-yet-drawn article per topic
    (keyword in title or first 300 characters). Draws 1–20 are the held-out set, 21–30 the check set,
    31–40 the second blind dev set (``figures_labels_dev2.jsonl``), 41–70 the third, 71–85 the fourth,
    86–105 the fifth and 106–125 the sixth blind set.
    """
    import random

    docs = []
    with news.open(encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            if d["id"].startswith("fr-") and d["id"] not in exclude and 800 <= len(d["text"]) <= 3000:
                docs.append(d)
    docs.sort(key=lambda d: d["id"])
    rng = random.Random(PICK_SEED)
    picked: list[tuple[str, str]] = []
    seen: set[str] = set()
    for _ in range(rounds):
        for topic, words in PICK_TOPICS.items():
            cands = [
                d
                for d in docs
                if d["id"] not in seen and any(w in d["title"] + d["text"][:300] for w in words)
            ]
            d = rng.choice(cands)
            seen.add(d["id"])
            picked.append((topic, d["id"]))
    return picked


def _draw_set(n: int) -> str:
    """Which label file holds blind draw ``n``."""
    for last, name in (
        (20, "heldout"),
        (30, "check"),
        (40, "dev2"),
        (70, "blind3"),
        (85, "blind4"),
        (105, "blind5"),
        (125, "blind6"),
    ):
        if n <= last:
            return name
    return "unlabelled"


def evaluate_extraction(
    data: Path, show_errors: bool = False, labels_path: Path = LABELS, checker: Any = None
) -> dict[str, float]:
    """Precision and recall of the extracted facts; with ``checker`` (``--check``: the LLM of
    ``THEMEFLOW_LLM_*``), of every fact with the LLM's corrections applied, of the facts it confirms, and its counts."""
    labels = load_labels(labels_path)
    whole = complete_docs(labels_path)
    docs = load_documents(data / "news.jsonl", {lab.doc_id for lab in labels} | whole)
    facts = [f for d in docs for f in extract_facts(d)]
    counts: dict[str, Any] = {}
    if checker is not None:
        t0 = time.perf_counter()
        checked = checker.check(docs, facts)
        facts = checked.kept()
        counts = {
            **checked.counts(),
            "requests": checked.requests,
            "failed_requests": checked.failed_requests,
            "seconds": round(time.perf_counter() - t0, 1),
            "model": checked.model,
        }
        confirmed = [v.fact for v in checked.verdicts if v.kind in ("confirmed", "corrected")]
        sc = score_facts(confirmed, labels, whole)
        counts["confirmed_precision"] = round(sc.precision, 3)
        counts["confirmed_recall"] = round(sc.recall, 3)
    s = score_facts(facts, labels, whole)
    if show_errors:
        for e in s.errors:
            print(json.dumps(e, ensure_ascii=False))
        for m in s.missed:
            print(json.dumps({"kind": "missed", "gold": m}, ensure_ascii=False))
    return {
        "articles": len(docs),
        "labels": s.gold,
        "predicted": s.predicted,
        "correct": s.correct,
        "precision": round(s.precision, 3),
        "recall": round(s.recall, 3),
        "value_precision": round(s.value_precision, 3),
        "value_recall": round(s.value_recall, 3),
        "entity_accuracy": round(s.entity_ok / s.value_matched, 3) if s.value_matched else 0.0,
        "metric_accuracy": round(s.metric_ok / s.value_matched, 3) if s.value_matched else 0.0,
        "period_accuracy": round(s.period_ok / s.value_matched, 3) if s.value_matched else 0.0,
        **counts,
    }


def theme_conflicts(data: Path) -> None:
    """Theme figures over the ``fr-`` corpus by keyword match (no store needed): how many conflicts."""
    docs = load_documents(data / "news.jsonl", prefix="fr-")
    for theme, words in THEMES.items():
        chosen = [d for d in docs if any(w in d.title + d.text for w in words)][:200]
        t0 = time.perf_counter()
        result = figures_for_documents(chosen)
        took = time.perf_counter() - t0
        print(
            f"## {theme}: {len(chosen)} docs, {result.facts} facts, {len(result.figures)} figures, "
            f"{len(result.conflicts)} conflicts ({took:.1f}s)"
        )
        for c in result.conflicts:
            vals = " vs ".join(f"{v.value}@{','.join(x.doc_id for x in v.citations[:2])}" for v in c.values)
            print(f"  - {c.entity} | {c.metric} | {c.period} | {vals}")
        multi = Counter(g.agreement for g in result.figures)
        print(f"  agreement histogram: {dict(sorted(multi.items()))}")


def doctored_with_check(data: Path, checker: Any) -> dict[str, Any]:
    """The doctored copies of ``tests/data/conflict_cases.jsonl`` (a figure changed in one outlet's copy):
    how many the rules flag as conflicts, and how many still are once the LLM has checked the facts of
    the doctored paragraph on both sides (a conflict needs both sides confirmed)."""
    from dataclasses import replace

    from themeflow.facts import group_facts

    lines = (REPO / "tests" / "data" / "conflict_cases.jsonl").read_text(encoding="utf-8").splitlines()
    cases = [c for c in map(json.loads, filter(None, lines)) if c["kind"] == "doctored"]
    docs = {d.id: d for d in load_documents(data / "news.jsonl", {c["doc_id"] for c in cases})}
    rules = kept = 0
    for case in cases:
        original, n = docs[case["doc_id"]], int(case["paragraph"])
        paragraphs = list(original.paragraphs)
        paragraphs[n - 1] = paragraphs[n - 1].replace(case["original"], case["doctored"], 1)
        copy = replace(
            original, id=original.id + "-doctored", source="doctored", paragraphs=tuple(paragraphs)
        )
        pair = {original.id: original, copy.id: copy}
        facts = [f for d in pair.values() for f in extract_facts(d)]
        by_rules = group_facts(facts, pair, {})
        flagged = any(case["doctored"] in v.value for c in by_rules.conflicts for v in c.values)
        rules += flagged
        if not flagged:
            continue
        checked = checker.check(list(pair.values()), [f for f in facts if f.citation.paragraph == n])
        others = [f for f in facts if f.citation.paragraph != n]
        result = group_facts(others + checked.kept(), pair, {}, comparable=checked.comparable())
        survived = any(case["doctored"] in v.value for c in result.conflicts for v in c.values)
        kept += survived
        print(f"  {case['id']}: {'kept' if survived else 'LOST'} {checked.counts()}", file=sys.stderr)
    return {"doctored": len(cases), "flagged_by_rules": rules, "still_flagged_after_check": kept}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--labels", type=Path, default=LABELS, help="label file (default: the development set)")
    ap.add_argument(
        "--errors", action="store_true", help="print every wrong or unmatched fact, and missed labels"
    )
    ap.add_argument(
        "--pick", action="store_true", help="list the blind sets' articles (seed, topics) and exit"
    )
    ap.add_argument("--themes", action="store_true", help="also run theme figures over the fr- corpus")
    ap.add_argument(
        "--check",
        action="store_true",
        help="also score the facts the LLM (THEMEFLOW_LLM_*) keeps after checking them, beside the rules alone",
    )
    args = ap.parse_args(argv)
    if not (args.data / "news.jsonl").exists():
        print(f"needs the shared corpus at {args.data}", file=sys.stderr)
        return 2
    if args.pick:
        exclude = {lab.doc_id for lab in load_labels(LABELS)}
        for n, (topic, doc_id) in enumerate(pick_articles(args.data / "news.jsonl", exclude, rounds=25), 1):
            print(n, _draw_set(n), topic, doc_id)
        return 0
    print(json.dumps(evaluate_extraction(args.data, args.errors, args.labels), ensure_ascii=False, indent=2))
    if args.check:
        from themeflow.config import load_settings
        from themeflow.facts.confirm import llm_fact_checker

        checker = llm_fact_checker(load_settings().get)
        print("## with the LLM check")
        print(
            json.dumps(
                evaluate_extraction(args.data, False, args.labels, checker), ensure_ascii=False, indent=2
            )
        )
    if args.themes:
        theme_conflicts(args.data)
    return 0


if __name__ == "__main__":
    sys.exit(main())

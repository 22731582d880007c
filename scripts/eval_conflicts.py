"""Precision of the conflicts themeflow shows, on pooled candidates judged by careful readers.

    python scripts/eval_conflicts.py [--split dev|blind|all] [--rerun]

The pool (``tests/data/conflict_pool.jsonl``, ``scripts/build_conflict_pool.py``) holds candidate pairs
found by three methods: the rules over the whole corpus (``rules``), what theme and query pages show
(``shown``) and pairs the rules keep apart by period alone (``loose``). Readers labelled each pair per
``docs/conflict-labelling.md`` (``tests/data/conflict_labels.jsonl``). Reported per split:

* **precision** of ``rules`` and of ``shown``: the share of their pairs that are true conflicts;
* what the rest are (different period, scope, as-of, revision, different thing, extraction error);
* **true conflicts found**: of the true conflicts anywhere in the pool, the share the rules show
  (``loose`` and ``near`` are samples, so this is an upper bound on recall, not recall);
* for round 2 (``near``: pairs the rules keep apart, drawn per reason after the rules were frozen), the
  labels per reason: a reason whose pairs are true conflicts is a rule that hides them.

``--rerun`` runs the current rules over the corpus again (about 40 s) and scores what they show now
instead of what they showed when the pool was drawn; pairs they show that nobody judged are counted
as unjudged (pool and judge them before quoting a figure).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
POOL = REPO / "tests" / "data" / "conflict_pool.jsonl"
LABELS = REPO / "tests" / "data" / "conflict_labels.jsonl"
TRUE = "true_conflict"
LABEL_SET = (
    "true_conflict",
    "different_period",
    "different_scope",
    "different_asof",
    "revision",
    "different_thing",
    "extraction_error",
)


def load(path: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def rerun_rules() -> set[str]:
    """Ids of the pool's candidates the current rules show over the whole corpus (new pairs: their ids)."""
    sys.path.insert(0, str(REPO / "scripts"))
    from build_conflict_pool import _add  # noqa: PLC0415
    from eval_search import SHARED, cached_store  # noqa: PLC0415

    from themeflow.facts import extract_facts
    from themeflow.facts.group import group_facts
    from themeflow.service import Themeflow

    store = cached_store(SHARED / "news.jsonl", "full", set())
    path = store.path
    store.close()
    out: dict[str, dict[str, object]] = {}
    with Themeflow.open(path, read_only=True) as tf:
        docs = {d.id: d for d in tf.store.iter_documents()}
        facts = [f for d in docs.values() for f in extract_facts(d)]
        for conflict in group_facts(facts, docs, tf.store.stories_for(list(docs))).conflicts:
            _add(out, conflict, "rules")
    return set(out)


def report(split: str, shown_now: set[str] | None = None) -> dict[str, object]:
    pool = {str(r["id"]): r for r in load(POOL)}
    labels = {str(r["id"]): str(r["label"]) for r in load(LABELS)} if LABELS.exists() else {}
    rows = [r for r in pool.values() if split in ("all", r["split"])]
    by_method: dict[str, Counter[str]] = {}
    for r in rows:
        label = labels.get(str(r["id"]), "unjudged")
        for method in r["methods"]:  # type: ignore[attr-defined]
            by_method.setdefault(str(method), Counter())[label] += 1
    if shown_now is not None:
        now = Counter(
            labels.get(i, "unjudged")
            for i in shown_now
            if i not in pool or split in ("all", pool[i]["split"])
        )
        by_method["rules (rerun)"] = now
    true_all = sum(1 for r in rows if labels.get(str(r["id"])) == TRUE)
    true_rules = sum(1 for r in rows if labels.get(str(r["id"])) == TRUE and "rules" in r["methods"])  # type: ignore[operator]
    out: dict[str, object] = {
        "split": split,
        "candidates": len(rows),
        "judged": sum(str(r["id"]) in labels for r in rows),
    }
    for method, tally in sorted(by_method.items()):
        judged = sum(v for k, v in tally.items() if k != "unjudged")
        out[method] = {
            "pairs": sum(tally.values()),
            "precision": round(tally[TRUE] / judged, 3) if judged else None,
            "labels": dict(tally.most_common()),
        }
    near: dict[str, Counter[str]] = {}
    for r in rows:
        if "reason" in r:
            near.setdefault(str(r["reason"]), Counter())[labels.get(str(r["id"]), "unjudged")] += 1
    if near:
        out["near_by_reason"] = {k: dict(v.most_common()) for k, v in sorted(near.items())}
    out["true_conflicts_in_pool"] = true_all
    out["true_conflicts_the_rules_show"] = true_rules
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", default="all", choices=("dev", "blind", "all"))
    ap.add_argument("--rerun", action="store_true")
    args = ap.parse_args()
    shown_now = rerun_rules() if args.rerun else None
    splits = ("dev", "blind", "all") if args.split == "all" else (args.split,)
    for split in splits:
        print(json.dumps(report(split, shown_now), ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

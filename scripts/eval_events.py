"""Precision and recall of the same-event rule (and of copy detection) on the pooled, hand-labelled pairs.

    python scripts/eval_events.py [--split dev|blind|all] [--errors] [--sweep]

Labels: ``tests/data/event_pairs.jsonl`` (ids, labels, split; the guide is ``docs/event-labelling.md``);
texts: ``../shared/data/news.jsonl``. Positives for the event rule: ``same_event`` and ``copy`` (a copy is
one happening too); negatives: ``related`` and ``different``. The pairs are never one stored story (the
pool left copies already folded out), so ``copy`` labels here are copies the copy detector missed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from themeflow.events import (  # noqa: E402
    DEFAULT_EVENT_CONFIG,
    EventConfig,
    event_features,
    event_signature,
    same_event,
)
from themeflow.model import Document  # noqa: E402

LABELS = REPO / "tests" / "data" / "event_pairs.jsonl"
NEWS = REPO.parent / "shared" / "data" / "news.jsonl"
POSITIVE = {"same_event", "copy"}


def load_documents(ids: set[str]) -> dict[str, Document]:
    """The labelled pairs' articles (as ``eval_facts`` reads the shared corpus)."""
    from eval_facts import load_documents as read

    return {d.id: d for d in read(NEWS, ids)}


def score(rows: list[dict[str, str]], sigs: dict, config: EventConfig) -> tuple[int, int, int, int]:  # type: ignore[type-arg]
    tp = fp = fn = tn = 0
    for r in rows:
        said = same_event(sigs[r["a"]], sigs[r["b"]], config)
        truth = r["label"] in POSITIVE
        tp += said and truth
        fp += said and not truth
        fn += truth and not said
        tn += not said and not truth
    return tp, fp, fn, tn


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="dev", choices=["dev", "blind", "all"])
    ap.add_argument("--errors", action="store_true")
    ap.add_argument("--sweep", action="store_true")
    args = ap.parse_args()
    rows = [json.loads(x) for x in LABELS.read_text(encoding="utf-8").splitlines() if x.strip()]
    rows = [r for r in rows if args.split == "all" or r["split"] == args.split]
    docs = load_documents({r["a"] for r in rows} | {r["b"] for r in rows})
    sigs = {i: event_signature(d) for i, d in docs.items()}
    labels: dict[str, int] = {}
    for r in rows:
        labels[r["label"]] = labels.get(r["label"], 0) + 1
    tp, fp, fn, tn = score(rows, sigs, DEFAULT_EVENT_CONFIG)
    p = tp / (tp + fp) if tp + fp else 1.0
    rec = tp / (tp + fn) if tp + fn else 1.0
    print(f"split={args.split} pairs={len(rows)} labels={labels}")
    print(
        f"events: precision {p:.3f} ({tp}/{tp + fp})  recall {rec:.3f} ({tp}/{tp + fn})  config={DEFAULT_EVENT_CONFIG}"
    )
    if args.sweep:
        for near in (0.35, 0.4, 0.45, 0.5):
            for lead in (0.25, 0.3, 0.35):
                for facts in (1, 2, 3):
                    c = dataclasses.replace(
                        DEFAULT_EVENT_CONFIG, near_identical_lead=near, lead=lead, lead_facts=facts
                    )
                    tp2, fp2, fn2, _ = score(rows, sigs, c)
                    p2 = tp2 / (tp2 + fp2) if tp2 + fp2 else 1.0
                    print(
                        f"  near {near} lead {lead} facts {facts}: P {p2:.3f} R {tp2 / max(1, tp2 + fn2):.3f} tp {tp2} fp {fp2}"
                    )
    if args.errors:
        for r in rows:
            said = same_event(sigs[r["a"]], sigs[r["b"]])
            truth = r["label"] in POSITIVE
            if said != truth:
                f = event_features(sigs[r["a"]], sigs[r["b"]])
                kind = "FP" if said else "FN"
                print(
                    f"{kind} {r['label']:10s} h={f.hours if f.hours is None else round(f.hours, 1)} "
                    f"title={f.title:.2f} lead={f.lead:.2f} figs={f.figures} ents={f.entities}  "
                    f"{docs[r['a']].title[:30]} | {docs[r['b']].title[:30]}  ({r.get('note', '')[:80]})"
                )


if __name__ == "__main__":
    main()

"""Precision and recall of copy detection on the labelled pairs, with a threshold sweep.

    python scripts/eval_dedup.py                  # sweep with the default config
    python scripts/eval_dedup.py --num-perm 256   # the same with a larger signature
    python scripts/eval_dedup.py --json
    python scripts/eval_dedup.py --labels tests/data/copy_pairs.jsonl --split dev   # the pooled copy set

Labels: ``tests/data/dedup_pairs.jsonl`` (ids and labels only); texts: ``../shared/data/news.jsonl``.
A pair counts as detected when :func:`themeflow.dedup.linked` holds — the decision the store makes
(an LSH candidate *and* a verified copy). Only "copy" is positive; every other label ("rewrite",
"different", and in the pooled set ``tests/data/copy_pairs.jsonl`` "contains", "same_event", "template")
is negative. The pooled set has a ``blind`` split that is scored once, after the rules are fixed. The sweep
varies ``threshold`` only; the vetoes stay on. It also reports how far the MinHash estimate is from
the exact shingle Jaccard, which is what ``num_perm`` buys.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sqlite3
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from themeflow import dedup  # noqa: E402
from themeflow.store.sqlite.stories import title_is_derived  # noqa: E402

LABELS = REPO / "tests" / "data" / "dedup_pairs.jsonl"
SHARED = REPO.parent / "shared" / "data" / "news.jsonl"


def load_labels(path: Path = LABELS) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_texts(ids: set[str], path: Path = SHARED) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec["id"] in ids:
                out[rec["id"]] = rec
    missing = ids - out.keys()
    if missing:
        raise SystemExit(f"{len(missing)} labelled ids not in {path}: {sorted(missing)[:5]}")
    return out


def scores(tp: int, fp: int, fn: int) -> tuple[float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall


def family(doc_id: str) -> str:
    """The corpus family of a document id (``cc``, ``crud``, ``fr``, ``fincuge-finnsp`` = Weibo posts …)."""
    parts = doc_id.split("-")
    return "-".join(parts[:2]) if parts[0] == "fincuge" else parts[0]


def stored_titles(db: Path) -> dict[str, tuple[str, bool]]:
    """The titles a store fingerprints for the corpus records, by corpus id, each with whether ingest
    derived it from the first sentence (:func:`themeflow.store.sqlite.stories.title_is_derived`)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = conn.execute("SELECT meta, title FROM documents").fetchall()
    out = {}
    for meta, title in rows:
        data = json.loads(meta) if meta else {}
        if data.get("source_id"):
            out[str(data["source_id"])] = (str(title or ""), title_is_derived(data))
    return out


def evaluate(
    labels: list[dict[str, str]],
    texts: dict[str, dict[str, str]],
    config: dedup.DedupConfig,
    titles: dict[str, tuple[str, bool]] | None = None,
) -> dict[str, object]:
    """Precision/recall at ``config`` plus the per-pair decisions (for error analysis) and the recall of
    each corpus family. ``titles`` replaces the records' own titles (a store's, see :func:`stored_titles`)."""
    own = {i: (r.get("title") or "", False) for i, r in texts.items()}
    fps = {
        i: dedup.fingerprint_text(r["text"], t, config, title_derived=derived)
        for i, r in texts.items()
        for t, derived in [(titles or own).get(i, own[i])]
    }
    tp = fp = fn = 0
    errors = []
    by_family: dict[str, Counter[str]] = {}
    for lab in labels:
        a, b = fps[lab["a"]], fps[lab["b"]]
        got = dedup.linked(a, b, config)
        want = lab["label"] == "copy"
        tp += got and want
        fp += got and not want
        fn += want and not got
        fam = by_family.setdefault(family(lab["a"]), Counter())
        fam.update({"tp": int(got and want), "fp": int(got and not want), "fn": int(want and not got)})
        if got != want:
            errors.append({**lab, "similarity": round(dedup.similarity(a, b), 3)})
    p, r = scores(tp, fp, fn)
    families = {
        f: dict(zip(("precision", "recall"), scores(c["tp"], c["fp"], c["fn"]), strict=True)) | dict(c)
        for f, c in sorted(by_family.items())
    }
    return {"precision": p, "recall": r, "tp": tp, "fp": fp, "fn": fn, "errors": errors, "families": families}


def estimator_error(
    labels: list[dict[str, str]], texts: dict[str, dict[str, str]], config: dedup.DedupConfig
) -> float:
    """Mean absolute error of the MinHash estimate against the exact shingle Jaccard."""
    errs = []
    for lab in labels:
        ta, tb = texts[lab["a"]]["text"], texts[lab["b"]]["text"]
        sa = set(dedup.shingle_hashes(dedup.normalize(ta), config.shingle_k).tolist())
        sb = set(dedup.shingle_hashes(dedup.normalize(tb), config.shingle_k).tolist())
        if not sa or not sb:
            continue
        exact = len(sa & sb) / len(sa | sb)
        fa, fb = dedup.fingerprint_text(ta, "", config), dedup.fingerprint_text(tb, "", config)
        errs.append(abs(dedup.similarity(fa, fb) - exact))
    return sum(errs) / len(errs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--num-perm", type=int, default=dedup.DEFAULT_CONFIG.num_perm)
    ap.add_argument("--json", action="store_true", help="print one JSON document")
    ap.add_argument("--labels", type=Path, default=LABELS, help="a labelled pair file")
    ap.add_argument(
        "--split", choices=["dev", "blind", "all"], default="all", help="pairs of this split only"
    )
    ap.add_argument("--no-containment", action="store_true", help="the rules without sentence containment")
    ap.add_argument("--db", type=Path, help="use the titles this ingested store holds (what it fingerprints)")
    args = ap.parse_args(argv)
    d = dedup.DEFAULT_CONFIG
    base = dataclasses.replace(d, num_perm=args.num_perm, bands=min(d.bands, args.num_perm // d.rows))
    if args.no_containment:
        base = dataclasses.replace(base, min_containment=float("inf"))
    labels = [lab for lab in load_labels(args.labels) if args.split in ("all", lab.get("split", "dev"))]
    texts = load_texts({x for lab in labels for x in (lab["a"], lab["b"])})
    counts = Counter(lab["label"] for lab in labels)
    titles = stored_titles(args.db) if args.db else None
    sweep = []
    for t in [0.5, 0.55, 0.6, 0.62, 0.64, 0.65, 0.66, 0.67, 0.68, 0.7, 0.72, 0.75, 0.8, 0.85, 0.9]:
        res = evaluate(labels, texts, dataclasses.replace(base, threshold=t), titles)
        sweep.append({"threshold": t, **{k: res[k] for k in ("precision", "recall", "tp", "fp", "fn")}})
    chosen = evaluate(labels, texts, base, titles)
    report = {
        "labels": dict(counts),
        "config": dataclasses.asdict(base),
        "precision": chosen["precision"],
        "recall": chosen["recall"],
        "families": chosen["families"],
        "errors": chosen["errors"],
        "sweep": sweep,
        "minhash_mae": estimator_error(labels, texts, base),
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print(f"labels: {dict(counts)}   num_perm={base.num_perm}  MinHash MAE={report['minhash_mae']:.3f}")
    print(" threshold  precision  recall   tp  fp  fn")
    for row in sweep:
        mark = " <" if abs(row["threshold"] - base.threshold) < 1e-9 else ""
        print(
            f"   {row['threshold']:.2f}      {row['precision']:.3f}    {row['recall']:.3f}  "
            f"{row['tp']:3d} {row['fp']:3d} {row['fn']:3d}{mark}"
        )
    print(
        f"chosen threshold {base.threshold}: precision {chosen['precision']:.3f}, recall {chosen['recall']:.3f}"
    )
    for fam, row in chosen["families"].items():  # type: ignore[attr-defined]
        tp, fp, fn = row.get("tp", 0), row.get("fp", 0), row.get("fn", 0)
        if tp + fp + fn:
            p, r = row["precision"], row["recall"]
            print(f"  {fam:16s} precision {p:.3f}  recall {r:.3f}  (tp {tp}, fp {fp}, fn {fn})")
    for e in chosen["errors"]:
        print(f"  miss/false: {e['label']:9s} sim={e['similarity']:.2f} {e['a']} {e['b']}  {e['note']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Propose candidate pairs for labelling copies vs rewrites vs different articles.

    python scripts/label_dedup_pairs.py candidates --limit 40     # print pairs to judge
    python scripts/label_dedup_pairs.py show ID_A ID_B            # a normalized diff of one pair
    python scripts/label_dedup_pairs.py check                     # labels file is well-formed

Candidates come from two sources, so the labels are not only the pairs the detector already finds:
body MinHash at a low threshold (catches copies and templated reports) and headline bigram overlap
across documents (catches rewrites of the same event, whose bodies differ). The human labeller reads
each pair and writes ``{"a", "b", "label": "copy"|"rewrite"|"different", "note"}`` to
``tests/data/dedup_pairs.jsonl`` — ids and a short note only, never article text (the texts are the
outlets' copyright and stay in ``../shared/data``).
"""

from __future__ import annotations

import argparse
import difflib
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from themeflow import dedup  # noqa: E402

SHARED = REPO.parent / "shared" / "data" / "news.jsonl"
LABELS = REPO / "tests" / "data" / "dedup_pairs.jsonl"
LOW = dedup.DedupConfig(bands=64, rows=2, threshold=0.1)


def load(path: Path = SHARED) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return {r["id"]: r for r in map(json.loads, fh)}


def body_candidates(docs: dict[str, dict[str, str]], lo: float) -> list[tuple[str, str, float]]:
    """Pairs with estimated body Jaccard ≥ ``lo`` (2-row bands: a low, wide net)."""
    fps = {i: dedup.fingerprint_text(r["text"], r.get("title") or "", LOW) for i, r in docs.items()}
    buckets: dict[int, list[str]] = defaultdict(list)
    for i, fp in fps.items():
        if fp.signature is not None:
            for k in dedup.band_keys(fp.signature, LOW):
                buckets[k].append(i)
    seen: set[tuple[str, str]] = set()
    out = []
    for ids in buckets.values():
        if len(ids) > 50:  # a template bucket: sampled elsewhere, not enumerated
            continue
        for x in range(len(ids)):
            for y in range(x + 1, len(ids)):
                a, b = sorted((ids[x], ids[y]))
                if (a, b) not in seen:
                    seen.add((a, b))
                    s = dedup.similarity(fps[a], fps[b])
                    if s >= lo:
                        out.append((a, b, s))
    return out


def title_candidates(docs: dict[str, dict[str, str]], lo: float) -> list[tuple[str, str, float]]:
    """Pairs whose headlines overlap (bigram Dice ≥ ``lo``): where rewrites of one event hide."""
    grams: dict[str, set[str]] = {}
    inv: dict[str, set[str]] = defaultdict(set)
    for i, r in docs.items():
        if r.get("title"):
            n = dedup.normalize(r["title"])
            grams[i] = {n[j : j + 2] for j in range(len(n) - 1)}
            for g in grams[i]:
                inv[g].add(i)
    out = []
    for i, gs in grams.items():
        hits: dict[str, int] = defaultdict(int)
        for g in gs:
            if len(inv[g]) < 200:
                for o in inv[g]:
                    if o > i:
                        hits[o] += 1
        for o, c in hits.items():
            dice = 2 * c / (len(gs) + len(grams[o]))
            if dice >= lo:
                out.append((i, o, dice))
    return out


def show(docs: dict[str, dict[str, str]], a: str, b: str) -> None:
    ra, rb = docs[a], docs[b]
    na, nb = dedup.normalize(ra["text"]), dedup.normalize(rb["text"])
    fa = dedup.fingerprint_text(ra["text"], ra.get("title") or "")
    fb = dedup.fingerprint_text(rb["text"], rb.get("title") or "")
    print(f"{a} | {ra.get('source')} | {ra.get('published')} | {ra.get('title')}")
    print(f"{b} | {rb.get('source')} | {rb.get('published')} | {rb.get('title')}")
    print(f"similarity={dedup.similarity(fa, fb):.2f} figures={dedup.figure_agreement(fa, fb)}")
    sm = difflib.SequenceMatcher(None, na, nb, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag != "equal" and (i2 - i1 > 4 or j2 - j1 > 4):
            print(f"  {tag} @{i1}: [{na[i1:i2][:80]}] -> [{nb[j1:j2][:80]}]")


def check(path: Path = LABELS) -> int:
    bad = 0
    seen = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        rec = json.loads(line)
        key = tuple(sorted((rec["a"], rec["b"])))
        if (
            rec["label"] not in {"copy", "rewrite", "different"}
            or key in seen
            or len(rec.get("note", "")) > 200
        ):
            print(f"line {n}: bad label, duplicate pair or overlong note")
            bad += 1
        seen.add(key)
    print(f"{len(seen)} pairs, {bad} problems")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("candidates")
    c.add_argument("--limit", type=int, default=40)
    c.add_argument("--seed", type=int, default=7)
    s = sub.add_parser("show")
    s.add_argument("a")
    s.add_argument("b")
    sub.add_parser("check")
    args = ap.parse_args(argv)
    if args.cmd == "check":
        return check()
    docs = load()
    if args.cmd == "show":
        show(docs, args.a, args.b)
        return 0
    rng = random.Random(args.seed)
    body = body_candidates(docs, 0.3)
    titles = title_candidates(docs, 0.5)
    # Stratify by similarity so the boundary (0.5–0.9) is not drowned by exact duplicates.
    for lo in (0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3):
        band = [p for p in body if lo <= p[2] < lo + 0.1]
        for a, b, sim in rng.sample(band, min(len(band), args.limit // 10)):
            print(f"body  {sim:.2f} {a} {b}")
    for a, b, dice in rng.sample(titles, min(len(titles), args.limit // 3)):
        print(f"title {dice:.2f} {a} {b}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

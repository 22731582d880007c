"""Build the pooled candidate set of copy pairs for labelling (ids only; texts stay in ../shared).

    python scripts/build_copy_pool.py --db STORE.db [--out tests/data/copy_pairs_pool.jsonl]

Why pooled: a labelled set drawn from one detector's candidates can only confirm that detector. Pairs come
from generators that each look at a different signal, then are merged, so every copy rule is scored on pairs
it did not choose (``docs/copy-labelling.md``):

* ``sent-lo`` / ``sent-mid`` / ``sent-hi`` — the pair shares at least two distinctive sentences (normalized,
  ≥ 12 characters, held by at most 32 documents), binned by how much of the *smaller* side's sentence text is
  shared: < 0.5, 0.5–0.8, ≥ 0.8. Excerpts, wrapped copies and roundups that carry a flash live here;
* ``minhash-grey`` — estimated shingle Jaccard 0.3–0.67, just below today's copy threshold (found by a
  looser banding of the stored signature: 42 bands of 3 rows);
* ``vetoed`` — Jaccard ≥ 0.67 but kept apart by the figure or title veto;
* ``headline`` — (near-)identical headlines (bigram Dice ≥ 0.8) in different stories: retitled-copy negatives
  and reused titles;
* ``folded`` — one random pair inside each of today's multi-copy stories, so the precision of existing
  folds is pooled too.

The committed pool (``tests/data/copy_pairs_pool.jsonl``) was drawn from a store built by a6eb127, before
containment: a store whose stories were rebuilt since gives another ``folded`` draw.

Every pair is two distinct documents; ``folded`` pairs share a story, the others may or may not. Up to
``--per`` pairs per generator are sampled (seeded); the pool is split by a hash of the pair into ``dev``
(60%) and ``blind`` (40%).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from pooling import stored_titles, stories_by_source_id, write_pool  # noqa: E402

from themeflow import dedup  # noqa: E402

NEWS = REPO.parent / "shared" / "data" / "news.jsonl"
SENTENCE_END = re.compile(r"[。！？!?；;\n]+")
MIN_SENTENCE = 12
MAX_HOLDERS = 32


def sentences(text: str) -> dict[int, int]:
    """Distinct normalized sentences (≥ 12 characters) as hash → length."""
    out: dict[int, int] = {}
    for raw in SENTENCE_END.split(text):
        n = dedup.normalize(raw)
        if len(n) >= MIN_SENTENCE:
            h = int.from_bytes(hashlib.blake2b(n.encode(), digest_size=8).digest(), "little")
            out[h] = len(n)
    return out


def loose_keys(sig: np.ndarray, rows: int = 3, bands: int = 42) -> list[bytes]:
    raw = sig.astype("<u4").tobytes()
    return [bytes([b]) + raw[b * 4 * rows : (b + 1) * 4 * rows] for b in range(bands)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--out", default=str(REPO / "tests" / "data" / "copy_pairs_pool.jsonl"))
    ap.add_argument("--per", type=int, default=45)
    ap.add_argument("--seed", type=int, default=20261206)
    ap.add_argument("--exclude", nargs="*", default=[str(REPO / "tests" / "data" / "dedup_pairs.jsonl")])
    args = ap.parse_args()

    known: set[tuple[str, str]] = set()
    for path in args.exclude:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                known.add((min(r["a"], r["b"]), max(r["a"], r["b"])))

    texts: dict[str, str] = {}
    with NEWS.open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            texts[r["id"]] = r["text"]
    titles = stored_titles(args.db)  # the titles the store fingerprinted (derived ones included)
    ids = sorted(texts)
    print(f"{len(ids)} documents", file=sys.stderr)
    fps = {i: dedup.fingerprint_text(texts[i], titles.get(i, "")) for i in ids}
    sents = {i: sentences(texts[i]) for i in ids}

    story = stories_by_source_id(args.db, ids)

    def key(a: str, b: str) -> tuple[str, str]:
        return (min(a, b), max(a, b))

    by_gen: dict[str, set[tuple[str, str]]] = defaultdict(set)

    # Shared distinctive sentences, binned by containment of the smaller side.
    holders: dict[int, list[str]] = defaultdict(list)
    for i in ids:
        for h in sents[i]:
            holders[h].append(i)
    shared: dict[tuple[str, str], int] = defaultdict(int)
    for docs in holders.values():
        if 2 <= len(docs) <= MAX_HOLDERS:
            for a, b in combinations(docs, 2):
                shared[key(a, b)] += 1
    for (a, b), n in shared.items():
        if n < 2:
            continue
        sa, sb = sents[a], sents[b]
        small, big = (sa, sb) if sum(sa.values()) <= sum(sb.values()) else (sb, sa)
        common = sum(length for h, length in small.items() if h in big)
        c = common / max(1, sum(small.values()))
        by_gen["sent-hi" if c >= 0.8 else "sent-mid" if c >= 0.5 else "sent-lo"].add((a, b))

    # MinHash grey zone through a looser banding.
    buckets: dict[bytes, list[str]] = defaultdict(list)
    for i in ids:
        sig = fps[i].signature
        if sig is not None:
            for k in loose_keys(sig):
                buckets[k].append(i)
    grey: set[tuple[str, str]] = set()
    for docs in buckets.values():
        if 2 <= len(docs) <= 200:
            grey.update(key(a, b) for a, b in combinations(docs, 2))
    for a, b in grey:
        sim = dedup.similarity(fps[a], fps[b])
        if 0.3 <= sim < dedup.DEFAULT_CONFIG.threshold:
            by_gen["minhash-grey"].add((a, b))
        elif sim >= dedup.DEFAULT_CONFIG.threshold and not dedup.is_copy(fps[a], fps[b]):
            by_gen["vetoed"].add((a, b))

    # Same or near-same headlines in different stories.
    title_index: dict[str, list[str]] = defaultdict(list)
    for i in ids:
        t = dedup.normalize(titles.get(i, ""))
        if len(t) >= 8:
            title_index[t[:8]].append(i)
    for docs in title_index.values():
        if len(docs) > 60:
            continue
        for a, b in combinations(docs, 2):
            if (
                story[a] != story[b]
                and dedup.dice(dedup.char_bigrams(titles.get(a, "")), dedup.char_bigrams(titles.get(b, "")))
                >= 0.8
            ):
                by_gen["headline"].add(key(a, b))

    # Pairs inside today's multi-copy stories.
    members: dict[str, list[str]] = defaultdict(list)
    for i in ids:
        members[story[i]].append(i)
    fold_rng = random.Random(args.seed)
    for docs in members.values():
        if len(docs) >= 2:  # one pair per story, so a story of 100 copies does not fill the sample
            a, b = fold_rng.sample(sorted(docs), 2)
            by_gen["folded"].add(key(a, b))

    rng = random.Random(args.seed)
    chosen: dict[tuple[str, str], set[str]] = defaultdict(set)
    order = ("sent-lo", "sent-mid", "sent-hi", "minhash-grey", "vetoed", "headline", "folded")
    for g in order:
        cands = sorted(p for p in by_gen.get(g, set()) if p not in known and p[0] != p[1])
        print(f"{g}: {len(cands)} candidates", file=sys.stderr)
        for p in rng.sample(cands, min(args.per, len(cands))):
            chosen[p].add(g)
    # Record every generator that would have produced a chosen pair (the pool's provenance).
    for p, gens in chosen.items():
        gens.update(g for g in order if p in by_gen.get(g, set()))
    write_pool(chosen, Path(args.out))


if __name__ == "__main__":
    main()

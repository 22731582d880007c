"""Build the pooled candidate set of same-event pairs for labelling (ids only; texts stay in ../shared).

    python scripts/build_event_pool.py --db STORE.db [--out tests/data/event_pairs_pool.jsonl]

Why pooled: a labelled set drawn from one method's candidates can only confirm that method. Pairs are
drawn from several independent generators, each on its own signal, then merged, so the event rule is
scored on pairs it did not choose:

* ``title``   — headline character-bigram Dice ≥ 0.4;
* ``lead``    — bigram Dice of the normalized leads (title + first 300 characters) ≥ 0.25;
* ``figures`` — at least two shared figures (numbers with their unit) in the bodies;
* ``legacy``  — the first same-event rule (headline Dice ≥ 0.3 and two shared figures, 48 hours);
* ``near``    — any other candidate (shares a rare figure or three title bigrams): hard negatives.

Every pair: two documents of different stories (copies are the copy detector's job), from different
outlets, published within 36 hours. Up to ``--per`` pairs per generator are sampled (seeded); the pool is
split by a hash of the pair into ``dev`` (60%) and ``blind`` (40%).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from pooling import stories_by_source_id, write_pool  # noqa: E402

from themeflow import dedup  # noqa: E402

NEWS = REPO.parent / "shared" / "data" / "news.jsonl"
WINDOW = timedelta(hours=36)
FIGURE = re.compile(r"\d+(?:\.\d+)?(?:%|亿|万|千|百|元|美元|港元|股|家|倍|个|年|月|日|GW|MW|吨|台|辆|点)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--out", default=str(REPO / "tests" / "data" / "event_pairs_pool.jsonl"))
    ap.add_argument("--per", type=int, default=60)
    ap.add_argument("--seed", type=int, default=20261206)
    args = ap.parse_args()

    docs: dict[str, dict[str, object]] = {}
    with NEWS.open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            pub = r.get("published") or ""
            if "T" not in pub or r.get("published_note") or not r.get("source") or not r.get("title"):
                continue  # an event needs a real publish time, an outlet and a headline
            text = r["text"]
            docs[r["id"]] = {
                "title": r["title"],
                "source": r["source"],
                "published": datetime.fromisoformat(pub),
                "lead": dedup.char_bigrams(r["title"] + text[:300]),
                "tb": dedup.char_bigrams(r["title"]),
                "figs": frozenset(FIGURE.findall(text)),
                "text": text,
            }
    story = stories_by_source_id(args.db, list(docs))  # store ids are not corpus ids

    fig_index: dict[str, list[str]] = defaultdict(list)
    bi_index: dict[str, list[str]] = defaultdict(list)
    for i, d in docs.items():
        for f in d["figs"]:  # type: ignore[attr-defined]
            fig_index[f].append(i)
        for b in d["tb"]:  # type: ignore[attr-defined]
            bi_index[b].append(i)
    shared_bi: dict[tuple[str, str], int] = defaultdict(int)
    for ids in bi_index.values():
        if len(ids) > 150:
            continue
        for x in range(len(ids)):
            for y in range(x + 1, len(ids)):
                shared_bi[(min(ids[x], ids[y]), max(ids[x], ids[y]))] += 1
    pairs = {p for p, n in shared_bi.items() if n >= 3}
    for ids in fig_index.values():
        if 2 <= len(ids) <= 40:
            for x in range(len(ids)):
                for y in range(x + 1, len(ids)):
                    pairs.add((min(ids[x], ids[y]), max(ids[x], ids[y])))

    by_gen: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for a, b in sorted(pairs):
        da, db = docs[a], docs[b]
        if story[a] == story[b] or da["source"] == db["source"]:
            continue
        if abs(da["published"] - db["published"]) > WINDOW:  # type: ignore[operator]
            continue
        gens = []
        if dedup.dice(da["tb"], db["tb"]) >= 0.4:  # type: ignore[arg-type]
            gens.append("title")
        if dedup.dice(da["lead"], db["lead"]) >= 0.25:  # type: ignore[arg-type]
            gens.append("lead")
        if len(da["figs"] & db["figs"]) >= 2:  # type: ignore[operator]
            gens.append("figures")
        if (
            dedup.dice(da["tb"], db["tb"]) >= 0.3
            and len(dedup.figures(da["text"]) & dedup.figures(db["text"])) >= 2
        ):  # type: ignore[arg-type]
            gens.append("legacy")  # the first same-event rule: headline overlap and two shared figures
        for g in gens or ["near"]:
            by_gen[g].append((a, b))

    rng = random.Random(args.seed)
    chosen: dict[tuple[str, str], set[str]] = defaultdict(set)
    for g in ("title", "lead", "figures", "legacy", "near"):
        cands = by_gen.get(g, [])
        print(f"{g}: {len(cands)} candidates", file=sys.stderr)
        for p in rng.sample(cands, min(args.per, len(cands))):
            chosen[p].add(g)
    write_pool(chosen, Path(args.out))


if __name__ == "__main__":
    main()

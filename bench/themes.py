"""Theme query latency per search mode, on the same store in the same run (strict AND is the baseline).

    python bench/themes.py                          # the shared corpus (18k documents)
    python bench/themes.py --db /tmp/big.db         # any store built by bench/search.py (e.g. 100k, 1M)
    python bench/themes.py --modes strict,expanded,semantic,hybrid --db SUBSET.db   # stores with vectors

Each of the pooled set's theme names (scripts/eval_themes.py) is searched ``--reps`` times per mode, by
relevance and newest first (20 hits, snippets included: what a user waits for). Modes are interleaved per
query so machine noise falls on all of them alike. Reports p50/p95 milliseconds and the p50 ratio to strict.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from eval_search import SHARED, cached_store  # noqa: E402
from eval_themes import THEMES  # noqa: E402

from themeflow.service import Themeflow  # noqa: E402
from themeflow.store.sqlite import SQLiteStore  # noqa: E402

MODE_ARGS: dict[str, dict[str, object]] = {
    "strict": {"strict": True},
    "expanded": {},
    "semantic": {"mode": "semantic"},
    "hybrid": {"mode": "hybrid"},
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", help="an existing store (default: the shared corpus, indexed once into /tmp)")
    parser.add_argument("--modes", default="strict,expanded")
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    if args.db:
        db = Path(args.db)
    else:
        store = cached_store(SHARED / "news.jsonl", "full", set())
        db = Path(store.path)
        store.close()
    modes = args.modes.split(",")
    times: dict[tuple[str, str], list[float]] = {(m, s): [] for m in modes for s in ("relevance", "time")}
    with Themeflow.open(db) as tf:
        print(f"{tf.store.count_documents()} documents in {db}", file=sys.stderr)
        for theme in THEMES:  # warm every path once (columns, caches, the embedding model)
            for mode in modes:
                tf.search(theme, **MODE_ARGS[mode])  # type: ignore[arg-type]
        for _ in range(args.reps):
            for theme in THEMES:
                for sort in ("relevance", "time"):
                    for mode in modes:
                        t0 = time.perf_counter()
                        tf.search(theme, sort=sort, **MODE_ARGS[mode])  # type: ignore[arg-type]
                        times[(mode, sort)].append((time.perf_counter() - t0) * 1000)
    for sort in ("relevance", "time"):
        base = statistics.median(times[("strict", sort)]) if "strict" in modes else None
        for mode in modes:
            xs = sorted(times[(mode, sort)])
            p50, p95 = statistics.median(xs), xs[int(0.95 * (len(xs) - 1))]
            ratio = f"  ×{p50 / base:.2f} vs strict" if base else ""
            print(f"{sort:<9} {mode:<9} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  (n={len(xs)}){ratio}")


if __name__ == "__main__":
    _ = SQLiteStore  # the store type the default path builds
    main()

"""Summarizer benchmark: documents/s for the extractive summary and for verification, separately.

Usage::

    python bench/summarize.py            # 400 documents: half fr-, half crud- (../shared/data/news.jsonl)
    python bench/summarize.py --n 2000

Single process, so the numbers are per core (``os.cpu_count()`` is printed for context). Verification is
timed with the figure cache cleared, i.e. as if it ran on its own; in the service it runs right after the
summary and reuses the parsed paragraphs, so the combined figure is conservative. CPU time
(``process_time``) is reported next to wall time because the benchmark machines are shared.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from themeflow.summarize.extractive import ExtractiveSummarizer
from themeflow.summarize.verify import verify
from themeflow.text import numbers

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
from eval_summaries import DEFAULT_DATA, sample  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"needs the shared corpus at {args.data} (../shared/data)", file=sys.stderr)
        return 2
    docs = sample(args.data, {"fr-": args.n // 2, "crud-": args.n - args.n // 2})
    chars = sum(len(d.text) for d in docs)
    summ = ExtractiveSummarizer()
    summ.summarize(docs[0])  # load the segmenter dictionary outside the timing

    numbers._find_cached.cache_clear()
    w0, c0 = time.perf_counter(), time.process_time()
    summaries = [summ.summarize(d) for d in docs]
    w1, c1 = time.perf_counter(), time.process_time()
    numbers._find_cached.cache_clear()
    checked = [verify(s, d) for s, d in zip(summaries, docs, strict=True)]
    w2, c2 = time.perf_counter(), time.process_time()

    n = len(docs)
    bullets = sum(len(s.bullets()) for s in checked)
    print(f"documents {n} ({chars / n:.0f} chars avg), bullets {bullets}, os.cpu_count() = {os.cpu_count()}")
    print(f"summarize : {n / (w1 - w0):7.1f} docs/s wall, {n / (c1 - c0):7.1f} docs/s CPU")
    print(f"verify    : {n / (w2 - w1):7.1f} docs/s wall, {n / (c2 - c1):7.1f} docs/s CPU")
    print(f"both      : {n / (w2 - w0):7.1f} docs/s wall, {n / (c2 - c0):7.1f} docs/s CPU (one core)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

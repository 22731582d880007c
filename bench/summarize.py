"""Summarizer benchmark: documents/s for the extractive summary, for verification, and for both in turn.

Usage::

    python bench/summarize.py            # 400 documents: half fr-, half crud- (../shared/data/news.jsonl)
    python bench/summarize.py --n 2000

Single process, so the numbers are per core (``os.cpu_count()`` is printed for context). Three passes over
the same documents, each starting with every per-text cache of the package emptied (figures, tags,
alignments, doubt features …; the loaded dictionaries, patterns and models stay):

* ``summarize``: every summary;
* ``verify``: every summary's verification, as if it ran on its own (on summaries made before);
* ``in turn``: each document summarized, then its summary verified, as the service does
  (``Themeflow.summarize``): the verifier reads the paragraphs, sentences and candidate bullets the summarizer
  has just read, so this is the cost of one verified summary.

``apart`` adds the first two. CPU time (``process_time``) is reported next to wall time because the benchmark
machines are shared.
"""

from __future__ import annotations

import argparse
import functools
import gc
import os
import sys
import time
from pathlib import Path

from themeflow.summarize.extractive import ExtractiveSummarizer
from themeflow.summarize.verify import verify

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

    forget_texts()
    w0, c0 = time.perf_counter(), time.process_time()
    summaries = [summ.summarize(d) for d in docs]
    w1, c1 = time.perf_counter(), time.process_time()
    forget_texts()
    w2, c2 = time.perf_counter(), time.process_time()
    checked = [verify(s, d) for s, d in zip(summaries, docs, strict=True)]
    w3, c3 = time.perf_counter(), time.process_time()
    forget_texts()
    w4, c4 = time.perf_counter(), time.process_time()
    in_turn = [verify(summ.summarize(d), d) for d in docs]
    w5, c5 = time.perf_counter(), time.process_time()
    assert in_turn == checked, "a verified summary depends on what was cached"

    n = len(docs)
    bullets = sum(len(s.bullets()) for s in checked)
    print(f"documents {n} ({chars / n:.0f} chars avg), bullets {bullets}, os.cpu_count() = {os.cpu_count()}")
    rows = {
        "summarize": (w1 - w0, c1 - c0),
        "verify": (w3 - w2, c3 - c2),
        "apart": (w1 - w0 + w3 - w2, c1 - c0 + c3 - c2),
        "in turn": (w5 - w4, c5 - c4),
    }
    for name, (wall, cpu) in rows.items():
        print(f"{name:<10}: {n / wall:7.1f} docs/s wall, {n / cpu:7.1f} docs/s CPU (one core)")
    return 0


def forget_texts() -> None:
    """Empty every bounded per-text cache of the package (``functools.lru_cache`` with a size); unbounded
    ``cache``s and single-entry ones hold what a running service loads once (patterns, the doubt model)."""
    for obj in gc.get_objects():
        if (
            isinstance(obj, functools._lru_cache_wrapper)
            and getattr(obj, "__module__", "").startswith("themeflow")
            and obj.cache_parameters()["maxsize"] not in (None, 1)
        ):
            obj.cache_clear()


if __name__ == "__main__":
    raise SystemExit(main())

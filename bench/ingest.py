"""Ingest throughput on the shared corpus: readers + normalization, rjieba segmentation alone (the baseline),
then the full ingest into SQLite (``THEMEFLOW_INGEST_WORKERS`` worker processes; 1 for one process).

Prints docs/s and MB/s (input bytes) with the machine's core count, so figures from different machines
can be compared honestly. Needs ../shared/data/news.jsonl (or --corpus PATH).

    python bench/ingest.py [--corpus ../shared/data/news.jsonl] [--repeat 1] [--no-store]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from themeflow.ingest import read_targets  # noqa: E402
from themeflow.model import Document  # noqa: E402


def _line(label: str, docs: int, errors: int, size: int, seconds: float) -> str:
    return (
        f"{label:<28} {docs:>7} docs {errors:>4} errors  {seconds:7.2f} s  "
        f"{docs / seconds:9.0f} docs/s  {size / 1e6 / seconds:7.2f} MB/s"
    )


def bench_readers(corpus: Path) -> None:
    size = corpus.stat().st_size
    t0 = time.perf_counter()
    docs = errors = 0
    for item in read_targets([str(corpus)]):
        if isinstance(item, Document):
            docs += 1
        else:
            errors += 1
    print(_line("read + normalize", docs, errors, size, time.perf_counter() - t0))


def bench_segmentation(corpus: Path) -> float:
    """The baseline the ingest figure is read against: rjieba segmenting every title and text of the corpus
    in one process (no normalization, no index, no writes). Returns its seconds."""
    import json

    import rjieba

    texts = []
    with corpus.open(encoding="utf-8") as f:
        for line in f:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            texts += [str(record.get("title") or ""), str(record.get("text") or "")]
    rjieba.cut("预热")  # the dictionary loads once, outside the timing
    t0 = time.perf_counter()
    for text in texts:
        rjieba.cut(text)
    seconds = time.perf_counter() - t0
    docs = len(texts) // 2
    print(_line("rjieba segmentation alone", docs, 0, corpus.stat().st_size, seconds))
    return seconds


def bench_store(corpus: Path, baseline: float | None = None) -> None:
    try:
        from themeflow.service import Themeflow
    except ImportError as exc:
        print(f"full ingest skipped: themeflow.service not importable ({exc})")
        return
    size = corpus.stat().st_size
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        with Themeflow.open(db) as tf:
            t0 = time.perf_counter()
            report = tf.ingest([str(corpus)])
            first = time.perf_counter() - t0
            print(_line("ingest into SQLite (new)", report.read - report.failed, report.failed, size, first))
            if baseline:
                print(f"{'':<28} {first / baseline:.1f}x the time of rjieba segmentation alone")
            print(f"{'':<28} new={report.new} updated={report.updated} unchanged={report.unchanged}")
            t0 = time.perf_counter()
            again = tf.ingest([str(corpus)])
            second = time.perf_counter() - t0
            print(_line("re-ingest (unchanged)", again.read - again.failed, again.failed, size, second))
            print(f"{'':<28} new={again.new} updated={again.updated} unchanged={again.unchanged}")
        print(f"{'':<28} database size {db.stat().st_size / 1e6:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description="themeflow ingest throughput")
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "data" / "news.jsonl")
    parser.add_argument("--no-store", action="store_true", help="measure the readers only")
    args = parser.parse_args()
    if not args.corpus.exists():
        sys.exit(f"corpus not found: {args.corpus} (the shared data folder ../shared/data)")
    print(
        f"corpus {args.corpus} ({args.corpus.stat().st_size / 1e6:.1f} MB); os.cpu_count()={os.cpu_count()}"
    )
    bench_readers(args.corpus)
    baseline = bench_segmentation(args.corpus)
    if not args.no_store:
        bench_store(args.corpus, baseline)


if __name__ == "__main__":
    main()

"""Document-type benchmark: documents/s of ``text.doctype`` next to two baselines, in one run.

Usage::

    python bench/doctype.py                 # all of ../shared/data/news.jsonl (18,437 documents)
    python bench/doctype.py --analyze 2000  # documents for the segmenter baseline (it is slow)

What is timed, over the same documents in the same process:

- ``len``: a loop that only reads ``len(doc.paragraphs)`` — the floor of any per-document Python pass;
- ``doc_type``: :func:`themeflow.text.doctype.doc_type` on every document (the target is 20,000/s: it
  runs at ingest);
- ``analyze``: ``text.segment.analyze(doc.text)``, the analyzer ingest already runs on every document for
  the index — what the classifier's cost should be small next to (first ``--analyze`` documents only).

Documents are read through ``ingest.records.read_jsonl`` first, outside the timing. Each measurement takes
the best of ``--rounds`` rounds, and CPU time (``process_time``) is printed next to wall time because
benchmark machines are shared: report the ratio to the baselines of the same run, not the absolute rate.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from themeflow.ingest.records import read_jsonl  # noqa: E402
from themeflow.model import Document  # noqa: E402
from themeflow.text import segment  # noqa: E402
from themeflow.text.doctype import doc_type  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data"


def timed(docs: Sequence[Document], work: Callable[[Document], object], rounds: int) -> tuple[float, float]:
    """Best (wall, cpu) seconds of ``rounds`` passes of ``work`` over ``docs``."""
    best_wall = best_cpu = float("inf")
    for _ in range(rounds):
        w0, c0 = time.perf_counter(), time.process_time()
        for doc in docs:
            work(doc)
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return best_wall, best_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--analyze", type=int, default=2000, help="documents for the segmenter baseline")
    args = parser.parse_args()
    path = args.data / "news.jsonl"
    if not path.exists():
        sys.exit(f"needs the shared corpus at {path} (../shared/data)")
    docs = [d for d in read_jsonl(path) if isinstance(d, Document)]
    doc_type(docs[0])  # cue file read and patterns compiled outside the timing
    segment.analyze(docs[0].text)  # segmenter dictionary loaded outside the timing

    rows = [
        ("len(paragraphs)", docs, lambda d: len(d.paragraphs)),
        ("doc_type", docs, doc_type),
        ("segment.analyze", docs[: args.analyze], lambda d: segment.analyze(d.text)),
    ]
    print(f"{len(docs):,} documents, {sum(len(d.text) for d in docs):,} characters; best of {args.rounds}")
    print(f"{'pass':18} {'docs':>7} {'wall docs/s':>12} {'cpu docs/s':>12} {'µs/doc (cpu)':>13}")
    for name, subset, work in rows:
        wall, cpu = timed(subset, work, args.rounds)
        print(
            f"{name:18} {len(subset):>7,} {len(subset) / wall:>12,.0f} {len(subset) / cpu:>12,.0f}"
            f" {1e6 * cpu / len(subset):>13.1f}"
        )
    counts = collections.Counter(doc_type(d) for d in docs)
    print("types:", ", ".join(f"{t} {n:,}" for t, n in counts.most_common()))


if __name__ == "__main__":
    main()

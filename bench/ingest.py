"""Ingest throughput on the shared corpus: readers + normalization, rjieba segmentation alone (the baseline),
then the full ingest into SQLite (``THEMEFLOW_INGEST_WORKERS`` worker processes; 1 for one process).

Prints docs/s and MB/s (input bytes) with the machine's core count, so figures from different machines
can be compared honestly. Needs ../shared/data/news.jsonl (or --corpus PATH).

    python bench/ingest.py [--corpus ../shared/data/news.jsonl] [--no-store] [--replicate 100000]
    python bench/ingest.py --replicate 1000000 --ingest-only    # memory at a million documents

Also prints the database's bytes per document by part, the full-text index against the raw text, and the
peak resident memory of the writer and of its largest child process.

It times the ``src`` of its own tree (put first on ``sys.path``; ``PYTHONPATH`` does not override it): to pair
two commits, check the other one out in a worktree and run *that* tree's ``bench/ingest.py``, alternating.
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


def bench_store(corpus: Path, baseline: float | None = None, *, again: bool = True) -> None:
    try:
        from themeflow.service import Themeflow
    except ImportError as exc:
        print(f"full ingest skipped: themeflow.service not importable ({exc})")
        return
    size = corpus.stat().st_size
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        with Themeflow.open(db) as tf:
            cpu0 = _cpu_seconds()
            t0 = time.perf_counter()
            report = tf.ingest([str(corpus)])
            first = time.perf_counter() - t0
            cpu = _cpu_seconds() - cpu0
            print(_line("ingest into SQLite (new)", report.read - report.failed, report.failed, size, first))
            if baseline:
                print(f"{'':<28} {first / baseline:.1f}x the time of rjieba segmentation alone")
            written = max(report.new + report.updated, 1)
            print(
                f"{'':<28} CPU {cpu:.1f} s (user + system, worker processes included): "
                f"{cpu / written * 1000:.2f} ms a document, {cpu / first:.2f} of {os.cpu_count()} cores busy"
            )
            print(f"{'':<28} new={report.new} updated={report.updated} unchanged={report.unchanged}")
            if again:
                t0 = time.perf_counter()
                rerun = tf.ingest([str(corpus)])
                second = time.perf_counter() - t0
                print(_line("re-ingest (unchanged)", rerun.read - rerun.failed, rerun.failed, size, second))
                print(f"{'':<28} new={rerun.new} updated={rerun.updated} unchanged={rerun.unchanged}")
            docs = tf.store.count_documents()
        print(
            f"{'':<28} database size {db.stat().st_size / 1e6:.1f} MB, {db.stat().st_size / docs:,.0f} bytes a document"
        )
        _space(db, docs)
        _memory()


def _cpu_seconds() -> float:
    """User + system CPU of this process and of its children that have ended (an ingest's reader and
    workers end with it), so an ingest's CPU is the difference across it."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _space(db: Path, docs: int) -> None:
    """Bytes per document by part of the store, and the full-text index against the raw text it indexes."""
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        parts: dict[str, int] = {}
        for name, size in conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
            part = (
                "full-text index"
                if str(name).startswith("doc_fts")
                else "stories and fingerprints"
                if str(name).startswith(("doc_fingerprints", "lsh_bands", "sentence_keys", "stor"))
                else "documents and paragraphs"
                if str(name).startswith(("documents", "paragraphs", "sqlite_autoindex_documents"))
                else "other (tags, indexes, meta)"
            )
            parts[part] = parts.get(part, 0) + int(size)
        raw = sum(
            len(str(t).encode()) + len(str(p).encode())
            for t, p in conn.execute(
                "SELECT d.title, group_concat(p.text, '') FROM documents d JOIN paragraphs p ON p.doc_rowid = d.rowid"
                " GROUP BY d.rowid"
            )
        )
    finally:
        conn.close()
    for part, size in sorted(parts.items(), key=lambda x: -x[1]):
        print(f"{'':<28} {part:<28} {size / docs:>9,.0f} bytes a document")
    index = parts.get("full-text index", 0)
    print(
        f"{'':<28} raw text {raw / docs:,.0f} bytes a document; the full-text index is {index / raw:.2f}x it"
    )


def _memory() -> None:
    """Peak resident memory of this process and of the largest child (a reader or a worker) it waited for."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{'':<28} peak RSS: writer {own:,.0f} MB, largest child {child:,.0f} MB")


def replicate(corpus: Path, n: int, out: Path) -> Path:
    """A corpus of ``n`` documents from ``corpus``: each pass gives every record its own address and a
    rotated paragraph order, so every one is a new document (most join their original's story)."""
    import json

    records = [json.loads(line) for line in corpus.open(encoding="utf-8") if line.strip()]
    with out.open("w", encoding="utf-8") as f:
        for k in range(n):
            r = dict(records[k % len(records)])
            rounds = k // len(records)
            if rounds:
                paras = str(r.get("text") or "").split("\n")
                cut = rounds % max(1, len(paras))
                r["text"] = "\n".join(paras[cut:] + paras[:cut])
                r["url"] = f"https://replica.example.com/{rounds}/{k}.html"
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="themeflow ingest throughput")
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "data" / "news.jsonl")
    parser.add_argument("--no-store", action="store_true", help="measure the readers only")
    parser.add_argument("--replicate", type=int, default=0, help="ingest a corpus of this many documents")
    parser.add_argument(
        "--ingest-only",
        action="store_true",
        help="only the new-store ingest: no reader or rjieba pass (the rjieba pass holds every text in memory,"
        " which would be counted in the peak RSS) and no re-ingest",
    )
    args = parser.parse_args()
    if not args.corpus.exists():
        sys.exit(f"corpus not found: {args.corpus} (the shared data folder ../shared/data)")
    if args.replicate:
        args.corpus = replicate(
            args.corpus, args.replicate, Path(tempfile.gettempdir()) / "themeflow-replica.jsonl"
        )
    print(
        f"corpus {args.corpus} ({args.corpus.stat().st_size / 1e6:.1f} MB); os.cpu_count()={os.cpu_count()}"
    )
    if args.ingest_only:
        bench_store(args.corpus, again=False)
        return
    bench_readers(args.corpus)
    baseline = bench_segmentation(args.corpus)
    if not args.no_store:
        bench_store(args.corpus, baseline)


if __name__ == "__main__":
    main()

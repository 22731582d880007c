"""Benchmark incremental story assignment: documents/s, memory and database size.

    python bench/dedup.py corpus [--n 18437]          # real assign_story on the shared corpus
    python bench/dedup.py scale  [--n 200000]         # synthetic scale-up (--n 1000000 for the full run)
    python bench/dedup.py story  [--size 1500]        # 100 more copies into a story of that many

``corpus`` times :func:`themeflow.store.sqlite.stories.assign_story` end to end (fingerprint +
candidates + verify + story update) on ``../shared/data/news.jsonl``, one transaction per 1,000
documents like a bulk ingest, and splits the time into fingerprinting and the database step.

``scale`` measures what grows with the corpus — the band index, candidate lookups, story updates —
without paying for fingerprints a million times: it fingerprints ``--base`` real articles once and
derives each synthetic document from one of them by perturbing its signature. The mix is 70%
unrelated documents (fresh random signature and sentence keys), 20% templated near-misses (half the
signature and all the sentence keys kept, the figures changed: they become LSH and containment
candidates that verification rejects, the expensive case) and 10% copies of an earlier synthetic
document (5% of the signature perturbed: they join its story). It
reports docs/s per window, so a slowdown as the index grows shows, plus peak RSS and the DB size.

``story`` is the wall a replica or a wire story hits: one real article re-posted ``--size`` times (each copy
its paragraphs rotated, as ``bench/ingest.py --replicate`` makes them), then ``--more`` copies more, timed:
what one new copy of a crowded story costs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from themeflow import dedup  # noqa: E402
from themeflow.model import Document  # noqa: E402
from themeflow.store.sqlite import stories as st  # noqa: E402

SHARED = REPO.parent / "shared" / "data" / "news.jsonl"
CST = timezone(timedelta(hours=8))


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def open_db(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")  # measure index and CPU cost, not the disk's fsync
    conn.execute("PRAGMA cache_size=-262144")  # 256 MB page cache
    conn.executescript(
        "CREATE TABLE IF NOT EXISTS documents (id TEXT UNIQUE, title TEXT, source TEXT, published_at TEXT, url TEXT);"
    )
    st.install(conn)
    return conn


def load_docs(n: int | None) -> list[Document]:
    docs = []
    with SHARED.open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            try:
                published = datetime.fromisoformat(r["published"]) if r.get("published") else None
            except ValueError:
                published = None
            paras = tuple(p for p in r["text"].split("\n") if p.strip())
            docs.append(
                Document(id=r["id"], title=r.get("title") or "", paragraphs=paras, published_at=published)
            )
            if n is not None and len(docs) >= n:
                break
    return docs


def bench_corpus(n: int | None, db: Path) -> dict[str, object]:
    docs = load_docs(n)
    conn = open_db(db)
    t0 = time.perf_counter()
    fp_time = 0.0
    for i in range(0, len(docs), 1000):
        conn.execute("BEGIN")
        for d in docs[i : i + 1000]:
            t = time.perf_counter()
            fp = dedup.fingerprint(d.paragraphs, d.title)
            fp_time += time.perf_counter() - t
            st.assign_fingerprinted(conn, d.id, fp, d.published_at)
        conn.execute("COMMIT")
    total = time.perf_counter() - t0
    multi = conn.execute("SELECT count(*), coalesce(sum(size), 0) FROM stories WHERE size > 1").fetchone()
    conn.close()
    return {
        "mode": "corpus",
        "documents": len(docs),
        "seconds": round(total, 1),
        "docs_per_s": round(len(docs) / total, 1),
        "fingerprint_share": round(fp_time / total, 2),
        "db_step_docs_per_s": round(len(docs) / max(total - fp_time, 1e-9), 1),
        "multi_copy_stories": multi[0],
        "documents_in_them": multi[1],
        "rss_mb": round(rss_mb()),
        "db_mb": round(db_size(db), 1),
    }


def db_size(db: Path) -> float:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*")) / 2**20


def bench_scale(n: int, base: int, window: int, db: Path, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    t = time.perf_counter()
    bases = [dedup.fingerprint(d.paragraphs, "") for d in load_docs(base)]
    bases = [b for b in bases if b.signature is not None]
    fp_seconds = time.perf_counter() - t
    perm = dedup.DEFAULT_CONFIG.num_perm
    conn = open_db(db)
    start = datetime(2025, 1, 1, tzinfo=CST)
    recent: list[dedup.Fingerprint] = []
    windows = []
    t0 = tw = time.perf_counter()
    conn.execute("BEGIN")
    for i in range(n):
        r = rng.random()
        if r < 0.10 and recent:  # a copy of an earlier document
            src = rng.choice(recent)
            sig = src.signature.copy()  # type: ignore[union-attr]
            idx = nrng.choice(perm, perm // 20, replace=False)
            sig[idx] = nrng.integers(0, 2**32, len(idx), dtype=np.uint32)
            fp = dedup.Fingerprint(
                f"s{i}", src.length, sig, src.figures, "", src.sentences, src.sentence_lengths
            )
        elif r < 0.30:  # templated near-miss: half the signature, different figures
            src = rng.choice(bases)
            sig = src.signature.copy()  # type: ignore[union-attr]
            idx = nrng.choice(perm, perm // 2, replace=False)
            sig[idx] = nrng.integers(0, 2**32, len(idx), dtype=np.uint32)
            figs = np.sort(nrng.integers(0, 2**32, 12, dtype=np.uint32))
            # The template's wording is shared: its sentences make it a containment candidate too.
            fp = dedup.Fingerprint(f"s{i}", src.length, sig, figs, "", src.sentences, src.sentence_lengths)
        else:  # unrelated
            src = rng.choice(bases)
            sig = nrng.integers(0, 2**32, perm, dtype=np.uint32)
            figs = np.sort(nrng.integers(0, 2**32, 12, dtype=np.uint32))
            sents = nrng.integers(-(2**63), 2**63 - 1, len(src.sentences), dtype=np.int64)
            fp = dedup.Fingerprint(f"s{i}", src.length, sig, figs, "", sents, src.sentence_lengths)
        if len(recent) < 5000:
            recent.append(fp)
        else:
            recent[rng.randrange(5000)] = fp
        published = start + timedelta(seconds=rng.randrange(365 * 86400))
        st.assign_fingerprinted(conn, f"syn-{i:08d}", fp, published)
        if (i + 1) % 1000 == 0:
            conn.execute("COMMIT")
            conn.execute("BEGIN")
        if (i + 1) % window == 0:
            now = time.perf_counter()
            windows.append(
                {"upto": i + 1, "docs_per_s": round(window / (now - tw)), "rss_mb": round(rss_mb())}
            )
            print(json.dumps(windows[-1]), file=sys.stderr, flush=True)
            tw = now
    conn.execute("COMMIT")
    total = time.perf_counter() - t0
    multi = conn.execute("SELECT count(*), coalesce(sum(size), 0) FROM stories WHERE size > 1").fetchone()
    bands = conn.execute("SELECT count(*) FROM lsh_bands").fetchone()[0]
    conn.close()
    return {
        "mode": "scale",
        "documents": n,
        "base_articles": len(bases),
        "base_fingerprint_s": round(fp_seconds, 1),
        "seconds": round(total, 1),
        "docs_per_s": round(n / total, 1),
        "windows": windows,
        "multi_copy_stories": multi[0],
        "documents_in_them": multi[1],
        "band_rows": bands,
        "rss_mb": round(rss_mb()),
        "db_mb": round(db_size(db), 1),
        "db_bytes_per_doc": round(db_size(db) * 2**20 / n),
    }


def bench_story(size: int, more: int, db: Path) -> dict[str, object]:
    seed = next(d for d in load_docs(200) if len(d.paragraphs) >= 8)
    conn = open_db(db)
    start = datetime(2025, 1, 1, tzinfo=CST)

    def add(k: int) -> None:
        cut = k % len(seed.paragraphs)
        paras = seed.paragraphs[cut:] + seed.paragraphs[:cut]
        fp = dedup.fingerprint(paras, seed.title)
        st.assign_fingerprinted(conn, f"copy-{k:07d}", fp, start + timedelta(minutes=k))

    for i in range(0, size, 1000):
        conn.execute("BEGIN")
        for k in range(i, min(size, i + 1000)):
            add(k)
        conn.execute("COMMIT")
    t0 = time.perf_counter()
    conn.execute("BEGIN")
    for k in range(size, size + more):
        add(k)
    conn.execute("COMMIT")
    seconds = time.perf_counter() - t0
    largest = conn.execute("SELECT max(size) FROM stories").fetchone()[0]
    conn.close()
    return {
        "mode": "story",
        "story_size_before": size,
        "copies_added": more,
        "largest_story": largest,
        "seconds": round(seconds, 2),
        "ms_per_copy": round(seconds / more * 1000, 2),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    c = sub.add_parser("corpus", help="assign_story on the shared corpus")
    c.add_argument("--n", type=int, default=None, help="first N articles (default: all)")
    s = sub.add_parser("scale", help="synthetic scale-up")
    s.add_argument(
        "--n", type=int, default=200_000, help="documents (1000000 for the full run: ~10 min on 2 cores)"
    )
    s.add_argument("--base", type=int, default=2000, help="real articles fingerprinted as seeds")
    s.add_argument("--window", type=int, default=100_000)
    s.add_argument("--seed", type=int, default=1)
    b = sub.add_parser("story", help="copies added to a story of many copies")
    b.add_argument("--size", type=int, default=1500, help="copies already in the story")
    b.add_argument("--more", type=int, default=100, help="copies added and timed")
    for p in (c, s, b):
        p.add_argument("--db", type=Path, default=None, help="database file (default: a temp dir, removed)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "bench.db"
        if args.mode == "corpus":
            if not SHARED.exists():
                raise SystemExit(f"needs the shared corpus at {SHARED}")
            out = bench_corpus(args.n, db)
        elif args.mode == "story":
            if not SHARED.exists():
                raise SystemExit(f"needs the shared corpus at {SHARED}")
            out = bench_story(args.size, args.more, db)
        else:
            out = bench_scale(args.n, args.base, min(args.window, args.n), db, args.seed)
    out["cpu"] = os.cpu_count()
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

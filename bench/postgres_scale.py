"""PostgreSQL search latency at scale: the shared corpus replicated inside the database to ``--n`` documents.

Usage::

    python bench/postgres_scale.py --url postgresql://user@127.0.0.1:5432/postgres --n 100000
    python bench/postgres_scale.py --url … --n 1000000 --keep      # keep the database for another look

The corpus is written once through the store (two worker processes), then copied in SQL until the store
holds ``--n`` documents: each copy keeps its original's title, outlet, kind and tsvectors, gets its own id
and rowid, and a publish time shifted by whole weeks (so date filters and newest-first orders see a spread).
Copies have no paragraphs (their snippets are empty) and no stories: what is timed is the full-text pass,
the bm25 of every match, the columns, the page — not snippet building, which is per page, not per match.
Every query is timed with its full-text passes and the corpus statistics dropped first, as
``bench/postgres.py`` does; the 18k figure is taken on the same database before the copies are made.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from postgres import _database, _drop, _records, ingest, latency  # noqa: E402
from search import make_queries, pct  # noqa: E402

from themeflow.store import open_store  # noqa: E402


def replicate(url: str, n: int) -> float:
    """Copy the stored documents (and their index rows) until there are ``n``; seconds taken."""
    t0 = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        base = int(conn.execute("SELECT count(*) FROM documents").fetchone()[0])  # type: ignore[index]
        rounds = (n - base + base - 1) // base
        for r in range(1, rounds + 1):
            want = min(base, n - base * r)
            if want <= 0:
                break
            conn.execute(
                "CREATE TEMP TABLE IF NOT EXISTS copy_map (old BIGINT, new BIGINT);TRUNCATE copy_map;"
            )
            conn.execute(
                "WITH src AS (SELECT * FROM documents WHERE id NOT LIKE '%%~%%' ORDER BY rowid LIMIT %s),"
                " ins AS (INSERT INTO documents(id, title, source, published_at, published_ts, time_origin, url, lang,"
                " fetched_at, origin, meta, content_hash, paragraph_count, char_count, kind, ingested_at, updated_at)"
                " SELECT id || '~' || %s, title, source, published_at, published_ts + %s * 604800.0, time_origin,"
                " url, lang, fetched_at, origin, meta, content_hash, 0, char_count, kind, ingested_at, updated_at"
                " FROM src RETURNING rowid, id)"
                " INSERT INTO copy_map SELECT d.rowid, ins.rowid FROM ins JOIN documents d"
                " ON d.id = split_part(ins.id, '~', 1)",
                (want, r, r),
            )
            conn.execute(
                "INSERT INTO doc_index(rowid, words, grams, size)"
                " SELECT m.new, i.words, i.grams, i.size FROM copy_map m JOIN doc_index i ON i.rowid = m.old"
            )
            conn.execute("UPDATE store_state SET writes = writes + 1 WHERE id = 1")
            print(f"  {base * r + want:,} documents ({time.perf_counter() - t0:.0f} s)", flush=True)
        conn.execute("VACUUM ANALYZE doc_index")
        conn.execute("ANALYZE documents")
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True)
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "data" / "news.jsonl")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=40)
    ap.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    args = ap.parse_args(argv)
    records = _records(args.corpus, None)
    url = _database(args.url)
    queries = make_queries(args.queries)
    try:
        ingest(url, records, 2)
        rows = []
        for label, size in (("corpus", len(records)), ("scaled", args.n)):
            if label == "scaled":
                secs = replicate(url, args.n)
                print(f"replicated to {args.n:,} in {secs:.0f} s")
            store = open_store(url)
            try:
                lat = latency(store, queries)
            finally:
                store.close()
            rows.append((size, {k: statistics.median(v) for k, v in lat.items()}, lat))
            parts = "  ".join(
                f"{k}-term p50 {statistics.median(v):7.1f} p95 {pct(v, 95):7.1f} ms" for k, v in lat.items()
            )
            print(f"PostgreSQL n={size:>9,}  {parts}", flush=True)
        (n0, p0, _), (n1, p1, _) = rows
        print(
            "p50 growth "
            + ", ".join(f"{k}-term {p1[k] / p0[k]:.1f}x" for k in p0)
            + f" for {n1 / n0:.1f}x documents"
        )
    finally:
        if not args.keep:
            _drop(args.url, url)
        else:
            print(f"kept {url}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

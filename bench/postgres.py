"""PostgreSQL store benchmark: ingest with 1, 2, 4 worker processes, and search latency, each against one
SQLite process on the same documents in the same run.

Usage::

    python bench/postgres.py --url postgresql://user@127.0.0.1:5432/postgres            # shared corpus
    python bench/postgres.py --url … --n 4000 --workers 1,2 --queries 20                  # a quick look

``--url`` names a server the benchmark may create and drop databases on (default: ``THEMEFLOW_TEST_POSTGRES``).

(a) Ingest: each worker is its own process (as a team's ingest workers are) writing a disjoint slice of the
    corpus through ``upsert_documents`` in batches of 200: analysis in the worker, writes queued behind one
    another in the database (``store/postgres/db.py``). Wall time from start to the last worker's exit.
    The baseline is one process writing the same documents into a new SQLite file.
    ``--ray``: the same documents written as Ray tasks of 200 on a local cluster (``themeflow ingest --ray``).
(b) Search: the query sets of ``bench/search.py`` (1, 2 and 3 terms, top 20 by relevance with snippets),
    each query with its full-text passes dropped first, on the PostgreSQL database the largest ingest
    filled and on the SQLite file.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "bench"))

import eval_search  # noqa: E402
from search import make_queries, pct  # noqa: E402

from themeflow.search.request import SearchRequest  # noqa: E402
from themeflow.store import open_store  # noqa: E402
from themeflow.store.base import Store  # noqa: E402

BATCH = 200


def _records(path: Path, n: int | None) -> list[dict[str, object]]:
    out = []
    for rec in eval_search.read_corpus(path):
        out.append(rec)
        if n is not None and len(out) >= n:
            break
    return out


def _worker(location: str, records: list[dict[str, object]]) -> None:
    store = open_store(location)
    try:
        eval_search.fill_store(store, records, BATCH)
    finally:
        store.close()


def _database(admin: str) -> str:
    name = f"tf_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    return admin.rsplit("/", 1)[0] + "/" + name


def _drop(admin: str, url: str) -> None:
    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def ingest(location: str, records: list[dict[str, object]], workers: int) -> float:
    """Seconds for ``workers`` processes to write ``records`` (the store created first, as a team's is)."""
    open_store(location).close()
    slices = [records[i::workers] for i in range(workers)]
    ctx = mp.get_context("spawn")
    t0 = time.perf_counter()
    procs = [ctx.Process(target=_worker, args=(location, part)) for part in slices]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise SystemExit(f"an ingest worker failed (exit {p.exitcode})")
    return time.perf_counter() - t0


def ingest_ray(location: str, records: list[dict[str, object]]) -> float:
    """Seconds to write ``records`` as Ray tasks of 200 documents on a local cluster of this machine's CPUs
    (``themeflow ingest --ray``'s writer; the cluster's start is not counted)."""
    import ray

    from themeflow.cluster.writers import RayWriter

    open_store(location).close()
    ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        writer = RayWriter(location)
        docs = [eval_search.record_to_document(r) for r in records]
        t0 = time.perf_counter()
        for start in range(0, len(docs), BATCH):
            writer.submit(docs[start : start + BATCH], lambda _outcomes: None)
        writer.close()
        return time.perf_counter() - t0
    finally:
        ray.shutdown()


def latency(store: Store, queries: dict[str, list[str]]) -> dict[str, list[float]]:
    from themeflow.store.postgres import search as pg_search

    def one(q: str) -> float:
        # Every query its own full-text passes and 提及 reading on either store (both keep them while the
        # store is unchanged, and the sampled queries repeat terms); the per-document columns and the folded
        # texts stay, as in a running server.
        if hasattr(store, "search_cache"):
            store.search_cache.pop("scans", None)
            store.search_cache.pop("aboutness", None)
        if hasattr(store, "search_states"):
            pg_search.drop_passes(store)  # type: ignore[arg-type]
            state = getattr(store.search_states, "state", None)
            if state is not None:
                state.verdicts.clear()
        t0 = time.perf_counter()
        store.search(SearchRequest(query=q, limit=20))
        return (time.perf_counter() - t0) * 1000

    for q in queries["2-term"][:5]:
        one(q)
    return {k: [one(q) for q in qs] for k, qs in queries.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default=os.environ.get("THEMEFLOW_TEST_POSTGRES"))
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "data" / "news.jsonl")
    ap.add_argument("--n", type=int, default=None, help="first N documents (default: all)")
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--queries", type=int, default=40, help="queries per term count")
    ap.add_argument("--ray", action="store_true", help="also write through Ray tasks (themeflow[ray])")
    args = ap.parse_args(argv)
    if not args.url:
        ap.error("--url (or THEMEFLOW_TEST_POSTGRES) must name a PostgreSQL server")
    records = _records(args.corpus, args.n)
    n = len(records)
    print(f"{n:,} documents, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        lite_path = str(Path(tmp) / "bench.db")
        base = ingest(lite_path, records, 1)
        print(f"SQLite, 1 process        {base:7.1f} s  {n / base:7.0f} docs/s  (baseline)")
        last = None
        for w in (int(x) for x in args.workers.split(",")):
            url = _database(args.url)
            try:
                secs = ingest(url, records, w)
                print(
                    f"PostgreSQL, {w} worker(s)  {secs:7.1f} s  {n / secs:7.0f} docs/s  ({base / secs:.2f}x SQLite)"
                )
            finally:
                if last is not None:
                    _drop(args.url, last)
                last = url
        assert last is not None
        if args.ray:
            url = _database(args.url)
            try:
                secs = ingest_ray(url, records)
                print(
                    f"PostgreSQL, Ray tasks    {secs:7.1f} s  {n / secs:7.0f} docs/s  ({base / secs:.2f}x SQLite)"
                )
            finally:
                _drop(args.url, url)
        queries = {k: v for k, v in make_queries(args.queries).items() if k in ("1-term", "2-term", "3-term")}
        lite, pg = open_store(lite_path), open_store(last)
        try:
            a, b = latency(lite, queries), latency(pg, queries)
            for k in queries:
                pa, pb = statistics.median(a[k]), statistics.median(b[k])
                print(
                    f"{k} search  SQLite p50 {pa:6.1f} p95 {pct(a[k], 95):6.1f} ms   PostgreSQL p50 {pb:6.1f}"
                    f" p95 {pct(b[k], 95):6.1f} ms  ({pb / pa:.1f}x SQLite)"
                )
        finally:
            lite.close()
            pg.close()
            _drop(args.url, last)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Search benchmark: index build time and query latency, themeflow (SQLite FTS5) vs bm25s vs rank_bm25.

Usage::

    python bench/search.py                        # shared corpus + a 100,000-document scale-up
    nice -n 10 python bench/search.py --n 1000000 --build-only          # the 1M database, once (~15 min)
    python bench/search.py --n 1000000 --scaled-db /tmp/themeflow-bench-1000000.db --bm25s-max 100000

(a) The shared corpus (``../shared/data/news.jsonl``) is indexed through the real store
    (``SQLiteStore.upsert_documents``: analysis, documents, paragraphs, FTS rows, stories) and queried with
    ``store.search`` — the full path a user hits, snippets included.
(b) The scale-up replicates the corpus to ``--n`` documents. Each unique article is analyzed once and every
    copy gets a perturbed token stream (rotated, with a random 5% slice dropped) and a date shifted by up to
    a year, bulk-written into the same tables (see ``build_scaled`` for what that skips), so building 1M
    documents does not take 1M segmentations on a shared machine. ``--scaled-db`` reuses a built one.

bm25s and rank_bm25 index exactly the tokens themeflow indexes (title + body, word and gram streams as one
bag) and get the same query tokens. rank_bm25 scores every document in Python per query, so it runs at
``--rank-bm25-max`` documents; bm25s materializes its whole score matrix in memory (about 12 bytes per
distinct term per document, twice during the build), so it runs at ``--bm25s-max`` documents. The sizes
each engine ran at are printed next to every number, and ratios are only taken at equal sizes (when bm25s
runs smaller than ``--n``, a themeflow scale-up of that size is built and timed for the ratio).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import time
from array import array
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from themeflow.search.request import SearchRequest
from themeflow.store.sqlite import SQLiteStore, fts
from themeflow.text.segment import analyze_both, gram_phrase, in_vocabulary, query_words

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
from eval_search import build_store, read_corpus, record_to_document  # noqa: E402

TERMS = (
    "美联储 降息 资本开支 算力 南下资金 港股 科技 光伏 产能 新能源汽车 出口 英伟达 芯片 人民币汇率 星际之门 "
    "数据中心 大模型 半导体 央行 通胀 关税 储能 锂电池 比亚迪 宁德时代 恒生科技 科创板 北向资金 降准 专项债 "
    "消费 房地产 银行 保险 基金 券商 黄金 原油 稀土 机器人"
).split()


def make_queries(n_per: int, seed: int = 7) -> dict[int, list[str]]:
    rng = random.Random(seed)
    return {k: [" ".join(rng.sample(TERMS, k)) for _ in range(n_per)] for k in (1, 2, 3)}


def pct(xs: Sequence[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def timed(fn, queries: list[str]) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for q in queries:
        t0 = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def query_tokens(q: str) -> list[str]:
    """The bag a bm25 library gets for a query: the words and grams themeflow matches on.

    Like ``store/sqlite/match.term_expr``: an in-vocabulary term is matched on its words only, others on words and grams.
    """
    out: list[str] = []
    for term in q.split():
        out.extend(query_words(term))
        if not in_vocabulary(term):
            out.extend(gram_phrase(term)[0])
    return out


class Analyzed:
    """Every unique article analyzed once: interned token tuples per column, plus metadata."""

    def __init__(self, records: list[dict[str, object]]) -> None:
        self.docs = [record_to_document(r) for r in records]
        self.cols: list[tuple[list[str], list[str], list[str], list[str]]] = []
        for d in self.docs:
            t, b = analyze_both(d.title), analyze_both(d.text)
            self.cols.append(
                tuple([sys.intern(x) for x in col] for col in (t.words, b.words, t.grams, b.grams))  # type: ignore[misc]
            )


def perturbed(
    a: Analyzed, n: int, seed: int = 11
) -> Iterator[tuple[int, int, tuple[list[str], ...], float | None]]:
    """(copy number, base article, perturbed columns, published_ts) for ``n`` synthetic documents."""
    rng = random.Random(seed)
    base = len(a.docs)
    for k in range(n):
        i = k % base
        cols = a.cols[i]
        if k < base:
            out = cols
        else:
            out = tuple(_perturb(c, rng) if j % 2 else list(c) for j, c in enumerate(cols))
        pub = a.docs[i].published_at
        ts = (
            pub.timestamp() + rng.uniform(-365, 365) * 86400
            if pub is not None and k >= base
            else (pub.timestamp() if pub is not None else None)
        )
        yield k, i, out, ts


def _perturb(tokens: list[str], rng: random.Random) -> list[str]:
    n = len(tokens)
    if n < 20:
        return list(tokens)
    r = rng.randrange(n)
    rot = tokens[r:] + tokens[:r]
    cut = rng.randrange(n)
    return rot[:cut] + rot[cut + max(1, n // 20) :]


def build_scaled(db: Path, a: Analyzed, n: int) -> tuple[SQLiteStore, float]:
    """Write ``n`` synthetic documents straight into the store's tables, in transactions of 20,000.

    Same schema and rows as an ingest writes — ``documents``, ``paragraphs``, ``doc_fts`` and
    ``doc_fts_src`` — with explicit rowids and ``executemany``. Skipped, on purpose: the dedup/story tables
    (no synthetic copy is linked to a story, so searches take the no-fold path), ``url``/``meta``, and
    durability (``journal_mode = OFF``, ``synchronous = OFF`` on this throwaway file). The index is then merged
    into one segment (``fts.optimize``), included in the build time. A producer thread
    perturbs and compresses the next batch while SQLite (which releases the GIL) writes the current one.
    """
    import queue
    import threading
    import zlib
    from datetime import datetime

    from themeflow.search.query import BEIJING

    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    store = SQLiteStore(db)
    store.close()
    conn = sqlite3.connect(db, isolation_level=None)
    for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -524288", "temp_store = MEMORY"):
        conn.execute(f"PRAGMA {pragma}")
    t0 = time.perf_counter()
    batches: queue.Queue[list[tuple[object, ...]] | None] = queue.Queue(maxsize=2)

    def produce() -> None:
        batch: list[tuple[object, ...]] = []
        for k, i, cols, ts in perturbed(a, n):
            values = tuple(" ".join(c) for c in cols)
            blob = zlib.compress("\x1f".join(values).encode("utf-8"), 1)
            pub = datetime.fromtimestamp(ts, BEIJING).isoformat() if ts is not None else None
            batch.append((k + 1, i, ts, pub, values, blob))
            if len(batch) >= 20_000:
                batches.put(batch)
                batch = []
        batches.put(batch)
        batches.put(None)

    threading.Thread(target=produce, daemon=True).start()
    done = 0
    while (batch := batches.get()) is not None:
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO documents(rowid, id, title, source, published_ts, published_at, time_origin,"
            " content_hash, paragraph_count, char_count, ingested_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                (
                    r,
                    f"syn{r}",
                    a.docs[i].title,
                    a.docs[i].source,
                    ts,
                    pub,
                    a.docs[i].time_origin,
                    a.docs[i].content_hash,
                    len(a.docs[i].paragraphs),
                    len(a.docs[i].text),
                    0.0,
                    0.0,
                )
                for r, i, ts, pub, _, _ in batch
            ),
        )
        conn.executemany(
            "INSERT INTO paragraphs(doc_rowid, n, text) VALUES (?, ?, ?)",
            ((r, m, p) for r, i, *_ in batch for m, p in enumerate(a.docs[i].paragraphs, start=1)),
        )
        conn.executemany(
            "INSERT INTO doc_fts(rowid, title, body, title_g, body_g) VALUES (?, ?, ?, ?, ?)",
            ((r, *v) for r, _, _, _, v, _ in batch),
        )
        conn.executemany(
            "INSERT INTO doc_fts_src(rowid, tokens) VALUES (?, ?)", ((r, b) for r, *_, b in batch)
        )
        conn.execute("COMMIT")
        before, done = done, done + len(batch)
        if done // 100_000 != before // 100_000:
            print(f"  {done:,} documents, {time.perf_counter() - t0:.0f}s", file=sys.stderr, flush=True)
    loaded = time.perf_counter() - t0
    fts.optimize(conn)
    print(
        f"  loaded in {loaded:.0f}s, FTS5 optimize {time.perf_counter() - t0 - loaded:.0f}s", file=sys.stderr
    )
    conn.close()
    return SQLiteStore(db), time.perf_counter() - t0


def bag(cols: tuple[list[str], ...]) -> list[str]:
    return [t for c in cols for t in c]


def bench_bm25s(a: Analyzed, n: int, queries: dict[int, list[str]]) -> dict[str, object]:
    import bm25s

    vocab: dict[str, int] = {}
    corpus_ids: list[array[int]] = []  # 4 bytes a token; iterates as Python ints, which bm25s's build wants
    for _, _, cols, _ in perturbed(a, n):
        corpus_ids.append(array("i", [vocab.setdefault(t, len(vocab)) for t in bag(cols)]))
    t0 = time.perf_counter()
    retriever = bm25s.BM25()
    retriever.scores = retriever.build_index_from_ids(
        list(range(len(vocab))),
        corpus_ids,  # type: ignore[arg-type]
        show_progress=False,
    )
    retriever.vocab_dict = vocab
    retriever.unique_token_ids_set = set(range(len(vocab)))
    build = time.perf_counter() - t0

    def search(q: str) -> None:
        ids = [vocab[t] for t in query_tokens(q) if t in vocab]
        if ids:
            retriever.retrieve([ids], k=20, show_progress=False, n_threads=1)

    return {"n": n, "build_s": build, "lat": {k: timed(search, qs) for k, qs in queries.items()}}


def bench_rank_bm25(a: Analyzed, n: int, queries: dict[int, list[str]]) -> dict[str, object]:
    from rank_bm25 import BM25Okapi

    corpus = [bag(cols) for _, _, cols, _ in perturbed(a, n)]
    t0 = time.perf_counter()
    model = BM25Okapi(corpus)
    build = time.perf_counter() - t0

    def search(q: str) -> None:
        scores = model.get_scores(query_tokens(q))
        np.argpartition(-scores, 20)[:20]

    return {"n": n, "build_s": build, "lat": {k: timed(search, qs[:20]) for k, qs in queries.items()}}


def bench_store(
    store: SQLiteStore, queries: dict[int, list[str]], sort: str = "relevance"
) -> dict[int, list[float]]:
    def search(q: str) -> None:
        # every query its own FTS5 passes: the store keeps passes while it is unchanged
        # (store/sqlite/scans.py), and a bench that repeats sampled terms would time the kept ones
        store.search_cache.pop("scans", None)
        store.search(SearchRequest(query=q, sort=sort, limit=20))  # type: ignore[arg-type]

    for q in queries[2][:5]:
        search(q)  # warm the page cache once
    return {k: timed(search, qs) for k, qs in queries.items()}


def report(name: str, n: int, build: float | None, lat: dict[int, list[float]]) -> dict[int, float]:
    p50s = {k: statistics.median(v) for k, v in lat.items()}
    parts = "  ".join(f"{k}-term p50 {p50s[k]:7.2f} p95 {pct(v, 95):7.2f} ms" for k, v in lat.items())
    b = f"build {build:8.1f}s" if build is not None else " " * 14
    print(f"{name:<22} n={n:>9,}  {b}  {parts}")
    return p50s


def _scaled(
    args: argparse.Namespace, a: Analyzed, n: int, queries: dict[int, list[str]], reuse: Path | None = None
) -> dict[int, float]:
    """Build (or reuse) the ``n``-document scale-up and time queries on it; returns p50 per term count."""
    if reuse is not None:
        store, build = SQLiteStore(reuse), None
        print(f"  reusing {reuse} (build time: see the --build-only run)")
    else:
        store, build = build_scaled(args.workdir / f"themeflow-bench-{n}.db", a, n)
    db = Path(store.location)
    size = sum(p.stat().st_size for p in db.parent.glob(f"{db.name}*"))
    print(f"  database {size / 1e9:.1f} GB ({store.count_documents():,} documents)")
    t0 = time.perf_counter()
    store.search(SearchRequest(query=queries[1][0], limit=1))
    print(f"  first query (loads the outlet/time columns) {time.perf_counter() - t0:.2f}s")
    out = report("themeflow (store)", n, build, bench_store(store, queries))
    report("themeflow sort=time", n, None, bench_store(store, queries, "time"))
    store.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "data" / "news.jsonl")
    ap.add_argument("--n", type=int, default=100_000, help="scale-up size (0: skip the scale-up)")
    ap.add_argument("--bm25s-max", type=int, default=200_000)
    ap.add_argument("--rank-bm25-max", type=int, default=20_000)
    ap.add_argument("--queries", type=int, default=50, help="queries per term count")
    ap.add_argument("--limit-corpus", type=int, default=0, help="use only the first N articles (smoke runs)")
    ap.add_argument("--existing", type=Path, help="only time queries against an already built store")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp"))
    ap.add_argument("--scaled-db", type=Path, help="reuse this --n scale-up database instead of building it")
    ap.add_argument("--build-only", action="store_true", help="build the --n scale-up database and stop")
    args = ap.parse_args(argv)
    if not args.corpus.exists():
        print(f"needs the shared corpus at {args.corpus} (../shared/data)", file=sys.stderr)
        return 2
    queries = make_queries(args.queries)
    if args.existing:
        store = SQLiteStore(args.existing)
        n = store.count_documents()
        report("themeflow (store)", n, None, bench_store(store, queries))
        report("themeflow sort=time", n, None, bench_store(store, queries, "time"))
        return 0
    records = list(read_corpus(args.corpus))[: args.limit_corpus or None]
    print(f"corpus {len(records):,} articles; {args.queries} queries per term count")
    if args.build_only:
        db = args.workdir / f"themeflow-bench-{args.n}.db"
        t0 = time.perf_counter()
        a = Analyzed(records)
        print(f"analyzed {len(records):,} articles once in {time.perf_counter() - t0:.1f}s")
        _, build = build_scaled(db, a, args.n)
        size = sum(p.stat().st_size for p in args.workdir.glob(f"{db.name}*"))
        print(f"built {db} ({args.n:,} documents, {size / 1e9:.1f} GB) in {build:.0f}s")
        return 0

    # (a) the shared corpus through the real store
    store, build = build_store(args.workdir / "themeflow-bench-corpus.db", records)
    ours_a = report("themeflow (store)", len(records), build, bench_store(store, queries))
    report("themeflow sort=time", len(records), None, bench_store(store, queries, "time"))
    store.close()
    t0 = time.perf_counter()
    a = Analyzed(records)
    print(
        f"analyzed {len(records):,} articles once in {time.perf_counter() - t0:.1f}s (for the libraries and (b))"
    )
    n_s = min(len(records), args.bm25s_max)
    b_a = bench_bm25s(a, n_s, queries)
    p_b = report("bm25s", n_s, b_a["build_s"], b_a["lat"])  # type: ignore[arg-type]
    n_r = min(len(records), args.rank_bm25_max)
    r_a = bench_rank_bm25(a, n_r, queries)
    p_r = report("rank_bm25 (20 q/set)", n_r, r_a["build_s"], r_a["lat"])  # type: ignore[arg-type]
    for k in (1, 2, 3):
        print(
            f"  {k}-term p50 ratio  bm25s/themeflow {p_b[k] / ours_a[k]:6.2f}   rank_bm25/themeflow {p_r[k] / ours_a[k]:6.2f}"
        )

    if args.n:
        print(f"\nscale-up to {args.n:,} documents")
        ours_b = _scaled(args, a, args.n, queries, reuse=args.scaled_db)
        n_s = min(args.n, args.bm25s_max)
        if n_s > len(records):
            b_b = bench_bm25s(a, n_s, queries)
            p_b = report("bm25s", n_s, b_b["build_s"], b_b["lat"])  # type: ignore[arg-type]
            same = ours_b if n_s == args.n else _scaled(args, a, n_s, queries)
            for k in (1, 2, 3):
                print(f"  {k}-term p50 ratio  bm25s/themeflow {p_b[k] / same[k]:6.2f}  (both at {n_s:,})")
        print(f"  target: 2-term p50 <= 20 ms at 1M -> {ours_b[2]:.2f} ms at {args.n:,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

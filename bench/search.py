"""Search benchmark: index build time and query latency, themeflow (SQLite FTS5) vs tantivy, bm25s, rank_bm25.

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

Query kinds: ``1-term``, ``2-term``, ``3-term`` (terms sampled from ``TERMS``); ``phrase`` (a 2–4 character
term of ``TERMS``, typed to themeflow as ``"…"``: its grams consecutive); ``2-term dated`` (the 2-term
queries with ``since``/``until`` = ``WINDOW``). bm25s and rank_bm25 run the first three only.

tantivy (tantivy-py, the Rust engine behind a Python binding) indexes the same token streams: a ``title``
and a ``body`` field with the ``whitespace`` tokenizer (tokens joined by spaces, so tantivy neither
re-segments nor lower-cases anything), each holding two values, the word stream and then the gram stream
(tantivy leaves a position gap between values, so a phrase cannot run from one stream into the other), plus
``published`` (i64 fast field, the timestamp) and ``id`` (stored u64). One writer (``--tantivy-heap``, one
indexing thread), one commit, the merges it starts waited for; the index lives in a temporary folder under
``--workdir``. The token strings are joined before the clock starts (tantivy-py's own document building and
the indexing are timed, not themeflow's analysis). Per query, tantivy is asked for exactly this, built in
Python inside the timed call like every engine's query tokens:

* 1/2/3-term: a BooleanQuery with one SHOULD TermQuery per field for every token of ``query_tokens`` —
  the bag bm25s gets, scored as a sum of per-field bm25; a document matches if any token occurs.
* phrase: SHOULD PhraseQuery over ``gram_phrase``'s grams in each field (a TermQuery for a single gram).
* 2-term dated: MUST the 2-term BooleanQuery, MUST a RangeQuery on ``published`` (fast field).

Each query returns the top 20 hits with the total count of matches (``count=True``), and the stored ``id``
of each of the 20 hits is read. themeflow's ``store.search`` does more per query than that, and the ratio
says how much that costs, not that the engines do the same work: a bare term is a concept matched in all its
lexicon forms, several terms need a minimum-should-match over clauses (plus a partial tier), the 主题/提及
reading, copies of one story are folded into one hit (totals count stories), and every hit gets its
highlighted snippet. Its totals are therefore not tantivy's (printed side by side as "matches").
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import time
from array import array
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path

import numpy as np

from themeflow.search.query import BEIJING
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


PHRASE_TERMS = [t for t in TERMS if 2 <= len(t) <= 4]
BAG_KINDS = ("1-term", "2-term", "3-term")
PHRASE, DATED = "phrase", "2-term dated"
KINDS = (*BAG_KINDS, PHRASE, DATED)
WINDOW = (datetime(2023, 7, 1, tzinfo=BEIJING), datetime(2023, 9, 30, 23, 59, 59, tzinfo=BEIJING))
"""The dated kind's since/until: the shared corpus's dated articles cluster in mid-2023 (the scale-up's
copies are spread over a year either side, so the window holds a smaller share of them)."""

Lat = dict[str, list[float]]
Stats = dict[str, tuple[float, float]]


def make_queries(n_per: int, seed: int = 7) -> dict[str, list[str]]:
    """Query texts per kind; the dated kind reuses the 2-term texts, the phrase kind holds bare terms."""
    rng = random.Random(seed)
    out = {f"{k}-term": [" ".join(rng.sample(TERMS, k)) for _ in range(n_per)] for k in (1, 2, 3)}
    out[PHRASE] = [rng.choice(PHRASE_TERMS) for _ in range(n_per)]
    out[DATED] = out["2-term"]
    return out


def pct(xs: Sequence[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def timed(fn: Callable[[str], object], queries: list[str]) -> list[float]:
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
            blob = fts.compress_tokens(values)  # the copy an ingest keeps
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


def bench_bm25s(a: Analyzed, n: int, queries: dict[str, list[str]]) -> dict[str, object]:
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

    return {"n": n, "build_s": build, "lat": {k: timed(search, queries[k]) for k in BAG_KINDS}}


def bench_rank_bm25(a: Analyzed, n: int, queries: dict[str, list[str]]) -> dict[str, object]:
    from rank_bm25 import BM25Okapi

    corpus = [bag(cols) for _, _, cols, _ in perturbed(a, n)]
    t0 = time.perf_counter()
    model = BM25Okapi(corpus)
    build = time.perf_counter() - t0

    def search(q: str) -> None:
        scores = model.get_scores(query_tokens(q))
        np.argpartition(-scores, 20)[:20]

    return {"n": n, "build_s": build, "lat": {k: timed(search, queries[k][:20]) for k in BAG_KINDS}}


def bench_tantivy(
    a: Analyzed, n: int, queries: dict[str, list[str]], workdir: Path, heap: int
) -> dict[str, object] | None:
    """tantivy on the same token streams as bm25s (see the module docstring); None if it is not installed."""
    try:
        import tantivy
    except ImportError:
        return None
    import math
    import tempfile

    fields = ("title", "body")
    sb = tantivy.SchemaBuilder()
    for name in fields:
        sb.add_text_field(name, tokenizer_name="whitespace", index_option="position")
    sb.add_integer_field("published", fast=True)
    sb.add_unsigned_field("id", stored=True)
    schema = sb.build()
    docs = [
        (k + 1, None if ts is None else math.floor(ts), [" ".join(c) for c in cols])
        for k, _, cols, ts in perturbed(a, n)
    ]
    with tempfile.TemporaryDirectory(prefix="tantivy-bench-", dir=workdir) as tmp:
        t0 = time.perf_counter()
        index = tantivy.Index(schema, path=tmp)
        writer = index.writer(heap_size=heap, num_threads=1)
        for rowid, ts, (title_w, body_w, title_g, body_g) in docs:
            doc = tantivy.Document()
            doc.add_text("title", title_w)
            doc.add_text("title", title_g)
            doc.add_text("body", body_w)
            doc.add_text("body", body_g)
            if ts is not None:
                doc.add_integer("published", ts)
            doc.add_unsigned("id", rowid)
            writer.add_document(doc)
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        build = time.perf_counter() - t0
        del docs
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
        searcher = index.searcher()
        should, must, query = tantivy.Occur.Should, tantivy.Occur.Must, tantivy.Query
        lo, hi = (int(t.timestamp()) for t in WINDOW)

        def dated() -> tantivy.Query:
            return query.range_query(schema, "published", tantivy.FieldType.Integer, lo, hi)

        def bag(q: str) -> tantivy.Query:
            return query.boolean_query(
                [(should, query.term_query(schema, f, t)) for t in query_tokens(q) for f in fields]
            )

        def phrase(q: str) -> tantivy.Query:
            grams = gram_phrase(q)[0]
            return query.boolean_query(
                [
                    (
                        should,
                        query.phrase_query(schema, f, grams)
                        if len(grams) > 1
                        else query.term_query(schema, f, grams[0]),
                    )
                    for f in fields
                ]
            )

        make: dict[str, Callable[[str], tantivy.Query]] = {
            **dict.fromkeys(BAG_KINDS, bag),
            PHRASE: phrase,
            DATED: lambda q: query.boolean_query([(must, bag(q)), (must, dated())]),
        }
        counts: dict[str, list[int]] = {k: [] for k in KINDS}

        def search(kind: str, q: str) -> None:
            found = searcher.search(make[kind](q), limit=20, count=True)
            [searcher.doc(addr).get_first("id") for _, addr in found.hits]
            counts[kind].append(found.count or 0)  # type: ignore[attr-defined]  # missing from 0.25's stub

        for q in queries["2-term"][:5]:
            search("2-term", q)  # warm up, like bench_store
        counts["2-term"].clear()
        lat = {k: timed(partial(search, k), queries[k]) for k in KINDS}
        in_window = searcher.search(dated(), limit=1, count=True).count  # type: ignore[attr-defined]
        return {
            "n": n,
            "build_s": build,
            "lat": lat,
            "totals": {k: statistics.mean(v) for k, v in counts.items()},
            "segments": searcher.num_segments,
            "size": size,
            "in_window": in_window,
        }


def bench_store(
    store: SQLiteStore, queries: dict[str, list[str]], sort: str = "relevance", *, strict: bool = False
) -> tuple[Lat, dict[str, float]]:
    """Latency per kind, and the mean total a query reports (themeflow's totals, see the module docstring).
    ``strict``: the typed terms only (``--strict``: no concept forms), the like-for-like run against the
    libraries, which get the typed terms' tokens."""
    totals: dict[str, list[int]] = {k: [] for k in queries}

    def search(kind: str, q: str) -> None:
        # every query its own FTS5 passes and its own 提及 reading: the store keeps both while it is
        # unchanged (store/sqlite/scans.py, mentions.py), and the kinds repeat the same sampled queries
        # (2-term dated is 2-term with a window; sort=time runs them all again), which would time the kept
        # ones. The folded texts of roundups stay, as in a server that has answered a few queries.
        store.search_cache.pop("scans", None)
        store.search_cache.pop("aboutness", None)
        since, until = WINDOW if kind == DATED else (None, None)
        text = f'"{q}"' if kind == PHRASE else q
        page = store.search(
            SearchRequest(query=text, since=since, until=until, sort=sort, limit=20, strict=strict)  # type: ignore[arg-type]
        )
        totals[kind].append(page.total)

    for q in queries["2-term"][:5]:
        search("2-term", q)  # warm the page cache once
    totals["2-term"].clear()
    lat = {k: timed(partial(search, k), qs) for k, qs in queries.items()}
    return lat, {k: statistics.mean(v) for k, v in totals.items()}


def report(name: str, n: int, build: float | None, lat: Lat) -> Stats:
    """One line per engine; returns (p50, p95) per query kind."""
    stats = {k: (statistics.median(v), pct(v, 95)) for k, v in lat.items()}
    parts = "  ".join(f"{k} p50 {p50:7.2f} p95 {p95:7.2f} ms" for k, (p50, p95) in stats.items())
    b = f"build {build:8.1f}s" if build is not None else " " * 14
    print(f"{name:<22} n={n:>9,}  {b}  {parts}")
    return stats


Ours = tuple[Stats, dict[str, float]]


def run_tantivy(
    args: argparse.Namespace, a: Analyzed, n: int, queries: dict[str, list[str]]
) -> dict[str, object] | None:
    t = bench_tantivy(a, n, queries, args.workdir, args.tantivy_heap)
    if t is None:
        print(f"{'tantivy':<22} skipped: not installed (pip install -e '.[bench]')")
        return None
    t["stats"] = report("tantivy", n, t["build_s"], t["lat"])  # type: ignore[arg-type]
    print(
        f"  tantivy index {t['size'] / 1e6:.0f} MB in {t['segments']} segment(s);"  # type: ignore[operator]
        f" {t['in_window']:,} of {n:,} documents in the dated window"
    )
    return t


def compare(n: int, ours: Ours, t: dict[str, object], strict: Stats | None = None) -> None:
    """themeflow and tantivy side by side at the same size, with themeflow/tantivy ratios (and those of
    ``--strict``, the typed terms only, when given)."""
    (o_stats, o_totals), t_stats, t_totals = ours, t["stats"], t["totals"]
    print(f"  themeflow vs tantivy at {n:,} documents (ms; matches: mean total a query reports)")
    print(
        f"  {'kind':<13} {'themeflow p50':>13} {'p95':>7}  {'tantivy p50':>11} {'p95':>6}"
        f"  {'ratio p50':>9} {'p95':>6}  {'matches themeflow':>17} {'tantivy':>8}"
    )
    for k in KINDS:
        (op50, op95), (tp50, tp95) = o_stats[k], t_stats[k]  # type: ignore[index]
        print(
            f"  {k:<13} {op50:13.2f} {op95:7.2f}  {tp50:11.3f} {tp95:6.3f}"
            f"  {op50 / tp50:9.1f} {op95 / tp95:6.1f}  {o_totals[k]:17,.0f} {t_totals[k]:8,.0f}"  # type: ignore[index]
        )
    if strict is not None:
        print(
            "  --strict / tantivy, p50: "
            + "  ".join(f"{k} {strict[k][0]:.2f} ms ({strict[k][0] / t_stats[k][0]:.0f}x)" for k in KINDS)  # type: ignore[index]
        )


def _scaled(
    args: argparse.Namespace, a: Analyzed, n: int, queries: dict[str, list[str]], reuse: Path | None = None
) -> Ours:
    """Build (or reuse) the ``n``-document scale-up and time queries on it; returns (p50, p95) per kind."""
    if reuse is not None:
        store, build = SQLiteStore(reuse), None
        print(f"  reusing {reuse} (build time: see the --build-only run)")
    else:
        store, build = build_scaled(args.workdir / f"themeflow-bench-{n}.db", a, n)
    db = Path(store.location)
    size = sum(p.stat().st_size for p in db.parent.glob(f"{db.name}*"))
    print(f"  database {size / 1e9:.1f} GB ({store.count_documents():,} documents)")
    t0 = time.perf_counter()
    store.search(SearchRequest(query=queries["1-term"][0], limit=1))
    print(f"  first query (loads the outlet/time columns) {time.perf_counter() - t0:.2f}s")
    lat, totals = bench_store(store, queries)
    out = report("themeflow (store)", n, build, lat)
    report("themeflow sort=time", n, None, bench_store(store, queries, "time")[0])
    stricts[n] = report("themeflow --strict", n, None, bench_store(store, queries, strict=True)[0])
    store.close()
    return out, totals


stricts: dict[int, Stats] = {}
"""``--strict`` latencies by store size, for the like-for-like ratios against tantivy."""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "data" / "news.jsonl")
    ap.add_argument("--n", type=int, default=100_000, help="scale-up size (0: skip the scale-up)")
    ap.add_argument("--bm25s-max", type=int, default=200_000)
    ap.add_argument("--rank-bm25-max", type=int, default=20_000)
    ap.add_argument("--tantivy-max", type=int, default=200_000, help="tantivy size cap (strings in RAM)")
    ap.add_argument("--tantivy-heap", type=int, default=512_000_000, help="tantivy writer heap, bytes")
    ap.add_argument("--queries", type=int, default=50, help="queries per kind")
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
        report("themeflow (store)", n, None, bench_store(store, queries)[0])
        report("themeflow sort=time", n, None, bench_store(store, queries, "time")[0])
        report("themeflow --strict", n, None, bench_store(store, queries, strict=True)[0])
        return 0
    records = list(read_corpus(args.corpus))[: args.limit_corpus or None]
    print(f"corpus {len(records):,} articles; {args.queries} queries per kind")
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
    lat, totals = bench_store(store, queries)
    ours_a = report("themeflow (store)", len(records), build, lat), totals
    report("themeflow sort=time", len(records), None, bench_store(store, queries, "time")[0])
    stricts[len(records)] = report(
        "themeflow --strict", len(records), None, bench_store(store, queries, strict=True)[0]
    )
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
    n_t = min(len(records), args.tantivy_max)
    t_a = run_tantivy(args, a, n_t, queries)
    for k in BAG_KINDS:
        ours = ours_a[0][k][0]
        print(
            f"  {k} p50 ratio  bm25s/themeflow {p_b[k][0] / ours:6.2f}   rank_bm25/themeflow {p_r[k][0] / ours:6.2f}"
        )
    if t_a is not None and n_t == len(records):
        compare(n_t, ours_a, t_a, stricts.get(n_t))

    if args.n:
        print(f"\nscale-up to {args.n:,} documents")
        ours_b = _scaled(args, a, args.n, queries, reuse=args.scaled_db)
        sizes = {args.n: ours_b}

        def ours_at(n: int) -> Ours:
            if n not in sizes:
                sizes[n] = _scaled(args, a, n, queries)
            return sizes[n]

        n_s = min(args.n, args.bm25s_max)
        if n_s > len(records):
            b_b = bench_bm25s(a, n_s, queries)
            p_b = report("bm25s", n_s, b_b["build_s"], b_b["lat"])  # type: ignore[arg-type]
            same = ours_at(n_s)[0]
            for k in BAG_KINDS:
                print(f"  {k} p50 ratio  bm25s/themeflow {p_b[k][0] / same[k][0]:6.2f}  (both at {n_s:,})")
        n_t = min(args.n, args.tantivy_max)
        if n_t > len(records) and (t_b := run_tantivy(args, a, n_t, queries)) is not None:
            compare(n_t, ours_at(n_t), t_b, stricts.get(n_t))
        print(f"  target: 2-term p50 <= 20 ms at 1M -> {ours_b[0]['2-term'][0]:.2f} ms at {args.n:,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

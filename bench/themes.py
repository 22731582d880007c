"""Theme query latency per search mode, on the same store in the same run (strict AND is the baseline).

    python bench/themes.py                          # the shared corpus (18k documents)
    python bench/themes.py --db /tmp/big.db         # any store built by bench/search.py (e.g. 100k, 1M)
    cp SUBSET.db /tmp/copy.db                       # a store with real vectors: time a copy, never the original
    python bench/themes.py --modes strict,expanded,semantic,hybrid --db /tmp/copy.db

    # semantic/hybrid at scale: a bench/search.py scale-up given replicated vectors (see below), then timed
    python bench/search.py --n 100000 --build-only                # -> /tmp/themeflow-bench-100000.db
    python bench/themes.py --db /tmp/themeflow-bench-100000.db --replicate-vectors /tmp/copy.db \\
        --modes strict,expanded,semantic,hybrid

Each of the pooled set's theme names (scripts/eval_themes.py) is searched ``--reps`` times per mode, by
relevance and newest first (20 hits, snippets included: what a user waits for). Modes are interleaved per
query so machine noise falls on all of them alike. Reports p50/p95 milliseconds and the p50 ratio to strict,
the first query per mode apart (it loads columns, the embedding model, and at 20k vectors or more builds the
HNSW index), and the index's memory: the store file, the vectors' bytes on disk (``dbstat``) and in memory
(``store.vectors.memory``: the normalized matrix, and the HNSW index when built). Semantic and hybrid times
include embedding the query with the bundled e5 model, as ``Themeflow.search`` does; add the pseudo-mode
``embed`` to ``--modes`` to time that embedding alone, interleaved with the others.

``--replicate-vectors FROM.db``: embedding a 100k scale-up is out of reach on two cores (1-3 documents/s),
so every document of ``--db`` without a vector gets a copy of a real one: the vectors of ``FROM.db`` (opened
read-only; its model id is kept), cycled in order, each plus Gaussian noise (``--noise``, per component)
and re-normalized, written through ``store.vectors.put`` as an ingest would. The exact product (below
``ANN_THRESHOLD`` vectors) and the usearch HNSW path (above it) then run at the store's real size, over
vectors with e5's real distribution. THESE VECTORS MEASURE LATENCY AND MEMORY ONLY, NOT QUALITY: a
scaled document's vector belongs to an unrelated article. They are written into ``--db`` itself, so the
option refuses any store with a document that is not a bench/search.py synthetic copy (id ``syn…``).
Documents that already have a vector are left alone: a second run reuses them.
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from eval_search import SHARED, cached_store  # noqa: E402
from eval_themes import THEMES  # noqa: E402

from themeflow.embed.pipeline import default_embedder  # noqa: E402
from themeflow.service import Themeflow  # noqa: E402
from themeflow.store.sqlite import SQLiteStore  # noqa: E402

MODE_ARGS: dict[str, dict[str, object]] = {
    "strict": {"strict": True},
    "expanded": {},
    "semantic": {"mode": "semantic"},
    "hybrid": {"mode": "hybrid"},
}
EMBED = "embed"
"""A pseudo-mode for ``--modes``: only the query's embedding (``embed_queries``), the part of a semantic or
hybrid query spent in the e5 model rather than in the store."""


def replicate_vectors(db: Path, source: Path, noise: float, *, seed: int = 0, batch: int = 10_000) -> str:
    """Give every document of the scale-up ``db`` without a vector a noisy copy of one of ``source``'s
    (latency only: see the module docstring); returns the model id the vectors are filed under."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    (model,) = src.execute(
        "SELECT model FROM doc_vectors GROUP BY model ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()
    rows = src.execute(
        "SELECT dim, vec FROM doc_vectors WHERE model = ? ORDER BY doc_rowid", (model,)
    ).fetchall()
    src.close()
    dim = int(rows[0][0])
    real = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), dim)
    store = SQLiteStore(db)
    try:
        (real_docs,) = store.conn.execute(
            "SELECT count(*) FROM documents WHERE id NOT LIKE 'syn%'"
        ).fetchone()
        if real_docs:
            raise SystemExit(
                f"--replicate-vectors writes synthetic vectors into {db}, which holds {real_docs} documents"
                " that are not bench/search.py copies: use it on a scale-up only"
            )
        missing = store.vectors.missing(model)
        rng = np.random.default_rng(seed)
        t0 = time.perf_counter()
        for start in range(0, len(missing), batch):
            ids = missing[start : start + batch]
            vecs = real[np.arange(start, start + len(ids)) % len(real)]
            vecs = vecs + rng.normal(0.0, noise, vecs.shape).astype(np.float32)
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            store.vectors.put(model, list(zip(ids, vecs, strict=True)))
        print(
            f"replicated {len(real):,} real {model} vectors (noise {noise}) onto {len(missing):,} documents"
            f" in {time.perf_counter() - t0:.1f}s; {store.vectors.count(model):,} now have one"
            " (latency only, not quality)",
            file=sys.stderr,
        )
    finally:
        store.close()
    return str(model)


def index_memory(tf: Themeflow, db: Path) -> None:
    """The store file, and per model the vectors' bytes on disk and in memory (after the timed queries)."""
    conn = tf.store.conn
    files = sum(p.stat().st_size for p in db.parent.glob(f"{db.name}*"))
    print(f"store file {files / 2**20:,.1f} MiB ({db}, -wal/-shm included)")
    try:
        on_disk = {
            name: conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name = ?", (name,)).fetchone()[0] or 0
            for name in ("doc_vectors", "doc_vectors_model")
        }
    except sqlite3.OperationalError:  # SQLite built without dbstat
        on_disk = {}
    for model, dim, n in conn.execute("SELECT model, dim, count(*) FROM doc_vectors GROUP BY model, dim"):
        mem = tf.store.vectors.memory(model)
        disk = sum(on_disk.values())
        print(
            f"vectors {model}: {n:,} × {dim} float32 (raw {n * dim * 4 / 2**20:.1f} MiB);"
            f" on disk {disk / 2**20:.1f} MiB (table {on_disk.get('doc_vectors', 0) / 2**20:.1f},"
            f" model index {on_disk.get('doc_vectors_model', 0) / 2**20:.1f}; {disk / max(n, 1):,.0f} B/vector);"
            f" in memory matrix {mem['matrix'] / 2**20:.1f} MiB + HNSW {mem['ann'] / 2**20:.1f} MiB"
            f" ({mem['ann_vectors']:,} vectors; {(mem['matrix'] + mem['ann']) / max(n, 1):,.0f} B/vector)"
        )
    print(
        f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10:,.0f} MiB (all of it)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", help="an existing store (default: the shared corpus, indexed once into /tmp)")
    parser.add_argument("--modes", default="strict,expanded")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument(
        "--replicate-vectors",
        metavar="FROM.db",
        type=Path,
        help="first give --db (a bench/search.py scale-up) noisy copies of FROM.db's vectors: latency only",
    )
    parser.add_argument("--noise", type=float, default=0.02, help="per-component noise of replicated vectors")
    args = parser.parse_args()
    if args.db:
        db = Path(args.db)
    else:
        store = cached_store(SHARED / "news.jsonl", "full", set())
        db = Path(store.path)
        store.close()
    if args.replicate_vectors:
        if not args.db:
            parser.error("--replicate-vectors needs --db (a bench/search.py scale-up)")
        replicate_vectors(db, args.replicate_vectors, args.noise)
    modes = args.modes.split(",")
    if unknown := [m for m in modes if m not in MODE_ARGS and m != EMBED]:
        parser.error(f"unknown modes {unknown}: choose among {[*MODE_ARGS, EMBED]}")
    times: dict[tuple[str, str], list[float]] = {(m, s): [] for m in modes for s in ("relevance", "time")}
    first: dict[str, float] = {}
    with Themeflow.open(db) as tf:
        print(f"{tf.store.count_documents()} documents in {db}", file=sys.stderr)

        def run(theme: str, mode: str, sort: str = "relevance") -> None:
            if mode == EMBED:
                default_embedder().embed_queries([theme])
            else:
                # the same themes are timed repeatedly: drop the kept FTS5 passes and 提及 verdicts
                # (store/sqlite/scans.py, mentions.py) so each run does its own, as the first view of a
                # theme does
                tf.store.search_cache.pop("scans", None)  # type: ignore[attr-defined]
                tf.store.search_cache.pop("aboutness", None)  # type: ignore[attr-defined]
                tf.search(theme, sort=sort, **MODE_ARGS[mode])  # type: ignore[arg-type]

        for theme in THEMES:  # warm every path once (columns, caches, the embedding model, the HNSW index)
            for mode in modes:
                t0 = time.perf_counter()
                run(theme, mode)
                first.setdefault(mode, (time.perf_counter() - t0) * 1000)
        for _ in range(args.reps):
            for theme in THEMES:
                for sort in ("relevance", "time"):
                    for mode in modes:
                        t0 = time.perf_counter()
                        run(theme, mode, sort)
                        times[(mode, sort)].append((time.perf_counter() - t0) * 1000)
        print(
            "first query per mode (untimed warm-up): "
            + ", ".join(f"{m} {t:.0f} ms" for m, t in first.items())
        )
        for sort in ("relevance", "time"):
            base = statistics.median(times[("strict", sort)]) if "strict" in modes else None
            for mode in modes:
                xs = sorted(times[(mode, sort)])
                p50, p95 = statistics.median(xs), xs[int(0.95 * (len(xs) - 1))]
                ratio = f"  ×{p50 / base:.2f} vs strict" if base else ""
                print(f"{sort:<9} {mode:<9} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  (n={len(xs)}){ratio}")
        index_memory(tf, db)


if __name__ == "__main__":
    main()

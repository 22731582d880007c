"""End to end on a real SQLite file: index, query language, filters, sorting, paging, snippets, totals."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from themeflow.errors import NotAvailableError, QueryError
from themeflow.model import Document, SearchPage, Summary
from themeflow.search import SearchRequest
from themeflow.store import open_store
from themeflow.store.sqlite import SQLiteStore

BJ = timezone(timedelta(hours=8))

DOCS = [
    Document(
        id="capex",
        title="巴克莱：AI资本开支周期仍将持续",
        paragraphs=(
            "巴克莱发布研究报告。",
            "报告认为，超大规模云厂商的资本开支仍在上升，算力需求持续激增。",
            "中国农业发展银行未参与此次研究。",
        ),
        source="华尔街见闻",
        published_at=datetime(2025, 11, 20, 20, 41, tzinfo=BJ),
    ),
    Document(
        id="fed",
        title="美联储降息预期升温",
        paragraphs=("鲍威尔表示，美联储可能在12月降息25个基点。", "A股市场反应平淡。"),
        source="东方财富网",
        published_at=datetime(2025, 11, 21, 9, 0, tzinfo=BJ),
    ),
    Document(
        id="solar",
        title="光伏产能出清加速",
        paragraphs=("光伏行业反内卷，多晶硅产能过剩。", "部分企业宣布减产。"),
        source="东方财富",
        published_at=datetime(2025, 10, 2, 8, 0, tzinfo=BJ),
    ),
    Document(
        id="stargate",
        title="星際之門項目擴建",
        paragraphs=("OpenAI的星際之門數據中心將新增ＡＩ算力１１４.３GW。",),
        source="钛媒体APP",
        published_at=datetime(2025, 9, 1, 12, 0, tzinfo=BJ),
    ),
    Document(
        id="undated",
        title="南下资金持续流入港股通",
        paragraphs=("南下资金年内净买入突破1.2万亿港元，资本开支相关板块受关注。",),
        source=None,
        published_at=None,
    ),
]


@pytest.fixture()
def store(store_url: str) -> SQLiteStore:
    """The search suite's store: an SQLite file, then a PostgreSQL database (``store_url``)."""
    s = open_store(store_url)
    s.upsert_documents(DOCS)
    yield s  # type: ignore[misc]
    s.close()


def ids(page: SearchPage) -> list[str]:
    """The matches; relevance order's partial matches (after them) are tested on their own."""
    return [h.document.id for h in page.hits if not h.partial]


def search(store: SQLiteStore, query: str, **kw: object) -> SearchPage:
    return store.search(SearchRequest(query=query, **kw))  # type: ignore[arg-type]


def test_terms_and_substrings(store: SQLiteStore) -> None:
    assert ids(search(store, "资本开支", sort="time")) == ["capex", "undated"]
    assert ids(search(store, "农业")) == ["capex"]
    assert ids(search(store, "资本开支 算力")) == ["capex"]
    assert ids(search(store, "美联储 降息")) == ["fed"]
    # relevance order then lists what says part of the query, marked, after every match
    page = search(store, "资本开支 算力")
    assert [h.document.id for h in page.hits][0] == "capex" and page.total == 1
    assert page.partial == len(page.hits) - 1 and all(h.partial for h in page.hits[1:])


def test_phrase_is_exact(store: SQLiteStore) -> None:
    assert ids(search(store, '"资本开支周期"')) == ["capex"]
    assert ids(search(store, '"开支周"')) == ["capex"]
    assert ids(search(store, '"周期资本"')) == []
    assert ids(search(store, '"降息预期"')) == ["fed"]


def test_or_and_exclusion(store: SQLiteStore) -> None:
    assert set(ids(search(store, "降息 OR 光伏"))) == {"fed", "solar"}
    assert ids(search(store, "资本开支 -南下资金")) == ["capex"]
    assert set(ids(search(store, "-降息"))) == {"capex", "solar", "stargate", "undated"}


def test_title_field(store: SQLiteStore) -> None:
    assert ids(search(store, "title:算力")) == []
    assert ids(search(store, "算力", sort="time")) == ["capex", "stargate"]
    assert ids(search(store, "title:光伏")) == ["solar"]


def test_source_variants(store: SQLiteStore) -> None:
    page = search(store, "source:东方财富", sort="time")
    assert ids(page) == ["fed", "solar"]
    assert dict(page.per_source) == {"东方财富": 1, "东方财富网": 1}
    assert ids(search(store, "source:东方财富网 光伏")) == ["solar"]
    assert ids(search(store, "算力 source:钛媒体")) == ["stargate"]
    assert ids(store.search(SearchRequest(query="算力", sources=("华尔街见闻",)))) == ["capex"]
    assert search(store, "source:不存在的媒体").total == 0


def test_dates(store: SQLiteStore) -> None:
    assert ids(search(store, "since:2025-11-21")) == ["fed"]
    assert ids(search(store, "since:2025-11-01 until:2025-11-20", sort="time")) == ["capex"]
    page = store.search(
        SearchRequest(
            query="资本开支", since=datetime(2025, 1, 1, tzinfo=BJ), until=datetime(2026, 1, 1, tzinfo=BJ)
        )
    )
    assert ids(page) == ["capex"]  # undated documents drop out of date-filtered searches


def test_sort_orders_and_paging(store: SQLiteStore) -> None:
    everything = search(store, "", sort="time")
    assert ids(everything) == ["fed", "capex", "solar", "stargate", "undated"]  # unknown time last
    assert everything.total == 5
    page = search(store, "", sort="time", limit=2, offset=2)
    assert ids(page) == ["solar", "stargate"] and page.total == 5
    ranked = search(store, "资本开支", sort="relevance")
    assert ids(ranked)[0] == "capex"  # in the title, weighted above the body
    assert ranked.hits[0].score > ranked.hits[1].score > 0
    boosted = search(store, "资本开支", sort="relevance", recency_boost=True)
    assert ids(boosted)[0] == "capex"


def test_traditional_full_width_and_numbers(store: SQLiteStore) -> None:
    assert ids(search(store, "星际之门")) == ["stargate"]
    assert ids(search(store, "星際之門")) == ["stargate"]
    assert ids(search(store, "AI 114.3")) == ["stargate"]
    assert ids(search(store, "ＡＩ")) == ["capex", "stargate"] or set(ids(search(store, "ＡＩ"))) == {
        "capex",
        "stargate",
    }


def test_snippet_highlights_point_at_matches(store: SQLiteStore) -> None:
    hit = search(store, "资本开支 算力").hits[0]
    assert hit.snippet is not None and hit.snippet.paragraph == 2
    marked = [hit.snippet.text[s:e] for s, e in hit.snippet.highlights]
    assert marked == ["资本开支", "算力"]
    trad = search(store, "星际之门 数据中心").hits[0].snippet
    assert trad is not None
    assert [trad.text[s:e] for s, e in trad.highlights] == ["星際之門", "數據中心"]  # shown as written


def test_long_paragraph_window(tmp_path: Path) -> None:
    s = SQLiteStore(tmp_path / "long.db")
    para = "行业概况。" * 60 + "美联储宣布降息25个基点。" + "其他内容。" * 60
    s.upsert_documents([Document(id="long", title="长文", paragraphs=("开头", para))])
    snip = s.search(SearchRequest(query="降息")).hits[0].snippet
    assert snip is not None and snip.paragraph == 2
    assert snip.text.startswith("…") and snip.text.endswith("…") and len(snip.text) <= 162
    assert [snip.text[a:b] for a, b in snip.highlights] == ["降息"]
    s.close()


def test_updates_and_reindex_keep_the_index_in_step(store: SQLiteStore) -> None:
    store.upsert_documents([Document(id="fed", title="美联储按兵不动", paragraphs=("维持利率不变。",))])
    assert ids(search(store, "降息")) == []
    assert ids(search(store, "按兵不动")) == ["fed"]
    assert store.reindex() == 5
    assert ids(search(store, "按兵不动")) == ["fed"]


def test_errors_are_typed(store: SQLiteStore) -> None:
    with pytest.raises(QueryError):
        search(store, '降息 "周期')
    with pytest.raises(NotAvailableError, match="needs the query's embedding"):
        search(store, "降息", mode="semantic")  # the store compares vectors; the service embeds queries
    for literal in ["NEAR(资本 开支)", "'; DROP TABLE documents; --", "资本*", "^光伏", "降息 AND 美联储"]:
        search(store, literal)  # never an SQL error
    assert store.count_documents() == 5


def test_collapse_without_stories_is_a_no_op(store: SQLiteStore) -> None:
    assert ids(search(store, "资本开支", collapse=True)) == ids(search(store, "资本开支", collapse=False))


_cjk = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=2, max_size=6)
_latin = st.from_regex(r"[A-Za-z][A-Za-z0-9]{1,6}", fullmatch=True)
_num = st.from_regex(r"[1-9][0-9]{0,4}(\.[0-9]{1,2})?", fullmatch=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(parts=["一一", "一一", "一一", "一繐", "一一"], seps=[""] * 8, pick=3)  # 繐 used to fold out of CJK
@given(
    parts=st.lists(st.one_of(_cjk, _latin, _num), min_size=1, max_size=8),
    seps=st.lists(st.sampled_from(["", " ", "，", "。", "、"]), min_size=8, max_size=8),
    pick=st.integers(min_value=0, max_value=7),
)
def test_any_contained_word_finds_its_document(
    tmp_path: Path, parts: list[str], seps: list[str], pick: int
) -> None:
    # Adjacent ASCII runs need a separator to be two words (h100 is one token, by design).
    text = "".join(
        p
        + (
            " "
            if seps[i] == "" and i + 1 < len(parts) and p.isascii() and parts[i + 1].isascii()
            else seps[i]
        )
        for i, p in enumerate(parts)
    )
    s = SQLiteStore(tmp_path / f"prop-{abs(hash(text))}.db")
    try:
        s.upsert_documents([Document(id="d", title="", paragraphs=(text,)), DOCS[2]])
        word = parts[pick % len(parts)]
        assert "d" in ids(s.search(SearchRequest(query=word))), (text, word)
        assert "d" in ids(s.search(SearchRequest(query=f'"{word}"'))), (text, word)
    finally:
        s.close()


@pytest.mark.parametrize(
    "query",
    [
        "资本开支",
        "+资本开支",
        '"资本开支"',
        "资本开支 OR 降息",
        "source:东方财富网",
        "since:2025-10",
        "AI资本开支周期",
    ],
)
@pytest.mark.parametrize("sort", ["time", "relevance"])
@pytest.mark.parametrize("collapse", [True, False])
def test_within_restricts_every_kind_of_query_to_the_given_documents(
    store: SQLiteStore, query: str, sort: str, collapse: bool
) -> None:
    """``within`` answers what the unrestricted search answers, kept to those documents (every query path:
    concept, plain match, filters only, folded or not), and counts only them."""
    full = search(store, query, sort=sort, collapse=collapse, limit=100)
    for within in ({"capex", "undated"}, {"fed", "solar", "stargate"}, set(), {"no-such-id"}):
        part = search(store, query, sort=sort, collapse=collapse, limit=100, within=within)
        expected = [h.document.id for h in full.hits if h.document.id in within]
        assert [h.document.id for h in part.hits] == expected, (query, within)
        assert part.total == sum(1 for h in full.hits if h.document.id in within and not h.partial)
        assert {h.document.id: h.aboutness for h in part.hits} == {
            h.document.id: h.aboutness for h in full.hits if h.document.id in within
        }


def test_hits_without_snippets_are_the_same_hits(store: SQLiteStore) -> None:
    """``snippets=False`` (a tag refresh) skips the highlighter and changes nothing else."""
    for query in ("资本开支", "AI资本开支周期", "source:东方财富网"):
        with_snippets = search(store, query, sort="time", limit=100)
        bare = search(store, query, sort="time", limit=100, snippets=False)
        assert [h.document.id for h in bare.hits] == [h.document.id for h in with_snippets.hits]
        assert [h.aboutness for h in bare.hits] == [h.aboutness for h in with_snippets.hits]
        assert all(h.snippet is None for h in bare.hits)
    assert any(h.snippet is not None for h in search(store, "资本开支").hits)


def test_a_kept_fts_pass_never_hides_a_write(store: SQLiteStore, store_url: str) -> None:
    """Full-text passes are reused while the store is unchanged (``store/sqlite/scans.py``,
    ``store/postgres/search.py``): a write through this store, or through another opening of the same
    store, is seen by the very next search."""
    assert search(store, "光伏", sort="time").total == 1
    if isinstance(store, SQLiteStore):
        kept = dict(store.search_cache["scans"][1])  # one pass per form of the 光伏 concept
        assert kept
        assert search(store, "光伏", sort="time", offset=1).total == 1  # the kept passes, paged
        again = store.search_cache["scans"][1]
        assert all(again[form] is rows for form, rows in kept.items())
    else:
        kept = dict(store.search_states.state.scans)  # type: ignore[attr-defined]
        assert kept
        assert search(store, "光伏", sort="time", offset=1).total == 1
        again = store.search_states.state.scans  # type: ignore[attr-defined]
        assert all(again[form] is rows for form, rows in kept.items())
    store.upsert_documents(
        [Document("solar2", "光伏组件价格企稳", ("光伏组件报价连续三周持平。",), source="证券时报")]
    )
    assert search(store, "光伏", sort="time").total == 2
    other = open_store(store_url)
    try:
        other.upsert_documents(
            [Document("solar3", "光伏龙头减产", ("多家光伏龙头宣布减产。",), source="财联社")]
        )
    finally:
        other.close()
    assert search(store, "光伏", sort="time").total == 3
    assert sorted(ids(search(store, "光伏 减产", sort="time"))) == ["solar", "solar3"]


def test_a_tag_write_keeps_the_search_caches_a_document_write_drops_them(tmp_path: Path) -> None:
    """A concept refresh commits once per concept; those commits write tags only, so the outlet/time columns
    and the FTS5 passes the next concept's searches need are kept. A document write still drops them."""
    from themeflow.model import DocumentTag, TagState

    store = SQLiteStore(tmp_path / "caches.db")
    store.upsert_documents(DOCS)
    store.search(SearchRequest(query="光伏"))
    generation, columns = store.write_generation, store.search_cache["docmeta"]
    tag = DocumentTag("光伏", "solar", "主题", 1.0, DOCS[2].published_at, 1.0)
    store.tags.write(TagState("光伏", "lexicon", "digest", 1.0, 1.0), [tag])
    assert store.write_generation == generation
    store.search(SearchRequest(query="光伏"))
    assert store.search_cache["docmeta"] is columns
    store.upsert_documents(
        [
            Document(
                id="solar2",
                title="光伏组件价格企稳",
                paragraphs=("光伏组件报价本周持平。",),
                source="东方财富",
            )
        ]
    )
    assert store.write_generation > generation
    assert {h.document.id for h in store.search(SearchRequest(query="光伏")).hits} == {"solar", "solar2"}
    store.close()


def test_another_connections_tag_write_keeps_the_caches_its_document_write_drops_them(tmp_path: Path) -> None:
    """Concept tags written by another connection (the refresh's writer, while its worker processes search)
    keep this connection's search caches; that connection's document write drops them, and the next search
    sees the new document."""
    from themeflow.model import DocumentTag, TagState

    path = tmp_path / "two.db"
    store = SQLiteStore(path)
    store.upsert_documents(DOCS)
    reader = SQLiteStore(path, read_only=True)  # another connection, as a worker process opens it
    writer = SQLiteStore(path)
    try:
        assert reader.search(SearchRequest(query="光伏")).total == 1
        columns, passes = reader.search_cache["docmeta"], reader.search_cache["scans"]
        tag = DocumentTag("光伏", "solar", "主题", 1.0, DOCS[2].published_at, 1.0)
        writer.tags.write(TagState("光伏", "lexicon", "digest", 1.0, 1.0), [tag])
        writer.put_summary(Summary("solar", DOCS[2].content_hash, "extractive@test"))  # a summary viewed
        assert reader.search(SearchRequest(query="光伏")).total == 1
        assert reader.search_cache["docmeta"] is columns and reader.search_cache["scans"] is passes
        writer.upsert_documents(
            [Document("solar2", "光伏组件价格企稳", ("光伏组件报价本周持平。",), source="东方财富")]
        )
        assert {h.document.id for h in reader.search(SearchRequest(query="光伏")).hits} == {"solar", "solar2"}
        assert reader.search_cache["docmeta"] is not columns
    finally:
        reader.close()
        writer.close()
        store.close()


def test_a_store_without_a_content_version_drops_the_caches_on_any_commit(tmp_path: Path) -> None:
    """A store written before the content version: another connection's commit, whatever it wrote, drops the
    caches (its writer may not bump the version)."""
    from themeflow.model import DocumentTag, TagState

    path = tmp_path / "old.db"
    store = SQLiteStore(path)
    store.upsert_documents(DOCS)
    store.conn.execute("DELETE FROM meta WHERE key = 'content_version'")
    reader = SQLiteStore(path, read_only=True)
    try:
        assert reader.search(SearchRequest(query="光伏")).total == 1
        columns = reader.search_cache["docmeta"]
        tag = DocumentTag("光伏", "solar", "主题", 1.0, DOCS[2].published_at, 1.0)
        store.tags.write(TagState("光伏", "lexicon", "digest", 1.0, 1.0), [tag])
        assert reader.search(SearchRequest(query="光伏")).total == 1
        assert reader.search_cache["docmeta"] is not columns
    finally:
        reader.close()
        store.close()


def test_folded_texts_stay_within_their_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """The 提及 reading's folded texts are kept per store state, at most ``TEXTS_KEPT`` of them: a refresh of
    every concept against one unchanged store would otherwise keep every roundup of the store."""
    from themeflow.store import mentions

    monkeypatch.setattr(mentions, "TEXTS_KEPT", 10)
    held: dict[int, mentions.FoldedText] = {}
    reads: list[list[int]] = []

    def read(todo: list[int]) -> tuple[list[tuple[int, str | None, str]], list[tuple[int, str]]]:
        reads.append(todo)
        return [(r, f"标题{r}", "roundup") for r in todo], [(r, f"第{r}段") for r in todo]

    for start in range(0, 60, 6):
        asked = list(range(start, start + 8))  # overlaps the batch before
        got = mentions.folded_texts(held, asked, read)
        assert list(got) == asked and got[start + 7][2] == [f"第{start + 7}段"]
        assert len(held) <= 10 + 8
    assert reads[1] == [8, 9, 10, 11, 12, 13]  # 6 and 7 were kept from the first batch

"""The outlet table: variants fold into one outlet at ingest, in filters and in stored documents; headline
fragments are refused as outlets; documents with no outlet can be filtered.

Outlet names and the refused fragments below are ``source`` values of the shared research corpus.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from themeflow.ingest.document import Draft, build_document
from themeflow.model import Document
from themeflow.search.request import SearchRequest
from themeflow.store.sqlite import SQLiteStore
from themeflow.text.outlets import canonical_outlet, implausible_reason, is_unknown_outlet, outlet_table

FAMILIES = [
    ["东方财富网", "东方财富", "東方財富網", "Eastmoney", "finance.eastmoney.com"],
    ["央视新闻", "央视", "央视网", "央视新闻客户端", "CCTV"],
    ["Wind", "WIND", "wind", "ｗｉｎｄ", "万得"],
    ["上海证券报", "上证报", "上證報", "中国证券网"],
    ["中国证券报", "中证报", "中证网", "中国证券报·中证网"],
    ["智通财经", "智通财经网"],
    ["每日经济新闻", "每经", "每经网"],
    ["澎湃新闻", "澎湃"],
    ["经济参考报", "经参"],
    ["亿邦动力网", "Ebrun"],
]


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f[0])
def test_variants_of_one_outlet_get_one_name(family: list[str]) -> None:
    assert {canonical_outlet(v) for v in family} == {family[0]}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("央视新闻客户端流程", "央视新闻"),  # "流程编辑：TF060" glued to the credit
        ("Wind消息面上", "Wind"),  # the next sentence glued to the credit
        ("经济参考报据路透社报道", "经济参考报"),
        ("嘉兴日报7月31日下午", "嘉兴日报"),  # a dateline glued to the credit
        ("【TechWeb】", "TechWeb"),
        ("来源：第一财经", "第一财经"),
        ("央视财经", "央视财经"),  # a desk of its own, not 央视 plus residue
        ("中国网地产", "中国网地产"),
    ],
)
def test_credit_residue_is_cut(raw: str, expected: str) -> None:
    assert canonical_outlet(raw) == expected


@pytest.mark.parametrize(
    "fragment",
    [
        "英伟达涨破5000美元",
        "宁德时代上半年营收189",
        "微软第四财季净利润200",
        "小鹏汽车否认收购玛莎拉蒂",
        "各地统计局同比增速方面",
        "2023中国500强排行",
        "165亿元",
        "视觉中国",  # a picture agency: the credit of a photo, not of the article
        "视觉中国由于俄罗斯原油价",
    ],
)
def test_headline_fragments_are_not_outlets(fragment: str) -> None:
    assert canonical_outlet(fragment) is None


@pytest.mark.parametrize(
    "name",
    [
        "21世纪经济报道",
        "36氪",
        "第一财经",
        "西安发布",
        "聪明的投资者",
        "C114通信网",
        "最高人民检察院",
        "国际市场商品价格网",
        "iDoNews",
    ],
)
def test_real_outlet_names_pass(name: str) -> None:
    assert implausible_reason(name) is None
    assert canonical_outlet(name) == name


def test_every_name_in_the_table_is_its_own_canonical_name() -> None:
    """The table wins over the plausibility rule: 市值风云 has 市值 in it and is still an outlet."""
    table = outlet_table()
    assert len(table.canonical_names) > 100
    assert {n: canonical_outlet(n) for n in table.canonical_names if canonical_outlet(n) != n} == {}
    assert implausible_reason("市值风云") is not None


def test_ingest_stores_the_canonical_outlet_and_keeps_what_was_given() -> None:
    def doc(source: str | None) -> Document:
        out = build_document(
            Draft(title="标题", text="正文第一段。", source=source), source="t", record=None, origin="t"
        )
        assert isinstance(out, Document)
        return out

    assert doc("上证报").source == "上海证券报"
    assert doc("上证报").meta["source_given"] == "上证报"
    refused = doc("英伟达涨破5000美元")
    assert refused.source is None
    assert refused.meta["source_given"] == "英伟达涨破5000美元"
    assert "source_given" not in doc("财联社").meta


def test_an_outlet_credited_in_the_text_names_a_document_without_one() -> None:
    text = "英特尔将向高塔半导体支付3.53亿美元的终止费。来源: TechWeb返回搜狐，查看更多责任编辑："
    out = build_document(Draft(title="标题", text=text), source="t", record=None, origin="t")
    assert isinstance(out, Document)
    assert out.source == "TechWeb"
    assert out.meta["source_origin"] == "credited in the text"


def _doc(n: int, source: str | None, text: str = "美联储 降息") -> Document:
    return Document(
        id=f"d{n}", title=f"标题{n} {text}", paragraphs=(f"第{n}篇：{text}的消息。",), source=source
    )


@pytest.fixture
def store(tmp_path: Path) -> SQLiteStore:
    s = SQLiteStore(tmp_path / "t.db")
    s.upsert_documents(
        [
            _doc(1, "东方财富网"),
            _doc(2, "上海证券报"),
            _doc(3, None),
            _doc(4, "央视财经"),
            _doc(5, "央视新闻"),
        ]
    )
    return s


@pytest.mark.parametrize("query", ["美联储", ""])  # with a search term (fast path) and filters only
@pytest.mark.parametrize(
    ("wanted", "ids"),
    [
        ("东方财富", {"d1"}),
        ("东方财富网", {"d1"}),
        ("上证报", {"d2"}),  # an old spelling finds the canonical outlet
        ("上海证券报", {"d2"}),
        ("(unknown)", {"d3"}),  # the facet chip's value
        ("unknown", {"d3"}),
        ("来源未知", {"d3"}),
        ("央视", {"d4", "d5"}),  # a prefix still finds every desk
    ],
)
def test_source_filters(store: SQLiteStore, query: str, wanted: str, ids: set[str]) -> None:
    by_option = store.search(SearchRequest(query=query, sources=(wanted,), collapse=False, limit=20))
    assert {h.document.id for h in by_option.hits} == ids
    in_query = store.search(SearchRequest(query=f"{query} source:{wanted}".strip(), collapse=False, limit=20))
    assert {h.document.id for h in in_query.hits} == ids


def test_unknown_and_a_named_outlet_together(store: SQLiteStore) -> None:
    page = store.search(SearchRequest(query="美联储", sources=("(unknown)", "上证报"), collapse=False))
    assert {h.document.id for h in page.hits} == {"d2", "d3"}
    assert is_unknown_outlet(" (Unknown) ")


def test_migration_rewrites_stored_variants(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    SQLiteStore(path).close()
    conn = sqlite3.connect(path)
    now = 0.0
    for n, source in enumerate(["东方财富", "央视网", "英伟达涨破5000美元", "财联社", None]):
        conn.execute(
            "INSERT INTO documents(id, title, source, content_hash, paragraph_count, char_count, ingested_at,"
            " updated_at) VALUES (?, ?, ?, 'h', 1, 1, ?, ?)",
            (f"d{n}", "t", source, now, now),
        )
    conn.execute("DELETE FROM schema_migrations WHERE name = 'core_0003_canonical_outlets'")
    conn.commit()
    conn.close()
    with SQLiteStore(path) as s:
        rows = {r[0]: (r[1], r[2]) for r in s.conn.execute("SELECT id, source, meta FROM documents")}
        assert "core_0003_canonical_outlets" in s.stats().schema
    assert rows["d0"][0] == "东方财富网"
    assert json.loads(rows["d0"][1]) == {"source_given": "东方财富"}
    assert rows["d1"][0] == "央视新闻"
    assert rows["d2"][0] is None
    assert rows["d3"] == ("财联社", None)
    assert rows["d4"] == (None, None)


def test_corpus_outlets_fold(shared_data: Path) -> None:
    """On the research corpus: ~600 distinct outlet values become well under 400, no known variant
    survives, and no refused value is a name the table knows."""
    given: Counter[str] = Counter()
    with (shared_data / "news.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            source = json.loads(line).get("source")
            if source:
                given[source] += 1
    after = Counter()
    for name, n in given.items():
        after[canonical_outlet(name)] += n
    assert len(given) > 550
    assert len([k for k in after if k]) < 400
    for variant in ("东方财富", "央视", "央视网", "WIND", "上证报", "中证报", "澎湃", "智通财经网"):
        assert variant not in after
    assert after["东方财富网"] == given["东方财富网"] + given["东方财富"] + given["东方财富Choice数据"]


def test_unknown_chip_on_the_search_page_finds_the_documents_without_outlet(
    store: SQLiteStore, tmp_path: Path
) -> None:
    import html as html_lib
    import re

    from tests.test_web_corpus import make_client
    from themeflow.web.app import create_app

    store.close()
    with make_client(create_app(tmp_path / "t.db"), follow_redirects=False) as client:
        page = client.get("/", params={"q": "美联储"}).text  # type: ignore[attr-defined]
        chip = re.search(r'<a href="(/\?[^"]*)"[^>]*>来源未知 <span>1</span>', page)
        assert chip, "the chip for documents without an outlet is labelled 来源未知"
        filtered = client.get(html_lib.unescape(chip.group(1))).text  # type: ignore[attr-defined]
    assert "共 <strong>1</strong> 条结果" in filtered
    assert "标题3" in filtered

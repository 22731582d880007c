"""Copy containment on synthetic text: excerpts, copies wrapped in another site's furniture, retitled
copies fold; roundups carrying a flash, series flashes sharing a footer and daily editions do not. Then the
same in a real SQLite store: either arrival order, removal, the stock-sentence cap, and the migration that
re-fingerprints a store written before containment existed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.test_dedup_synthetic import BANK, CHIP, doc, drop_paragraph, strip_punct
from themeflow import dedup
from themeflow.model import Document
from themeflow.store.sqlite import stories as st
from themeflow.store.sqlite.store import SQLiteStore

TITLE = "星河半导体拟投资一百二十亿元在合肥建设晶圆厂"

NAV = (
    "首页 | 快讯 | 行情 | 数据中心 | 研报 | 专栏 | 视频 | 直播 | 登录 | 注册",
    "热门推荐",
    "央行开展一千亿元逆回购操作维持流动性合理充裕",
    "多家券商上调新能源汽车板块评级并看好下半年销量",
    "国际油价连续三日走高布伦特原油重回八十美元上方",
    "港股科技股午后集体回落恒生科技指数跌超两个百分点",
)
RELATED = (
    "相关阅读",
    "光伏组件价格本月再降一成龙头企业开工率维持高位",
    "消费电子旺季来临多家代工厂商追加招聘计划",
    "本站声明：本文仅代表作者观点，不构成投资建议，转载请注明出处。",
)


def fp(paragraphs: tuple[str, ...], title: str = "") -> dedup.Fingerprint:
    return dedup.fingerprint(paragraphs, title)


def test_an_excerpt_is_a_copy_that_whole_body_jaccard_misses() -> None:
    full, excerpt = fp(CHIP + BANK[:2], TITLE), fp(CHIP[:5], TITLE)
    assert dedup.similarity(full, excerpt) < dedup.DEFAULT_CONFIG.threshold
    c = dedup.containment(full, excerpt)
    assert c.shared == 5 and c.smaller == 1.0 and c.lead_shared and c.larger_is_a
    assert dedup.is_copy(full, excerpt) and dedup.is_copy(excerpt, full)  # symmetric


def test_a_copy_wrapped_in_another_sites_furniture_and_retitled_is_a_copy() -> None:
    original = fp(CHIP, TITLE)
    wrapped = fp(NAV + CHIP + RELATED, "合肥新建十二英寸产线 车规功率器件产能扩张")
    assert dedup.similarity(original, wrapped) < dedup.DEFAULT_CONFIG.threshold
    assert dedup._title_overlap(original.title, wrapped.title) < dedup.DEFAULT_CONFIG.min_title_overlap
    assert dedup.is_copy(original, wrapped)


def test_shared_text_under_headlines_about_something_else_is_not_a_copy() -> None:
    """Two pages whose captured body is the same appendix: the headlines are not about it."""
    a = fp((*CHIP, "甲文章独有的一句话，讲的是另一件事。"), "央行公布七月金融数据")
    b = fp((*CHIP[:4], "乙文章独有的一句话，说的又是别的。"), "新能源车企八月交付创新高")
    assert dedup.is_contained_copy(a, b)
    assert min(a.title_support, b.title_support) < dedup.MIN_TITLE_SUPPORT
    assert not dedup.is_copy(a, b)


def test_a_roundup_that_carries_the_flash_as_one_item_is_not_a_copy() -> None:
    items = [f"{n}、{line}" for n, line in enumerate(NAV[2:] + RELATED[1:3], start=1)]
    brief = (*items, *(f"5、{c}" for c in CHIP[:4]), *(f"{n}、{b}" for n, b in enumerate(BANK, start=6)))
    roundup = fp(brief, "财经早餐：八月五日要闻一览")
    flash = fp(CHIP[:4], TITLE)
    assert roundup.collection and not flash.collection
    assert not dedup.is_copy(roundup, flash)


def test_series_flashes_that_share_only_their_footer_are_not_copies() -> None:
    footer = (
        "【本文来源：自动化新闻写作机器人，第一时间以算法为您输出行业情报，欢迎联系 news@example.com 留言。】",
        "【版权提示】本网倡导尊重与保护知识产权。未经许可，任何人不得复制、转载、或以其他方式使用本网站的内容。"
        "如发现本站文章存在版权问题，烦请提供版权疑问、身份证明、版权证明、联系方式等发邮件至本站，我们将及时沟通与处理。",
    )
    a = fp(("【行业动态】10月21日消息，洛丁森完成B轮融资，该轮融资由常春藤资本投资。", *footer))
    b = fp(("【行业动态】7月5日消息，微牛获投2.5亿人民币C轮融资，该轮融资由诺亚财富投资。", *footer))
    assert len(a.sentences) == len(b.sentences) == 1  # the footer is furniture
    assert dedup.similarity(a, b) >= dedup.DEFAULT_CONFIG.threshold
    assert not dedup.is_copy(a, b)


def test_a_contained_edition_of_a_daily_column_is_not_a_copy() -> None:
    a = fp(CHIP, "星河半导体拟投资一百二十亿元建设晶圆厂 | 2026年5月9日")
    b = fp(CHIP[:4], "星河半导体拟投资一百二十亿元建设晶圆厂 | 2026年5月11日")
    assert dedup.is_contained_copy(a, b)
    assert min(a.title_support, b.title_support) >= dedup.MIN_TITLE_SUPPORT  # the edition branch decides
    assert not dedup.is_copy(a, b)


def test_two_shared_sentences_or_an_unshared_lead_are_not_enough() -> None:
    assert not dedup.is_contained_copy(fp(CHIP), fp(CHIP[:3]))  # 3 < min_shared_sentences
    own_lead = ("这是另一家媒体自己写的导语，介绍了完全不同的背景和人物情况。",) * 1
    other = fp(
        own_lead
        + ("第二句也是这家媒体自己的内容，讲述当地的产业政策。", "第三句依然是独立内容，说的是人才引进。")
        + CHIP[3:]
    )
    c = dedup.containment(fp(CHIP), other)
    assert c.shared == 3 and not c.lead_shared
    assert not dedup.is_contained_copy(fp(CHIP), other)


# --------------------------------------------------------------------------- the SQLite store


def _store(path: Path) -> SQLiteStore:
    return SQLiteStore(path)


def partition(store: SQLiteStore) -> set[frozenset[str]]:
    rows = store.conn.execute("SELECT doc_id, story_id FROM story_members").fetchall()
    groups: dict[str, set[str]] = {}
    for doc_id, story_id in rows:
        groups.setdefault(story_id, set()).add(doc_id)
    return {frozenset(g) for g in groups.values()}


@pytest.mark.parametrize("order", [("full", "excerpt", "wrapped"), ("wrapped", "excerpt", "full")])
def test_store_folds_excerpt_and_wrapped_copy_in_either_order(tmp_path: Path, order: tuple[str, ...]) -> None:
    docs = {
        "full": doc("full", CHIP, title=TITLE, source="甲网", hour=9),
        "excerpt": doc("excerpt", CHIP[:4], title=TITLE, source="乙网", hour=10),
        "wrapped": doc(
            "wrapped", NAV + CHIP + RELATED, title="合肥新建十二英寸产线 车规功率器件产能扩张", hour=11
        ),
        "other": doc("other", BANK, title="七月金融数据", hour=12),
    }
    with _store(tmp_path / "s.db") as store:
        store.upsert_documents([docs[k] for k in (*order, "other")])
        assert partition(store) == {frozenset({"full", "excerpt", "wrapped"}), frozenset({"other"})}
        story = store.story_of("excerpt")
        assert story is not None and story.canonical_id == "full"
        assert [c.id for c in story.copies] == ["excerpt", "wrapped"]


def test_removing_the_document_drops_its_sentence_keys(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    conn.execute(
        "CREATE TABLE documents (id TEXT UNIQUE, title TEXT, source TEXT, published_at TEXT, url TEXT)"
    )
    st.install(conn)
    st.assign_story(conn, doc("full", CHIP, title=TITLE))
    st.assign_story(conn, doc("excerpt", CHIP[:4], title=TITLE, hour=10))
    assert conn.execute("SELECT count(*) FROM sentence_keys").fetchone()[0] == 6 + 4
    st.remove_document(conn, "excerpt")
    assert conn.execute("SELECT count(*) FROM sentence_keys").fetchone()[0] == 6
    assert st.story_of(conn, "full") is not None and st.story_of(conn, "full").size == 1  # type: ignore[union-attr]


def test_a_stock_sentence_held_by_many_documents_proposes_no_candidates(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    conn.execute(
        "CREATE TABLE documents (id TEXT UNIQUE, title TEXT, source TEXT, published_at TEXT, url TEXT)"
    )
    st.install(conn)
    stock = (
        "该股最近五个交易日的资金流向一览见下表，公司所属行业为环保工程及服务。",
        "以上内容由本站根据公开信息整理，由智能算法生成，请投资者注意风险。",
        "数据显示，该股近一年来多次出现主力资金净流入的情况，市场关注度较高。",
    )
    for n in range(st.MAX_SENTENCE_HOLDERS + 2):
        st.assign_story(conn, doc(f"d{n}", (f"第{n}号公司今日公告了第{n}项完全不同的事项内容说明。", *stock)))
    assert st._sentence_candidates(conn, dedup.fingerprint(stock).sentences.tolist(), -1) == set()
    rare = (
        "甲公司宣布将在西部地区新建一座储能电池工厂，总投资约为三十亿元。",
        "乙研究院发布报告称，明年储能装机规模有望同比增长百分之四十左右。",
        "丙地方政府表示，将为新建项目提供土地、税收和人才方面的配套支持。",
        "丁行业协会认为，储能电池产能短期内仍将保持偏紧的供需格局。",
    )
    st.assign_story(conn, doc("rare", rare))
    rowid = conn.execute("SELECT rowid FROM doc_fingerprints WHERE doc_id = 'rare'").fetchone()[0]
    keys = dedup.fingerprint(rare).sentences.tolist()
    assert st._sentence_candidates(conn, keys, -1) == {rowid}
    assert st._sentence_candidates(conn, keys[:3], -1) == set()  # three shared sentences make no excerpt


def test_migration_refingerprints_an_older_store_and_folds_its_excerpts(tmp_path: Path) -> None:
    """A store written before containment: no sentence columns, no sentence index, the excerpt in a story
    of its own. Opening it runs the migration: the excerpt joins, the original's story keeps its id and
    its created_at."""
    path = tmp_path / "old.db"
    with _store(path) as store:
        store.upsert_documents(
            [doc("full", CHIP, title=TITLE, hour=9), doc("excerpt", CHIP[:4], title=TITLE, hour=10)]
        )
    conn = sqlite3.connect(path, isolation_level=None)
    story_id = conn.execute("SELECT story_id FROM story_members WHERE doc_id = 'full'").fetchone()[0]
    conn.execute("UPDATE stories SET created_at = '2020-01-01T00:00:00', size = 1 WHERE id = ?", (story_id,))
    conn.execute(
        "INSERT INTO stories(id, canonical_id, size, created_at, updated_at) VALUES"
        " ('st-old-excerpt', 'excerpt', 1, '2020-01-02T00:00:00', '2020-01-02T00:00:00')"
    )
    conn.execute("UPDATE story_members SET story_id = 'st-old-excerpt' WHERE doc_id = 'excerpt'")
    for column in ("sentences", "title_support", "collection"):
        conn.execute(f"ALTER TABLE doc_fingerprints DROP COLUMN {column}")
    conn.execute("DROP TABLE sentence_keys")
    conn.execute("UPDATE documents SET meta = '{damaged' WHERE id = 'excerpt'")  # read as no meta, not fatal
    conn.execute("DELETE FROM schema_migrations WHERE name = '0102_sentence_containment'")
    conn.execute("UPDATE dedup_meta SET value = 'k5-p128-b20x4-s20250-m50-n2' WHERE key = 'config'")
    conn.close()

    with _store(path) as store:
        assert partition(store) == {frozenset({"full", "excerpt"})}
        row = store.conn.execute("SELECT id, size, created_at FROM stories").fetchall()
        assert [tuple(r) for r in row] == [(story_id, 2, "2020-01-01T00:00:00")]
        version = store.conn.execute("SELECT value FROM dedup_meta WHERE key = 'config'").fetchone()[0]
        assert version == dedup.DEFAULT_CONFIG.version
        assert store.conn.execute("SELECT count(*) FROM sentence_keys").fetchone()[0] == 6 + 4


def test_a_short_text_quoted_inside_a_longer_different_article_is_not_a_copy() -> None:
    """The guide's `contains`: an analysis that carries a release in full and adds more of its own."""
    release = fp(CHIP[:3], TITLE)
    analysis = fp(
        (*BANK, *CHIP[:3], "记者注意到，这已是今年以来第三家宣布扩产的功率器件企业。"), "扩产潮下的货币与产业"
    )
    c = dedup.containment(release, analysis)
    assert c.smaller == 1.0 and c.lead_shared and c.larger < dedup.DEFAULT_CONFIG.min_excerpt_share
    assert not analysis.collection
    assert not dedup.is_copy(release, analysis)


def test_a_title_ingest_derived_from_the_first_sentence_is_no_headline(tmp_path: Path) -> None:
    """Records without a title get their first sentence as one; two re-hosts that open differently must
    not veto each other as "unrelated headlines", while first sentences whose figures conflict (a
    template re-run on another day) still do."""
    derived = {"title_origin": "derived from the first sentence"}
    assert st.title_is_derived(derived) and not st.title_is_derived({"source_id": "x"})
    lead = "本报讯 据多家机构人士透露的最新情况显示"
    copy_paragraphs = (lead, "".join(strip_punct(drop_paragraph(CHIP, 5))))  # one run: no shared sentence
    a, b = fp(CHIP, CHIP[0][:30]), fp(copy_paragraphs, lead)
    assert dedup.DEFAULT_CONFIG.threshold <= dedup.similarity(a, b) < dedup.DEFAULT_CONFIG.no_veto
    assert not dedup.is_contained_copy(a, b) and not dedup.is_copy(a, b)  # as headlines: vetoed
    da, db = (
        dedup.fingerprint(p, t, title_derived=True)
        for p, t in ((CHIP, CHIP[0][:30]), (copy_paragraphs, lead))
    )
    assert dedup.is_copy(da, db)
    day5 = ("8月5日，东岳环保收盘报6.37元，较发行价下跌12.5%。", *BANK[1:])
    day6 = ("8月6日，东岳环保收盘报6.21元，较发行价下跌14.7%。", *BANK[1:])
    t5, t6 = (dedup.fingerprint(p, p[0], title_derived=True) for p in (day5, day6))
    assert dedup.similarity(t5, t6) >= dedup.DEFAULT_CONFIG.threshold and not dedup.is_copy(t5, t6)
    with _store(tmp_path / "s.db") as store:
        store.upsert_documents(
            [
                Document(id="a", title=CHIP[0][:30], paragraphs=CHIP, meta=derived),
                Document(id="b", title=lead, paragraphs=copy_paragraphs, meta=derived),
                Document(id="d5", title=day5[0], paragraphs=day5, meta=derived),
                Document(id="d6", title=day6[0], paragraphs=day6, meta=derived),
            ]
        )
        assert partition(store) == {frozenset({"a", "b"}), frozenset({"d5"}), frozenset({"d6"})}


def test_an_article_appended_as_further_reading_is_not_the_pages_text() -> None:
    """A commentary that appends another article under 【延伸阅读】 (here in a body whose line breaks were
    flattened) does not contain it: nothing after the marker counts as the page's sentences."""
    commentary = ("。".join(BANK) + "。 【延伸阅读】 " + "".join(CHIP),)
    keys = dedup.fingerprint(commentary).sentences
    assert len(keys) == len(BANK)
    assert not dedup.is_contained_copy(fp(CHIP, TITLE), dedup.fingerprint(commentary, "八月金融数据点评"))


def test_a_contained_text_whose_figures_changed_is_a_template_not_a_copy() -> None:
    """The same flash re-run on another day: the wording is shared, the closing price is not."""
    day1 = ("截至8月5日收盘，东岳环保报收于6.37元，较发行价下跌12.5%，总市值为38.2亿元。", *CHIP[1:5])
    day2 = (
        "截至8月6日收盘，东岳环保报收于6.21元，较发行价下跌14.7%，总市值为37.3亿元。",
        *CHIP[1:5],
        CHIP[5],
    )
    a, b = fp(day1), fp(day2)
    assert dedup.containment(a, b).shared == 4
    assert not dedup.is_contained_copy(a, b) and not dedup.is_copy(a, b)

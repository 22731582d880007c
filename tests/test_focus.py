"""A roundup shown under a theme is summarized from its paragraphs about the theme, cited in its own
numbering; every other document keeps its ordinary summary."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from themeflow.model import Document
from themeflow.service import Themeflow
from themeflow.store.sqlite import SQLiteStore
from themeflow.summarize.focus import focus_paragraphs
from themeflow.text.doctype import doc_type
from themeflow.workflow.digests import digest_of_search

BJ = timezone(timedelta(hours=8))

BRIEF = (
    "宏观要闻",
    "央行公开市场操作：",
    "央行今日开展7天期逆回购操作1200亿元，中标利率维持1.40%，当日实现净投放800亿元，市场资金面整体平稳。",
    "存款利率下调：",
    "多家国有大行宣布下调人民币存款挂牌利率，其中三年期定期存款利率下调15个基点，中小银行预计将跟进调整。",
    "行业动态",
    "新型储能装机：",
    "国家能源局数据显示，上半年全国新型储能新增装机规模达到4200万千瓦，同比增长68%，锂电池储能占比超过九成。",
    "汽车消费：",
    "商务部表示将延续汽车以旧换新补贴政策，上半年全国汽车以旧换新补贴申请量超过300万份，带动新车销售明显回暖。",
    "公司新闻",
    "某光伏企业公告：公司拟以自有资金回购股份，回购金额不低于5亿元，回购价格上限为每股30元，用于员工持股计划。",
    "某券商公告：公司上半年实现营业收入120亿元，同比增长12%，归母净利润45亿元，经纪业务收入增长明显。",
)


def _roundup() -> Document:
    return Document(
        id="brief",
        title="财经早报：8月2日要闻一览",
        paragraphs=BRIEF,
        source="测试社",
        published_at=datetime(2025, 8, 2, 7, tzinfo=BJ),
    )


def _article() -> Document:
    return Document(
        id="storage",
        title="新型储能装机高速增长，锂电储能占比超九成",
        paragraphs=(
            "国家能源局数据显示，上半年全国新型储能新增装机规模达到4200万千瓦，同比增长68%。",
            "分析人士认为，储能电站的收益模式仍待完善，容量电价机制是下一步政策重点。",
            "多家储能企业表示订单饱满，海外大储需求旺盛，储能电池出货量同比翻倍。",
            "业内预计，全年新型储能装机有望突破8000万千瓦，行业竞争将更加激烈。",
        ),
        source="测试社",
        published_at=datetime(2025, 8, 1, 9, tzinfo=BJ),
    )


@pytest.fixture()
def tf(tmp_path: Path):  # type: ignore[no-untyped-def]
    service = Themeflow(SQLiteStore(tmp_path / "f.db"))
    service.store.upsert_documents([_roundup(), _article()])
    yield service
    service.store.close()


def test_the_fixture_is_a_roundup_that_mentions_storage_in_one_item() -> None:
    assert doc_type(_roundup()) == "roundup"


def test_focus_paragraphs_are_the_items_on_the_topic_with_their_heading() -> None:
    numbers = focus_paragraphs(BRIEF, lambda text: "储能" in text)
    assert numbers == [8]  # the item's body, in the roundup's numbering (its heading 7 says nothing)
    assert focus_paragraphs(BRIEF, lambda text: "不存在" in text) == []
    # a document mostly on the topic is about it: no focus
    assert focus_paragraphs(BRIEF, lambda text: "公司" in text or "率" in text or "补贴" in text) == []


def test_a_roundup_under_a_theme_is_summarized_from_the_theme_paragraphs(tf: Themeflow) -> None:
    focused = tf.summarize("brief", theme="储能")
    assert focused.focus == "储能" and focused.focus_paragraphs == (8,)
    bullets = focused.bullets()
    assert bullets, "the theme's item is summarized"
    for b in bullets:
        assert set(b.citations) == {8}, b  # citations in the roundup's own numbering
        assert b.verified is True, b  # verified against the whole roundup
    assert any("储能" in b.text or "4200万千瓦" in b.text for b in bullets)
    # the same roundup without a theme: its ordinary summary, citing the other items too
    whole = tf.summarize("brief")
    assert whole.focus is None
    assert {c for b in whole.bullets() for c in b.citations} - {8}
    # both are cached, each under its own key
    assert tf.summarize("brief", theme="储能") == focused
    assert tf.summarize("brief") == whole


def test_an_article_about_the_theme_keeps_its_ordinary_summary(tf: Themeflow) -> None:
    assert tf.summarize("storage", theme="储能") == tf.summarize("storage")
    assert tf.summarize("storage", theme="储能").focus is None


def test_a_search_digest_shows_the_roundup_focused_on_the_theme(tf: Themeflow) -> None:
    digest = digest_of_search(tf.workflow_context(), "储能")
    by_id = {it.document.id: it.summary for it in digest.items}
    assert by_id["brief"] is not None and by_id["brief"].focus == "储能"
    assert by_id["storage"] is not None and by_id["storage"].focus is None


def test_the_json_of_a_focused_summary_says_so(tf: Themeflow) -> None:
    from themeflow.serialize import summary_from_dict, summary_to_dict

    focused = tf.summarize("brief", theme="储能")
    data = summary_to_dict(focused)
    assert data["focus"] == "储能" and data["focus_paragraphs"] == [8]
    assert summary_from_dict(data) == focused


def test_the_focus_identity_names_the_expansion_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """A focused summary is cached under the identity of its paragraph test: the lexicon's version and the
    expansion rules' (a term's clause may change with either), so neither change serves a stale view."""
    from themeflow.search import aboutness, concept

    found = aboutness.mention_test(_roundup(), ["储能"])
    assert found is not None
    monkeypatch.setattr(concept, "EXPANSION_RULES", concept.EXPANSION_RULES + 1)
    again = aboutness.mention_test(_roundup(), ["储能"])
    assert again is not None and again[1] != found[1]

"""A theme's figures table (facts/readable.py, facts/group.py): the theme's own figures, most independent
outlets first, with times, markets and fragments never as owners and market-wide or undated moves left
out unless asked for — on text composed in the style of the shared corpus's roundups."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from themeflow.facts import figures_for_documents
from themeflow.facts.group import FigureGroup, independent_voices
from themeflow.facts.readable import hidden_reason
from themeflow.model import Citation, Copy, Document, Story

TZ = timezone(timedelta(hours=8))


def _doc(doc_id: str, paragraphs: tuple[str, ...], source: str = "华尔街见闻", day: int = 20) -> Document:
    return Document(
        id=doc_id,
        title=paragraphs[0][:24],
        paragraphs=paragraphs,
        source=source,
        published_at=datetime(2026, 5, day, 9, 30, tzinfo=TZ),
    )


def _group(entity: str, metric: str = "资本开支", period: str | None = "2026年") -> FigureGroup:
    return FigureGroup(
        entity, metric, period, "1900亿美元", "亿美元", 1.9e11, "USD", None, (Citation("d", 1),), ("甲",), 1
    )


ROUNDUP = (
    "收盘：A股三大指数集体上涨，上证指数涨1.17%，创业板指涨2.3%，现货黄金跌1.2%至4010美元/盎司。",
    "早盘港股一度跌超3%，A股成交额1.2万亿元。",
    "微软2026财年资本支出将达到1900亿美元，同比增长45%。",
    "英伟达第一季度营收440亿美元，同比增长69%。",
)


def test_times_markets_and_fragments_are_never_owners() -> None:
    for owner in ("早盘", "单周", "目前", "8月", "本周"):
        assert hidden_reason(_group(owner)) == "time_owner", owner
    for owner in ("A股", "港股", "北向资金", "两市"):
        assert hidden_reason(_group(owner)) == "market_owner", owner
    assert hidden_reason(_group("中国", metric="股市")) == "market_owner"  # 中国 股市 46亿美元
    for owner in (
        "有限公司",
        "毛利",
        "宁德时代上半年营收189",
        "以美光科技",
        "而存储制造商",
        "赛力斯涨",
        "特斯",
    ):
        assert hidden_reason(_group(owner)) == "fragment_owner", owner
    for owner in ("微软", "以色列", "比亚迪", "对冲基金", "全球", "中国", "SpaceX"):
        assert hidden_reason(_group(owner)) is None, owner


def test_market_wide_moves_are_off_unless_the_theme_names_them() -> None:
    assert hidden_reason(_group("上证指数", "涨幅", None)) == "index"
    assert hidden_reason(_group("创业板指", "收盘", "2026年")) == "index"
    assert hidden_reason(_group("上证指数", "涨幅", None), theme="上证指数 走势") is None
    assert hidden_reason(_group("黄金", "价格", "2026年")) == "price"
    assert hidden_reason(_group("黄金", "价格", "2026年"), theme="黄金 价格") is None
    assert hidden_reason(_group("英伟达", "股价涨幅", None)) == "undated_move"


def test_a_theme_table_keeps_the_theme_figures_and_counts_what_it_left_out() -> None:
    every = figures_for_documents([_doc("r", ROUNDUP)])
    table = figures_for_documents([_doc("r", ROUNDUP)], theme="AI资本开支")
    owners = {g.entity for g in table.figures}
    assert {"微软", "英伟达"} <= owners
    assert not owners & {"上证指数", "创业板指", "黄金", "A股", "港股", "早盘"}
    assert sum(table.hidden.values()) == len(every.figures) - len(table.figures) > 0
    assert every.hidden == {}  # no theme: every figure listed, as before
    assert table.conflicts == every.conflicts


def test_agreement_counts_independent_outlets() -> None:
    """Five flashes of one outlet count once (the issue's case); copies of one story count once; a
    second outlet's own story counts again."""
    flash = ("快讯：美光2026财年资本支出约250亿美元。",)
    docs = [_doc(f"f{i}", flash, source="华尔街见闻", day=10 + i) for i in range(5)]
    result = figures_for_documents(docs)
    (capex,) = [g for g in result.figures if g.value.startswith("250")]
    assert capex.agreement == 1 and len(capex.citations) == 5
    other = _doc("o", ("美光预计2026财年资本支出约250亿美元。",), source="财联社", day=18)
    copy = _doc("c", flash, source="新浪财经", day=15)
    story = Story("s0", "f0", (Copy("c", "新浪财经", copy.published_at),))
    result = figures_for_documents([*docs, other, copy], {"f0": story, "c": story})
    (capex,) = [g for g in result.figures if g.value.startswith("250")]
    assert capex.agreement == 2  # 华尔街见闻 (with its syndicated copy in 新浪财经) and 财联社
    assert capex.published == other.published_at  # the newest report


def test_independent_voices_join_stories_and_outlets() -> None:
    assert independent_voices({("s1", "甲"), ("s2", "甲"), ("s3", "乙")}) == 2
    assert independent_voices({("s1", "甲"), ("s1", "乙"), ("s2", "乙")}) == 1  # a copy links the outlets
    assert independent_voices({("s1", ""), ("s2", "")}) == 2  # unknown outlets are not one voice


def test_the_table_ranks_more_outlets_first_then_the_newest() -> None:
    docs = [
        _doc("a", ("英伟达第一季度营收440亿美元。",), source="甲", day=10),
        _doc("b", ("英伟达第一季度营收440亿美元。",), source="乙", day=11),
        _doc("c", ("微软第一季度营收700亿美元。",), source="甲", day=12),
        _doc("d", ("苹果第一季度营收950亿美元。",), source="丙", day=19),
    ]
    values = [g.value for g in figures_for_documents(docs, theme="营收").figures]
    assert values[:3] == ["440亿美元", "950亿美元", "700亿美元"]


def test_a_headline_stored_as_an_outlet_is_nobody_s_voice() -> None:
    docs = [
        _doc("a", ("宁德时代上半年营收1892.5亿元。",), source="宁德时代上半年营收189"),
        _doc("b", ("宁德时代上半年营收1892.5亿元。",), source="宁德时代半年营收接近韩国"),
    ]
    (g,) = [g for g in figures_for_documents(docs).figures if g.value.startswith("1892")]
    assert g.outlets == () and g.agreement == 2  # two documents, outlets unknown


def test_a_revision_is_shown_as_one_value_revised_from_another() -> None:
    """``从4.6%下调至4.1%``: one row, 4.1% revised from 4.6%, never a 4.6% row of its own (the issue's case)."""
    imf = _doc("i", ("国际货币基金组织将2026年全球经济增长预期从3.3%下调至3.1%。",))
    earlier = _doc("e", ("国际货币基金组织预计2026年全球经济增长预期为3.3%。",), source="财联社", day=2)
    result = figures_for_documents([imf, earlier], theme="经济增长")
    rows = {(g.value, g.revised_from) for g in result.figures if g.entity == "国际货币基金组织"}
    assert ("3.1%", "3.3%") in rows
    assert ("3.3%", None) in rows  # the earlier document's own statement of the old value stays
    assert result.conflicts == ()
    alone = figures_for_documents([imf])
    assert [(g.value, g.revised_from) for g in alone.figures] == [("3.1%", "3.3%")]


def test_percentages_agree_only_to_their_last_written_digit() -> None:
    """±5% of the value was right for amounts rounded in the press (1900亿 ~ 约1880亿) and wrong for rates:
    3.1% and 3.3% are two forecasts, 45% and 45.3% one figure rounded."""
    docs = [
        _doc("a", ("英伟达2026财年毛利率为75.1%。",), source="甲", day=10),
        _doc("b", ("英伟达2026财年毛利率为75.3%。",), source="乙", day=11),
        _doc("c", ("英伟达2026财年营收增速为45%。",), source="甲", day=12),
        _doc("d", ("英伟达2026财年营收增速为45.3%。",), source="乙", day=13),
    ]
    rows = {(g.metric, g.value): g.agreement for g in figures_for_documents(docs).figures}
    margins = sorted(v for (m, v) in rows if "毛利率" in m)
    assert margins == ["75.1%", "75.3%"]
    growth = [(v, n) for (m, v), n in rows.items() if "增速" in m]
    assert len(growth) == 1 and growth[0][1] == 2


def test_a_price_per_unit_is_shown_with_its_denominator_and_never_lined_up_with_the_bare_amount() -> None:
    per_tonne = _doc("t", ("宁德时代采购的电池级碳酸锂2026年均价为7.5万元/吨。",), source="甲")
    per_kg = _doc("k", ("宁德时代采购的电池级碳酸锂2026年均价为7.5万元/千克。",), source="乙")
    rows = {(g.value, g.normalized_unit) for g in figures_for_documents([per_tonne, per_kg]).figures}
    assert ("7.5万元/吨", "CNY/t") in rows and ("7.5万元/千克", "CNY/kg") in rows

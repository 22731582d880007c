"""A conflict is shown only between figures that measure the same thing (facts/comparable.py): each
case is a pair readers judged on the shared corpus (tests/data/conflict_labels.jsonl), with its text."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from themeflow.facts import figures_for_documents
from themeflow.model import Document

BJ = timezone(timedelta(hours=8))


def _doc(doc_id: str, paragraph: str, source: str, day: int | None = 16, month: int = 8) -> Document:
    return Document(
        id=doc_id,
        title=paragraph[:20],
        paragraphs=(paragraph,),
        source=source,
        published_at=datetime(2023, month, day, 9, tzinfo=BJ) if day is not None else None,
    )


def _conflicts(a: str, b: str, *, undated: bool = False, **kw: int) -> list[set[str]]:
    first = _doc("a", a, "甲", day=None if undated else 16)
    second = _doc("b", b, "乙", **({"day": None} if undated else kw))  # type: ignore[arg-type]
    result = figures_for_documents([first, second])
    return [{v.value for v in c.values} for c in result.conflicts]


NOT_CONFLICTS = {
    "another company that shares the name's start": (
        "腾讯音乐第二季度营收为72.9亿元，同比下降。",
        "腾讯第二季度营收为1492亿元，同比增长11%。",
    ),
    "an associate's profit in a sentence about the parent": (
        "按照宁德时代持股蚂蚁消金3.46%计算，蚂蚁消金2023年上半年净利润约为12.8亿元，同比增长约175%。",
        "宁德时代2023年上半年的营业收入为1892.5亿元，同比增长67.52%，净利润为207.17亿元。",
    ),
    "last year's half read as this year's": (
        "而在去年上半年，华为销售收入3016亿元人民币，净利润率5.0%，上半年净利润约为150.8亿元人民币。",
        "华为2023年上半年实现销售收入3109亿元人民币，上半年华为净利润为466.35亿元。",
    ),
    "a subsidiary against the group": (
        "京东物流二季度营收为410.33亿元，同比增长。",
        "京东二季度营收为2879亿元人民币，同比增长7.6%。",
    ),
    "the parent's share against the whole": (
        "长鑫科技2026年一季度归母净利润为247.62亿元。",
        "长鑫科技2026年一季度净利润为330亿元。",
    ),
    "a market flash at noon and at the close": (
        "北向资金今日实际净卖出100.55亿元。",
        "北向资金今日实际净卖出123.37亿元。",
    ),
    "a template filled for two sectors": (
        "8月10日，北向资金持有环保设备板块股票市值21.44亿元。",
        "8月10日，北向资金持有河南国企改革板块股票市值29.36亿元。",
    ),
    "a platform under the group's name": (
        "财报显示，双平台继续保持快速发展。京东到家二季度营收18亿元，同比增长25%。",
        "京东集团今日发布Q2财报，2023年第二季度的营收为2879亿元人民币，同比增长7.6%。",
    ),
    "someone else's forecast": (
        "高盛预计，英伟达2026年营收将达到3000亿美元。",
        "英伟达2026年营收为2160亿美元。",
    ),
}


@pytest.mark.parametrize("case", sorted(NOT_CONFLICTS))
def test_figures_that_measure_different_things_never_conflict(case: str) -> None:
    a, b = NOT_CONFLICTS[case]
    assert _conflicts(a, b) == []


def test_two_reports_of_one_result_conflict() -> None:
    """The one true conflict of the judged set: two outlets' reading of one filing, the same day."""
    a = "SEC文件显示，SpaceX 2025年营收113.9亿美元，运营净亏损。"
    b = "5月20日招股书显示，SpaceX 2025年全年收入达187亿美元，同比增长33%。"
    assert _conflicts(a, b) == [{"113.9亿美元", "187亿美元"}]


def test_a_copy_with_one_number_changed_conflicts_whatever_it_measures() -> None:
    a = "北向资金今日实际净卖出100.55亿元，为年内单日第三大净卖出，沪股通与深股通均呈净流出态势。"
    b = "北向资金今日实际净卖出10.55亿元，为年内单日第三大净卖出，沪股通与深股通均呈净流出态势。"
    assert _conflicts(a, b) == [{"100.55亿元", "10.55亿元"}]


def test_a_reading_at_a_moment_conflicts_only_on_one_day() -> None:
    """A copy with one number changed, of a sentence read at a moment (至今): the same day, one of the
    two is wrong; on another day each may be right."""
    a = "嘉实价值发现三个月定开混合，管理时间为2020年9月21日至今，期间收益率为3.82%，同类排名居前。"
    b = "嘉实价值发现三个月定开混合，管理时间为2020年9月21日至今，期间收益率为38.2%，同类排名居前。"
    assert _conflicts(a, b) == [{"3.82%", "38.2%"}]
    assert _conflicts(a, b, day=20) == []


def test_a_template_filled_in_again_is_not_a_copy_error() -> None:
    """Two undated weekly reports of one template (judged: different weeks): every figure differs, and
    nobody knows whether 本周 is one week."""
    a = "基金分析公司理柏（Lipper）：本周美国投资级基金的资金流入22.2亿美元，市政债券基金的资金流入为12亿美元，高收益基金的资金流入17.2亿美元。"
    b = "基金分析公司理柏（Lipper）：本周美国投资级基金的资金流入38.3亿美元，市政债券基金的资金流入为8.41亿美元，高收益基金的资金流入5.844亿美元。"
    assert _conflicts(a, b) == []
    assert _conflicts(a, b, undated=True) == []
    one = "基金分析公司理柏（Lipper）：本周美国投资级基金的资金流入22.2亿美元。"
    other = "基金分析公司理柏（Lipper）：本周美国投资级基金的资金流入38.3亿美元。"
    assert _conflicts(one, other, undated=True) == []  # one figure each: the week is unknown


def test_reports_months_apart_are_not_one_result() -> None:
    a = "SpaceX 2025年全年收入达187亿美元，同比增长33%。"
    b = "SpaceX 2025年全年收入达113.9亿美元，同比增长。"
    assert _conflicts(a, b, day=16) != []
    assert _conflicts(a, b, month=12) == []


def test_one_outlet_against_three_is_shown_as_the_outlier_with_both_sentences() -> None:
    many = "5月20日招股书显示，SpaceX 2025年全年收入达187亿美元，同比增长33%。"
    one = "SEC文件显示，SpaceX 2025年营收113.9亿美元，运营净亏损。"
    docs = [_doc(f"m{i}", many, source) for i, source in enumerate(("甲", "乙", "丙"))] + [
        _doc("o", one, "丁")
    ]
    (conflict,) = figures_for_documents(docs).conflicts
    values = {v.value: v for v in conflict.values}
    assert values["113.9亿美元"].outlier and values["113.9亿美元"].agreement == 1
    assert not values["187亿美元"].outlier and values["187亿美元"].agreement == 3
    assert values["113.9亿美元"].sentence == one and values["187亿美元"].sentence == many
    # one outlet's three copies of its own text are one voice: no outlier then
    same = [_doc(f"s{i}", many, "甲") for i in range(3)] + [_doc("o", one, "丁")]
    (conflict,) = figures_for_documents(same).conflicts
    assert not any(v.outlier for v in conflict.values)


def test_the_four_false_conflicts_first_reported_are_gone() -> None:
    """The conflicts an analyst saw first before the conflict rules (composed in their words): a quarter
    against the year, segment revenues against the total, a year-to-date gain at two dates; and five
    flashes of one outlet that counted as five sources."""
    assert (
        _conflicts(
            "腾讯2025年资本开支为224亿元，主要是第四季度集中投入。",
            "腾讯2025年资本开支达到792亿元，同比增长221%。",
        )
        == []
    )
    assert (
        _conflicts(
            "SpaceX一季度星链业务收入32.57亿美元，发射业务收入6.19亿美元。",
            "SpaceX一季度收入约47亿美元，净亏损43亿美元。",
        )
        == []
    )
    assert _conflicts("美光股价今年以来累计上涨62%。", "美光股价今年以来累计上涨300%。", day=28) == []
    flash = "快讯：美光2026财年资本支出约250亿美元。"
    result = figures_for_documents([_doc(f"f{i}", flash, "华尔街见闻", day=10 + i) for i in range(5)])
    assert [g.agreement for g in result.figures if g.value.startswith("250")] == [1]


def test_a_sentence_that_names_a_quarter_does_not_report_the_year() -> None:
    a = "腾讯2025年资本开支为224亿元，主要是第四季度集中投入。"
    b = "腾讯2025年资本开支达到792亿元，同比增长221%。"
    assert _conflicts(a, b) == []
    dated = "5月20日财报显示，腾讯2025年资本开支为224亿元。"  # a date says when, not which period
    assert _conflicts(dated, b) == [{"224亿元", "792亿元"}]

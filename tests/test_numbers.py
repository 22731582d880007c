"""Figure parsing: every form issue 7 lists, and a round-trip property over numbers, scales and units."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from themeflow.text.cn_numerals import cn_to_number
from themeflow.text.numbers import Figure, figure_matches, figures_equal, find_figures


def one(text: str) -> Figure:
    figs = [f for f in find_figures(text) if f.kind not in ("code", "name")]
    assert len(figs) == 1, (text, figs)
    return figs[0]


# text, normalized, unit, kind
TABLE = [
    ("1100亿美元", 1.1e11, "USD", "money"),
    ("1,100亿美元", 1.1e11, "USD", "money"),
    ("一千一百亿美元", 1.1e11, "USD", "money"),
    ("一千一百亿", 1.1e11, "", "number"),
    ("1.2万亿港元", 1.2e12, "HKD", "money"),
    ("12000亿港元", 1.2e12, "HKD", "money"),
    ("500亿元人民币", 5e10, "CNY", "money"),
    ("3.71亿元", 3.71e8, "CNY", "money"),
    ("200亿日元", 2e10, "JPY", "money"),
    ("5亿欧元", 5e8, "EUR", "money"),
    ("73美分", 0.73, "USD", "money"),
    ("$110 billion", 1.1e11, "USD", "money"),
    ("US$1.2bn", 1.2e9, "USD", "money"),
    ("HK$3.5 million", 3.5e6, "HKD", "money"),
    ("¥500万", 5e6, "CNY", "money"),
    ("1.1bn USD", 1.1e9, "USD", "money"),
    ("RMB 8k", 8e3, "CNY", "money"),
    ("30%", 30.0, "%", "percent"),
    ("30％", 30.0, "%", "percent"),
    ("百分之三十", 30.0, "%", "percent"),
    ("三成", 30.0, "%", "percent"),
    ("7成以上", 70.0, "%", "percent"),
    ("0.4个百分点", 0.4, "pp", "percent"),
    ("50个基点", 50.0, "bp", "percent"),
    ("25bp", 25.0, "bp", "percent"),
    ("两倍", 2.0, "x", "multiple"),
    ("3倍", 3.0, "x", "multiple"),
    ("114.3GW", 114.3, "GW", "power"),
    ("1143GW", 1143.0, "GW", "power"),
    ("114.3吉瓦", 114.3, "GW", "power"),
    ("500兆瓦", 0.5, "GW", "power"),
    ("300MW", 0.3, "GW", "power"),
    ("86GWh", 86.0, "GWh", "energy"),
    ("5万人", 5e4, "人", "count"),
    ("3亿用户", 3e8, "用户", "count"),
    ("18亿", 1.8e9, "", "number"),
    ("1060万桶", 1.06e7, "bbl", "volume"),
    ("12万吨", 1.2e5, "t", "weight"),
    ("3000辆", 3000.0, "辆", "count"),
    ("500台", 500.0, "台", "count"),
    ("35,092,999股", 35092999.0, "股", "count"),
    ("2027年", 2027.0, "year", "year"),
    ("二〇二五年", 2025.0, "year", "year"),
    ("2025财年", 2025.0, "year", "year"),
    ("Q3", 3.0, "quarter", "period"),
    ("三季度", 3.0, "quarter", "period"),
    ("第一财季", 1.0, "quarter", "period"),
    ("6个月", 6.0, "month", "duration"),
    ("逾二十年", 20.0, "yr", "duration"),
    ("11月20日", 1120.0, "date", "date"),
    ("2025-11-21", 20251121.0, "date", "date"),
    ("5月", 5.0, "month", "date"),
    ("5 million", 5e6, "", "number"),
    ("20多亿元", 2e9, "CNY", "money"),
    ("100余万元", 1e6, "CNY", "money"),
    ("新台币1.2万亿元", 1.2e12, "TWD", "money"),  # a currency word before the number names a bare 元
    ("1.2万亿新台币", 1.2e12, "TWD", "money"),
    ("港币5亿", 5e8, "HKD", "money"),
    ("人民币5亿元", 5e8, "CNY", "money"),
    ("150 亿元", 1.5e10, "CNY", "money"),  # spaced from its scale
    ("10 倍", 10.0, "x", "multiple"),
    ("5 万辆", 5e4, "辆", "count"),
]


@pytest.mark.parametrize(("text", "normalized", "unit", "kind"), TABLE)
def test_table(text: str, normalized: float, unit: str, kind: str) -> None:
    f = one(text)
    assert math.isclose(f.normalized, normalized, rel_tol=1e-9), f
    assert (f.unit, f.kind) == (unit, kind), f


def test_value_and_scale_kept_apart() -> None:
    f = one("约1100亿美元")
    assert (f.value, f.scale, f.unit, f.qualifier) == (1100.0, 1e8, "USD", "约")
    assert f.raw == "1100亿美元"


def test_the_issue_examples() -> None:
    assert figures_equal(one("1.2万亿港元"), one("12000亿港元"))
    assert figures_equal(one("1,100亿美元"), one("1100亿美元"))
    assert figures_equal(one("一千一百亿美元"), one("1100亿美元"))
    assert figures_equal(one("114.3吉瓦"), one("114.3GW"))
    assert figures_equal(one("500MW"), one("0.5GW"))
    assert not figures_equal(one("114.3GW"), one("1143GW"))
    assert not figures_equal(one("1100亿美元"), one("110亿美元"))
    assert not figures_equal(one("1100亿美元"), one("1100亿港元"))
    assert not figures_equal(one("30%"), one("30个百分点"))


@pytest.mark.parametrize(
    ("text", "low", "high", "unit"),
    [
        ("2024至2030年", 2024, 2030, "year"),
        ("2027至2028年", 2027, 2028, "year"),
        ("2027-2028年", 2027, 2028, "year"),
        ("10%-15%", 10, 15, "%"),
        ("5.87亿至5.93亿美元", 5.87e8, 5.93e8, "USD"),
        ("92亿元—110亿元", 9.2e9, 1.1e10, "CNY"),
        ("3至5万亿元", 3e12, 5e12, "CNY"),
        ("6到8个月", 6, 8, "month"),
    ],
)
def test_ranges(text: str, low: float, high: float, unit: str) -> None:
    f = one(text)
    assert (f.normalized, f.high, f.unit) == (pytest.approx(low), pytest.approx(high), unit)


def test_growth_is_not_a_range() -> None:
    figs = find_figures("总容量将从114.3GW增长至236GW")
    assert [(f.normalized, f.high) for f in figs] == [(114.3, None), (236.0, None)]


@pytest.mark.parametrize(
    ("text", "qualifier"),
    [
        ("约430亿美元", "约"),
        ("超过6000亿美元", "超过"),
        ("近四成", "近"),
        ("逾500亿元", "逾"),
        ("不到2%", "不到"),
    ]
    + [("至少3家", "至少"), ("上调至900亿美元", "上调至"), ("15%左右", "左右")],
)
def test_qualifiers(text: str, qualifier: str) -> None:
    assert one(text).qualifier == qualifier


def test_names_codes_and_words_are_not_quantities() -> None:
    figs = find_figures("OpenAI正在推进GPT-6和Sora 3的研发，港股通科技ETF(159101)与5G网络，鹏鼎控股(002938)")
    assert {f.raw: f.kind for f in figs} == {
        "6": "name",
        "3": "name",
        "159101": "code",
        "5": "name",
        "002938": "code",
    }
    assert find_figures("一些公司统一推进十五五规划，三环集团与数十亿美元") == []
    assert [f.kind for f in find_figures("6月16日上午10:30")] == ["date", "date"]


@pytest.mark.parametrize(
    "text", ["", "。。。", "GPT-", "1.2.3.4", "万亿", "百分之", "---", "１２３", "9" * 400, "亿" * 50]
)
def test_never_crashes(text: str) -> None:
    find_figures(text)


def test_cn_numerals() -> None:
    assert cn_to_number("一千一百") == 1100
    assert cn_to_number("十五") == 15
    assert cn_to_number("一百零五") == 105
    assert cn_to_number("一亿二千万") == 1.2e8
    assert cn_to_number("三点五") == 3.5
    assert cn_to_number("千亿") is None
    assert cn_to_number("三环") is None


def test_figure_matches_is_strict_about_values() -> None:
    evidence = find_figures("预计2024至2030年间全球总容量将从114.3GW增长至236GW，活跃用户达18亿用户")
    assert figure_matches(one("114.3GW"), evidence)
    assert figure_matches(one("2030年"), evidence)
    assert figure_matches(one("18亿"), evidence)
    assert not figure_matches(one("1143GW"), evidence)
    assert not figure_matches(one("2029年"), evidence)
    assert not figure_matches(one("18亿美元"), evidence)


# --- property: a number written with a scale and a unit reads back to the same normalized value ---

SCALES = [("", 1.0), ("万", 1e4), ("亿", 1e8), ("万亿", 1e12), ("千", 1e3), ("百万", 1e6)]
UNITS = [
    ("美元", "USD", 1.0),
    ("港元", "HKD", 1.0),
    ("元", "CNY", 1.0),
    ("GW", "GW", 1.0),
    ("吉瓦", "GW", 1.0),
]
UNITS += [("兆瓦", "GW", 1e-3), ("吨", "t", 1.0), ("人", "人", 1.0), ("", "", 1.0)]


def _render(value: float, decimals: int, commas: bool) -> str:
    s = f"{value:,.{decimals}f}" if commas else f"{value:.{decimals}f}"
    return s


@settings(max_examples=150, deadline=None)
@given(
    st.integers(min_value=1, max_value=999_999),
    st.integers(min_value=0, max_value=2),
    st.booleans(),
    st.sampled_from(SCALES),
    st.sampled_from(UNITS),
    st.sampled_from(["预计", "约", "达到", "，", "公司"]),
)
def test_round_trip(n: int, decimals: int, commas: bool, scale, unit, before: str) -> None:
    value = n / (10**decimals)
    text = _render(value, decimals, commas)
    scale_s, scale_v = scale
    unit_s, canon, factor = unit
    if not scale_s and not unit_s:
        scale_s, scale_v = "亿", 1e8  # a bare 5-digit integer would be a ticker
    f = one(f"{before}{text}{scale_s}{unit_s}，同比增长")
    assert f.unit == canon
    assert math.isclose(f.normalized, value * scale_v * factor, rel_tol=1e-9)


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    out, zero = "", False
    for unit, div in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
        d, n = divmod(n, div)
        if d:
            if zero and out:
                out += "零"
            out += digits[d] + unit
            zero = False
        elif out:
            zero = True
    return out


@settings(max_examples=100, deadline=None)
@given(
    st.integers(min_value=2, max_value=9999), st.sampled_from([("亿美元", 1e8), ("万人", 1e4), ("倍", 1.0)])
)
def test_chinese_numeral_round_trip(n: int, suffix) -> None:
    s, v = suffix
    f = one(f"增至{_cn(n)}{s}")
    assert math.isclose(f.normalized, n * v)


def test_a_bare_magnitude_is_a_figure_only_after_a_bound() -> None:
    """``万亿美元`` alone (万亿美元市场, 万亿级) is a description, never a zero the verifier would look for;
    after a bound (达, 超, 突破) it is one of that magnitude: 市场规模达万亿美元 is 1e12 USD."""
    for text in ("万亿美元", "亿元", "万亿级市场", "打造万亿美元市场"):
        assert [f for f in find_figures(text) if f.is_quantity] == [], text
    (f,) = find_figures("市场规模达万亿美元")
    assert (f.normalized, f.unit, f.qualifier) == (1e12, "USD", "达")
    (f,) = find_figures("国内储能市场规模有望突破万亿元")
    assert (f.normalized, f.unit, f.qualifier) == (1e12, "CNY", "突破")
    (f,) = find_figures("全国超万家企业参与")
    assert (f.normalized, f.unit, f.qualifier) == (1e4, "家", "超")


def test_fractions_written_out_are_shares() -> None:
    (third,) = find_figures("约三分之一的企业")
    assert (third.unit, third.kind, third.qualifier) == ("%", "percent", "约")
    assert abs(third.normalized - 100 / 3) < 1e-6
    (quarter,) = find_figures("占全球产能的四分之一")
    assert figures_equal(quarter, find_figures("占全球产能的25%")[0])
    assert not figures_equal(third, find_figures("三分之二")[0])
    assert find_figures("三分之") == [] and find_figures("三分之五") == []  # no fraction, or more than whole


def test_a_half_after_a_duration_counts() -> None:
    assert [(f.raw, f.normalized, f.unit) for f in find_figures("工期为两年半")] == [("两年半", 2.5, "yr")]
    assert [(f.raw, f.normalized, f.unit) for f in find_figures("3年半以来")] == [("3年半", 3.5, "yr")]
    assert [(f.raw, f.normalized, f.unit) for f in find_figures("历时18个月")] == [("18个月", 18.0, "month")]


def test_counts_with_measure_words() -> None:
    got = [
        (f.raw, f.normalized, f.unit, f.kind)
        for f in find_figures("交付3.5万辆汽车，新增5家门店，共有1200名员工")
    ]
    assert got == [
        ("3.5万辆", 35000.0, "辆", "count"),
        ("5家", 5.0, "家", "count"),
        ("1200名", 1200.0, "名", "count"),
    ]


@pytest.mark.parametrize(
    ("text", "unit", "raw", "per"),
    [
        ("动力煤价格为839元/吨。", "CNY/t", "839元", "/吨"),
        ("布伦特原油报82.5美元/桶", "USD/bbl", "82.5美元", "/桶"),
        ("现货黄金报4024.1美元／盎司", "USD/oz", "4024.1美元", "／盎司"),
        ("工商业电价0.35元/千瓦时", "CNY/kWh", "0.35元", "/千瓦时"),
        ("成交均价1.2万元/平方米", "CNY/m2", "1.2万元", "/平方米"),
        ("收报259.6港元/股", "HKD/share", "259.6港元", "/股"),
        ("碳酸锂报价3000-3500元/吨", "CNY/t", "3000-3500元", "/吨"),
    ],
)
def test_a_price_per_unit_keeps_its_denominator(text: str, unit: str, raw: str, per: str) -> None:
    """The unit says per what (``CNY/t``); the span stays the amount's and ``per`` holds the denominator as
    written, so ``raw + per`` is the text."""
    f = one(text)
    assert (f.unit, f.raw, f.per, f.kind) == (unit, raw, per, "money")
    assert raw + per in text


def test_a_price_per_unit_is_another_figure_than_the_bare_amount() -> None:
    """A bullet that drops ``/吨`` states another figure than its source: the verifier must not match it."""
    per_tonne = find_figures("价格为839元/吨")
    assert not figure_matches(one("价格为839元"), per_tonne)
    assert figure_matches(one("价格839元/吨"), per_tonne)
    assert one("营收839元").unit == "CNY" and one("上涨5%/年").unit == "%"  # no denominator, or not a price

"""Figures in Chinese and English financial text: parse, normalize, compare.

One implementation shared by the summary verifier and fact extraction, because the two must agree on
what "the same figure" means: ``1,100亿美元`` and ``1100亿美元`` are one figure (1.1e11 USD),
``1.2万亿港元`` and ``12000亿港元`` are one figure, ``114.3GW`` and ``1143GW`` are not, and ``吉瓦`` is
``GW``. A summary that turns 114.3GW into 1143GW must be caught, so the parser errs on the side of
finding a figure wherever a number is written next to a scale or unit.

What a figure is made of::

    [qualifier] [currency prefix] number [多|余] [scale] [unit] [左右|以上|以下]
    约           US$ HK$ $ ¥        1,100 一千一百      亿/万亿/billion  美元/GW/%/个百分点/年/…

Ranges (``2024至2030年``, ``10%-15%``, ``5.87亿至5.93亿美元``) become one figure whose low end inherits
the unit (and the scale, if it has none) of the high end. Dates (``11月20日``, ``2025-11-21``) are kind
``date``, never quantities; product names and tickers (``GPT-6``, ``Sora 3``, ``159101``) are kinds
``name`` and ``code`` so that callers can skip them.

The parser never raises on odd input: anything it cannot read is simply not a figure.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

__all__ = [
    "Figure",
    "cn_to_number",
    "figure_matches",
    "figures_equal",
    "find_figures",
    "unit_kind",
]


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure as written in a text, with its normalized value.

    ``value`` is the number as written (low end for a range) before any scale; ``scale`` is the
    multiplier of the scale word (``亿`` → 1e8, ``billion`` → 1e9, 1.0 when none); ``unit`` is the
    canonical unit (``USD``, ``HKD``, ``CNY``, ``%``, ``pp``, ``bp``, ``GW``, ``year`` …, ``''`` for a
    bare number); ``normalized`` is the value in that canonical unit (``1100亿美元`` → 1.1e11,
    ``500MW`` → 0.5 GW, ``三成`` → 30 %). ``high`` is the normalized upper end of a range, else None.
    """

    start: int
    end: int
    raw: str
    value: float
    scale: float
    unit: str
    normalized: float
    kind: str
    qualifier: str | None = None
    high: float | None = None

    @property
    def is_quantity(self) -> bool:
        """True for figures that state an amount (not a date, ticker or product name)."""
        return self.kind not in ("date", "code", "name")

    def endpoints(self) -> tuple[float, ...]:
        """Normalized low (and high, for a range) values."""
        return (self.normalized,) if self.high is None else (self.normalized, self.high)


# ---------------------------------------------------------------------------------------------------
# Chinese numerals

_CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_CN_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_CHARS = "".join(_CN_DIGITS) + "十百千万亿"


def cn_to_number(text: str) -> float | None:
    """Value of a Chinese numeral (``一千一百亿`` → 1.1e11, ``二〇二五`` → 2025, ``三点五`` → 3.5).

    Returns None when ``text`` is not a well-formed numeral, so callers can treat it as a word.
    """
    if not text:
        return None
    if "点" in text:
        whole, _, frac = text.partition("点")
        w = cn_to_number(whole)
        if w is None or not frac or any(c not in _CN_DIGITS for c in frac):
            return None
        return w + float("0." + "".join(str(_CN_DIGITS[c]) for c in frac))
    if any(c not in _CN_CHARS for c in text):
        return None
    if len(text) > 1 and all(c in _CN_DIGITS for c in text):  # digit by digit: 二〇二五
        return float("".join(str(_CN_DIGITS[c]) for c in text))
    total = 0.0
    section = 0.0
    number = 0.0
    seen_digit = False
    for ch in text:
        if ch in _CN_DIGITS:
            number = _CN_DIGITS[ch]
            seen_digit = True
        elif ch in _CN_SMALL:
            if number == 0 and ch == "十":
                number = 1  # 十五 = 15
            elif not seen_digit:
                return None  # 千亿 / 百万 without a digit: an order of magnitude, not a figure
            section += number * _CN_SMALL[ch]
            number = 0
        elif ch == "万":
            section = (section + number) * 1e4
            number = 0
        else:  # 亿
            total = (total + section + number) * 1e8
            section = number = 0
    return total + section + number


# ---------------------------------------------------------------------------------------------------
# Units. surface → (canonical unit, factor into the canonical unit, kind)

_Unit = tuple[str, float, str]
_UNITS: dict[str, _Unit] = {}


def _add(kind: str, canonical: str, factor: float, *surfaces: str) -> None:
    for s in surfaces:
        _UNITS[s] = (canonical, factor, kind)


_add("money", "USD", 1, "美元", "美金", "USD", "dollars", "dollar")
_add("money", "USD", 0.01, "美分")
_add("money", "HKD", 1, "港元", "港币", "HKD")
_add("money", "CNY", 1, "元人民币", "人民币", "元", "RMB", "CNY", "yuan")
_add("money", "JPY", 1, "日元", "日圆", "JPY")
_add("money", "EUR", 1, "欧元", "EUR")
_add("money", "GBP", 1, "英镑", "GBP")
_add("money", "AUD", 1, "澳元", "AUD")
_add("money", "CAD", 1, "加元", "CAD")
_add("money", "SGD", 1, "新加坡元", "新元", "SGD")
_add("money", "KRW", 1, "韩元", "KRW")
_add("money", "TWD", 1, "新台币", "TWD")
_add("money", "CHF", 1, "瑞郎", "瑞士法郎", "CHF")
_add("money", "RUB", 1, "卢布")
_add("percent", "%", 1, "%", "％", "percent", "per cent")
_add("percent", "pp", 1, "个百分点", "百分点", "percentage points", "percentage point", "ppt", "pct")
_add("percent", "bp", 1, "个基点", "基点", "bps", "bp", "basis points", "basis point")
_add("multiple", "x", 1, "倍")
_add("power", "GW", 1, "GW", "吉瓦", "gw")
_add("power", "GW", 1e-3, "MW", "兆瓦")
_add("power", "GW", 1e-6, "kW", "KW", "千瓦")
_add("power", "GW", 1e3, "TW", "太瓦")
_add("energy", "GWh", 1, "GWh", "吉瓦时")
_add("energy", "GWh", 1e-3, "MWh", "兆瓦时")
_add("energy", "GWh", 1e-6, "kWh", "KWh", "千瓦时")
_add("energy", "GWh", 1e3, "TWh", "太瓦时")
_add("data", "GB", 1, "GB")
_add("data", "GB", 1e3, "TB")
_add("data", "GB", 1e6, "PB")
_add("data", "GB", 1e-3, "MB")
_add("length", "nm", 1, "nm", "纳米")
_add("length", "km", 1, "公里", "千米", "km")
_add("area", "m2", 1, "平方米")
_add("area", "m2", 1e6, "平方公里")
_add("weight", "t", 1, "吨")
_add("weight", "t", 1e-3, "千克", "公斤", "kg")
_add("volume", "bbl", 1, "桶")
_add("year", "year", 1, "财年", "年度", "年")
_add("period", "quarter", 1, "财季", "季度")
_add("duration", "month", 1, "个月")
_add("duration", "day", 1, "个交易日", "交易日", "天")
_add("duration", "hour", 1, "小时")
_add("duration", "week", 1, "周")
_add("date", "month", 1, "月份", "月")
_add("date", "day", 1, "日", "号")
for _w in (
    "用户",
    "人次",
    "人",
    "名",
    "户",
    "家",
    "辆",
    "台",
    "股",
    "只",
    "个",
    "件",
    "套",
    "张",
    "部",
    "座",
):
    _add("count", _w, 1, _w)
for _w in (
    "次",
    "位",
    "款",
    "项",
    "艘",
    "架",
    "颗",
    "枚",
    "份",
    "条",
    "所",
    "篇",
    "例",
    "手",
    "单",
    "笔",
    "片",
    "块",
):
    _add("count", _w, 1, _w)

_ASCII_UNIT = re.compile(r"[A-Za-z$]")


_UNIT_KINDS: dict[str, str] = {canonical: kind for canonical, _, kind in _UNITS.values()}


def unit_kind(unit: str) -> str:
    """What kind of quantity a canonical unit measures (``GW`` → power, ``USD`` → money); ``count`` for a
    counted noun (股, 辆, 人), ``bare`` for no unit."""
    if not unit:
        return "bare"
    return _UNIT_KINDS.get(unit, "count")


def _unit_pattern() -> re.Pattern[str]:
    parts = []
    for s in sorted(_UNITS, key=len, reverse=True):
        esc = re.escape(s)
        if _ASCII_UNIT.match(s[-1]):
            esc += r"(?![A-Za-z])"  # GW but not GWx; bp but not bpm
        parts.append(esc)
    return re.compile("(?:" + "|".join(parts) + ")")


_UNIT_RE = _unit_pattern()
_EN_UNIT_RE = re.compile(
    r" (USD|HKD|RMB|CNY|EUR|JPY|GBP|dollars?|yuan|percent|per cent|bps|bp|basis points?|GW|MW|GWh)(?![A-Za-z])"
)

_CN_SCALES = {"万亿": 1e12, "千亿": 1e11, "百亿": 1e10, "十亿": 1e9, "亿": 1e8, "千万": 1e7, "百万": 1e6}
_CN_SCALES |= {"十万": 1e5, "万": 1e4, "千": 1e3}
_CN_SCALE_RE = re.compile("|".join(sorted(_CN_SCALES, key=len, reverse=True)))
_EN_SCALES = {"trillion": 1e12, "billion": 1e9, "million": 1e6, "thousand": 1e3, "tn": 1e12, "bn": 1e9}
_EN_SCALES |= {"mn": 1e6, "k": 1e3, "m": 1e6, "b": 1e9, "K": 1e3, "M": 1e6, "B": 1e9}
_EN_SCALE_RE = re.compile(r" ?(trillion|billion|million|thousand|tn|bn|mn|k|m|b|K|M|B)(?![A-Za-z])")
_LOOSE_EN_SCALES = {"k", "m", "b", "K", "M", "B"}  # only after a currency prefix: 5m may be metres

_PREFIX_CURRENCY = (
    ("US$", "USD"),
    ("HK$", "HKD"),
    ("USD ", "USD"),
    ("HKD ", "HKD"),
    ("RMB ", "CNY"),
    ("CNY ", "CNY"),
    ("USD", "USD"),
    ("HKD", "HKD"),
    ("RMB", "CNY"),
    ("$", "USD"),
    ("¥", "CNY"),
    ("￥", "CNY"),
    ("€", "EUR"),
    ("£", "GBP"),
)
_CJK_CURRENCY = {"新台币": "TWD", "台币": "TWD", "港币": "HKD", "人民币": "CNY"}
_CJK_CURRENCY_BEFORE = re.compile("(?:" + "|".join(sorted(_CJK_CURRENCY, key=len, reverse=True)) + ")$")
"""Currency words written before the number (新台币1.2万亿元): they name the currency of a bare 元."""
_QUALIFIERS = sorted(
    "约合 大约 约为 约 超过 超出 超 逾 将近 接近 近 不到 不足 不超过 不超 不低于 不少于 至少 最多 最高 最低 "
    "高达 多达 突破 上调至 下调至 增至 降至 升至 达到 达 仅 或 预计".split(),
    key=len,
    reverse=True,
)
_SUFFIX_QUALIFIER_RE = re.compile(r"左右|以上|以下|以内|上下")

# A number: Arabic (with thousands separators), Chinese numeral run, or 百分之 + numeral.
_NUM_RE = re.compile(
    r"(?P<pct>百分之(?P<pctnum>\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百点]+))"
    r"|(?P<ar>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"|(?P<cn>[零〇○一二两三四五六七八九十百千万亿]+(?:点[零〇一二三四五六七八九]+)?)"
)
_DATE_RES = (
    re.compile(r"(?<!\d)(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"),
    re.compile(
        r"(?P<m>\d{1,2}|[一二三四五六七八九十]{1,2})月(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})[日号]"
    ),
)
_TIME_RE = re.compile(r"(?<![\d:])(?P<h>[01]?\d|2[0-3]):(?P<mi>[0-5]\d)(?![\d:])")
_QUARTER_RE = re.compile(r"(?<![A-Za-z0-9])(?:[Qq](?P<q>[1-4])|(?P<q2>[1-4])Q)(?![A-Za-z0-9])")
_RANGE_SEP_RE = re.compile(r"\s*(?:至|到|——|—|–|-|~|～|－)\s*")
_VAGUE_BEFORE = ("数", "几", "上", "好", "若干")
_AFTER_CN = "".join({u[0] for u in _UNITS}) + "成多余万亿千百"


def _to_float(s: str) -> float | None:
    if not s:
        return None
    if s[0].isdigit():
        try:
            return float(s.replace(",", ""))
        except ValueError:
            return None
    return cn_to_number(s)


_QUALIFIER_RE = re.compile("(?:" + "|".join(_QUALIFIERS) + ")$")


def _qualifier_before(text: str, pos: int) -> str | None:
    m = _QUALIFIER_RE.search(text, max(0, pos - 4), pos)
    return m.group() if m else None


def _currency_before(text: str, pos: int) -> tuple[str, int] | None:
    head = text[max(0, pos - 4) : pos]
    for surface, code in _PREFIX_CURRENCY:
        if head.endswith(surface):
            start = pos - len(surface)
            if surface[0].isalpha() and start > 0 and text[start - 1].isalpha() and text[start - 1].isascii():
                continue  # part of a longer word
            return code, start
    return None


def _number_class(text: str, start: int, end: int, raw: str) -> tuple[str, str]:
    """(kind, unit) of a bare Arabic number with no scale or unit: a year, a name, a code or a number."""
    before = text[max(0, start - 2) : start]
    after = text[end : end + 1]
    digits = raw.replace(",", "")
    if len(digits) == 4 and digits.isdigit() and 1800 <= int(digits) <= 2200:
        if after in ("Q", "H") or before == "FY":
            return "year", "year"  # 2025Q3, FY2027
    if after and after.isascii() and after.isalpha():
        return "name", ""  # 5G, 4090Ti
    if before and before[-1].isascii() and before[-1].isalpha():
        return "name", ""  # A100, H20
    if len(before) == 2 and before[1] in "- " and before[0].isascii() and before[0].isalpha():
        if before[1] == "-" or len(digits) <= 3:
            return "name", ""  # GPT-6, Sora 3
    if "," not in raw and "." not in raw and (len(digits) >= 5 or (len(digits) >= 4 and digits[0] == "0")):
        return "code", ""  # tickers 159101, 002938
    return "number", ""


@dataclass(slots=True)
class _Raw:
    start: int
    end: int
    value: float
    scale: float
    unit: str
    factor: float
    kind: str
    qualifier: str | None
    has_scale: bool
    is_arabic: bool


_NOT_CHENG = "交立本员为功果长熟型"  # 成交, 成立 …: 成 there is not 10%


def _in(ch: str, chars: str) -> bool:
    """``ch in chars`` for one character; False for '' (where ``'' in s`` would be True)."""
    return bool(ch) and ch in chars


def _spaced_suffix(text: str, pos: int) -> bool:
    """A space, then a Chinese scale or unit (``150 亿元``, ``10 倍``): the suffix still belongs to the number."""
    if text[pos : pos + 1] != " ":
        return False
    if _CN_SCALE_RE.match(text, pos + 1):
        return True
    unit = _UNIT_RE.match(text, pos + 1)
    return unit is not None and "\u4e00" <= unit.group()[0] <= "\u9fff"


def _read_number(text: str, m: re.Match[str]) -> _Raw | None:
    """Read one number match plus its scale, unit and qualifiers; None when it is not a figure."""
    start, pos = m.start(), m.end()
    cn = m.group("cn")
    if cn is not None and cn[-1] not in "万亿" and not _in(text[pos : pos + 1], _AFTER_CN):
        return None  # 一些, 三环, 十五五: a numeral that no unit or scale follows is a word (fast path)
    qualifier: str | None = None
    if m.group("pct"):
        pv = _to_float(m.group("pctnum"))
        if pv is None:
            return None
        return _Raw(start, pos, pv, 1.0, "%", 1.0, "percent", _qualifier_before(text, start), False, False)
    scale, has_scale = 1.0, False
    is_arabic = m.group("ar") is not None
    raw = m.group("ar") or m.group("cn")
    if is_arabic:
        value = float(raw.replace(",", ""))
    else:
        if text[max(0, start - 1) : start] in _VAGUE_BEFORE or text[max(0, start - 2) : start] == "若干":
            return None  # 数十亿: vague, not a figure
        body = raw
        for sc in ("万亿", "亿", "万"):  # a trailing 万亿/亿/万 is the scale when the rest stands alone
            if raw.endswith(sc) and len(raw) > len(sc):
                rest = raw[: -len(sc)]
                if "万" not in rest and "亿" not in rest:
                    body, scale, has_scale = rest, _CN_SCALES[sc], True
                break
        v = cn_to_number(body)
        if v is None or (v == 0 and not any(ch in "零〇" for ch in body)):
            return None  # 万亿美元 alone: a magnitude with no number is not a figure
        value = v
    if text[pos : pos + 1] in ("多", "余"):  # 20多亿, 100余万元
        nxt = text[pos + 1 : pos + 2]
        if nxt and (nxt in "万亿千百" or _UNIT_RE.match(text, pos + 1)):
            qualifier = text[pos]
            pos += 1
    currency = _currency_before(text, start) if is_arabic else None
    if currency:
        start = currency[1]
    if is_arabic and _spaced_suffix(text, pos):
        pos += 1  # 150 亿元, 10 倍: some outlets space the number from its scale or unit
    unit_m = _UNIT_RE.match(text, pos)
    en_unit = False
    if is_arabic and not (unit_m and unit_m.group()[0] in "千百"):  # 5千瓦 is a unit, 5千亿 a scale
        sm = _CN_SCALE_RE.match(text, pos)
        em = None if sm else _EN_SCALE_RE.match(text, pos)
        if sm:
            scale, has_scale, pos = _CN_SCALES[sm.group()], True, sm.end()
        elif em and (em.group(1) not in _LOOSE_EN_SCALES or currency):
            scale, has_scale, pos = _EN_SCALES[em.group(1)], True, em.end()
        unit_m = _UNIT_RE.match(text, pos)
        if unit_m is None:
            unit_m = _EN_UNIT_RE.match(text, pos)
            en_unit = unit_m is not None
    unit, factor, kind = "", 1.0, "number"
    if unit_m:
        unit, factor, kind = _UNITS[unit_m.group(1) if en_unit else unit_m.group()]
        pos = unit_m.end()
    elif (
        text[pos : pos + 1] == "成"
        and value <= 10
        and not has_scale
        and not _in(text[pos + 1 : pos + 2], _NOT_CHENG)
    ):
        unit, factor, kind, pos = "%", 10.0, "percent", pos + 1  # 三成 = 30%
    elif currency:
        unit, kind = currency[0], "money"
    if is_arabic and ((unit == "CNY" and text[pos - 1 : pos] == "元") or (not unit and has_scale)):
        named = _CJK_CURRENCY_BEFORE.search(text, max(0, start - 3), start)
        if named:  # 新台币1.2万亿元 is TWD, not CNY; 港币5亿 is HKD
            unit, kind, factor = _CJK_CURRENCY[named.group()], "money", 1.0
    if not is_arabic:
        if not unit and not has_scale:
            return None  # a lone Chinese numeral is a word (一些, 三环), not a figure
        if not has_scale and ((value == 1 and kind in ("count", "duration")) or unit == "个"):
            return None  # 一个, 一家, 一年, 两个: words, not figures worth checking
    if kind == "year" and not (value == int(value) and 1800 <= value <= 2200 and not has_scale):
        unit, kind = "yr", "duration"  # 二十年, 1.5年
    elif kind == "date":
        limit = 12 if unit == "month" else 31
        if has_scale or not (value == int(value) and 1 <= value <= limit):
            return None
    elif kind == "period" and not 1 <= value <= 4:
        return None
    qualifier = _qualifier_before(text, start) or qualifier
    sq = _SUFFIX_QUALIFIER_RE.match(text, pos)
    if sq and unit:
        qualifier = qualifier or sq.group()
    if is_arabic and not unit and not has_scale:
        kind, unit = _number_class(text, start, pos, raw)
    return _Raw(start, pos, value, scale, unit, factor, kind, qualifier, has_scale, is_arabic)


def _finish(text: str, r: _Raw, high: _Raw | None = None) -> Figure:
    normalized = r.value * r.scale * r.factor
    hi = None if high is None else high.value * high.scale * high.factor
    end = r.end if high is None else high.end
    return Figure(
        start=r.start,
        end=end,
        raw=text[r.start : end],
        value=r.value,
        scale=r.scale,
        unit=r.unit,
        normalized=_clean(normalized),
        kind=r.kind,
        qualifier=r.qualifier,
        high=None if hi is None else _clean(hi),
    )


def _clean(x: float) -> float:
    """Round away float noise (1.2 * 1e12 → 1.2e12 exactly) so equal figures print equal."""
    if x == 0 or not math.isfinite(x):
        return x
    return float(f"{x:.12g}")


def _merge_range(text: str, low: _Raw, high: _Raw) -> _Raw | None:
    """``low`` joined to ``high`` by 至/到/-/~ becomes a range when their units are compatible."""
    if not _RANGE_SEP_RE.fullmatch(text, low.end, high.start):
        return None
    if high.kind in ("date", "code", "name") or low.kind in ("date", "code", "name"):
        return None
    if low.unit and low.unit != high.unit:
        return None
    if not low.unit and high.kind == "year" and not (1800 <= low.value <= 2200):
        return None
    scale = low.scale if low.has_scale else high.scale
    if low.has_scale and high.has_scale is False and high.unit == "":
        return None
    factor = low.factor if low.unit else high.factor  # 800兆瓦至1吉瓦: each end keeps its own unit's factor
    return _Raw(
        low.start,
        low.end,
        low.value,
        scale,
        high.unit,
        factor,
        high.kind,
        low.qualifier,
        low.has_scale or high.has_scale,
        low.is_arabic,
    )


def find_figures(text: str) -> list[Figure]:
    """All figures in ``text``, in order of position. Never raises on odd input.

    Results are memoized per text (paragraphs are parsed by the summarizer and again by the verifier).
    """
    if not text:
        return []
    return list(_find_cached(text))


@functools.lru_cache(maxsize=4096)
def _find_cached(text: str) -> tuple[Figure, ...]:
    taken: list[tuple[int, int]] = []
    out: list[Figure] = []
    for rx in _DATE_RES:
        for m in rx.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            mo, d = _to_float(m.group("m")), _to_float(m.group("d"))
            if mo is None or d is None or not (1 <= mo <= 12 and 1 <= d <= 31):
                continue
            y = float(m.group("y")) if "y" in m.groupdict() and m.group("y") else 0.0
            value = y * 10000 + mo * 100 + d
            taken.append((m.start(), m.end()))
            out.append(Figure(m.start(), m.end(), m.group(), value, 1.0, "date", value, "date", None))
    for m in _TIME_RE.finditer(text):
        value = float(m.group("h")) * 100 + float(m.group("mi"))
        taken.append((m.start(), m.end()))
        out.append(Figure(m.start(), m.end(), m.group(), value, 1.0, "time", value, "date", None))
    for m in _QUARTER_RE.finditer(text):
        q = float(m.group("q") or m.group("q2"))
        taken.append((m.start(), m.end()))
        out.append(Figure(m.start(), m.end(), m.group(), q, 1.0, "quarter", q, "period", None))
    raws: list[_Raw] = []
    pos = 0
    while True:
        m = _NUM_RE.search(text, pos)
        if m is None:
            break
        if any(m.start() < e and s < m.end() for s, e in taken):
            pos = m.end()
            continue
        r = _read_number(text, m)
        pos = max(m.end(), r.end if r else m.end())
        if r is not None:
            raws.append(r)
    i = 0
    while i < len(raws):
        r = raws[i]
        if i + 1 < len(raws):
            merged = _merge_range(text, r, raws[i + 1])
            if merged is not None:
                high = raws[i + 1]
                out.append(_finish(text, merged, high))
                i += 2
                continue
        out.append(_finish(text, r))
        i += 1
    out.sort(key=lambda f: f.start)
    return tuple(out)


def figures_equal(a: Figure, b: Figure, rel_tol: float = 1e-6) -> bool:
    """Same canonical unit and the same normalized value(s) within ``rel_tol``.

    ``1,100亿美元`` == ``1100亿美元``; ``1.2万亿港元`` == ``12000亿港元``; ``114.3GW`` != ``1143GW``;
    ``500MW`` == ``0.5GW``. A range equals only a range with the same two ends.
    """
    if a.unit != b.unit:
        return False
    if (a.high is None) != (b.high is None):
        return False
    return all(
        math.isclose(x, y, rel_tol=rel_tol, abs_tol=1e-12)
        for x, y in zip(a.endpoints(), b.endpoints(), strict=True)
    )


def _compatible(claim: Figure, f: Figure) -> bool:
    if claim.unit == f.unit:
        return True
    if claim.kind == "number" and not claim.unit:
        return f.kind not in ("date", "code", "name")  # 18亿 may restate 18亿用户 or 18亿美元
    return claim.kind == "count" and f.kind in ("count", "number")


def figure_matches(claim: Figure, evidence: list[Figure], rel_tol: float = 1e-6) -> bool:
    """True when every end of ``claim`` is stated by some figure of ``evidence``.

    Looser than :func:`figures_equal` in two ways a faithful restatement needs: each end of a range may
    be found separately (``2024至2030年`` restating ``2024年…2030年``), and a bare number or a count may
    match the same value with another unit (``18亿`` stated as ``18亿用户``). A claim never matches a
    different value, scale, year or currency.
    """
    for v in claim.endpoints():
        if not any(
            _compatible(claim, f)
            and any(math.isclose(v, w, rel_tol=rel_tol, abs_tol=1e-12) for w in f.endpoints())
            for f in evidence
        ):
            return False
    return True

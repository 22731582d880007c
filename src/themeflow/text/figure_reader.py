"""Read one number of a text with what belongs to it: scale, unit, currency, qualifiers, range partner.

The figure parser (:mod:`themeflow.text.numbers`) finds number matches and hands each to
:func:`read_number`, which returns a :class:`RawFigure` (value, scale, unit, kind, qualifier) or None
when the number is a word (一些, 三环), vague (数十亿), or not a valid date or period. Two raw figures
joined by 至/到/- become one range (:func:`merge_range`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from themeflow.text.cn_numerals import cn_to_number, to_float
from themeflow.text.units import (
    AFTER_CN,
    CJK_CURRENCY,
    CJK_CURRENCY_BEFORE,
    CN_SCALE_RE,
    CN_SCALES,
    EN_SCALE_RE,
    EN_SCALES,
    EN_UNIT_RE,
    LOOSE_EN_SCALES,
    PER_UNIT_RE,
    PER_UNITS,
    PREFIX_CURRENCY,
    UNIT_RE,
    UNITS,
)

__all__ = ["NUM_RE", "RawFigure", "merge_range", "read_number"]

_QUALIFIERS = sorted(
    "约合 大约 约为 约 超过 超出 超 逾 将近 接近 近 不到 不足 不超过 不超 不低于 不少于 至少 最多 最高 最低 "
    "高达 多达 突破 上调至 下调至 增至 降至 升至 达到 达 仅 或 预计".split(),
    key=len,
    reverse=True,
)
_SUFFIX_QUALIFIER_RE = re.compile(r"左右|以上|以下|以内|上下")

# A number: Arabic (with thousands separators), Chinese numeral run, 百分之 + numeral, or a fraction
# written out (三分之一, 十分之三).
NUM_RE = re.compile(
    r"(?P<pct>百分之(?P<pctnum>\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百点]+))"
    r"|(?P<frac>(?P<den>[一二两三四五六七八九十百千]+|\d+)分之(?P<numer>[一二两三四五六七八九十]+|\d+))"
    r"|(?P<ar>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"|(?P<cn>[零〇○一二两三四五六七八九十百千万亿]+(?:点[零〇一二三四五六七八九]+)?)"
)

_CURRENCY_LAST = frozenset(surface[-1] for surface, _ in PREFIX_CURRENCY)
"""The characters a currency written before a number ends with."""
_UNIT_FIRST = frozenset(unit[0] for unit in UNITS)
"""The characters a unit of ``UNIT_RE`` starts with."""

_RANGE_SEP_RE = re.compile(r"\s*(?:至|到|——|—|–|-|~|～|－)\s*")
_VAGUE_BEFORE = ("数", "几", "上", "好", "若干")

_QUALIFIER_RE = re.compile("(?:" + "|".join(_QUALIFIERS) + ")$")


def _qualifier_before(text: str, pos: int) -> str | None:
    m = _QUALIFIER_RE.search(text, max(0, pos - 4), pos)
    return m.group() if m else None


def _currency_before(text: str, pos: int) -> tuple[str, int] | None:
    if pos == 0 or text[pos - 1] not in _CURRENCY_LAST:
        return None  # no currency sign or code ends right before the number (most numbers)
    head = text[max(0, pos - 4) : pos]
    for surface, code in PREFIX_CURRENCY:
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
class RawFigure:
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
    per: str = ""
    """The denominator of a price or rate as written right after the figure (``/吨`` of ``839元/吨``);
    the unit says it (``CNY/t``), the figure's span stops before it (see :func:`read_number`)."""


_NOT_CHENG = "交立本员为功果长熟型"  # 成交, 成立 …: 成 there is not 10%


def _in(ch: str, chars: str) -> bool:
    """``ch in chars`` for one character; False for '' (where ``'' in s`` would be True)."""
    return bool(ch) and ch in chars


def _spaced_suffix(text: str, pos: int) -> bool:
    """A space, then a Chinese scale or unit (``150 亿元``, ``10 倍``): the suffix still belongs to the number."""
    if text[pos : pos + 1] != " ":
        return False
    if CN_SCALE_RE.match(text, pos + 1):
        return True
    unit = _unit_at(text, pos + 1)
    return unit is not None and "\u4e00" <= unit.group()[0] <= "\u9fff"


def read_number(text: str, m: re.Match[str]) -> RawFigure | None:
    """Read one number match plus its scale, unit and qualifiers; None when it is not a figure."""
    cn = m.group("cn")
    if cn is not None and cn[-1] not in "万亿" and not _in(text[m.end() : m.end() + 1], AFTER_CN):
        return None  # 一些, 三环, 十五五: a numeral that no unit or scale follows is a word (fast path)
    if m.group("pct"):
        return _percent_in_words(text, m)
    if m.group("frac"):
        return _fraction(text, m)
    num = _numeral(text, m)
    if num is None:
        return None
    start, pos = m.start(), m.end()
    approx, pos = _approximate_suffix(text, pos)
    currency = _currency_before(text, start) if num.is_arabic else None
    if currency:
        start = currency[1]
    if num.is_arabic and _spaced_suffix(text, pos):
        pos += 1  # 150 亿元, 10 倍: some outlets space the number from its scale or unit
    num, pos, unit_m, en_unit = _scale_and_unit(text, pos, num, currency)
    unit, factor, kind, pos = _unit(text, pos, num, unit_m, en_unit, currency)
    if num.is_arabic and ((unit == "CNY" and text[pos - 1 : pos] == "元") or (not unit and num.has_scale)):
        named = CJK_CURRENCY_BEFORE.search(text, max(0, start - 3), start)
        if named:  # 新台币1.2万亿元 is TWD, not CNY; 港币5亿 is HKD
            unit, kind, factor = CJK_CURRENCY[named.group()], "money", 1.0
    per = ""
    rate = PER_UNIT_RE.match(text, pos) if unit and kind == "money" else None
    if rate is not None:
        # 839元/吨 is a price per tonne: another unit than 839元, so a bullet that drops /吨 states another
        # figure. The span stays the amount's: what is read after a figure (its range partner, the noun
        # phrase a metric may come from) is read where it always was, right after the amount
        unit, per = f"{unit}/{PER_UNITS[rate.group(1).lower()]}", rate.group()
    if not num.is_arabic and _numeral_word(num, unit, kind):
        return None
    checked = _checked_kind(num, unit, kind)
    if checked is None:
        return None
    unit, kind = checked
    if kind == "duration" and text[pos : pos + 1] == "半" and not num.has_scale:
        num, pos = replace(num, value=num.value + 0.5), pos + 1  # 两年半 is 2.5 years, not two
    qualifier = _qualifier_before(text, start) or approx
    sq = _SUFFIX_QUALIFIER_RE.match(text, pos)
    if sq and unit:
        qualifier = qualifier or sq.group()
    if num.is_arabic and not unit and not num.has_scale:
        kind, unit = _number_class(text, start, pos, num.raw)
    return RawFigure(
        start, pos, num.value, num.scale, unit, factor, kind, qualifier, num.has_scale, num.is_arabic, per
    )


@dataclass(frozen=True, slots=True)
class _Numeral:
    """The number of a match as written: its value, the scale found so far and whether it is Arabic."""

    raw: str
    value: float
    scale: float
    has_scale: bool
    is_arabic: bool

    def scaled(self, scale: float) -> _Numeral:
        """This number with the scale word read after it (built directly: ``dataclasses.replace`` inspects the
        fields on every call, and an article has hundreds of numbers)."""
        return _Numeral(self.raw, self.value, scale, True, self.is_arabic)


def _percent_in_words(text: str, m: re.Match[str]) -> RawFigure | None:
    """百分之十五, 百分之3.5: a percentage written out."""
    pv = to_float(m.group("pctnum"))
    if pv is None:
        return None
    start, pos = m.start(), m.end()
    return RawFigure(start, pos, pv, 1.0, "%", 1.0, "percent", _qualifier_before(text, start), False, False)


def _fraction(text: str, m: re.Match[str]) -> RawFigure | None:
    """三分之一, 十分之三: a share written as a fraction, read as a percentage (33.3…%), so that a summary
    writing 三分之二 where its source says 三分之一 is caught, and 四分之一 agrees with 25%."""
    den, numer = to_float(m.group("den")), to_float(m.group("numer"))
    if not den or numer is None or numer > den:
        return None
    start, pos = m.start(), m.end()
    return RawFigure(
        start, pos, numer / den * 100, 1.0, "%", 1.0, "percent", _qualifier_before(text, start), False, False
    )


_SIZE_BEFORE = re.compile(r"(?:超过|超|突破|逾|接近|近|达到|达|迈过|站上|跨越|过|破)$")
"""Words before a bare magnitude that make it a figure: 超万亿 is more than 1万亿, a bound an analyst
reads; 万亿级, 万亿美元市场 with nothing before them are descriptions, not figures."""


def _numeral(text: str, m: re.Match[str]) -> _Numeral | None:
    """The value of an Arabic number, or of a Chinese numeral with its trailing 万亿/亿/万 as the scale;
    None for a vague (数十亿) or magnitude-only (万亿美元) numeral."""
    raw = m.group("ar") or m.group("cn")
    if m.group("ar") is not None:
        return _Numeral(raw, float(raw.replace(",", "")), 1.0, False, True)
    start = m.start()
    if text[max(0, start - 1) : start] in _VAGUE_BEFORE or text[max(0, start - 2) : start] == "若干":
        return None  # 数十亿: vague, not a figure
    body, scale, has_scale = raw, 1.0, False
    for sc in ("万亿", "亿", "万"):  # a trailing 万亿/亿/万 is the scale when the rest stands alone
        if raw.endswith(sc) and len(raw) > len(sc):
            rest = raw[: -len(sc)]
            if "万" not in rest and "亿" not in rest:
                body, scale, has_scale = rest, CN_SCALES[sc], True
            break
    if raw in ("万亿", "亿", "万") and _SIZE_BEFORE.search(text, max(0, start - 2), start):
        return _Numeral(raw, 1.0, CN_SCALES[raw], True, False)  # 突破万亿: a bare magnitude after a bound
    v = cn_to_number(body)
    if v is None or (v == 0 and not any(ch in "零〇" for ch in body)):
        return None  # 万亿美元 alone: a magnitude with no number is not a figure
    return _Numeral(raw, v, scale, has_scale, False)


def _approximate_suffix(text: str, pos: int) -> tuple[str | None, int]:
    """``20多亿``, ``100余万元``: 多/余 before a scale or unit makes the figure approximate."""
    if text[pos : pos + 1] in ("多", "余"):
        nxt = text[pos + 1 : pos + 2]
        if nxt and (nxt in "万亿千百" or _unit_at(text, pos + 1)):
            return text[pos], pos + 1
    return None, pos


def _scale_and_unit(
    text: str, pos: int, num: _Numeral, currency: tuple[str, int] | None
) -> tuple[_Numeral, int, re.Match[str] | None, bool]:
    """The scale word after an Arabic number (亿, billion; a loose k/m/b only after a currency sign) and
    the unit match after it; ``en_unit`` when the unit is an English word after a space."""
    unit_m = _unit_at(text, pos)
    en_unit = False
    if num.is_arabic and not (unit_m and unit_m.group()[0] in "千百"):  # 5千瓦 is a unit, 5千亿 a scale
        sm = CN_SCALE_RE.match(text, pos)
        em = None if sm else EN_SCALE_RE.match(text, pos)
        if sm:
            num, pos = num.scaled(CN_SCALES[sm.group()]), sm.end()
            unit_m = _unit_at(text, pos)
        elif em and (em.group(1) not in LOOSE_EN_SCALES or currency):
            num, pos = num.scaled(EN_SCALES[em.group(1)]), em.end()
            unit_m = _unit_at(text, pos)
        if unit_m is None and text.startswith(" ", pos):  # an English unit is written after a space
            unit_m = EN_UNIT_RE.match(text, pos)
            en_unit = unit_m is not None
    return num, pos, unit_m, en_unit


def _unit_at(text: str, pos: int) -> re.Match[str] | None:
    """``UNIT_RE`` matched at ``pos``, tried only when a unit can start there: the pattern is an
    alternation of every unit, and most positions after a number start none."""
    return UNIT_RE.match(text, pos) if text[pos : pos + 1] in _UNIT_FIRST else None


def _unit(
    text: str,
    pos: int,
    num: _Numeral,
    unit_m: re.Match[str] | None,
    en_unit: bool,
    currency: tuple[str, int] | None,
) -> tuple[str, float, str, int]:
    """(unit, factor, kind, end): the unit written after the number, 成 as tenths of a whole (三成 = 30%),
    or the currency written before it; a bare number otherwise."""
    if unit_m:
        unit, factor, kind = UNITS[unit_m.group(1) if en_unit else unit_m.group()]
        return unit, factor, kind, unit_m.end()
    if (
        text[pos : pos + 1] == "成"
        and num.value <= 10
        and not num.has_scale
        and not _in(text[pos + 1 : pos + 2], _NOT_CHENG)
    ):
        return "%", 10.0, "percent", pos + 1  # 三成 = 30%
    if currency:
        return currency[0], 1.0, "money", pos
    return "", 1.0, "number", pos


def _numeral_word(num: _Numeral, unit: str, kind: str) -> bool:
    """A Chinese numeral that is a word, not a figure: alone (一些, 三环), or 一个/一家/一年/两个."""
    if not unit and not num.has_scale:
        return True
    return not num.has_scale and ((num.value == 1 and kind in ("count", "duration")) or unit == "个")


def _checked_kind(num: _Numeral, unit: str, kind: str) -> tuple[str, str] | None:
    """(unit, kind) after checking a year, date or period for plausibility; None when it cannot be one
    (13月, 5季度). A number of years that is no calendar year (二十年, 1.5年) is a duration."""
    value = num.value
    if kind == "year" and not (value == int(value) and 1800 <= value <= 2200 and not num.has_scale):
        return "yr", "duration"
    if kind == "date":
        limit = 12 if unit == "month" else 31
        if num.has_scale or not (value == int(value) and 1 <= value <= limit):
            return None
    elif kind == "period" and not 1 <= value <= 4:
        return None
    return unit, kind


def merge_range(text: str, low: RawFigure, high: RawFigure) -> RawFigure | None:
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
    return RawFigure(
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
        high.per,
    )

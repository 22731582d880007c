"""Units, scales and currencies of written figures: the vocabulary the figure parser reads after a number.

Each unit surface maps to a canonical unit, the factor into it and the kind of quantity it measures
(``兆瓦`` → GW × 1e-3, power), so ``500MW`` and ``0.5GW`` compare equal. Scales are the multipliers
written between the number and the unit (亿, 万亿, billion); currencies may also come before the number
(US$, HK$, 新台币).
"""

from __future__ import annotations

import re

__all__ = [
    "AFTER_CN",
    "CJK_CURRENCY",
    "CJK_CURRENCY_BEFORE",
    "CN_SCALES",
    "CN_SCALE_RE",
    "EN_SCALES",
    "EN_SCALE_RE",
    "EN_UNIT_RE",
    "LOOSE_EN_SCALES",
    "PREFIX_CURRENCY",
    "UNITS",
    "PER_UNIT_RE",
    "PER_UNITS",
    "UNIT_RE",
    "unit_kind",
]

PER_UNITS: dict[str, str] = {
    "吨": "t",
    "t": "t",
    "桶": "bbl",
    "bbl": "bbl",
    "盎司": "oz",
    "oz": "oz",
    "股": "share",
    "千瓦时": "kWh",
    "度": "kWh",
    "kwh": "kWh",
    "兆瓦时": "MWh",
    "mwh": "MWh",
    "平方米": "m2",
    "平米": "m2",
    "㎡": "m2",
    "立方米": "m3",
    "公斤": "kg",
    "千克": "kg",
    "kg": "kg",
    "克": "g",
    "斤": "jin",
    "磅": "lb",
    "蒲式耳": "bu",
    "辆": "vehicle",
    "台": "unit",
    "张": "sheet",
    "片": "wafer",
}
"""The denominators of a price or rate written after its unit (``839元/吨``, ``82.5美元/桶``, ``0.35元/千瓦时``):
``元/吨`` is another unit than ``元``, so the two never compare as one figure."""
PER_UNIT_RE = re.compile(
    r"\s*[/／]\s*(" + "|".join(sorted(map(re.escape, PER_UNITS), key=len, reverse=True)) + r")(?![A-Za-z])",
    re.IGNORECASE,
)

_Unit = tuple[str, float, str]
UNITS: dict[str, _Unit] = {}


def _add(kind: str, canonical: str, factor: float, *surfaces: str) -> None:
    for s in surfaces:
        UNITS[s] = (canonical, factor, kind)


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


_UNIT_KINDS: dict[str, str] = {canonical: kind for canonical, _, kind in UNITS.values()}


def unit_kind(unit: str) -> str:
    """What kind of quantity a canonical unit measures (``GW`` → power, ``USD`` → money); ``count`` for a
    counted noun (股, 辆, 人), ``bare`` for no unit. A rate (``CNY/t``) measures what its numerator does."""
    if not unit:
        return "bare"
    return _UNIT_KINDS.get(unit.split("/", 1)[0], "count")


def _unit_pattern() -> re.Pattern[str]:
    parts = []
    for s in sorted(UNITS, key=len, reverse=True):
        esc = re.escape(s)
        if _ASCII_UNIT.match(s[-1]):
            esc += r"(?![A-Za-z])"  # GW but not GWx; bp but not bpm
        parts.append(esc)
    return re.compile("(?:" + "|".join(parts) + ")")


UNIT_RE = _unit_pattern()
EN_UNIT_RE = re.compile(
    r" (USD|HKD|RMB|CNY|EUR|JPY|GBP|dollars?|yuan|percent|per cent|bps|bp|basis points?|GW|MW|GWh)(?![A-Za-z])"
)

CN_SCALES = {"万亿": 1e12, "千亿": 1e11, "百亿": 1e10, "十亿": 1e9, "亿": 1e8, "千万": 1e7, "百万": 1e6}
CN_SCALES |= {"十万": 1e5, "万": 1e4, "千": 1e3}
CN_SCALE_RE = re.compile("|".join(sorted(CN_SCALES, key=len, reverse=True)))
EN_SCALES = {"trillion": 1e12, "billion": 1e9, "million": 1e6, "thousand": 1e3, "tn": 1e12, "bn": 1e9}
EN_SCALES |= {"mn": 1e6, "k": 1e3, "m": 1e6, "b": 1e9, "K": 1e3, "M": 1e6, "B": 1e9}
EN_SCALE_RE = re.compile(r" ?(trillion|billion|million|thousand|tn|bn|mn|k|m|b|K|M|B)(?![A-Za-z])")
LOOSE_EN_SCALES = {"k", "m", "b", "K", "M", "B"}  # only after a currency prefix: 5m may be metres

PREFIX_CURRENCY = (
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
CJK_CURRENCY = {"新台币": "TWD", "台币": "TWD", "港币": "HKD", "人民币": "CNY"}
CJK_CURRENCY_BEFORE = re.compile("(?:" + "|".join(sorted(CJK_CURRENCY, key=len, reverse=True)) + ")$")
"""Currency words written before the number (新台币1.2万亿元): they name the currency of a bare 元."""

AFTER_CN = "".join({u[0] for u in UNITS}) + "成多余万亿千百"
"""Characters that may follow a Chinese numeral that is a figure (a unit's first character, 成, a scale)."""

"""Chinese numerals: ``一千一百亿`` → 1.1e11, ``二〇二五`` → 2025, ``三点五`` → 3.5.

Split from the figure parser so the numeral arithmetic (sections of 万 and 亿, digit-by-digit years) can
be read and tested on its own.
"""

from __future__ import annotations

__all__ = ["cn_to_number", "to_float"]

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


def to_float(s: str) -> float | None:
    """An Arabic number (thousands separators allowed) or a Chinese numeral as a float; None if neither."""
    if not s:
        return None
    if s[0].isdigit():
        try:
            return float(s.replace(",", ""))
        except ValueError:
            return None
    return cn_to_number(s)

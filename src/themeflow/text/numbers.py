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

The parser never raises on odd input: anything it cannot read is simply not a figure. Reading one
number with its scale, unit and qualifiers is :mod:`.figure_reader`; the unit and currency tables are
:mod:`.units`; Chinese numerals are :mod:`.cn_numerals`.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

from themeflow.text.cn_numerals import to_float
from themeflow.text.figure_reader import NUM_RE, RawFigure, merge_range, read_number

__all__ = ["Figure", "figure_matches", "figures_equal", "find_figures"]


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
    per: str = ""
    """A rate's denominator as written after the span (``/吨``): ``839元/吨`` is the figure ``839元`` with
    unit ``CNY/t``; ``raw + per`` is the whole text."""

    @property
    def is_quantity(self) -> bool:
        """True for figures that state an amount (not a date, ticker or product name)."""
        return self.kind not in ("date", "code", "name")

    def endpoints(self) -> tuple[float, ...]:
        """Normalized low (and high, for a range) values."""
        return (self.normalized,) if self.high is None else (self.normalized, self.high)


_DATE_RES = (
    (re.compile(r"(?<!\d)(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"), re.compile("[-/.]")),
    (
        re.compile(
            r"(?P<m>\d{1,2}|[一二三四五六七八九十]{1,2})月(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})[日号]"
        ),
        re.compile("月"),
    ),
)
"""Each date pattern with the characters one of which it cannot match without."""
_TIME_RE = re.compile(r"(?<![\d:])(?P<h>[01]?\d|2[0-3]):(?P<mi>[0-5]\d)(?![\d:])")
_QUARTER_RE = re.compile(r"(?<![A-Za-z0-9])(?:[Qq](?P<q>[1-4])|(?P<q2>[1-4])Q)(?![A-Za-z0-9])")


def _finish(text: str, r: RawFigure, high: RawFigure | None = None) -> Figure:
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
        per=(high or r).per,
    )


def _clean(x: float) -> float:
    """Round away float noise (1.2 * 1e12 → 1.2e12 exactly) so equal figures print equal."""
    if x == 0 or not math.isfinite(x):
        return x
    if x.is_integer() and -1e12 < x < 1e12:
        return x  # at most 12 digits: printing to 12 significant digits gives it back exactly
    return float(f"{x:.12g}")


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
    for rx, needs in _DATE_RES:
        if not needs.search(text):
            continue  # the pattern cannot match without one of these (a cheap test before the scan)
        for m in rx.finditer(text):
            if taken and any(m.start() < e and s < m.end() for s, e in taken):
                continue
            mo, d = to_float(m.group("m")), to_float(m.group("d"))
            if mo is None or d is None or not (1 <= mo <= 12 and 1 <= d <= 31):
                continue
            y = float(m.group("y")) if "y" in m.groupdict() and m.group("y") else 0.0
            value = y * 10000 + mo * 100 + d
            taken.append((m.start(), m.end()))
            out.append(Figure(m.start(), m.end(), m.group(), value, 1.0, "date", value, "date", None))
    for m in _TIME_RE.finditer(text) if ":" in text else ():
        value = float(m.group("h")) * 100 + float(m.group("mi"))
        taken.append((m.start(), m.end()))
        out.append(Figure(m.start(), m.end(), m.group(), value, 1.0, "time", value, "date", None))
    for m in _QUARTER_RE.finditer(text) if "Q" in text or "q" in text else ():
        q = float(m.group("q") or m.group("q2"))
        taken.append((m.start(), m.end()))
        out.append(Figure(m.start(), m.end(), m.group(), q, 1.0, "quarter", q, "period", None))
    raws: list[RawFigure] = []
    pos = 0
    while True:
        nm = NUM_RE.search(text, pos)
        if nm is None:
            break
        if taken and any(nm.start() < e and s < nm.end() for s, e in taken):
            pos = nm.end()
            continue
        r = read_number(text, nm)
        pos = max(nm.end(), r.end if r else nm.end())
        if r is not None:
            raws.append(r)
    i = 0
    while i < len(raws):
        r = raws[i]
        if i + 1 < len(raws):
            merged = merge_range(text, r, raws[i + 1])
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

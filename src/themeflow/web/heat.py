"""The heat chart of a concept page: documents per day as an inline SVG (no script, no external asset).

Only dates and counts go into the markup (never article text), and each bar carries a ``<title>`` so a
pointer or a screen reader gets the day and its count.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from markupsafe import Markup

__all__ = ["heat_svg"]

WIDTH = 720
HEIGHT = 64


def heat_svg(days: Sequence[tuple[date, int]]) -> Markup:
    """Bars of ``(day, count)`` oldest to newest, their height by count, darker by count; empty days a
    thin baseline so gaps read as gaps."""
    if not days:
        return Markup("")
    top = max(n for _, n in days) or 1
    step = WIDTH / len(days)
    bar = max(step - 1.0, 1.0)
    total = sum(n for _, n in days)
    parts = [
        f'<svg class="heat" viewBox="0 0 {WIDTH} {HEIGHT + 14}" width="100%" role="img"'
        f' aria-label="{days[0][0].isoformat()} 至 {days[-1][0].isoformat()} 每日文章数，共 {total} 篇">'
    ]
    for i, (day, n) in enumerate(days):
        x = i * step
        h = 1.0 if n == 0 else max(3.0, HEIGHT * n / top)
        shade = 0.15 + 0.85 * (n / top) if n else 0.08
        parts.append(
            f'<rect class="bar" data-day="{day.isoformat()}" data-n="{n}" x="{x:.1f}" y="{HEIGHT - h:.1f}"'
            f' width="{bar:.1f}" height="{h:.1f}" fill-opacity="{shade:.2f}">'
            f"<title>{day.isoformat()}：{n} 篇</title></rect>"
        )
    for i in (0, len(days) - 1):
        anchor = "start" if i == 0 else "end"
        x = 0 if i == 0 else WIDTH
        parts.append(
            f'<text x="{x}" y="{HEIGHT + 12}" text-anchor="{anchor}">{days[i][0].strftime("%m-%d")}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))

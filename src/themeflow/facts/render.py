"""`ThemeFigures` as the stable JSON of DESIGN.md and as a terminal table with a conflicts box.

The JSON keys ``figures[].{entity, metric, value, unit, normalized_value, normalized_unit, period,
citations[].{doc_id, paragraph}}`` and ``conflicts[].{entity, metric, period, values[].{value, unit,
citations}}`` are a contract (DESIGN.md); the extra keys (qualifier, agreement, outlets) may grow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from themeflow.facts.group import Conflict, FigureGroup, ThemeFigures
from themeflow.model import Citation

if TYPE_CHECKING:
    from themeflow.cli_common import Printer

__all__ = ["print_theme_figures", "theme_figures_to_dict"]


def _citations(cs: tuple[Citation, ...]) -> list[dict[str, Any]]:
    return [{"doc_id": c.doc_id, "paragraph": c.paragraph} for c in cs]


def figure_to_dict(g: FigureGroup) -> dict[str, Any]:
    return {
        "entity": g.entity,
        "metric": g.metric,
        "value": g.value,
        "unit": g.unit,
        "normalized_value": g.normalized_value,
        "normalized_unit": g.normalized_unit,
        "period": g.period,
        "qualifier": g.qualifier,
        "agreement": g.agreement,
        "outlets": list(g.outlets),
        "citations": _citations(g.citations),
    }


def conflict_to_dict(c: Conflict) -> dict[str, Any]:
    return {
        "entity": c.entity,
        "metric": c.metric,
        "period": c.period,
        "normalized_unit": c.normalized_unit,
        "values": [
            {
                "value": v.value,
                "unit": v.unit,
                "normalized_value": v.normalized_value,
                "qualifier": v.qualifier,
                "outlets": list(v.outlets),
                "citations": _citations(v.citations),
            }
            for v in c.values
        ],
    }


def theme_figures_to_dict(tf: ThemeFigures) -> dict[str, Any]:
    """The ``themeflow figures --json`` document (also the report's JSON figures block)."""
    return {
        "documents": tf.documents,
        "figures": [figure_to_dict(g) for g in tf.figures],
        "conflicts": [conflict_to_dict(c) for c in tf.conflicts],
    }


def _cite(cs: tuple[Citation, ...], limit: int = 3) -> str:
    text = " ".join(f"{c.doc_id}[{c.paragraph}]" for c in cs[:limit])
    return text + (f" +{len(cs) - limit}" if len(cs) > limit else "")


def print_theme_figures(console: Printer, tf: ThemeFigures, *, limit: int = 50) -> None:
    """Conflicts first (what an analyst must check), then the figures, most-agreed first."""
    for c in tf.conflicts:
        lines = [
            f"{(v.qualifier or '') if v.qualifier != '从' else ''}{v.value}  ·  {', '.join(v.outlets) or '?'}"
            f"  ·  {_cite(v.citations)}"
            for v in c.values
        ]
        title = f"conflict: {c.entity} {c.metric}" + (f" ({c.period})" if c.period else "")
        console.print(Panel(escape("\n".join(lines)), title=escape(title), border_style="red", expand=False))
    table = Table(title=f"key figures ({tf.documents} documents)", show_lines=False)
    for col in ("entity", "metric", "period", "value", "outlets", "citations"):
        table.add_column(col, overflow="fold")
    for g in tf.figures[:limit]:
        q = g.qualifier if g.qualifier and g.qualifier != "从" else ""
        cells = (
            g.entity or "—",
            g.metric,
            g.period or "—",
            f"{q}{g.value}",
            f"{g.agreement}: {', '.join(g.outlets)}" if g.outlets else str(g.agreement),
            _cite(g.citations),
        )
        table.add_row(*(escape(c) for c in cells))
    console.print(table)
    if len(tf.figures) > limit:
        console.print(f"… {len(tf.figures) - limit} more figures (use --json for all)")
    if not tf.figures:
        console.print("no figures found in the matching documents")

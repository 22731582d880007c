"""`ThemeFigures` as the stable JSON of DESIGN.md (the terminal table is ``cli_render.print_theme_figures``).

The JSON keys ``figures[].{entity, metric, value, unit, normalized_value, normalized_unit, period,
citations[].{doc_id, paragraph}}`` and ``conflicts[].{entity, metric, period, values[].{value, unit,
citations}}`` are a contract (DESIGN.md); the extra keys (qualifier, agreement, outlets) may grow.
"""

from __future__ import annotations

from typing import Any

from themeflow.facts.group import Conflict, FigureGroup, ThemeFigures
from themeflow.model import Citation

__all__ = ["theme_figures_to_dict"]


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
        "published": g.published.isoformat() if g.published else None,
        "revised_from": g.revised_from,
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
                "agreement": v.agreement,
                "outlier": v.outlier,
                "sentence": v.sentence,
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
        "check": dict(tf.check) if tf.check is not None else None,
        "hidden": dict(tf.hidden),
        "figures": [figure_to_dict(g) for g in tf.figures],
        "conflicts": [conflict_to_dict(c) for c in tf.conflicts],
    }

"""A concept's documents and key figures as CSV or JSON, for spreadsheets and other tools.

CSV cells are written so a spreadsheet never runs them: a title from the web that starts with ``=``, ``+``,
``-``, ``@`` (or a tab or carriage return) is prefixed with an apostrophe, the usual guard against formula
injection; every other character is kept. The file starts with a UTF-8 byte-order mark so Excel reads the
Chinese text as UTF-8.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from themeflow.facts import ThemeFigures

__all__ = ["DOCUMENT_COLUMNS", "FIGURE_COLUMNS", "documents_csv", "figures_csv", "safe_cell"]

DOCUMENT_COLUMNS = ("id", "published", "source", "title", "url", "aboutness", "score", "copies")
FIGURE_COLUMNS = (
    "entity",
    "metric",
    "period",
    "value",
    "unit",
    "normalized_value",
    "normalized_unit",
    "qualifier",
    "stories",
    "outlets",
    "citations",
    "conflict",
)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A cell's text, defused when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buf.getvalue()


def documents_csv(documents: Iterable[Mapping[str, Any]]) -> str:
    """Rows of the feed's JSON documents (``serialize.tagged_document_to_dict``); copies as ``outlet id``
    pairs separated by ``; ``."""
    return _csv(
        DOCUMENT_COLUMNS,
        (
            [
                d["id"],
                d["published"] or "",
                d["source"] or "",
                d["title"],
                d["url"] or "",
                d["aboutness"],
                d["score"],
                "; ".join(f"{c['source'] or '?'} {c['id']}" for c in d["copies"]),
            ]
            for d in documents
        ),
    )


def figures_csv(figures: ThemeFigures) -> str:
    """One row per figure; ``conflict`` says when another value is stated for the same entity, metric and
    period (the conflicting values are in the JSON export and on the page)."""
    disputed = {(c.entity, c.metric, c.period) for c in figures.conflicts}
    return _csv(
        FIGURE_COLUMNS,
        (
            [
                g.entity,
                g.metric,
                g.period or "",
                g.value,
                g.unit,
                g.normalized_value,
                g.normalized_unit,
                g.qualifier or "",
                g.agreement,
                "; ".join(g.outlets),
                " ".join(f"{c.doc_id}[{c.paragraph}]" for c in g.citations),
                "yes" if (g.entity, g.metric, g.period) in disputed else "",
            ]
            for g in figures.figures
        ),
    )

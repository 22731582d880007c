"""Key figures as the web app sees them: one call into ``Themeflow.figures`` for the page and the API.

The API body is exactly ``themeflow figures --json``. The page also needs each cited document's outlet
and paragraph text (citation labels, the quotes in the conflicts box), read in one ``Themeflow.documents``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from themeflow.report.figures import KeyFigures
from themeflow.service import Themeflow
from themeflow.web.searching import SearchParams

if TYPE_CHECKING:
    from themeflow.facts import ThemeFigures

__all__ = [
    "DOCUMENTS",
    "HIDDEN_LABELS",
    "PAGE_FIGURES",
    "key_figures",
    "theme_figures",
    "with_cited_documents",
]

DOCUMENTS = 200
"""Matching documents (newest first, every copy) whose figures are lined up."""
PAGE_FIGURES = 100
"""Figure groups the page lists (most outlets first); the API returns all of them."""
HIDDEN_LABELS = {
    "no_owner": "无主体",
    "time_owner": "主体是时间词",
    "market_owner": "主体是市场",
    "fragment_owner": "主体是残缺词",
    "index": "指数涨跌",
    "price": "商品价格",
    "undated_move": "无期间的涨跌",
}
"""How the page names the reasons a figure is left off a theme's table (``facts/readable.py``)."""


def theme_figures(tf: Themeflow, params: SearchParams, *, limit: int = DOCUMENTS) -> ThemeFigures:
    """The figures and conflicts of the documents matching ``params`` (query, dates, outlets)."""
    return tf.figures(
        params.q,
        since=params.since or None,
        until=params.until or None,
        sources=params.sources,
        limit=limit,
    )


def key_figures(tf: Themeflow, params: SearchParams, *, limit: int = DOCUMENTS) -> KeyFigures:
    """:func:`theme_figures` with the cited documents, for the page."""
    return with_cited_documents(tf, theme_figures(tf, params, limit=limit))


def with_cited_documents(tf: Themeflow, result: ThemeFigures) -> KeyFigures:
    """Figures and conflicts with every document they cite (outlet labels, quotes), read at once."""
    cited = {c.doc_id for g in result.figures for c in g.citations}
    cited |= {c.doc_id for k in result.conflicts for v in k.values for c in v.citations}
    return KeyFigures(result, tf.documents(sorted(cited)) if cited else {})

"""Search: the query language, the request record, ranking and snippets over the store's full-text index.

``parse_query`` turns what an analyst types into structure (raising ``QueryError`` with the position of a
mistake); ``SearchRequest`` is what the service hands to ``store.search``. The SQLite implementation lives
in ``store/sqlite/`` (``search.py``, ``fts.py``).
"""

from __future__ import annotations

from themeflow.search.query import ParsedQuery, Term, parse_date_bound, parse_query
from themeflow.search.request import SearchRequest

__all__ = ["ParsedQuery", "SearchRequest", "Term", "parse_date_bound", "parse_query"]

"""Per-document facts the search path needs for every match — outlet and publish time — as numpy columns.

Why: at a million documents a two-term query matches tens of thousands of rows. Counting them per outlet,
filtering them by date and cutting the newest-first page in SQL means a second FTS5 pass joined row by row
to ``documents``; with these columns in memory the single FTS5 pass (rowid + bm25) is all SQLite does, and
the rest is a ``bincount`` and a partial sort.

The columns are indexed by rowid (``source_code[rowid]``, ``ts[rowid]``; NaN = no known time; code -1 =
no outlet) and cached per connection (in the store's ``search_cache``). A cache is valid while neither of these moved:

* ``PRAGMA data_version`` of that connection — changes when any *other* connection commits (another
  thread's connection, another process);
* the store's ``write_generation`` — bumped by every commit through the store, which covers writes made
  on this very connection (``data_version`` does not see those).

A stale cache is rebuilt from two narrow index scans (0.7 s at a million documents, warm).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["DocMeta", "doc_meta"]


@dataclass(frozen=True, slots=True)
class DocMeta:
    """Outlet code and publish time per rowid, plus the outlet names the codes stand for."""

    sources: tuple[str, ...]
    source_code: npt.NDArray[np.int32]
    ts: npt.NDArray[np.float64]

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> DocMeta:
        cur = conn.cursor()
        cur.row_factory = None  # plain tuples: a million sqlite3.Row objects cost more than the query
        top = cur.execute("SELECT max(rowid) FROM documents").fetchone()[0] or 0
        code = np.full(top + 1, -1, dtype=np.int32)
        ts = np.full(top + 1, np.nan, dtype=np.float64)
        sources: list[str] = []
        # documents_source is (source, rowid): one row per outlet, its rowids as one string.
        for name, ids in cur.execute(
            "SELECT source, group_concat(rowid) FROM documents WHERE source IS NOT NULL GROUP BY source"
        ):
            code[np.array(ids.split(","), dtype=np.int64)] = len(sources)
            sources.append(name)
        rows = cur.execute(
            "SELECT rowid, published_ts FROM documents INDEXED BY documents_published "
            "WHERE published_ts IS NOT NULL"
        ).fetchall()
        if rows:
            pairs = np.array(rows, dtype=np.float64)
            ts[pairs[:, 0].astype(np.int64)] = pairs[:, 1]
        return cls(tuple(sources), code, ts)


def doc_meta(conn: sqlite3.Connection, generation: int, cache: dict[str, Any]) -> DocMeta:
    """The columns for ``conn``'s view of the database, reloaded when a write may have changed them.

    ``cache`` is per connection (the store's ``search_cache``); ``generation`` its ``write_generation``.
    """
    version = int(conn.execute("PRAGMA data_version").fetchone()[0])
    key = (version, generation)
    hit = cache.get("docmeta")
    if hit is not None and hit[0] == key:
        return hit[1]  # type: ignore[no-any-return]
    meta = DocMeta.load(conn)
    cache["docmeta"] = (key, meta)
    return meta

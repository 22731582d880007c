"""FTS5 passes of the search path, kept while the store is unchanged.

Why: a theme query runs one FTS5 pass per form of each of its concept's clauses (a dozen on a broad
theme), and paging through its results, or the next query that shares a form, asked SQLite the same again:
on the shared corpus those passes were half of an uncached ``/api/search`` request. A pass's rows are held
per connection (the store's ``search_cache``) under the key of ``docmeta.py``: the database's content version
and the store's ``write_generation``, so any commit that may change documents, their index or stories, by
this process or another, drops them (a commit of concept tags alone does not).
"""

from __future__ import annotations

from collections import OrderedDict
from itertools import chain

import numpy as np
import numpy.typing as npt

from themeflow.store.sqlite import fts
from themeflow.store.sqlite.docmeta import CachingStore, state_slot

__all__ = ["SCAN_CACHE_ROWS", "scan"]


SCAN_CACHE_ROWS = 500_000
"""Matched rows kept per connection from earlier FTS5 passes (16 bytes each): paging through a theme, or
the next query sharing a concept's forms, reuses the pass instead of running it again."""


def scan(store: CachingStore, match: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """(rowid, bm25) of every match, in rowid order; cached per connection while the store is unchanged
    (the same key as the columns of ``docmeta.py``), least recently used first out. The arrays are
    read-only: callers share them."""
    scans: OrderedDict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]] = state_slot(
        store, "scans", OrderedDict
    )
    found = scans.get(match)
    if found is not None:
        scans.move_to_end(match)
        return found
    cur = store.conn.cursor()
    cur.row_factory = None
    rows = cur.execute(
        f"SELECT rowid, {fts.bm25_sql()} FROM doc_fts WHERE doc_fts MATCH ?", (match,)
    ).fetchall()
    flat = np.fromiter(chain.from_iterable(rows), dtype=np.float64, count=2 * len(rows))
    rowids, bm25 = flat[0::2].astype(np.int64), flat[1::2].copy()
    rowids.flags.writeable = False
    bm25.flags.writeable = False
    scans[match] = (rowids, bm25)
    total = sum(len(r) for r, _ in scans.values())
    while total > SCAN_CACHE_ROWS and len(scans) > 1:
        _, (old, _) = scans.popitem(last=False)
        total -= len(old)
    return rowids, bm25

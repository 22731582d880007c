"""Stored fingerprints kept in memory by the connection that writes stories, while no one else writes.

Why: finding a new document's copies reads each candidate's fingerprint (a row of ``doc_fingerprints``, its
MinHash, figures and sentence keys decoded) and compares it. The candidates repeat: on the first 12,000
articles of the shared corpus 110,000 candidate reads named only 4,047 fingerprints, the same templated
reports and wire stories proposed again and again by their band and sentence keys. Kept here, each is read
from the database once.

When an entry could be wrong, it goes:

- the fingerprint is deleted or its publish time changes through this connection (``stories._Tables``
  evicts it);
- another connection commits (``PRAGMA data_version`` moves, checked before each use): anything may have
  changed, so everything goes;
- this connection's transaction rolls back (``SQLiteStore.transaction`` clears it): a row read inside the
  transaction may be gone, and its rowid may be given to another document.

Only the connection a :class:`~themeflow.store.sqlite.store.SQLiteStore` opens carries one
(:class:`StoreConnection`); a plain ``sqlite3`` connection reads every fingerprint as before.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the store opens its connection at start-up; fingerprints (numpy) load later
    from themeflow.store.story_rules import Fingerprinted

__all__ = ["FINGERPRINTS_KEPT", "FingerprintCache", "StoreConnection", "cache_of"]

FINGERPRINTS_KEPT = 8192
"""Fingerprints kept (about 1.5 kB each, ~12 MB); past it the least recently used go."""


class FingerprintCache:
    """Fingerprints by rowid (and their rowids by document id), least recently used first out."""

    def __init__(self, capacity: int = FINGERPRINTS_KEPT) -> None:
        self.capacity = capacity
        self._by_rowid: OrderedDict[int, Fingerprinted] = OrderedDict()
        self._rowid_of: dict[str, int] = {}
        self._data_version: int | None = None

    def __len__(self) -> int:
        return len(self._by_rowid)

    def check(self, conn: sqlite3.Connection) -> None:
        """Forget everything when another connection has committed since the last check."""
        version = int(conn.execute("PRAGMA data_version").fetchone()[0])
        if version != self._data_version:
            self.clear()
            self._data_version = version

    def at(self, rowid: int) -> Fingerprinted | None:
        found = self._by_rowid.get(rowid)
        if found is not None:
            self._by_rowid.move_to_end(rowid)
        return found

    def of(self, doc_id: str) -> Fingerprinted | None:
        rowid = self._rowid_of.get(doc_id)
        return None if rowid is None else self.at(rowid)

    def keep(self, found: Iterable[Fingerprinted]) -> None:
        for f in found:
            self.evict(f.rowid)
            self._by_rowid[f.rowid] = f
            self._rowid_of[f.doc_id] = f.rowid
        while len(self._by_rowid) > self.capacity:
            _, old = self._by_rowid.popitem(last=False)
            self._rowid_of.pop(old.doc_id, None)

    def evict(self, rowid: int | None = None, doc_id: str | None = None) -> None:
        """Forget the fingerprint at ``rowid`` and the one of ``doc_id``."""
        if doc_id is not None:
            rowid_of_doc = self._rowid_of.pop(doc_id, None)
            if rowid_of_doc is not None:
                self._by_rowid.pop(rowid_of_doc, None)
        if rowid is not None:
            old = self._by_rowid.pop(rowid, None)
            if old is not None:
                self._rowid_of.pop(old.doc_id, None)

    def clear(self) -> None:
        self._by_rowid.clear()
        self._rowid_of.clear()


class StoreConnection(sqlite3.Connection):
    """The store's connection, carrying its :class:`FingerprintCache`."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fingerprints = FingerprintCache()


def cache_of(conn: sqlite3.Connection) -> FingerprintCache | None:
    """The connection's cache, checked against other connections' commits; None for a plain connection."""
    cache = getattr(conn, "fingerprints", None)
    if isinstance(cache, FingerprintCache):
        cache.check(conn)
        return cache
    return None

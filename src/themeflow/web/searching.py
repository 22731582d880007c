"""The search both the page and ``/api/search`` run: one set of parameters, one call into the service.

Results are cached briefly (:class:`SearchCache`): analysts re-run the same theme queries all day, and a
page of results only changes when documents are written. A cached page is used only while the store's
:meth:`~themeflow.store.base.Store.write_fingerprint` is unchanged (on SQLite, two index look-ups), so an
ingest — by this process or another — is visible on the next request.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Query

from themeflow.model import SearchPage
from themeflow.service import Themeflow

Sort = Literal["time", "relevance"]
Fingerprint = tuple[object, ...]
QUERY_HINT = '词语（含同义词；空格=且）  +原样词 "精确短语"  A OR B  -排除  title:标题词  source:华尔街见闻  since:2025-11-01  until:2025-11-30'


@dataclass(frozen=True, slots=True)
class SearchParams:
    """What an analyst asked for; shared by the HTML page and the JSON API so they cannot drift."""

    q: str
    since: str
    until: str
    sources: tuple[str, ...]
    sort: Sort
    strict: bool = False

    def as_query(self) -> dict[str, object]:
        query: dict[str, object] = {
            "q": self.q,
            "since": self.since,
            "until": self.until,
            "source": list(self.sources),
            "sort": self.sort,
        }
        if self.strict:
            query["strict"] = "1"
        return query


async def search_params(
    q: Annotated[str, Query(max_length=2000, description="Query in the themeflow query language.")] = "",
    since: Annotated[str, Query(max_length=32, description="Published on or after (YYYY-MM-DD).")] = "",
    until: Annotated[str, Query(max_length=32, description="Published on or before (YYYY-MM-DD).")] = "",
    source: Annotated[list[str] | None, Query(description="Only these outlets (repeatable).")] = None,
    sort: Annotated[Sort, Query(description="time (newest first) or relevance.")] = "time",
    strict: Annotated[
        bool, Query(description="Bare terms as typed: no synonyms, every term required.")
    ] = False,
) -> SearchParams:
    """FastAPI dependency: the shared search parameters, stripped; empty source values ignored (async
    because it does no I/O, and a sync dependency would cost a thread hop per request)."""
    sources = tuple(s.strip() for s in (source or []) if s and s.strip())
    return SearchParams(
        q=q.strip(), since=since.strip(), until=until.strip(), sources=sources, sort=sort, strict=strict
    )


CacheKey = tuple[SearchParams, int, int]
"""The parameters, limit and offset of one search request."""


class SearchCache:
    """A small LRU of search pages keyed by the request and checked against the store's write fingerprint."""

    def __init__(self, size: int = 512, ttl: float = 60.0) -> None:
        self.size = size
        self.ttl = ttl
        self._pages: OrderedDict[CacheKey, tuple[float, Fingerprint, SearchPage]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def fingerprint(tf: Themeflow) -> Fingerprint:
        """What changes whenever a document is written (the store's own cheap answer)."""
        return tf.store.write_fingerprint()

    def get(self, key: CacheKey, fingerprint: Fingerprint) -> SearchPage | None:
        with self._lock:
            entry = self._pages.get(key)
            if entry is None:
                return None
            stamp, fp, page = entry
            if fp != fingerprint or time.monotonic() - stamp > self.ttl:
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key: CacheKey, fingerprint: Fingerprint, page: SearchPage) -> None:
        with self._lock:
            self._pages[key] = (time.monotonic(), fingerprint, page)
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


def run_search(
    tf: Themeflow, params: SearchParams, *, limit: int, offset: int, cache: SearchCache | None = None
) -> SearchPage:
    """Call the service, through ``cache`` when given."""
    if cache is not None:
        key = (params, limit, offset)
        fingerprint = cache.fingerprint(tf)
        page = cache.get(key, fingerprint)
        if page is None:
            page = run_search(tf, params, limit=limit, offset=offset)
            cache.put(key, fingerprint, page)
        return page
    return tf.search(
        params.q,
        since=params.since or None,
        until=params.until or None,
        sources=params.sources,
        sort=params.sort,
        limit=limit,
        offset=offset,
        strict=params.strict,
    )

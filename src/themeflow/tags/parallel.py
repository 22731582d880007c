"""Concepts tagged from scratch in worker processes, each worker reading the store on its own connection.

Why: tagging a concept from scratch reads every document its searches match and weighs how central the
concept is to each (``tagger.search_tags``); after a new store's first ingest that is every concept of the
vocabulary, a fifth of the ingest at 18k documents, all of it in one process while the other cores idle.
Concepts are independent and tagging only reads, so each worker opens the store read-only (SQLite lets
readers run beside the writer) and tags whole concepts; the tags come back here, where they are written one
concept per transaction, as without workers. Only a SQLite file store of at least :data:`MIN_DOCUMENTS`
documents is tagged this way: below that, starting workers costs more than it saves.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime, tzinfo
from itertools import repeat
from typing import Any

from themeflow.dates import as_datetime
from themeflow.model import DocumentTag, SearchPage
from themeflow.processes import die_with_parent, worker_context
from themeflow.search.request import SearchRequest
from themeflow.store.base import Store
from themeflow.tags.tagger import FoldedTexts, Retagger, search_tags
from themeflow.tags.vocabulary import TagConcept

__all__ = ["MIN_DOCUMENTS", "parallel_retagger"]

MIN_DOCUMENTS = 5_000
"""Documents from which concepts are tagged in worker processes (the sample corpus and a feed's first run
stay in one process: forking costs ~20 ms a worker, a fork server ~0.5 s)."""


def parallel_retagger(location: str, tz: tzinfo, workers: int) -> Retagger:
    """A :data:`~themeflow.tags.tagger.Retagger` that tags concepts in up to ``workers`` processes, each
    with the SQLite store at ``location`` open read-only; searches read dates in ``tz`` as the service's do."""

    def retag(concepts: Sequence[TagConcept], started: float) -> Iterator[tuple[str, list[DocumentTag]]]:
        with concurrent.futures.ProcessPoolExecutor(
            max_workers=max(1, min(workers, len(concepts))),
            mp_context=worker_context([__name__]),
            initializer=_start,
            initargs=(location, tz),
        ) as pool:
            # in order, so the tags are written in the order one process would write them
            yield from pool.map(_tag, concepts, repeat(started))

    return retag


_worker: dict[str, Any] = {}
"""A worker's store, time zone and folded texts (kept across the concepts it tags)."""


def _start(location: str, tz: tzinfo) -> None:
    from themeflow.store import open_store

    die_with_parent()
    _worker.update(store=open_store(location, read_only=True), tz=tz, folded=FoldedTexts())


def _tag(concept: TagConcept, started: float) -> tuple[str, list[DocumentTag]]:
    store: Store = _worker["store"]
    return concept.name, search_tags(
        _search, concept, None, started, folded=_worker["folded"], bodies=store.get_documents
    )


def _search(
    query: str,
    *,
    since: datetime | None = None,
    sources: Sequence[str] = (),
    sort: Any = "relevance",
    limit: int = 20,
    offset: int = 0,
    collapse: bool = True,
    within: Collection[str] | None = None,
    snippets: bool = True,
    paragraphs: bool = True,
) -> SearchPage:
    """The service's search (``Themeflow.search``) as ``search_tags`` calls it."""
    store: Store = _worker["store"]
    return store.search(
        SearchRequest(
            query=query,
            since=as_datetime(since, _worker["tz"], end=False, flag="--since"),
            sources=tuple(sources),
            sort=sort,
            limit=limit,
            offset=offset,
            collapse=collapse,
            tz=_worker["tz"],
            within=frozenset(within) if within is not None else None,
            snippets=snippets,
            paragraphs=paragraphs,
        )
    )

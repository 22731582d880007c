"""The PostgreSQL search keeps what it derives from a store (columns, full-text passes) per store and
thread, renewed after any write: a store opened after another was closed never sees the other's state, even
where both databases have made the same number of writes."""

from __future__ import annotations

import gc
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from themeflow.model import Document
from themeflow.search.request import SearchRequest
from themeflow.store import open_store


@pytest.fixture()
def two_databases(pg_admin: str) -> Iterator[tuple[str, str]]:
    names = [f"tf_test_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    with psycopg.connect(pg_admin, autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    base = pg_admin.rsplit("/", 1)[0]
    yield f"{base}/{names[0]}", f"{base}/{names[1]}"
    with psycopg.connect(pg_admin, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def _fill(url: str, outlet: str, n: int) -> None:
    store = open_store(url)
    try:
        store.upsert_documents(
            [
                Document(
                    id=f"{outlet}{k}", title=f"稀土出口第{k}批", paragraphs=(f"稀土出口{k}。",), source=outlet
                )
                for k in range(n)
            ]
        )
    finally:
        store.close()


def test_a_new_store_never_reads_a_closed_ones_state(two_databases: tuple[str, str]) -> None:
    first, second = two_databases
    _fill(first, "甲报", 3)
    _fill(second, "乙报", 3)  # the same number of writes: the write counters are equal
    for _ in range(5):  # object ids are reused after a store is freed; each round opens one afresh
        for url, outlet in ((first, "甲报"), (second, "乙报")):
            store = open_store(url)
            try:
                page = store.search(SearchRequest(query="稀土", limit=10, collapse=False))
                assert page.per_source == {outlet: 3}
                assert {h.document.source for h in page.hits} == {outlet}
            finally:
                store.close()
            del store
            gc.collect()


def test_writing_while_iterating_the_documents(pg_url: str) -> None:
    """A loop over ``iter_documents`` that writes (a summary per document) works as on SQLite: the write
    commits on a connection of its own and the read goes on."""
    from themeflow.service import Themeflow

    _fill(pg_url, "甲报", 5)
    with Themeflow.open(pg_url) as tf:
        for doc in tf.store.iter_documents():
            tf.summarize(doc)
        assert tf.stats().summaries == 5


def test_connections_dropped_by_the_server_are_replaced(pg_url: str, pg_admin: str) -> None:
    """After the server ends every session (a restart, a failover, an idle timeout), the store's next
    requests get fresh connections instead of errors."""
    _fill(pg_url, "甲报", 2)
    store = open_store(pg_url)
    try:
        assert store.count_documents() == 2
        name = pg_url.rsplit("/", 1)[1]
        with psycopg.connect(pg_admin, autocommit=True) as conn:
            ended = conn.execute(
                "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()) t",
                (name,),
            ).fetchone()
        assert ended and ended[0] >= 1
        for _ in range(3):
            assert store.count_documents() == 2
            assert store.search(SearchRequest(query="稀土", limit=5, collapse=False)).total == 2
    finally:
        store.close()

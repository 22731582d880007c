"""The single-pass search plan (FTS5 rowid+bm25, then cached numpy columns) against the SQL plan it replaces.

Both must give the same total, the same per-source counts and the same page, scores included; and the
cached columns must follow writes made on the same connection, another thread's, or another process's.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from themeflow.model import Document
from themeflow.search import sqlite_backend as backend
from themeflow.search.query import compile_match, parse_query
from themeflow.search.request import SearchRequest
from themeflow.store.sqlite import SQLiteStore

BJ = timezone(timedelta(hours=8))
SOURCES = ("华尔街见闻", "东方财富网", "财联社", None)
TOPICS = ("美联储降息预期升温", "资本开支与算力需求", "光伏产能出清", "南下资金流入港股通", "英伟达芯片出口")


def _docs(n: int) -> list[Document]:
    out = []
    for k in range(n):
        a, b = TOPICS[k % len(TOPICS)], TOPICS[(k * 3 + 1) % len(TOPICS)]
        out.append(
            Document(
                id=f"d{k}",
                title=a if k % 4 else f"{a}，{b}",
                paragraphs=(f"第{k}篇。{b}。", f"{a}，市场关注{b}。" * (1 + k % 3)),
                source=SOURCES[k % len(SOURCES)],
                # Every seventh document shares a time with its neighbour (ties), every ninth has none.
                published_at=None if k % 9 == 0 else datetime(2025, 1 + k % 12, 1 + (k // 7) % 27, tzinfo=BJ),
            )
        )
    return out


@pytest.fixture()
def store(tmp_path: Path) -> SQLiteStore:
    s = SQLiteStore(tmp_path / "fast.db")
    s.upsert_documents(_docs(120))
    yield s  # type: ignore[misc]
    s.close()


def _sql_plan(store: SQLiteStore, req: SearchRequest) -> tuple[int, dict[str, int], list[tuple[str, float]]]:
    q = parse_query(req.query)
    where, params = backend._filters(store.conn, q, req)
    assert where is not None
    frm = "doc_fts JOIN documents d ON d.rowid = doc_fts.rowid"
    sql_where = " AND ".join(["doc_fts MATCH ?", *where])
    params = [compile_match(q), *params]
    counts = backend._counts(store.conn, frm, sql_where, params)
    page = backend._page(store.conn, frm, sql_where, params, req, req.sort == "relevance", scored=True)
    return sum(counts.values()), counts, [(r.id, r.score) for r in page]


def _fast_plan(store: SQLiteStore, req: SearchRequest) -> tuple[int, dict[str, int], list[tuple[str, float]]]:
    q = parse_query(req.query)
    match = compile_match(q)
    assert match is not None
    page, total, counts = backend._single_pass(store, match, q, req, req.sort == "relevance")
    return total, counts, [(r.id, r.score) for r in page]


@pytest.mark.parametrize(
    "query", ["降息", "资本开支 算力", "美联储 OR 光伏", "港股通 -英伟达", '"产能出清"', "title:芯片"]
)
@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"sort": "time"},
        {"offset": 5, "limit": 7},
        {"sort": "time", "offset": 30, "limit": 50},
        {"since": datetime(2025, 6, 1), "until": datetime(2025, 9, 30)},
        {"sources": ("东方财富",), "sort": "time"},
        {"limit": 0},
        {"offset": 500},
    ],
)
def test_single_pass_equals_the_sql_plan(store: SQLiteStore, query: str, extra: dict[str, object]) -> None:
    req = SearchRequest(query=query, **extra)  # type: ignore[arg-type]
    assert _fast_plan(store, req) == _sql_plan(store, req)


def _no_fold(query: str, **kw: object) -> SearchRequest:
    """collapse=False: the fixture's look-alike documents form stories, which take the folding plan."""
    return SearchRequest(query=query, collapse=False, **kw)  # type: ignore[arg-type]


def test_columns_follow_writes_on_the_same_connection(store: SQLiteStore) -> None:
    first = store.search(_no_fold("稀土"))
    assert first.total == 0
    store.upsert_documents(
        [Document(id="new", title="稀土出口管制", paragraphs=("稀土。",), source="新来源")]
    )
    page = store.search(_no_fold("稀土"))
    assert [h.document.id for h in page.hits] == ["new"]
    assert page.per_source == {"新来源": 1}


def test_columns_follow_metadata_updates(store: SQLiteStore) -> None:
    doc = Document(id="late", title="稀土出口管制", paragraphs=("稀土。",))
    store.upsert_documents([doc])
    assert store.search(_no_fold("稀土")).per_source == {"(unknown)": 1}
    when = datetime(2025, 12, 1, tzinfo=BJ)
    store.upsert_documents([replace(doc, source="财联社", published_at=when, time_origin="document")])
    page = store.search(_no_fold("稀土", since=datetime(2025, 11, 30)))
    assert page.per_source == {"财联社": 1}


def test_columns_follow_writes_from_other_connections(tmp_path: Path, store: SQLiteStore) -> None:
    assert store.search(_no_fold("稀土")).total == 0
    other = SQLiteStore(store.path)  # another process, as far as SQLite can tell
    other.upsert_documents([Document(id="x1", title="稀土", paragraphs=("稀土。",), source="财联社")])
    other.close()
    assert store.search(_no_fold("稀土")).total == 1

    def write() -> None:
        store.upsert_documents([Document(id="x2", title="稀土", paragraphs=("稀土。",), source="财联社")])

    t = threading.Thread(target=write)  # another thread writes on its own connection
    t.start()
    t.join()
    assert store.search(_no_fold("稀土")).per_source == {"财联社": 2}

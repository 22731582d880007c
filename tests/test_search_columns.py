"""The per-document columns the search path keeps in memory (``store/sqlite/docmeta.py``), read from a real
SQLite file: streamed in chunks, they must equal what reading every row at once gives."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from themeflow.model import Document
from themeflow.store.columns import StoryCols
from themeflow.store.sqlite import SQLiteStore, docmeta

SH = ZoneInfo("Asia/Shanghai")
BODY = (
    "英伟达拟为OpenAI数据中心提供2500亿美元担保，AI基建绑定进入新阶段。",
    "据知情人士透露，担保将覆盖未来五年的算力采购合同，涉及多个超大规模数据中心项目。",
    "分析师认为，此举将进一步巩固英伟达在AI芯片市场的主导地位，同时也引发了市场对风险集中的担忧。",
)


def _doc(k: int, story: int) -> Document:
    """Story ``story``'s copy ``k`` (its paragraphs and title those of the story, so copies join it)."""
    return Document(
        id=f"d{k:04d}",
        title=f"第{story}号报道：英伟达为OpenAI数据中心提供担保",
        paragraphs=tuple(f"{p}（第{story}号）" for p in BODY)
        + (f"第{story}号报道的独有段落，编号{story * 7919}。",),
        source=("华尔街见闻", "财联社", None)[k % 3],
        published_at=datetime(2026, 7, 1, tzinfo=SH) + timedelta(hours=k) if k % 5 else None,
    )


@pytest.fixture()
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SQLiteStore:
    monkeypatch.setattr(docmeta, "MEMBER_CHUNK", 3)  # several chunks even on a small store
    st = SQLiteStore(tmp_path / "cols.db")
    st.upsert_documents([_doc(k, story=k % 4 if k < 24 else 100 + k) for k in range(30)])
    return st


def test_story_columns_stream_to_what_one_read_gives(store: SQLiteStore) -> None:
    conn = store.conn
    top = conn.execute("SELECT max(rowid) FROM documents").fetchone()[0]
    rows = conn.execute(
        "SELECT d.rowid, m.story_id, s.canonical_id = m.doc_id FROM stories s JOIN story_members m"
        " ON m.story_id = s.id JOIN documents d ON d.id = m.doc_id WHERE s.size > 1"
    ).fetchall()
    assert len({r[1] for r in rows}) == 4, "the four re-posted stories are multi-copy"
    expected = StoryCols.build(top, [(int(r[0]), r[1], bool(r[2])) for r in rows])
    got = docmeta.load_story_cols(conn)
    assert got.n_stories == expected.n_stories == 4
    assert np.array_equal(got.story, expected.story) and np.array_equal(got.canonical, expected.canonical)
    assert int(got.canonical.sum()) == 4  # one canonical copy per story
    store.close()


def test_publish_times_stream_into_their_column(store: SQLiteStore) -> None:
    conn = store.conn
    meta = docmeta.load_doc_meta(conn)
    for rowid, ts in conn.execute("SELECT rowid, published_ts FROM documents"):
        assert (np.isnan(meta.ts[rowid]) and ts is None) or meta.ts[rowid] == ts
    store.close()

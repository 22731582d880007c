"""Stories in the PostgreSQL store are the embedded store's stories: the same documents, ingested into an
SQLite store and a PostgreSQL store, give the same stories (ids, canonical copies, sizes, members,
similarities, publish spans) and the same answers from ``story_of``, ``stories_for`` and ``list_stories``
— copies, retitled and wrapped copies, excerpts, rewrites and templates that stay apart, re-ingest of a
changed document, a bridge leaving, and an earlier publish time moving the canonical copy."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.test_dedup_containment import NAV, RELATED, TITLE
from tests.test_dedup_store import corpus as store_corpus
from tests.test_dedup_synthetic import BANK, CHIP, CST, doc, strip_punct, with_boilerplate
from themeflow.model import Document
from themeflow.store import story_rules as rules
from themeflow.store.postgres import stories as pg_stories
from themeflow.store.postgres.store import PostgresStore
from themeflow.store.sqlite import stories as sqlite_stories
from themeflow.store.sqlite.store import SQLiteStore

Snapshot = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]

STORY_SQL = "SELECT id, canonical_id, size, first_published, last_published FROM stories ORDER BY id"
MEMBER_SQL = "SELECT doc_id, story_id, similarity FROM story_members ORDER BY doc_id"


def corpus() -> list[Document]:
    """The embedded store's story corpus and its containment cases: re-hosts (traditional script, stripped
    punctuation, boilerplate), a rewrite and daily templates that stay apart, an excerpt, a copy wrapped in
    another site's furniture under a new headline, and re-hosts whose titles ingest derived."""
    derived = {"title_origin": "derived from the first sentence"}
    lead = "本报讯 据多家机构人士透露的最新情况显示"
    return [
        *store_corpus(),
        doc("full", (*BANK, *CHIP), title=TITLE, source="甲网", hour=13),
        doc("excerpt", (*BANK, *CHIP[:4]), title=TITLE, source="乙网", hour=14),
        doc(
            "wrapped", NAV + BANK + CHIP + RELATED, title="合肥新建十二英寸产线 车规功率器件产能扩张", hour=15
        ),
        Document(id="derived-a", title=CHIP[0][:30], paragraphs=CHIP[:5], meta=derived),
        Document(
            id="derived-b",
            title=lead,
            paragraphs=(lead, "".join(strip_punct(CHIP[:5]))),
            meta=derived,
            published_at=datetime(2025, 8, 6, 9, tzinfo=CST),
        ),
        doc("empty", (), title="只有标题", source="甲财经", hour=9),
    ]


@pytest.fixture
def stores(tmp_path: Path, pg_url: str) -> Iterator[tuple[SQLiteStore, PostgresStore]]:
    lite, pg = SQLiteStore(tmp_path / "s.db"), PostgresStore(pg_url)
    yield lite, pg
    lite.close()
    pg.close()


def snapshot_lite(store: SQLiteStore) -> Snapshot:
    return (
        [tuple(r) for r in store.conn.execute(STORY_SQL)],
        [tuple(r) for r in store.conn.execute(MEMBER_SQL)],
    )


def snapshot_pg(store: PostgresStore) -> Snapshot:
    with store.db.read() as conn:
        return (
            [tuple(r) for r in conn.execute(STORY_SQL)],
            [tuple(r) for r in conn.execute(MEMBER_SQL)],
        )


def assert_same_stories(lite: SQLiteStore, pg: PostgresStore, ids: Sequence[str]) -> None:
    """Identical story rows and memberships (similarities within 1e-9), and identical reads."""
    (lite_stories, lite_members), (pg_stories_, pg_members) = snapshot_lite(lite), snapshot_pg(pg)
    assert pg_stories_ == lite_stories
    assert [m[:2] for m in pg_members] == [m[:2] for m in lite_members]
    for a, b in zip(pg_members, lite_members, strict=True):
        assert abs(a[2] - b[2]) <= 1e-9, (a, b)
    wanted = [*ids, "missing"]
    assert pg.stories_for(wanted) == lite.stories_for(wanted)
    for doc_id in wanted:
        assert pg.story_of(doc_id) == lite.story_of(doc_id)
    since = datetime(2025, 8, 5, 13, tzinfo=CST)
    for kwargs in ({}, {"min_size": 1, "limit": 100}, {"since": since}, {"min_size": 1, "limit": 3}):
        assert pg.list_stories(**kwargs) == lite.list_stories(**kwargs), kwargs  # type: ignore[arg-type]


def ingest_both(lite: SQLiteStore, pg: PostgresStore, docs: Sequence[Document]) -> None:
    assert pg.upsert_documents(docs) == lite.upsert_documents(docs)


def test_the_same_documents_form_the_same_stories(stores: tuple[SQLiteStore, PostgresStore]) -> None:
    lite, pg = stores
    docs = corpus()
    ingest_both(lite, pg, docs)
    assert_same_stories(lite, pg, [d.id for d in docs])
    chip = pg.story_of("chip-bp")
    assert chip is not None and chip.canonical_id == "chip-orig"
    members = {chip.canonical_id, *(c.id for c in chip.copies)}
    assert members >= {"chip-trad", "chip-nop", "excerpt", "wrapped", "derived-b"}
    assert "chip-rw" not in members and pg.story_of("chip-rw").size == 1  # type: ignore[union-attr]
    ingest_both(lite, pg, docs)  # idempotent: nothing moves
    assert_same_stories(lite, pg, [d.id for d in docs])


def test_arrival_order_changes_nothing(stores: tuple[SQLiteStore, PostgresStore]) -> None:
    lite, pg = stores
    docs = corpus()
    lite.upsert_documents(docs)
    for d in reversed(docs):  # one at a time, newest first: every join and bridge on the way
        pg.upsert_documents([d])
    assert_same_stories(lite, pg, [d.id for d in docs])


def test_a_changed_document_moves_and_its_bridge_leaving_splits_the_story(
    stores: tuple[SQLiteStore, PostgresStore],
) -> None:
    lite, pg = stores
    left, right, bridge = CHIP + BANK[:1], CHIP[4:] + BANK, CHIP + BANK
    docs = [
        doc("left", left, hour=9),
        doc("right", right, hour=10),
        doc("a", CHIP, hour=11),
        doc("b", with_boilerplate(CHIP), hour=12),
        doc("c", BANK, hour=13),
    ]
    ingest_both(lite, pg, docs)
    ingest_both(lite, pg, [doc("bridge", bridge, hour=8)])
    assert len({s.id for s in pg.stories_for(["left", "right", "bridge"]).values()}) == 1
    assert_same_stories(lite, pg, [*(d.id for d in docs), "bridge"])
    ingest_both(
        lite,
        pg,
        [doc("b", with_boilerplate(BANK), hour=12), doc("bridge", ("另一篇完全无关的短讯。",), hour=8)],
    )
    assert pg.story_of("b") == pg.story_of("c") != pg.story_of("a")
    assert pg.story_of("left") != pg.story_of("right")
    assert_same_stories(lite, pg, [*(d.id for d in docs), "bridge"])


def test_an_earlier_publish_time_moves_the_canonical_copy(stores: tuple[SQLiteStore, PostgresStore]) -> None:
    lite, pg = stores
    late = doc("late", with_boilerplate(CHIP), source="乙日报", hour=23)
    ingest_both(lite, pg, [doc("first", CHIP, source="甲财经", hour=9), late])
    before = pg.story_of("late")
    assert before is not None and before.canonical_id == "first"
    # The same text again with a publish time read from the document itself: earlier than the other copy.
    earlier = replace(late, published_at=datetime(2025, 8, 5, 7, tzinfo=CST), time_origin="document")
    ingest_both(lite, pg, [earlier])
    after = pg.story_of("first")
    assert after is not None and after.canonical_id == "late" and after.id != before.id
    assert_same_stories(lite, pg, ["first", "late"])


def test_removing_a_document_and_the_stock_sentence_cap_match(
    stores: tuple[SQLiteStore, PostgresStore],
) -> None:
    lite, pg = stores
    stock = (
        "该股最近五个交易日的资金流向一览见下表，公司所属行业为环保工程及服务。",
        "以上内容由本站根据公开信息整理，由智能算法生成，请投资者注意风险。",
        "数据显示，该股近一年来多次出现主力资金净流入的情况，市场关注度较高。",
        "本文不构成任何投资建议，市场有风险，投资需谨慎，请以公司公告为准。",
    )
    docs = [
        doc(f"d{n}", (f"第{n}号公司今日公告了第{n}项完全不同的事项内容说明。", *stock), hour=n % 24)
        for n in range(rules.MAX_SENTENCE_HOLDERS + 2)
    ]
    ingest_both(lite, pg, [*docs, doc("full", CHIP, hour=9), doc("excerpt", CHIP[:4], hour=10)])
    keys = rules.fingerprint_document(docs[0], None).sentences.tolist()
    with pg.db.read() as conn:
        rowids = dict(conn.execute("SELECT rowid, doc_id FROM doc_fingerprints").fetchall())
        found = rules.sentence_candidates(pg_stories._Tables(conn), keys, -1)
    lite_rowids = dict(lite.conn.execute("SELECT rowid, doc_id FROM doc_fingerprints").fetchall())
    assert found == set()  # held by too many documents: a stock phrase proposes nothing
    assert {rowids[r] for r in found} == {
        lite_rowids[r] for r in sqlite_stories._sentence_candidates(lite.conn, keys, -1)
    }
    chip_keys = rules.fingerprint_document(doc("x", CHIP), None).sentences.tolist()
    with pg.db.read() as conn:
        got = {rowids[r] for r in rules.sentence_candidates(pg_stories._Tables(conn), chip_keys, -1)}
    assert got == {"full", "excerpt"}
    assert got == {lite_rowids[r] for r in sqlite_stories._sentence_candidates(lite.conn, chip_keys, -1)}

    with pg.db.write() as conn:
        pg_stories.remove_document(conn, "excerpt")
    sqlite_stories.remove_document(lite.conn, "excerpt")
    assert pg.story_of("excerpt") is None and pg.story_of("full").size == 1  # type: ignore[union-attr]
    assert_same_stories(lite, pg, [d.id for d in docs] + ["full", "excerpt"])
    with pg.db.read() as conn:
        assert conn.execute(
            "SELECT count(*) FROM sentence_keys WHERE fp = ANY(%s)", (list(rowids),)
        ).fetchone() == (lite.conn.execute("SELECT count(*) FROM sentence_keys").fetchone()[0],)


def test_story_columns_list_every_member_of_a_multi_copy_story(
    stores: tuple[SQLiteStore, PostgresStore],
) -> None:
    lite, pg = stores
    with pg.db.read() as conn:
        assert pg_stories.story_columns(conn) == [] and not pg_stories.has_multi_copy_stories(conn)
    ingest_both(lite, pg, [doc("alone", BANK), doc("rw", CHIP[:1] + BANK[1:2], hour=10)])
    with pg.db.read() as conn:
        assert not pg_stories.has_multi_copy_stories(conn)
    ingest_both(lite, pg, corpus())
    with pg.db.read() as conn:
        assert pg_stories.has_multi_copy_stories(conn)
        names = dict(conn.execute("SELECT rowid, id FROM documents").fetchall())
        got = {names[rowid]: (story, canonical) for rowid, story, canonical in pg_stories.story_columns(conn)}
    expected = {
        doc_id: (story_id, doc_id == canonical_id)
        for doc_id, story_id, canonical_id in lite.conn.execute(
            "SELECT m.doc_id, s.id, s.canonical_id FROM stories s JOIN story_members m ON m.story_id = s.id"
            " WHERE s.size > 1"
        )
    }
    assert got == expected and len(got) >= 8
    assert sum(canonical for _, canonical in got.values()) == len({story for story, _ in got.values()})


def test_crowded_band_keys_propose_the_same_newest_holders(
    stores: tuple[SQLiteStore, PostgresStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    lite, pg = stores
    monkeypatch.setattr(rules, "MAX_BAND_HOLDERS", 3)
    copies = [doc(f"c{k:02d}", with_boilerplate(CHIP) if k % 2 else CHIP, hour=k % 20) for k in range(10)]
    ingest_both(lite, pg, [*copies, doc("bank", BANK, hour=3)])
    fp = rules.fingerprint_document(doc("late", CHIP), None)
    assert fp.signature is not None
    bands = rules.dedup.band_keys(fp.signature, rules.CONFIG)
    lite_names = dict(lite.conn.execute("SELECT rowid, doc_id FROM doc_fingerprints").fetchall())
    with pg.db.read() as conn:
        pg_names = dict(conn.execute("SELECT rowid, doc_id FROM doc_fingerprints").fetchall())
        pg_held = {pg_names[r] for r in pg_stories._Tables(conn).band_holders(bands, 3)}
    lite_held = {lite_names[r] for r in sqlite_stories._Tables(lite.conn).band_holders(bands, 3)}
    assert pg_held == lite_held and 0 < len(lite_held) < len(copies)
    ingest_both(lite, pg, [doc("late", CHIP, hour=23)])
    assert_same_stories(lite, pg, [d.id for d in copies] + ["bank", "late"])

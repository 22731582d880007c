"""Stories kept incrementally in SQLite: joins, bridges, splits, idempotence, order independence."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from tests.test_dedup_synthetic import (
    BANK,
    CHIP,
    CHIP_REWRITE,
    doc,
    drop_paragraph,
    strip_punct,
    template,
    traditional,
    with_boilerplate,
)
from themeflow import dedup
from themeflow.model import Document
from themeflow.store.sqlite import stories as st

DOCUMENTS_DDL = """
CREATE TABLE IF NOT EXISTS documents (
    id TEXT UNIQUE, title TEXT, source TEXT, published_at TEXT, url TEXT
);
"""
"""The columns the store's documents table is known to have; the lead's store owns the real one."""


def open_db(path: Path | str = ":memory:") -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(DOCUMENTS_DDL)
    st.install(conn)
    return conn


def ingest(conn: sqlite3.Connection, docs: Iterable[Document]) -> dict[str, str]:
    """What the store does per document: write it and assign its story in one transaction."""
    out = {}
    for d in docs:
        conn.execute("BEGIN")
        conn.execute(
            "INSERT OR REPLACE INTO documents(id, title, source, published_at, url) VALUES (?, ?, ?, ?, ?)",
            (d.id, d.title, d.source, d.published_at.isoformat() if d.published_at else None, d.url),
        )
        out[d.id] = st.assign_story(conn, d)
        conn.execute("COMMIT")
    return out


def partition(conn: sqlite3.Connection) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for doc_id, story_id in conn.execute("SELECT doc_id, story_id FROM story_members"):
        groups.setdefault(story_id, set()).add(doc_id)
    return {frozenset(g) for g in groups.values()}


def snapshot(conn: sqlite3.Connection) -> tuple[object, ...]:
    """Everything about the stories that must not depend on arrival order (timestamps excluded)."""
    stories = conn.execute(
        "SELECT id, canonical_id, size, first_published, last_published FROM stories ORDER BY id"
    ).fetchall()
    members = conn.execute(
        "SELECT doc_id, story_id, similarity FROM story_members ORDER BY doc_id"
    ).fetchall()
    return tuple(stories), tuple(members)


@pytest.fixture
def conn() -> Iterator[sqlite3.Connection]:
    c = open_db()
    yield c
    c.close()


def corpus() -> list[Document]:
    return [
        doc("chip-orig", CHIP, title="星河半导体拟投资120亿元建晶圆厂", source="甲财经", hour=9),
        doc(
            "chip-trad", traditional(CHIP), title="星河半導體擬投資120億元建晶圓廠", source="乙日报", hour=11
        ),
        doc("chip-bp", with_boilerplate(CHIP), title="", source="丙门户", hour=12),
        doc(
            "chip-nop",
            strip_punct(drop_paragraph(CHIP, 4)),
            title="星河半导体拟投资120亿元建晶圆厂",
            source="丁网",
            hour=10,
        ),
        doc("chip-rw", CHIP_REWRITE, title="星河半导体120亿元晶圆厂落地合肥", source="戊报", hour=10),
        doc("bank", BANK, title="七月金融数据出炉", source="甲财经", hour=16),
        doc("bank-copy", with_boilerplate(BANK)[1:], title="七月金融数据出炉", source="乙日报", hour=None),
        doc("tpl-7", template(7, 1), title="东岳环保8月7日主力资金净流入", day=7),
        doc("tpl-8", template(8, 5), title="东岳环保8月8日主力资金净流出", day=8),
    ]


def test_copies_fold_into_one_story_rewrites_and_templates_stay_apart(conn: sqlite3.Connection) -> None:
    ids = ingest(conn, corpus())
    assert partition(conn) == {
        frozenset({"chip-orig", "chip-trad", "chip-bp", "chip-nop"}),
        frozenset({"chip-rw"}),
        frozenset({"bank", "bank-copy"}),
        frozenset({"tpl-7"}),
        frozenset({"tpl-8"}),
    }
    assert ids["chip-trad"] == ids["chip-orig"] == dedup.story_id_for("chip-orig")
    story = st.story_of(conn, "chip-bp")
    assert story is not None and story.canonical_id == "chip-orig" and story.size == 4
    assert [c.id for c in story.copies] == ["chip-nop", "chip-trad", "chip-bp"]  # publish order
    assert story.copies[1].source == "乙日报" and story.copies[1].published_at is not None


def test_canonical_is_earliest_then_longest_then_smallest_id(conn: sqlite3.Connection) -> None:
    ingest(conn, [doc("b-long", with_boilerplate(CHIP), hour=9), doc("a-short", CHIP, hour=9)])
    assert st.story_of(conn, "a-short").canonical_id == "b-long"  # type: ignore[union-attr]
    ingest(conn, [doc("c-early", drop_paragraph(CHIP, 2), hour=8)])
    story = st.story_of(conn, "a-short")
    assert story is not None and story.canonical_id == "c-early" and story.id == dedup.story_id_for("c-early")
    ingest(conn, [doc("0-tie", CHIP, hour=9), doc("1-tie", CHIP, hour=9)])
    assert {c.id for c in st.story_of(conn, "1-tie").copies} >= {"0-tie", "a-short"}  # type: ignore[union-attr]
    # an unknown publish time never wins
    conn2 = open_db()
    ingest(conn2, [doc("x-unknown", with_boilerplate(CHIP), hour=None), doc("y-known", CHIP, hour=23)])
    assert st.story_of(conn2, "x-unknown").canonical_id == "y-known"  # type: ignore[union-attr]


def test_assign_is_idempotent(conn: sqlite3.Connection) -> None:
    first = ingest(conn, corpus())
    before = snapshot(conn)
    again = ingest(conn, corpus())
    assert again == first
    assert snapshot(conn) == before
    assert conn.execute("SELECT count(*) FROM doc_fingerprints").fetchone()[0] == len(corpus())


@pytest.mark.parametrize("split", [3, 5])
def test_two_halves_in_either_order_give_the_same_stories(split: int) -> None:
    docs = corpus()
    reference = open_db()
    ingest(reference, docs)
    for order in (docs[:split] + docs[split:], docs[split:] + docs[:split], list(reversed(docs))):
        other = open_db()
        ingest(other, order)
        assert snapshot(other) == snapshot(reference)


def test_a_bridging_document_merges_stories_and_its_removal_splits_them(conn: sqlite3.Connection) -> None:
    # left and right are each an excerpt of the bridge but not copies of each other (3 shared sentences).
    bridge = CHIP + BANK
    left = CHIP + BANK[:1]
    right = CHIP[4:] + BANK
    ingest(conn, [doc("left", left, hour=9), doc("right", right, hour=10)])
    fl, fr, fb = (dedup.fingerprint(p) for p in (left, right, bridge))
    assert not dedup.linked(fl, fr) and dedup.linked(fl, fb) and dedup.linked(fr, fb)
    assert len(partition(conn)) == 2
    ingest(conn, [doc("bridge", bridge, hour=11)])
    assert partition(conn) == {frozenset({"left", "right", "bridge"})}
    st.remove_document(conn, "bridge")
    assert partition(conn) == {frozenset({"left"}), frozenset({"right"})}
    assert st.story_of(conn, "bridge") is None
    assert conn.execute("SELECT count(*) FROM lsh_bands").fetchone()[0] == 2 * dedup.DEFAULT_CONFIG.bands


def test_changed_content_moves_the_document(conn: sqlite3.Connection) -> None:
    ingest(conn, [doc("a", CHIP), doc("b", with_boilerplate(CHIP)), doc("c", BANK)])
    assert st.story_of(conn, "b").size == 2  # type: ignore[union-attr]
    ingest(conn, [doc("b", with_boilerplate(BANK))])
    assert partition(conn) == {frozenset({"a"}), frozenset({"b", "c"})}
    keys = conn.execute("SELECT count(*) FROM lsh_bands").fetchone()[0]
    assert keys == 3 * dedup.DEFAULT_CONFIG.bands  # the old bands were replaced, not added to


def test_stories_for_and_list_stories(conn: sqlite3.Connection) -> None:
    ingest(conn, corpus())
    got = st.stories_for(conn, ["chip-orig", "chip-rw", "bank-copy", "missing"])
    assert set(got) == {"chip-orig", "chip-rw", "bank-copy"}
    assert got["chip-rw"].size == 1
    assert got["bank-copy"].canonical_id == "bank"  # the copy without a publish time is not canonical
    multi = st.list_stories(conn)
    assert [s.canonical_id for s in multi] == ["bank", "chip-orig"]  # latest activity first
    assert st.list_stories(conn, min_size=1, limit=100).__len__() == 5
    from datetime import datetime

    from tests.test_dedup_synthetic import CST

    assert [s.canonical_id for s in st.list_stories(conn, since=datetime(2025, 8, 5, 13, tzinfo=CST))] == [
        "bank"
    ]


def test_install_is_idempotent_and_records_the_config_version() -> None:
    c = sqlite3.connect(":memory:")
    st.install(c)
    st.install(c)
    assert (
        c.execute("SELECT value FROM dedup_meta WHERE key = 'config'").fetchone()[0]
        == dedup.DEFAULT_CONFIG.version
    )


def test_file_database_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    c = open_db(path)
    ingest(c, corpus()[:4])
    c.close()
    c = open_db(path)
    ids = ingest(c, corpus()[4:])
    assert st.story_of(c, "chip-nop").size == 4  # type: ignore[union-attr]
    assert ids["bank-copy"] == dedup.story_id_for("bank")


def test_a_document_alone_founds_the_story_a_refresh_would_leave(conn: sqlite3.Connection) -> None:
    """A document with no copy writes its story directly (no read-back refresh); the rows are exactly
    what the refresh computes, dated or not, empty body or not."""
    docs = [
        doc("bank", BANK, title="七月金融数据出炉", source="甲财经", hour=16),
        doc("undated", CHIP_REWRITE, title="星河半导体120亿元晶圆厂落地合肥", source="戊报", hour=None),
        doc("empty", (), title="只有标题", source="甲财经", hour=9),
    ]
    ingest(conn, docs)
    direct = snapshot(conn)
    story_ids = [r[0] for r in conn.execute("SELECT id FROM stories ORDER BY id")]
    conn.execute("BEGIN")
    st._refresh(conn, story_ids)
    conn.execute("COMMIT")
    assert snapshot(conn) == direct
    assert len(direct[0]) == 3 and all(size == 1 for _, _, size, _, _ in direct[0])


def test_large_stories_read_one_copy_each_and_give_the_same_stories(
    conn: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With more candidates than one batch, each story's members are read a batch at a time until one is a
    copy (story_rules._copies_in): the stories are those of reading every candidate, bridges included."""
    from themeflow.store import story_rules

    many = [doc(f"chip{k}", with_boilerplate(CHIP) if k % 2 else CHIP, hour=k % 20) for k in range(12)]
    many += [doc(f"bank{k}", with_boilerplate(BANK) if k % 2 else BANK, hour=k % 20) for k in range(12)]
    bridged = [doc("left", CHIP + BANK[:1], hour=21), doc("right", CHIP[4:] + BANK, hour=22)]
    bridge = [doc("bridge", CHIP + BANK, hour=23)]
    ingest(conn, [*many, *bridged, *bridge])
    batched = partition(conn)
    reads: list[int] = []
    real = st._Tables.fingerprints_at

    def counted(self: st._Tables, rowids: list[int]) -> list[object]:
        reads.append(len(rowids))
        return real(self, rowids)  # type: ignore[return-value]

    monkeypatch.setattr(st._Tables, "fingerprints_at", counted)
    ingest(conn, [doc("chip-late", CHIP, hour=23)])
    assert max(reads) <= story_rules.CHECK_BATCH  # 12+ candidates of one story, read a batch at a time
    monkeypatch.setattr(story_rules, "CHECK_BATCH", 10_000)  # every candidate read, as before
    whole = open_db()
    ingest(whole, [*many, *bridged, *bridge])
    assert partition(whole) == batched


def test_a_copy_joins_a_story_as_a_full_settle_would_leave_it(conn: sqlite3.Connection) -> None:
    """A later copy joins without its story being read again (story_rules._join_one); an earlier one, which
    becomes the canonical copy, settles the story in full. Either way the rows are what settling every
    member gives, and the undated copy leaves the publish span alone."""
    copies = [
        doc("c-10", CHIP, hour=10),
        doc("c-12", with_boilerplate(CHIP), hour=12),
        doc("c-15", traditional(CHIP), hour=15),
        doc("c-none", with_boilerplate(CHIP)[1:], hour=None),
        doc("c-08", strip_punct(CHIP), hour=8),  # earlier than the canonical copy: becomes it
        doc("c-20", with_boilerplate(CHIP), hour=20),
    ]
    ingest(conn, copies)
    joined = snapshot(conn)
    (story,) = {r[1] for r in joined[1]}
    conn.execute("BEGIN")
    st._refresh(conn, [story])
    conn.execute("COMMIT")
    assert snapshot(conn) == joined
    row = conn.execute("SELECT canonical_id, size FROM stories").fetchone()
    assert tuple(row) == ("c-08", 6)


def test_a_crowded_band_key_proposes_only_its_newest_holders(
    conn: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A band key held by more than MAX_BAND_HOLDERS documents proposes its newest holders only (a story of
    thousands of copies read every holder of every band for each new copy); the stories stay those of
    proposing every holder."""
    from themeflow.store import story_rules

    monkeypatch.setattr(story_rules, "MAX_BAND_HOLDERS", 4)
    copies = [doc(f"c{k:02d}", with_boilerplate(CHIP) if k % 2 else CHIP, hour=k % 20) for k in range(12)]
    ingest(conn, [*copies, doc("bank", BANK, hour=3)])
    fp = story_rules.fingerprint_document(doc("late", CHIP), None)
    assert fp.signature is not None
    bands = dedup.band_keys(fp.signature, story_rules.CONFIG)
    tables = st._Tables(conn)
    held = {
        key: [r for (r,) in conn.execute("SELECT fp FROM lsh_bands WHERE key = ? ORDER BY fp DESC", (key,))]
        for key in bands
    }
    crowded = [key for key, rows in held.items() if len(rows) > 4]
    assert crowded  # copies of one text share most of their band keys
    assert tables.band_holders(bands, 4) == {r for rows in held.values() for r in rows[:4]}
    ingest(conn, [doc("late", CHIP, hour=23)])
    capped = partition(conn)
    monkeypatch.setattr(story_rules, "MAX_BAND_HOLDERS", 10_000)  # every holder proposed
    whole = open_db()
    ingest(whole, [*copies, doc("bank", BANK, hour=3), doc("late", CHIP, hour=23)])
    assert partition(whole) == capped and {f"c{k:02d}" for k in range(12)} | {"late"} in capped


def test_a_crowded_sentence_key_is_told_without_counting_its_holders(conn: sqlite3.Connection) -> None:
    """sentence_counts counts, per fingerprint, the keys held by at most ``max_holders`` fingerprints: the
    same counts as counting every key's holders."""
    rows = [(key, fp) for key in range(6) for fp in range(key * 3)]  # key k held by 3k fingerprints
    conn.executemany("INSERT INTO sentence_keys(key, fp) VALUES (?, ?)", rows)
    for limit in (0, 3, 5, 9, 15, 100):
        holders = {key: sum(1 for k, _ in rows if k == key) for key in range(6)}
        expected: dict[int, int] = {}
        for key, fp in rows:
            if holders[key] <= limit:
                expected[fp] = expected.get(fp, 0) + 1
        assert st._Tables(conn).sentence_counts([*range(6), 99], limit) == expected, limit

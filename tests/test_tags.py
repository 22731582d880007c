"""Concept tags on a real store of each backend (an SQLite file, a PostgreSQL database): tagged at ingest
and on theme changes, incremental, one story per feed item, cursor paging, counts and trend, exports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from themeflow.errors import InputError, NotFoundError
from themeflow.model import Document
from themeflow.service import Themeflow
from themeflow.tags.export import documents_csv, safe_cell
from themeflow.tags.feed import decode_cursor, encode_cursor
from themeflow.tags.tagger import might_match
from themeflow.tags.vocabulary import lexicon_concepts

CST = timezone(timedelta(hours=8))
T0 = datetime(2025, 11, 20, 9, 0, tzinfo=CST)


def _doc(i: int, title: str, *paras: str, source: str = "测试社", hours: int = 0) -> Document:
    return Document(
        id=f"g{i}",
        title=title,
        paragraphs=paras,
        source=source,
        published_at=T0 + timedelta(hours=hours),
        time_origin="document",
        url=f"https://news.example/{i}",
    )


STORAGE = _doc(1, "储能电站装机规模创新高", "今年新型储能装机同比增长八成。", "多个储能项目并网。", hours=1)
STORAGE_COPY = _doc(
    2,
    "储能电站装机规模创新高",
    "今年新型储能装机同比增长八成。",
    "多个储能项目并网。",
    source="转载网",
    hours=2,
)
PASSING = _doc(
    3,
    "A股三大指数收涨",
    "沪指收涨0.5%，成交额放大。",
    "银行板块领涨，券商走强。",
    "保险、地产跟涨。",
    "消费电子、医药走弱。",
    "光伏板块震荡。",
    "此外，储能概念午后异动。",
    hours=3,
)
FED = _doc(4, "美联储宣布降息25个基点", "美联储如期降息，符合市场预期。", hours=4)
UNRELATED = _doc(5, "某地举办马拉松比赛", "三万名跑者参加。", hours=5)


@pytest.fixture()
def tf(store_url: str) -> Iterator[Themeflow]:
    tf = Themeflow.open(store_url)
    try:
        tf.ingest_documents([STORAGE, STORAGE_COPY, PASSING, FED, UNRELATED])
        yield tf
    finally:
        tf.close()


def _tags(tf: Themeflow, name: str) -> dict[str, str]:
    return {t.doc_id: t.aboutness for t in tf.store.tags.feed(name, aboutness=("主题", "提及"), limit=100)}


def test_ingest_tags_documents_with_the_concepts_they_are_about(tf: Themeflow) -> None:
    storage = _tags(tf, "储能")
    assert storage["g1"] == "主题" and storage["g2"] == "主题"
    assert storage["g3"] == "提及", "one line deep in a market close is a mention, not the subject"
    assert "g5" not in storage and "g4" not in storage
    assert _tags(tf, "美联储") == {"g4": "主题"} and _tags(tf, "降息") == {"g4": "主题"}
    assert {t.concept for t in tf.tags.tags_of("g5")} == set()


def test_a_refresh_reads_only_new_documents_and_skips_concepts_they_cannot_match(
    tf: Themeflow, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {c.name: _tags(tf, c.name) for c in lexicon_concepts()}
    overlap = tf.tags.refresh()  # the documents of the last seconds are read again: same tags
    assert overlap.retagged == [] and {c.name: _tags(tf, c.name) for c in lexicon_concepts()} == before
    monkeypatch.setattr("themeflow.tags.tagger.OVERLAP_SECONDS", 0.0)
    tf.tags.refresh()
    again = tf.tags.refresh()
    assert again.retagged == [] and again.updated == [] and again.tags_written == 0, "nothing new: no work"
    new = _doc(6, "储能企业出海提速", "储能电池订单大增。", hours=6)
    report = tf.ingest_documents([new])
    assert report.new == 1
    assert _tags(tf, "储能")["g6"] == "主题", "tagged at ingest"
    tf.store.upsert_documents([_doc(8, "储能电池价格下行", "储能电池报价走低。", hours=8)])
    done = tf.tags.refresh()
    assert "储能" in done.updated and "美联储" not in done.updated, "only concepts the new text can match"
    assert done.skipped > 0 and done.documents_read == 1


def test_a_document_that_no_longer_matches_loses_its_tag(tf: Themeflow) -> None:
    changed = _doc(1, "电站装机规模创新高", "今年风电装机同比增长八成。", "多个风电项目并网。", hours=1)
    tf.ingest_documents([changed])
    assert "g1" not in _tags(tf, "储能")
    assert "g1" in _tags(tf, "风电")


def test_themes_are_concepts_tagged_when_saved_and_retagged_when_edited(tf: Themeflow) -> None:
    tf.add_theme({"name": "储能出海", "query": "储能", "keywords": ["新型储能"]})
    assert set(_tags(tf, "储能出海")) == {"g1", "g2", "g3"}
    tf.edit_theme("储能出海", query="美联储")
    assert set(_tags(tf, "储能出海")) == {"g1", "g2", "g4"}, "keyword 新型储能 still finds g1, g2; not g3"
    tf.edit_theme("储能出海", keywords=[])
    assert set(_tags(tf, "储能出海")) == {"g4"}
    tf.remove_theme("储能出海")
    assert "储能出海" not in tf.store.tags.states()


def test_the_feed_shows_each_story_once_with_its_copies(tf: Themeflow) -> None:
    page = tf.tags.feed("储能", limit=10)
    ids = [i.document.id for i in page.items]
    assert len(ids) == 1, "copies fold into one story; the mention is not listed by default"
    (item,) = page.items
    assert {c.id for c in item.copies} | {item.document.id} == {"g1", "g2"}
    with_mentions = tf.tags.feed("储能", mentions=True, limit=10)
    assert [i.document.id for i in with_mentions.items][0] == "g3", "newest first"


def test_cursor_paging_lists_every_story_once(store_url: str) -> None:
    with Themeflow.open(store_url) as tf:
        _read_every_page(tf)


def _read_every_page(tf: Themeflow) -> None:
    """23 stories of one concept, read five at a time through encoded cursors."""
    docs = [_doc(100 + i, f"储能项目第{i}期并网", f"储能项目第{i}期并网发电。", hours=i) for i in range(23)]
    docs.append(_doc(200, docs[5].title, *docs[5].paragraphs, source="转载网", hours=5))
    tf.ingest_documents(docs)
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = tf.tags.feed("储能", after=after, limit=5)
        seen += [i.document.id for i in page.items]
        pages += 1
        if page.next is None:
            break
        after = decode_cursor(encode_cursor(page.next))
    assert len(seen) == len(set(seen)) == 23, "23 stories (one has a copy), none twice, none lost"
    assert pages == 5
    docs = tf.documents(seen)
    times = [docs[i].published_at for i in seen]
    assert times == sorted(times, reverse=True)


def test_counts_and_trend_are_counted_back_from_the_newest_document(tf: Themeflow) -> None:
    counts, as_of = tf.tags.counts()
    storage = next(c for c in counts if c.name == "储能")
    assert (storage.documents, storage.mentions) == (2, 1)
    assert storage.last_7d == 2 and storage.prev_7d == 0
    assert as_of == (T0 + timedelta(hours=4)).astimezone(UTC), "the newest tagged document, not today"
    later, _ = tf.tags.counts(as_of=T0 + timedelta(days=10))
    assert next(c for c in later if c.name == "储能").last_7d == 0
    assert next(c for c in later if c.name == "储能").prev_7d == 2


def test_concept_names_resolve_like_search(tf: Themeflow) -> None:
    concept, note = tf.tags.concept("AI资本开支周期")
    assert concept.name == "AI资本开支" and note and "修饰词" in note
    assert tf.tags.concept("资本支出")[0].name == "资本开支"
    assert tf.tags.concept("ai")[0].name == "AI"
    with pytest.raises(NotFoundError, match="no concept"):
        tf.tags.concept("马拉松")


def test_related_concepts_share_documents(tf: Themeflow) -> None:
    assert tf.tags.related("美联储") == [("降息", 1)] or tf.tags.related("美联储") == []
    tf.ingest_documents([_doc(7, "美联储再度降息", "美联储宣布降息。", hours=7)])
    related = dict(tf.tags.related("美联储"))
    assert related["降息"] == 2 and "储能" not in related


def test_the_prefilter_never_skips_a_document_the_search_tags(tf: Themeflow) -> None:
    docs = tf.documents(["g1", "g2", "g3", "g4", "g5"])
    for concept in lexicon_concepts():
        tagged = set(_tags(tf, concept.name))
        for doc_id in tagged:
            assert might_match(concept, docs[doc_id]), (concept.name, doc_id)
    storage = next(c for c in lexicon_concepts() if c.name == "储能")
    assert not might_match(storage, docs["g5"])


def test_a_forged_cursor_is_a_clear_error() -> None:
    for token in ("garbage", "nan~g1", "1.5~", "x" * 400):
        with pytest.raises(InputError, match="feed position"):
            decode_cursor(token)
    assert decode_cursor(None) is None
    assert decode_cursor("1700000000.5~fr-1~x") == (1700000000.5, "fr-1~x")


def test_csv_export_defuses_formulas_and_keeps_chinese() -> None:
    assert safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and safe_cell("-5%") == "'-5%"
    assert safe_cell("储能") == "储能"
    text = documents_csv(
        [
            {
                "id": "g1",
                "published": None,
                "source": "测试社",
                "title": "=cmd|' /C calc'!A0",
                "url": None,
                "aboutness": "主题",
                "score": 1.0,
                "copies": [{"id": "g2", "source": "转载网"}],
            }
        ]
    )
    assert text.startswith("\ufeffid,published,source,title")
    assert "'=cmd" in text and "转载网 g2" in text


def test_export_body_holds_every_story(tf: Themeflow) -> None:
    body = tf.tags.export_body("储能", mentions=True)
    assert [d["id"] for d in body["documents"]] == ["g3", "g2"] or [d["id"] for d in body["documents"]] == [
        "g3",
        "g1",
    ]
    assert body["tag"]["name"] == "储能" and body["tag"]["counts"]["documents"] == 2


def run_cli(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    """The console script in a subprocess over the store at ``db`` (a file path or a URL)."""
    env = {**os.environ, "THEMEFLOW_DB": db}
    return subprocess.run(
        [sys.executable, "-m", "themeflow.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_the_tags_commands_as_a_user_runs_them(tf: Themeflow, store_url: str, tmp_path: Path) -> None:
    """The console script in a subprocess: listing, a concept's stories, an export, and clear errors."""
    db = store_url
    tf.close()
    listing = run_cli("tags", "--json", db=db)
    assert listing.returncode == 0, listing.stderr
    body = json.loads(listing.stdout)
    assert any(c["name"] == "储能" and c["documents"] == 2 for c in body["concepts"])
    shown = run_cli("tags", "show", "储能", "--mentions", "--json", db=db)
    assert [d["aboutness"] for d in json.loads(shown.stdout)["documents"]] == ["提及", "主题"]
    out = tmp_path / "储能.csv"
    done = run_cli("tags", "export", "储能", "-o", str(out), db=db)
    assert done.returncode == 0 and out.read_text(encoding="utf-8").count("\n") == 2
    blocked = tmp_path / "a-file"
    blocked.write_text("x")
    bad = run_cli("tags", "export", "储能", "-o", str(blocked / "x.csv"), db=db)
    assert bad.returncode != 0 and "cannot write" in bad.stderr and "internal error" not in bad.stderr
    unknown = run_cli("tags", "show", "马拉松", db=db)
    assert unknown.returncode != 0 and "no concept or theme named" in unknown.stderr
    forged = run_cli("tags", "show", "储能", "--after", "x", db=db)
    assert forged.returncode != 0 and "feed position" in forged.stderr

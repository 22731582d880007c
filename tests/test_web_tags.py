"""Concept and theme pages, their JSON twins, Atom feeds and exports, in-process over a real store of each
backend (an SQLite file, a PostgreSQL database)."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_web_corpus import CAPEX, CAPEX_COPY, DOCS, FED, FLASH, SOUTHBOUND, make_client, many_docs
from themeflow.service import Themeflow
from themeflow.web.app import create_app

ATOM = "{http://www.w3.org/2005/Atom}"


def build_store(location: str) -> str:
    """Write the corpus and the daily notes into the store at ``location`` (closing it: the app opens its own)."""
    with Themeflow.open(location) as tf:
        tf.ingest_documents([*DOCS, *many_docs()])
    return location


@pytest.fixture(scope="module")
def client(module_store_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("webtags-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("THEMEFLOW_HOME", str(root / "home"))
        db = build_store(module_store_url)
        with Themeflow.open(db) as tf:
            tf.add_theme({"name": "算力追踪", "query": "算力", "keywords": ["智算中心"]})
        with make_client(create_app(db), follow_redirects=False) as c:
            yield c


def test_the_seeds_address_shows_the_concept_newest_first_one_story_each(client: Any) -> None:
    r = client.get("/tags/concept", params={"tagValue": "AI资本开支周期"})
    assert r.status_code == 200
    html = r.text
    assert "<h1>AI资本开支</h1>" in html and "修饰词" in html, "read as the concept, and said so"
    assert html.count(CAPEX.title) == 1, "the copy folds into its story"
    assert "另见" in html and "美股IPO" in html
    assert html.index(CAPEX.title) < html.index(FLASH.title), "newest first"
    assert SOUTHBOUND.title not in html and FED.title not in html, (
        "passing mentions are not listed by default"
    )
    assert "另有 2 篇提及" in html
    assert "文章核心观点" in html and 'class="cite"' in html, "each story with its cited summary"
    assert re.search(r'<h2 class="day">2025-11-20</h2>', html), "grouped by day (the story's canonical time)"
    assert '<svg class="heat"' in html and 'data-day="2025-11-21" data-n="1"' in html
    assert "Atom 订阅" in html and "export.csv" in html


def test_mentions_are_listed_on_request_and_labelled(client: Any) -> None:
    html = client.get("/tags/concept", params={"tagValue": "AI资本开支", "mentions": 1}).text
    assert SOUTHBOUND.title in html and FED.title in html
    assert html.count('title="综述或直播，只在部分段落提到；摘要只概括这些段落">提及</span>') == 2


def test_paging_goes_on_after_the_last_story(client: Any) -> None:
    first = client.get("/tags/concept", params={"tagValue": "算力"}).text
    titles = re.findall(r"算力日报第(\d+)期", first)
    link = re.search(r'<a href="([^"]+)" rel="next">', first)
    assert link, "25 stories: a second page"
    second = client.get(link.group(1).replace("&amp;", "&")).text
    later = re.findall(r"算力日报第(\d+)期", second)
    assert set(titles) & set(later) == set()
    assert len(set(titles) | set(later)) == 25
    assert 'rel="next"' not in second


def test_new_since_the_last_visit_is_marked(client: Any, tmp_path: Path) -> None:
    client.cookies.clear()
    client.get("/tags/concept", params={"tagValue": "算力"})
    cookie = next(c for c in client.cookies.jar if c.name.startswith("tf_seen_"))
    assert float(cookie.value) > 0
    client.cookies.set(cookie.name, "1", domain=cookie.domain, path=cookie.path)
    html = client.get("/tags/concept", params={"tagValue": "算力"}).text
    assert "自上次访问以来" in html and 'class="feed-item is-new"' in html


def test_the_json_twin_has_the_promised_shape(client: Any) -> None:
    body = client.get("/api/tags/concept", params={"tagValue": "AI资本开支周期", "limit": 1}).json()
    assert set(body) == {"tag", "documents", "next"}
    (doc,) = body["documents"]
    assert {"id", "url", "title", "source", "published", "aboutness", "copies", "summary"} <= set(doc)
    assert doc["id"] in (CAPEX.id, CAPEX_COPY.id) and doc["aboutness"] == "主题"
    assert doc["summary"]["core_views"], "summaries are made on first request"
    assert all(b["verified"] is not False for b in doc["summary"]["core_views"])
    more = client.get("/api/tags/concept", params={"tagValue": "AI资本开支", "after": body["next"]}).json()
    assert [d["id"] for d in more["documents"]] == [FLASH.id] and more["next"] is None
    assert client.get("/api/tags/concept", params={"tagValue": "AI资本开支", "after": "x"}).status_code == 400
    assert client.get("/api/tags/concept", params={"tagValue": "马拉松"}).status_code == 404
    listing = client.get("/api/tags").json()
    assert any(c["name"] == "AI资本开支" and c["documents"] == 3 for c in listing["concepts"])


def test_theme_pages_and_their_twin(client: Any) -> None:
    html = client.get("/themes/算力追踪").text
    assert "主题工作流" in html and "智算中心" in html, "the theme's definition in the header"
    body = client.get("/api/themes/算力追踪", params={"limit": 3, "summaries": "false"}).json()
    assert body["tag"]["kind"] == "theme" and len(body["documents"]) == 3
    assert body["documents"][0]["summary"] is None
    r = client.get("/themes/储能")
    assert r.status_code == 307 and r.headers["location"].startswith("/tags/concept?tagValue=")
    assert client.get("/api/themes/储能").status_code == 404, "a lexicon concept is not a saved theme"


def test_atom_feed_parses_and_links_back(client: Any) -> None:
    r = client.get("/tags/concept/feed.xml", params={"tagValue": "AI资本开支"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(r.content)
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries][:1] == [CAPEX_COPY.title]
    links = {link.get("rel"): link.get("href") for link in entries[0].findall(f"{ATOM}link")}
    assert links["alternate"].endswith("/documents/" + entries[0].findtext(f"{ATOM}id").rsplit(":", 1)[1])
    assert "[" in (entries[0].findtext(f"{ATOM}summary") or ""), "core views with their citations"
    theme = client.get("/themes/算力追踪/feed.xml")
    assert theme.status_code == 200 and len(ET.fromstring(theme.content).findall(f"{ATOM}entry")) == 26


def test_exports_are_files_a_spreadsheet_can_open(client: Any) -> None:
    r = client.get("/themes/算力追踪/export.csv")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert len(rows) == 26, "25 daily notes and the capex story (算力支出), its copy folded"
    assert rows[0]["id"] == CAPEX.id and rows[1]["title"].startswith("算力日报第25期"), "newest first"
    data = client.get("/tags/concept/export.json", params={"tagValue": "AI资本开支"}).json()
    assert len(data["documents"]) == 2
    figures = client.get("/tags/concept/export.csv", params={"tagValue": "算力", "what": "figures"})
    assert figures.status_code == 200 and figures.text.lstrip("\ufeff").startswith("entity,metric,period")


def test_the_concept_index_lists_concepts_and_themes(client: Any) -> None:
    html = client.get("/tags").text
    assert 'href="/themes/%E7%AE%97%E5%8A%9B%E8%BF%BD%E8%B8%AA"' in html
    assert 'href="/tags/concept?tagValue=AI%E8%B5%84%E6%9C%AC%E5%BC%80%E6%94%AF"' in html


def test_a_run_with_nothing_new_leaves_the_theme_page_whole(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THEMEFLOW_HOME", str(tmp_path / "home"))
    db = build_store(store_url)
    with Themeflow.open(db) as tf:
        tf.add_theme({"name": "算力追踪", "query": "算力"})
        first = tf.run_workflow("算力追踪", write_reports=False)
        second = tf.run_workflow("算力追踪", write_reports=False)
    assert first.run.items > 0 and second.run.items == 0
    with make_client(create_app(db), follow_redirects=False) as c:
        html = c.get("/themes/算力追踪").text
    assert html.count('<article class="item"') == 20, "the feed is cumulative, not the last run's items"
    assert "最后检查" in html and "没有新文章" in html


def test_a_theme_page_summarizes_with_the_themes_own_summarizer(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A theme run with the LLM summarizer shows LLM summaries on its page too, never silently extractive
    ones: with no endpoint configured the page says why there is no summary, and its API agrees."""
    monkeypatch.setenv("THEMEFLOW_HOME", str(tmp_path / "home"))
    for name in (
        "THEMEFLOW_LLM_BASE_URL",
        "THEMEFLOW_LLM_MODEL",
        "THEMEFLOW_LLM_API_KEY",
        "THEMEFLOW_SUMMARIZER",
    ):
        monkeypatch.delenv(name, raising=False)
    db = build_store(store_url)
    with Themeflow.open(db) as tf:
        tf.add_theme({"name": "算力LLM", "query": "算力", "summarizer": "llm"})
    with make_client(create_app(db), follow_redirects=False) as c:
        html = c.get("/themes/算力LLM").text
        body = c.get("/api/themes/算力LLM", params={"limit": 2}).json()
    assert "文章核心观点" not in html
    assert "摘要生成失败" in html and "THEMEFLOW_LLM_BASE_URL" in html, "the page says why"
    assert [d["summary"] for d in body["documents"]] == [None, None]

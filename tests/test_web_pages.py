"""HTML pages in-process: the seed's layout, citations that work without JavaScript, workflows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.test_web_corpus import (
    CAPACITY_QUERY,
    CAPEX,
    CAPEX_COPY,
    CST,
    FLASH,
    GW_TYPO,
    XSS_IMG,
    XSS_SCRIPT,
    build_store,
    make_client,
)
from themeflow.model import Bullet, Copy, Document, Section, Snippet, Summary
from themeflow.service import Themeflow
from themeflow.web.app import create_app, make_templates
from themeflow.web.present import Pager, highlight, safe_url, view_of
from themeflow.web.security import CSRF_COOKIE


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("webpages")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("THEMEFLOW_HOME", str(root / "home"))
        with make_client(create_app(build_store(root / "t.db")), follow_redirects=False) as c:
            yield c


def test_landing_page_has_the_form_and_examples(client: Any) -> None:
    html = client.get("/").text
    assert 'name="q"' in html and 'type="date"' in html and 'name="sort"' in html
    assert "查询语法" in html and "source:" in html, "the query-language hint is on the page"
    assert "华尔街见闻" in html, "the source filter lists outlets"


def test_search_page_lists_items_like_the_seed(client: Any) -> None:
    html = client.get("/", params={"q": "巴克莱 算力", "sort": "time"}).text
    assert "共 <strong>1</strong> 条结果" in html, "copies fold into one story"
    assert CAPEX.title in html
    assert "华尔街见闻" in html and "2025-11-20 20:41" in html
    assert "文章核心观点" in html
    assert re.search(r"<h3>[^<]+</h3>\s*<ul>", html), "titled sections of bullets"
    cite = re.search(r'<a class="cite" href="/documents/([\w-]+)#p(\d+)" data-src="src-\1-\2"', html)
    assert cite, "a citation is a real link to the paragraph (works without JavaScript)"
    doc_id, n = cite.group(1), int(cite.group(2))
    template = re.search(rf'<template id="src-{doc_id}-{n}">(.*?)</template>', html, re.S)
    assert template and CAPEX.paragraphs[n - 1] in template.group(1), "cited paragraph ready to open in place"


def test_per_source_counts_and_source_filter(client: Any) -> None:
    html = client.get("/", params={"q": "算力日报"}).text
    assert "共 <strong>25</strong> 条结果" in html
    assert re.search(r"科创板日报 <span>13</span>", html) and re.search(r"第一财经 <span>12</span>", html)
    only = client.get("/", params={"q": "算力日报", "source": "第一财经"}).text
    assert "共 <strong>12</strong> 条结果" in only


def test_pagination(client: Any) -> None:
    first = client.get("/", params={"q": "算力日报", "summaries": 0}).text
    assert "第 1 / 2 页" in first and 'rel="next"' in first
    assert first.count('<article class="item"') == 20
    second = client.get("/", params={"q": "算力日报", "summaries": 0, "page": 2}).text
    assert second.count('<article class="item"') == 5 and 'rel="prev"' in second
    assert "算力日报第1期" in second, "oldest last when sorted by time"


def test_excerpt_only_summaries_are_labelled(client: Any) -> None:
    html = client.get("/", params={"q": "午后拉升"}).text
    assert FLASH.title in html and "仅摘录" in html
    assert "抓取时间" in html, "a fetch time is never shown as a publish time without saying so"


def test_document_page_numbers_paragraphs_with_anchors(client: Any) -> None:
    html = client.get(f"/documents/{CAPEX.id}").text
    for n, text in enumerate(CAPEX.paragraphs, 1):
        assert re.search(rf'<p id="p{n}"><a class="pn" href="#p{n}"[^>]*>{n}</a>{re.escape(text)}</p>', html)
    assert re.search(r'<a class="cite" href="#p\d+"', html), "summary citations jump to the paragraph"
    assert 'href="https://wallstreetcn.example/articles/3760001"' in html


def test_search_toggles_keep_the_query(client: Any) -> None:
    html = client.get("/", params={"q": "算力日报", "since": "2025-08-10", "sort": "relevance"}).text
    assert 'value="2025-08-10"' in html and '<option value="relevance" selected>' in html
    assert "since=2025-08-10" in html and "sort=relevance" in html


def _render_item(copies: tuple[Copy, ...]) -> str:
    env = make_templates(CST).env
    macro = env.get_template("_items.html").module.item  # type: ignore[attr-defined]
    summary = Summary(
        doc_id=CAPEX.id,
        content_hash=CAPEX.content_hash,
        summarizer="test@1",
        core_views=(Bullet("AI资本开支周期远未结束", (1,), True), Bullet("编造的结论", (9,), False)),
        sections=(Section("资本开支规模", (Bullet("2028年计算支出峰值约1100亿美元", (4,), True),)),),
    )
    from themeflow.summarize.verify import drop_unverified

    view = view_of(CAPEX, drop_unverified(summary))
    return str(macro(CAPEX, view, copies, Snippet(2, CAPEX.paragraphs[1], ((0, 6),))))


def test_item_shows_also_in_for_copies_and_drops_unverified_bullets() -> None:
    copy = Copy(CAPEX_COPY.id, "美股IPO", datetime(2025, 11, 21, 0, 7, tzinfo=CST))
    html = _render_item((copy,))
    assert "另见" in html and "美股IPO" in html and "2025-11-21 00:07" in html
    assert f'href="/documents/{CAPEX_COPY.id}"' in html
    assert "编造的结论" not in html, "bullets that failed verification are not shown"
    assert "资本开支规模" in html and "[4]" in html
    assert "<mark>OpenAI</mark>" in html
    assert "另见" not in _render_item(())


def test_syndicated_copy_folds_into_also_in(client: Any) -> None:
    html = client.get("/", params={"q": "巴克莱 算力"}).text
    assert "共 <strong>1</strong> 条结果" in html and "另见" in html


def test_highlight_and_url_helpers() -> None:
    assert (
        str(highlight(Snippet(1, "<b>降息</b>预期", ((3, 5),)))) == "&lt;b&gt;<mark>降息</mark>&lt;/b&gt;预期"
    )
    long = "前" * 300 + "降息" + "后" * 300
    out = str(highlight(Snippet(1, long, ((300, 302),))))
    assert "<mark>降息</mark>" in out and out.startswith("…") and out.endswith("…")
    assert safe_url("javascript:alert(1)") is None and safe_url(" JaVaScRiPt:x") is None
    assert safe_url("https://example.com/a") == "https://example.com/a"
    assert Pager(6, 20, 400).window == [1, None, 4, 5, 6, 7, 8, None, 20]
    assert Pager(1, 20, 0).pages == 1


# -- workflows ------------------------------------------------------------------------------------
FIGURE_LINK = re.compile(r'class="fcite" href="/documents/([^"#]+)#p(\d+)"')


def _assert_figure_links_resolve(client: Any, html: str) -> list[tuple[str, int]]:
    """Every figure citation opens a document page that has the cited paragraph's anchor."""
    links = [(doc_id, int(n)) for doc_id, n in FIGURE_LINK.findall(html)]
    assert links, "the figures cite paragraphs"
    for doc_id, n in set(links):
        page = client.get(f"/documents/{doc_id}")
        assert page.status_code == 200 and f'id="p{n}"' in page.text, f"{doc_id}#p{n} points nowhere"
    return links


HOSTILE_FIGURE = Document(
    id="t-gw-hostile",
    title=f"{XSS_SCRIPT}容量测算{XSS_IMG}",
    paragraphs=(
        f"{XSS_SCRIPT}另一份测算称，2024至2030年间，全球AI数据中心总容量将从11.43GW增长至236GW。{XSS_IMG}",
    ),
    source=f"<b onmouseover=alert(1)>恶意来源</b>{XSS_SCRIPT}",
    published_at=datetime(2025, 11, 19, 11, 0, tzinfo=CST),
    time_origin="document",
)


@pytest.fixture(scope="module")
def capacity(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The corpus plus two articles that disagree on a figure, and a hostile one stating a third value."""
    path = build_store(tmp_path_factory.mktemp("figures") / "t.db", daily=False, capacity=True)
    with Themeflow.open(path) as tf:
        tf.ingest_documents([HOSTILE_FIGURE])
    with make_client(create_app(path)) as c:
        yield c


def test_figures_page_without_a_query_explains_and_offers_examples(capacity: Any) -> None:
    r = capacity.get("/figures")
    assert r.status_code == 200
    assert 'action="/figures"' in r.text and 'name="q"' in r.text and 'type="date"' in r.text
    assert 'aria-current="page">关键数据' in r.text and "/figures?q=" in r.text


def test_figures_page_shows_the_conflict_first_then_the_table(capacity: Any) -> None:
    r = capacity.get("/figures", params={"q": CAPACITY_QUERY, "since": "2025-11-01"})
    assert r.status_code == 200
    html = r.text
    assert 'value="2025-11-01"' in html, "the form keeps the filters"
    assert html.index('class="conflicts"') < html.index('class="figures"')
    box = html[html.index('class="conflicts"') : html.index('class="figures"')]
    assert "114.3GW" in box and "1143GW" in box and "<mark>1143GW</mark>" in box
    links = _assert_figure_links_resolve(capacity, html)
    assert (GW_TYPO.id, 2) in links
    assert "第一财经" in html and "财联社" in html, "citations are labelled with their outlets"


def test_figures_page_escapes_article_text(capacity: Any) -> None:
    html = capacity.get("/figures", params={"q": CAPACITY_QUERY}).text
    assert "11.43GW" in html, "the hostile article's value is listed"
    assert "<script>alert" not in html and "<img src=x" not in html and "<b onmouseover" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_figures_page_shows_a_bad_query_inline(capacity: Any) -> None:
    r = capacity.get("/figures", params={"q": '"unbalanced'})
    assert r.status_code == 400 and 'role="alert"' in r.text and "position" in r.text
    assert 'value="&#34;unbalanced"' in r.text


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Any]:
    with make_client(create_app(build_store(tmp_path / "t.db", daily=False)), follow_redirects=False) as c:
        yield c


def test_workflow_pages_create_run_and_digest(fresh: Any) -> None:
    assert "还没有工作流" in fresh.get("/workflows").text
    form = fresh.get("/workflows/new")
    assert form.status_code == 200 and 'name="csrf_token"' in form.text
    csrf = fresh.cookies.get(CSRF_COOKIE)
    bad = fresh.post("/workflows", data={"csrf_token": csrf, "name": "坏的", "query": '"unbalanced'})
    assert bad.status_code == 400 and 'role="alert"' in bad.text and 'value="坏的"' in bad.text
    created = fresh.post(
        "/workflows",
        data={
            "csrf_token": csrf,
            "name": "AI资本开支周期",
            "query": "AI资本开支",
            "keywords": "算力租赁, 数据中心",
        },
    )
    assert created.status_code == 303
    page = fresh.get(created.headers["location"])
    assert "AI资本开支周期" in page.text and "算力租赁" in page.text and "尚未运行" in page.text
    run = fresh.post("/workflows/AI资本开支周期/run", data={"csrf_token": csrf})
    assert run.status_code == 303 and run.headers["location"].startswith("/runs/")
    digest = fresh.get(run.headers["location"]).text
    assert "AI资本开支周期" in digest and "文章核心观点" in digest and "条新内容" in digest
    assert 'class="figures"' in digest and "关键数据" in digest, "the run's key figures table"
    _assert_figure_links_resolve(fresh, digest)
    assert CAPEX.title in digest and "华尔街见闻" in digest
    history = fresh.get("/workflows/AI资本开支周期").text
    assert "查看摘要" in history and "ok" in history
    listing = fresh.get("/workflows").text
    assert "上次运行" in listing
    edit = fresh.get("/workflows/AI资本开支周期/edit")
    assert 'value="算力租赁, 数据中心"' in edit.text
    saved = fresh.post(
        "/workflows/AI资本开支周期/edit",
        data={
            "csrf_token": csrf,
            "name": "AI资本开支周期",
            "query": "AI资本开支",
            "keywords": "",
            "schedule": "1d",
        },
    )
    assert saved.status_code == 303
    assert "1d" in fresh.get("/workflows/AI资本开支周期").text
    gone = fresh.post("/workflows/AI资本开支周期/delete", data={"csrf_token": csrf})
    assert gone.status_code == 303 and fresh.get("/workflows/AI资本开支周期").status_code == 404


def test_an_llm_summary_is_marked_with_its_model_and_a_fallback_says_so() -> None:
    from dataclasses import replace

    from themeflow.model import Hit

    env = make_templates(CST).env
    macro = env.get_template("_items.html").module.item  # type: ignore[attr-defined]
    summary = Summary(
        doc_id=CAPEX.id,
        content_hash=CAPEX.content_hash,
        summarizer="llm@p1:qwen2.5-7b",
        core_views=(Bullet("AI资本开支周期远未结束", (1,), True),),
        model="qwen2.5-7b",
    )
    html = str(macro(CAPEX, view_of(CAPEX, summary)))
    assert "LLM · qwen2.5-7b" in html
    fallback = str(macro(CAPEX, view_of(CAPEX, replace(summary, fallback="extractive: 1 of 6 passed"))))
    assert "以下为抽取式摘要" in fallback and "LLM · qwen2.5-7b" not in fallback
    # search results label what only mentions a theme and what matches only part of it
    mention = Hit(document=CAPEX, score=1.0, aboutness="提及")
    assert ">提及<" in str(macro(CAPEX, None, (), None, mention))
    partial = Hit(document=CAPEX, score=1.0, partial=True)
    assert ">部分匹配<" in str(macro(CAPEX, None, (), None, partial))


def test_figures_page_says_what_a_theme_table_leaves_out(tmp_path: Path) -> None:
    """An article about the theme that also reports the market's moves: the page lists the company's
    figures, not the index's or gold's, and says how many it left out and why."""
    doc = Document(
        id="mkt-1",
        title="算力租赁需求旺盛，腾讯2026年资本开支将达1200亿元",
        source="财联社",
        published_at=datetime(2026, 5, 20, 15, 30),
        paragraphs=(
            "受算力租赁需求拉动，腾讯2026年资本开支将达到1200亿元，同比增长50%。",
            "收盘时，上证指数涨1.17%，创业板指涨2.3%，现货黄金跌1.2%。",
        ),
    )
    path = tmp_path / "m.db"
    with Themeflow.open(path) as tf:
        tf.ingest_documents([doc])
    with make_client(create_app(path)) as c:
        html = c.get("/figures", params={"q": "算力租赁"}).text
    table = html[html.index('class="figures"') :]
    assert "1200亿元" in table and "上证指数" not in table and "黄金" not in table
    assert "未列出" in html and "指数涨跌" in html

"""Digest rendering: the HTML is parsed, every citation must land on the cited paragraph, article text is
escaped, nothing is loaded from outside, and Markdown/JSON carry the same content."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from themeflow.model import Bullet, Citation, Copy, Document, Fact, Section, Summary
from themeflow.report.digest import Digest, DigestItem, anchor_id
from themeflow.report.html import render_html
from themeflow.report.json import digest_to_dict
from themeflow.report.markdown import render_markdown
from themeflow.report.write import render, write_reports

from .test_workflow_support import AI_THEME, SH, ai_doc, open_service

EVIL = '<script>alert("x")</script>'


class Page(HTMLParser):
    """Collects element ids with their text, links, tags and script bodies."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: dict[str, str] = {}
        self.links: list[tuple[str, str]] = []  # (class, href)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._open: list[tuple[str, str | None]] = []
        self._text: dict[str, list[str]] = {}
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "a" and a.get("href"):
            self.links.append((a.get("class") or "", a["href"] or ""))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")
        if tag in ("meta", "br", "img", "link", "input", "path", "rect", "circle"):
            return
        self._open.append((tag, a.get("id")))
        if a.get("id"):
            assert a["id"] not in self.ids, f"duplicate id {a['id']}"
            self.ids[a["id"]] = ""
            self._text[a["id"]] = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False
        while self._open:
            t, i = self._open.pop()
            if i:
                self.ids[i] = "".join(self._text.pop(i))
            if t == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data
        for _, i in self._open:
            if i:
                self._text[i].append(data)


def parse(html: str) -> Page:
    p = Page()
    p.feed(html)
    p.close()
    return p


def _digest(figures: list[Fact] | None = None) -> Digest:
    doc = Document(
        id="u00000000000000aa",
        title=f"巴克莱：AI资本开支周期仍将持续 {EVIL}",
        paragraphs=(
            "巴克莱报告显示，OpenAI 2028年计算支出将达到约1100亿美元。",
            "报告称 <b>算力</b> 需求 & 资本开支仍在上升。",
            "2024至2030年全球AI数据中心容量将从114.3GW增长至236GW。",
        ),
        source="华尔街见闻",
        published_at=datetime(2025, 11, 20, 20, 41, tzinfo=SH),
        time_origin="document",
        url="https://example.com/a?x=1&y=2",
    )
    summary = Summary(
        doc_id=doc.id,
        content_hash=doc.content_hash,
        summarizer="extractive@1",
        core_views=(Bullet("AI资本开支周期将持续 <i>远未放缓</i>", (1, 2), verified=True),),
        sections=(
            Section("资本开支规模", (Bullet("2028年计算支出约1100亿美元", (1,), True),)),
            Section("行业影响", (Bullet("数据中心容量从114.3GW增至236GW", (3,), True),)),
            Section("被拒绝的", (Bullet("捏造的数字999亿美元", (2,), False),)),
        ),
    )
    short = Document(
        id="c00000000000000bb",
        title="港股科技成四季度进攻王牌",
        paragraphs=("南下资金年内净买入突破1.2万亿港元。",),
        source=None,
        published_at=datetime(2025, 10, 30, 9, 4, tzinfo=SH),
        time_origin="document",
    )
    excerpt = Summary(
        doc_id=short.id,
        content_hash=short.content_hash,
        summarizer="extractive@1",
        core_views=(Bullet("南下资金年内净买入突破1.2万亿港元。", (1,), True),),
        excerpt=True,
    )
    copies = (
        Copy(id="u00000000000000cc", source="美股IPO", published_at=datetime(2025, 11, 21, 0, 7, tzinfo=SH)),
    )
    return Digest(
        kind="workflow",
        title=f"AI资本开支周期 {EVIL}",
        query="资本开支 OR 算力",
        generated_at=datetime(2025, 11, 21, 1, 0, tzinfo=UTC),
        tz=SH,
        items=(
            DigestItem(document=doc, summary=summary, copies=copies, status="new", story_id="s1"),
            DigestItem(document=short, summary=excerpt, status="updated"),
        ),
        run_id=7,
        window_end=datetime(2025, 11, 21, 1, 0, tzinfo=UTC),
        new_documents=3,
        figures=figures,
    )


def test_every_citation_link_lands_on_the_cited_paragraph() -> None:
    d = _digest()
    page = parse(render_html(d))
    cites = [href for cls, href in page.links if "cite" in cls]
    assert len(cites) == 5, "the unverified bullet is not shown, so neither is its citation"
    docs = {it.document.id: it.document for it in d.items}
    for href in cites:
        assert href.startswith("#doc-")
        target = href[1:]
        assert target in page.ids, f"{href} points nowhere"
        doc_id, n = target[len("doc-") :].rsplit("-p", 1)
        assert page.ids[target].endswith(docs[doc_id].paragraph(int(n))), "anchor holds the cited paragraph"
    assert anchor_id("u00000000000000aa", 3) in page.ids
    # Source views are expandable <details> holding every numbered paragraph.
    details = [a for t, a in page.tags if t == "details"]
    assert [a.get("id") for a in details] == ["doc-u00000000000000aa", "doc-c00000000000000bb"]


def test_article_text_is_escaped_and_nothing_loads_from_outside() -> None:
    html = render_html(_digest())
    page = parse(html)
    assert len(page.scripts) == 1 and "alert" not in page.scripts[0], "only our own inline script"
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "&lt;b&gt;算力&lt;/b&gt; 需求 &amp; 资本开支" in html
    assert "<i>" not in html
    assert "https://example.com/a?x=1&amp;y=2" in html
    for tag, attrs in page.tags:
        assert tag not in ("link", "img", "iframe", "object"), f"external asset <{tag}>"
        assert not (tag == "script" and attrs.get("src")), "external script"
    assert "@import" not in html and "url(" not in html


def test_layout_follows_the_seed() -> None:
    html = render_html(_digest())
    page = parse(html)
    text = " ".join(page.ids.values())
    assert "Workflow" in html and "AI资本开支周期" in html
    assert "华尔街见闻 · 2025-11-20 20:41" in html
    assert "also in 美股IPO 2025-11-21 00:07" in html
    assert "文章核心观点" in html and "资本开支规模" in html and "行业影响" in html
    assert "被拒绝的" not in html and "999亿美元" not in html
    assert "摘录 / excerpt" in html
    assert html.index("巴克莱") < html.index("港股科技"), "items keep digest order (newest first)"
    assert "按日期" in html and "2025-11-20" in html and "按来源" in html and "来源未知" in html
    assert "关键数据" not in html, "figures slot empty when the capability did not run"
    assert "南下资金年内净买入突破1.2万亿港元" in text


def test_figures_slot_renders_when_provided() -> None:
    fact = Fact(
        entity="OpenAI",
        metric="计算支出",
        value="1100亿美元",
        unit="美元",
        normalized_value=1.1e11,
        normalized_unit="USD",
        period="2028年",
        citation=Citation("u00000000000000aa", 1),
        qualifier="约",
    )
    html = render_html(_digest([fact]))
    page = parse(html)
    assert "关键数据" in html and "约1100亿美元" in html
    assert ("cite", "#doc-u00000000000000aa-p1") in page.links


def test_markdown_and_json_carry_the_same_items() -> None:
    d = _digest()
    md = render_markdown(d)
    assert md.startswith("# Workflow · AI资本开支周期 \\<script\\>")
    assert "<script>" not in md
    assert "华尔街见闻 · 2025-11-20 20:41" in md and "also in 美股IPO" in md
    assert "- 2028年计算支出约1100亿美元 [1]" in md
    assert "> [3] 2024至2030年全球AI数据中心容量将从114.3GW增长至236GW。" in md
    assert "*摘录 / excerpt*" in md
    data = json.loads(render(d, "json"))
    assert data == digest_to_dict(d)
    assert [i["hit"]["id"] for i in data["items"]] == ["u00000000000000aa", "c00000000000000bb"]
    assert data["items"][0]["hit"]["copies"][0]["source"] == "美股IPO"
    assert data["items"][0]["summary"]["core_views"][0]["citations"] == [1, 2]
    assert data["counts"]["by_outlet"] == {"华尔街见闻": 1, "美股IPO": 1, "来源未知": 1}
    assert data["figures"] is None


def test_unknown_format_is_an_input_error(tmp_path: Path) -> None:
    from themeflow.errors import InputError

    with pytest.raises(InputError, match="choose html, md or json"):
        write_reports(_digest(), tmp_path, "x", formats=["pdf"])
    paths = write_reports(_digest(), tmp_path, "x", formats=["md"])
    assert Path(paths["markdown"]).name == "x.md"


def test_real_run_report_citations_resolve(tmp_path: Path) -> None:
    """End to end with the real summarizer: every [n] in the written page resolves to paragraph n."""
    tf = open_service(tmp_path / "r.db")
    tf.add_theme(AI_THEME)
    docs = [ai_doc(i, published=datetime(2025, 11, 10 + i, tzinfo=SH)) for i in range(1, 4)]
    tf.ingest_documents(docs)
    result = tf.run_workflow(AI_THEME["name"])
    page = parse(Path(result.reports["html"]).read_text(encoding="utf-8"))
    by_id = {d.id: d for d in docs}
    cites = [href for cls, href in page.links if "cite" in cls]
    assert cites, "the summaries cite paragraphs"
    for href in cites:
        doc_id, n = href[len("#doc-") :].rsplit("-p", 1)
        assert page.ids[href[1:]].endswith(by_id[doc_id].paragraph(int(n)))
    search = tf.report("资本开支", limit=2)
    assert search.kind == "search" and search.total == 3 and len(search.items) == 2
    assert "showing 2 of 3" in render(search, "md")
    tf.close()

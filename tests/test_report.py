"""Digest rendering: the HTML is parsed, every citation must land on the cited paragraph, article text is
escaped, nothing is loaded from outside, and Markdown/JSON carry the same content."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from themeflow.facts import Conflict, ConflictValue, FigureGroup, ThemeFigures
from themeflow.model import Bullet, Citation, Copy, Document, Section, Story, Summary
from themeflow.report.digest import Digest, DigestItem, anchor_id
from themeflow.report.figures import KeyFigures, key_figures
from themeflow.report.html import render_html
from themeflow.report.json import digest_to_dict, run_result_to_dict
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


LEAD_PARAS = (
    "巴克莱报告显示，OpenAI 2028年计算支出将达到约1100亿美元。",
    "报告称 <b>算力</b> 需求 & 资本开支仍在上升。",
    "2024至2030年全球AI数据中心容量将从114.3GW增长至236GW。",
)
DOCTORED = Document(
    id="u00000000000000cc",
    title="巴克莱：AI资本开支周期仍将持续（转载）",
    paragraphs=(*LEAD_PARAS[:2], "2024至2030年全球AI数据中心容量将从1143GW增长至236GW。"),
    source="美股IPO",
    published_at=datetime(2025, 11, 21, 0, 7, tzinfo=SH),
    time_origin="document",
)
"""The syndicated copy of the first item, with the seed's misprint (1143GW for 114.3GW) in paragraph 3."""


def _digest(figures: KeyFigures | None = None) -> Digest:
    doc = Document(
        id="u00000000000000aa",
        title=f"巴克莱：AI资本开支周期仍将持续 {EVIL}",
        paragraphs=LEAD_PARAS,
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


def _figures() -> tuple[KeyFigures, dict[str, Document]]:
    """Hand-built figures of the digest's documents and the doctored copy (renderers are tested apart from
    extraction, which has its own tests): the copy's 1143GW conflicts with the lead's 114.3GW."""
    lead, short = (it.document for it in _digest().items)
    docs = {lead.id: lead, short.id: short, DOCTORED.id: DOCTORED}
    both = ("华尔街见闻", "美股IPO")

    def group(
        entity: str,
        metric: str,
        period: str,
        value: str,
        n: float,
        unit: str,
        *cites: Citation,
        qualifier: str | None = None,
        outlets: tuple[str, ...] = both,
        agreement: int = 1,
    ) -> FigureGroup:
        return FigureGroup(entity, metric, period, value, unit, n, unit, qualifier, cites, outlets, agreement)

    figures = (
        group(
            "OpenAI",
            "计算支出",
            "2028年",
            "1100亿美元",
            1.1e11,
            "USD",
            Citation(lead.id, 1),
            Citation(DOCTORED.id, 1),
            qualifier="约",
        ),
        group(
            "全球",
            "AI数据中心容量",
            "2030年",
            "236GW",
            236.0,
            "GW",
            Citation(lead.id, 3),
            Citation(DOCTORED.id, 3),
        ),
        group(
            "全球",
            "AI数据中心容量",
            "2024年",
            "114.3GW",
            114.3,
            "GW",
            Citation(lead.id, 3),
            qualifier="从",
            outlets=("华尔街见闻",),
        ),
        group(
            "全球",
            "AI数据中心容量",
            "2024年",
            "1143GW",
            1143.0,
            "GW",
            Citation(DOCTORED.id, 3),
            qualifier="从",
            outlets=("美股IPO",),
        ),
        group(
            "南下资金",
            "净买入",
            "年内",
            "1.2万亿港元",
            1.2e12,
            "HKD",
            Citation(short.id, 1),
            qualifier="突破",
            outlets=(),
        ),
    )
    conflict = Conflict(
        "全球",
        "AI数据中心容量",
        "2024年",
        "GW",
        (
            ConflictValue("114.3GW", "GW", 114.3, "从", (Citation(lead.id, 3),), ("华尔街见闻",)),
            ConflictValue("1143GW", "GW", 1143.0, "从", (Citation(DOCTORED.id, 3),), ("美股IPO",)),
        ),
    )
    return KeyFigures(ThemeFigures(figures, (conflict,), documents=3, facts=9), docs), docs


def test_key_figures_reads_every_document_and_keeps_the_cited_ones() -> None:
    _, docs = _figures()
    story = Story("s1", "u00000000000000aa", (Copy(DOCTORED.id, DOCTORED.source, DOCTORED.published_at),))
    kf = key_figures(list(docs.values()), {"u00000000000000aa": story, DOCTORED.id: story})
    assert kf.result.documents == 3
    cited = {c.doc_id for g in kf.figures for c in g.citations}
    assert set(kf.documents) <= set(docs) and cited <= set(kf.documents)
    assert all(g.agreement <= 2 for g in kf.figures), "lead and copy are one story: they count once"


def test_figures_table_and_conflicts_box_cite_resolving_paragraphs() -> None:
    kf, docs = _figures()
    html = render_html(_digest(kf))
    page = parse(html)
    assert "关键数据" in html and "数据冲突" in html and "约1100亿美元" in html
    assert html.index("数据冲突") < html.index("关键数据 · key figures") < html.index("巴克莱：AI")
    fig_links = [a for t, a in page.tags if t == "a" and a.get("data-doc")]
    assert len(fig_links) >= 4
    for a in fig_links:
        href = a["href"] or ""
        assert href.startswith("#doc-") and href[1:] in page.ids, f"{href} points nowhere"
        cited = docs[a["data-doc"] or ""].paragraph(int(a["data-p"] or 0))
        assert page.ids[href[1:]].endswith(cited), "the anchor holds the cited paragraph's text"
    hrefs = {(a["data-doc"], a["href"]) for a in fig_links}
    # The copy's paragraph 1 reads as the lead's: it links there. Its paragraph 3 differs, so the figures
    # card carries that paragraph in its own source view.
    assert (DOCTORED.id, "#" + anchor_id("u00000000000000aa", 1)) in hrefs
    assert (DOCTORED.id, "#" + anchor_id(DOCTORED.id, 3)) in hrefs
    assert "1143GW" in page.ids[anchor_id(DOCTORED.id, 3)]
    assert "<mark>1143GW</mark>" in html, "the conflicts box quotes the words around each value"
    assert html.count("⚠") == 2, "both disputed values are flagged in the table"
    cites = [href for cls, href in page.links if "cite" in cls]
    assert all(href[1:] in page.ids for href in cites)


def test_figures_are_bounded_and_escaped() -> None:
    many = tuple(
        FigureGroup(
            entity=f"{EVIL}{i}",
            metric="营收",
            period="2025年",
            value=f"{i}亿元",
            unit="元",
            normalized_value=i * 1e8,
            normalized_unit="CNY",
            qualifier=None,
            citations=(Citation("u00000000000000aa", 9), Citation("nowhere", 1)),
            outlets=("华尔街见闻",),
            agreement=1 + i % 3,
        )
        for i in range(40)
    )
    kf = KeyFigures(ThemeFigures(many, ()))
    html = render_html(_digest(kf))
    page = parse(html)
    assert html.count('class="ent"') == 15, "top 15 figure groups"
    assert "共 40 项" in html and "alert(" not in "".join(page.scripts)
    assert "&lt;script&gt;" in html
    assert not [a for t, a in page.tags if t == "a" and a.get("data-doc")], "no link to a missing paragraph"
    assert "nowhere ¶1" in html


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
    assert data["figures"] is None and data["conflicts"] is None


def test_markdown_and_json_carry_the_figures() -> None:
    kf, _ = _figures()
    d = _digest(kf)
    md = render_markdown(d)
    assert "## ⚠ 数据冲突 · conflicts (1)" in md and "**1143GW**" in md
    assert "| 主体 | 指标 | 期间 | 数值 | 一致 | 出处 |" in md and "约1100亿美元" in md
    assert "美股IPO [3]" in md
    data = digest_to_dict(d)
    assert {"entity", "metric", "value", "unit", "normalized_value", "period", "citations"} <= set(
        data["figures"][0]
    )
    values = data["conflicts"][0]["values"]
    assert [v["value"] for v in values] == ["114.3GW", "1143GW"]
    assert values[1]["citations"] == [{"doc_id": DOCTORED.id, "paragraph": 3}]


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


def test_run_digest_reads_copies_for_figures_and_every_figure_link_resolves(tmp_path: Path) -> None:
    """A syndicated copy with the seed's misprint: the run's digest flags 114.3GW vs 1143GW, and every
    figure citation — the copy's included — lands on a paragraph holding the cited text."""
    from dataclasses import replace

    from tests.test_web_corpus import CAPEX, CAPEX_COPY

    doctored = replace(CAPEX_COPY, paragraphs=tuple(p.replace("114.3GW", "1143GW") for p in CAPEX.paragraphs))
    tf = open_service(tmp_path / "f.db")
    tf.add_theme({"name": "AI资本开支周期", "query": "资本开支"})
    tf.ingest_documents([CAPEX, doctored])
    result = tf.run_workflow("AI资本开支周期")
    assert len(result.items) == 1, "the copy folds into the story: one item, the copy read for its figures"
    data = run_result_to_dict(result)
    assert data["figures"], "the run's figures are in its JSON"
    assert any({v["value"] for v in k["values"]} >= {"114.3GW", "1143GW"} for k in data["conflicts"])
    page = parse(Path(result.reports["html"]).read_text(encoding="utf-8"))
    docs = {CAPEX.id: CAPEX, doctored.id: doctored}
    fig_links = [a for t, a in page.tags if t == "a" and a.get("data-doc")]
    assert {a["data-doc"] for a in fig_links} == set(docs), "the copy is read and cited"
    for a in fig_links:
        target = (a["href"] or "")[1:]
        assert target in page.ids, f"{a['href']} points nowhere"
        assert page.ids[target].endswith(docs[a["data-doc"] or ""].paragraph(int(a["data-p"] or 0)))
    tf.close()

"""Markdown digest: for pasting into chat, notes or a wiki.

Same layout as the HTML page. Markdown has no safe expandable source view, so each item ends with the
paragraphs its summary cites, quoted and numbered, which keeps every ``[n]`` checkable in plain text.
Article text is escaped so a headline cannot inject links, HTML or headings into the document.
"""

from __future__ import annotations

import re

from themeflow.model import Bullet, Document
from themeflow.report.digest import Digest, DigestItem, stamp

__all__ = ["render_markdown"]

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def md_escape(text: str) -> str:
    """Escape Markdown syntax and collapse line breaks (article text is data, never markup)."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _bullet(b: Bullet) -> str:
    return f"- {md_escape(b.text)} " + "".join(f"[{c}]" for c in b.citations)


def _item(d: Digest, it: DigestItem) -> list[str]:
    doc: Document = it.document
    title = md_escape(doc.title)
    lines = [f"### [{title}]({doc.url.replace(')', '%29')})" if doc.url else f"### {title}", ""]
    meta = f"{md_escape(doc.source or '来源未知')} · {stamp(doc.published_at, d.tz)}"
    if it.status == "new":
        meta += " · **新 new**"
    elif it.status == "updated":
        meta += " · **更新 updated**"
    s = it.shown_summary
    if s is not None and s.excerpt:
        meta += " · *摘录 / excerpt*"
    lines.append(meta)
    if it.copies:
        also = " · ".join(
            f"{md_escape(c.source or '来源未知')} {stamp(c.published_at, d.tz)}" for c in it.copies
        )
        lines.append(f"  \nalso in {also}")
    lines.append("")
    if s is None:
        if it.snippet is not None:
            lines += [f"{md_escape(it.snippet.text)} [{it.snippet.paragraph}]", ""]
        lines += ["*未摘要 · not summarized*", ""]
    elif s.excerpt:
        lines += [md_escape(b.text) + " " + "".join(f"[{c}]" for c in b.citations) for b in s.core_views]
        lines.append("")
    else:
        if s.core_views:
            lines += ["**文章核心观点**", "", *(_bullet(b) for b in s.core_views), ""]
        for sec in s.sections:
            lines += [f"**{md_escape(sec.title)}**", "", *(_bullet(b) for b in sec.bullets), ""]
    cited = it.cited_paragraphs()
    if cited:
        quoted: list[str] = []
        for n in cited:
            quoted += [f"> [{n}] {md_escape(doc.paragraph(n))}", ">"]
        lines += [
            "<details><summary>引用原文 · cited paragraphs</summary>",
            "",
            *quoted[:-1],
            "",
            "</details>",
            "",
        ]
    return lines


def render_markdown(d: Digest) -> str:
    """The digest as Markdown (GitHub-flavoured: ``<details>`` folds the quoted sources)."""
    kind = "Workflow" if d.kind == "workflow" else "Search"
    lines = [f"# {kind} · {md_escape(d.title)}", ""]
    if d.query and d.query != d.title:
        lines.append(f"查询 query: `{d.query.replace('`', '')}`  ")
    meta = []
    if d.run_id is not None:
        meta.append(f"运行 #{d.run_id}")
    if d.window_end is not None:
        start = stamp(d.window_start, d.tz) if d.window_start else "首次运行"
        meta.append(f"窗口 {start} → {stamp(d.window_end, d.tz)}")
    meta.append(f"生成于 {stamp(d.generated_at, d.tz)}")
    lines += [" · ".join(meta), ""]
    counts = f"**{len(d.items)}** 个故事 · **{len(d.articles())}** 篇文章（含转载）"
    if d.new_documents is not None:
        counts += f" · **{d.new_documents}** 篇新文档"
    if d.total is not None:
        counts += f" · **{d.total}** 条匹配"
    lines += [counts, ""]
    if d.items:
        lines.append("按日期 by day: " + " · ".join(f"{day} {n}" for day, n in d.counts_by_day()[:14]))
        lines.append(
            "  \n按来源 by outlet: " + " · ".join(f"{md_escape(o)} {n}" for o, n in d.counts_by_outlet()[:12])
        )
        lines.append("")
    if d.figures:
        lines += [
            "## 关键数据 · key figures",
            "",
            "| 主体 · 指标 | 数值 | 期间 | 出处 |",
            "|---|---|---|---|",
        ]
        for f in d.figures:
            lines.append(
                f"| {md_escape(f.entity)} · {md_escape(f.metric)} | {md_escape((f.qualifier or '') + f.value)} "
                f"| {md_escape(f.period or '—')} | {f.citation.doc_id} [{f.citation.paragraph}] |"
            )
        lines.append("")
    if not d.items:
        empty = "本次运行没有新文章 — no new articles matched this theme in this window."
        lines += [empty if d.kind == "workflow" else "没有匹配的文章 — no documents matched this search.", ""]
    for it in d.items:
        lines += _item(d, it)
    lines += [*(md_escape(n) for n in d.notes), ""]
    return "\n".join(lines).rstrip() + "\n"

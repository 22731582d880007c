"""Markdown digest: for pasting into chat, notes or a wiki.

Same layout as the HTML page. Markdown has no safe expandable source view, so each item ends with the
paragraphs its summary cites, quoted and numbered, which keeps every ``[n]`` checkable in plain text.
Article text is escaped so a headline cannot inject links, HTML or headings into the document, and only
http(s) URLs become links (:func:`themeflow.report.links.safe_url`).
"""

from __future__ import annotations

import re

from themeflow.model import Bullet, Citation, Document
from themeflow.report.digest import Digest, DigestItem, stamp
from themeflow.report.figures import TOP_FIGURES, KeyFigures, shown_qualifier
from themeflow.report.links import markdown_url

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
    url = markdown_url(doc.url)
    lines = [f"### [{title}]({url})" if url else f"### {title}", ""]
    meta = f"{md_escape(doc.source or '来源未知')} · {stamp(doc.published_at, d.tz)}"
    if it.late:
        meta += " · **补录 late**"
    elif it.status == "new" and d.window_start is not None:
        meta += " · **新 new**"
    elif it.status == "updated":
        meta += " · **更新 updated**"
    s = it.shown_summary
    if s is not None and s.excerpt:
        meta += " · *摘录 / excerpt*"
    if s is not None and s.fallback:
        meta += " · *LLM 摘要未通过核对，显示抽取式摘要*"
    elif s is not None and s.model:
        meta += f" · *LLM 摘要 · {md_escape(s.model)}*"
    if s is not None and s.focus:
        numbers = "".join(f"[{n}]" for n in s.focus_paragraphs)
        meta += f" · *提及：只概括与「{md_escape(s.focus)}」有关的段落 {numbers}*"
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


def _refs(kf: KeyFigures, cs: tuple[Citation, ...], limit: int = 3) -> str:
    """``outlet [n]`` per citation (the paragraph is quoted under its item, or below for a copy)."""
    text = " · ".join(f"{md_escape(kf.outlet(c.doc_id))} [{c.paragraph}]" for c in cs[:limit])
    return text + (f" +{len(cs) - limit}" if len(cs) > limit else "")


def _figures(d: Digest) -> list[str]:
    """The conflicts (each value with its outlets, citations and the words around it), then the table."""
    kf = d.figures
    if not kf:
        return []
    lines: list[str] = []
    if kf.conflicts:
        lines += [f"## ⚠ 数据冲突 · conflicts ({len(kf.conflicts)})", ""]
        for k in kf.conflicts:
            period = f" · {md_escape(k.period)}" if k.period else ""
            lines.append(f"> **{md_escape(k.entity or '—')} · {md_escape(k.metric)}**{period}")
            for v in k.values:
                q = kf.quote(v.citations[0], v.value) if v.citations else None
                quote = f" — “{md_escape(q.before)}**{md_escape(q.hit)}**{md_escape(q.after)}”" if q else ""
                value = md_escape(shown_qualifier(v.qualifier) + v.value)
                outlier = " · 孤立数值（一个来源对多个独立来源）" if v.outlier else ""
                lines.append(f"> - **{value}** · {_refs(kf, v.citations)}{outlier}{quote}")
            lines += [""]
    rows = kf.top(TOP_FIGURES)
    if rows:
        more = f"（共 {len(kf.figures)} 项，全部见 JSON 报告）" if len(kf.figures) > len(rows) else ""
        lines += [
            f"## 关键数据 · key figures{more}",
            "",
            "| 主体 | 指标 | 期间 | 数值 | 一致 | 出处 |",
            "|---|---|---|---|---|---|",
        ]
        for g in rows:
            cells = (
                md_escape(g.entity or "—"),
                md_escape(g.metric),
                md_escape(g.period or "—"),
                md_escape(
                    shown_qualifier(g.qualifier)
                    + g.value
                    + (f"（从{g.revised_from}调整）" if g.revised_from else "")
                ),
                f"{g.agreement}",
                _refs(kf, g.citations),
            )
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
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
    lines += _figures(d)
    if not d.items:
        empty = "本次运行没有新文章 — no new articles matched this theme in this window."
        lines += [empty if d.kind == "workflow" else "没有匹配的文章 — no documents matched this search.", ""]
    late_heading = False
    for it in d.items:
        if it.late and not late_heading:
            late_heading = True
            lines += ["## 补录 · late arrivals", "", "发布于上次运行之前、本次才收录的文章。", ""]
        lines += _item(d, it)
    lines += [*(md_escape(n) for n in d.notes), ""]
    return "\n".join(lines).rstrip() + "\n"

"""Terminal rendering of results, documents and summaries, in the layout of the seed results page.

::

    巴克莱最新研究报告:OpenAI算力需求持续激增…
    钛媒体APP · 2025-11-21 00:25
    …AI资本开支周期仍将持续… [¶1]
    also in: 美股IPO 00:07 · 华尔街见闻 2025-11-20 20:41
    文章核心观点
    - AI资本开支周期将在中长期内持续 [1][5]
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text

from themeflow.model import Citation, Copy, Document, Hit, SearchPage, StoreStats, Story, Summary
from themeflow.serialize import story_outlets, story_span
from themeflow.timefmt import display_time

if TYPE_CHECKING:
    from themeflow.cli_common import Printer
    from themeflow.facts import ThemeFigures


def when(dt: datetime | None, time_origin: str = "document") -> str:
    """``YYYY-MM-DD HH:MM UTC+8`` in the configured zone (:mod:`themeflow.timefmt`); a crawl time is
    labelled as such, since it is when we saw the article, not when it was published."""
    text = display_time(dt)
    return f"{text} (captured)" if dt is not None and time_origin == "fetch" else text


def copies_line(copies: tuple[Copy, ...]) -> str:
    parts = []
    for c in copies:
        stamp = display_time(c.published_at)
        parts.append(f"{c.source or '(unknown outlet)'} {stamp}")
    return "also in: " + " · ".join(parts)


def print_page(console: Printer, page: SearchPage, summaries: dict[str, Summary] | None = None) -> None:
    shown_to = page.offset + len(page.hits)
    header = f"{page.total} results for {page.query!r}"
    if page.partial:
        header += f", then {page.partial} partial matches"
    if page.hits:
        header += f" (showing {page.offset + 1}–{shown_to})"
    console.print(Text(header, style="bold"))
    if page.per_source:
        top = sorted(page.per_source.items(), key=lambda kv: -kv[1])[:8]
        console.print(Text(" · ".join(f"{s} {n}" for s, n in top), style="dim"))
    for hit in page.hits:
        console.print()
        print_hit(console, hit)
        if summaries and hit.document.id in summaries:
            print_summary(console, summaries[hit.document.id])


def print_hit(console: Printer, hit: Hit) -> None:
    doc = hit.document
    title = Text(doc.title, style="bold cyan")
    if hit.partial:
        title = Text("[部分匹配 partial] ", style="yellow") + title
    elif hit.aboutness == "提及":
        title = Text("[提及 mention] ", style="yellow") + title
    console.print(title)
    console.print(
        Text(f"{doc.source or '(unknown outlet)'} · {when(doc.published_at, doc.time_origin)}  [{doc.id}]")
    )
    if hit.snippet is not None:
        snippet = Text(hit.snippet.text)
        for start, end in hit.snippet.highlights:
            snippet.stylize("bold yellow", start, end)
        snippet.append(f"  [¶{hit.snippet.paragraph}]", style="dim")
        console.print(snippet)
    if hit.copies:
        console.print(Text(copies_line(hit.copies), style="dim"))


def print_summary(console: Printer, summary: Summary, *, show_unverified: bool = False) -> None:
    def bullet_line(text: str, citations: tuple[int, ...], verified: bool | None) -> Text:
        line = Text("- " + text + " ")
        line.append("".join(f"[{c}]" for c in citations), style="green")
        if verified is False:
            line.append("  (unverified)", style="red")
        return line

    if summary.fallback:
        console.print(Text(f"LLM 摘要未通过核对，显示抽取式摘要 ({summary.fallback})", style="yellow"))
    elif summary.model:
        console.print(Text(f"LLM 摘要 · {summary.model}（每条要点已与所引段落核对）", style="dim"))
    if summary.focus:
        numbers = "".join(f"[{n}]" for n in summary.focus_paragraphs)
        console.print(Text(f"聚焦「{summary.focus}」: only the paragraphs about it {numbers}", style="dim"))
    if summary.excerpt:
        console.print(Text("摘录 (excerpt: article too short for a structured summary)", style="bold"))
    else:
        console.print(Text("文章核心观点", style="bold"))
    for b in summary.core_views:
        if b.verified is not False or show_unverified:
            console.print(bullet_line(b.text, b.citations, b.verified))
    for section in summary.sections:
        bullets = [b for b in section.bullets if b.verified is not False or show_unverified]
        if not bullets:
            continue
        console.print(Text(section.title, style="bold"))
        for b in bullets:
            console.print(bullet_line(b.text, b.citations, b.verified))


def print_document(console: Printer, doc: Document) -> None:
    console.print(Text(doc.title, style="bold cyan"))
    console.print(Text(f"{doc.source or '(unknown outlet)'} · {when(doc.published_at, doc.time_origin)}"))
    if doc.url:
        console.print(Text(doc.url, style="dim"))
    console.print(Text(f"id {doc.id} · {len(doc.paragraphs)} paragraphs", style="dim"))
    for n, p in enumerate(doc.paragraphs, start=1):
        console.print(Text(f"[{n}] ", style="green") + Text(p))


def print_stats(console: Printer, stats: StoreStats) -> None:
    console.print(Text(f"database   {stats.location}", style="bold"))
    console.print(f"documents  {stats.documents}  ({stats.paragraphs} paragraphs)")
    if stats.earliest and stats.latest:
        console.print(f"published  {stats.earliest:%Y-%m-%d} … {stats.latest:%Y-%m-%d}")
    console.print(f"stories    {stats.stories}  ({stats.multi_copy_stories} with copies)")
    console.print(f"summaries  {stats.summaries}")
    if stats.llm_prompt_tokens or stats.llm_completion_tokens:
        console.print(
            f"LLM tokens {stats.llm_prompt_tokens:,} in / {stats.llm_completion_tokens:,} out (stored LLM summaries)"
        )
    console.print(f"ingests    {stats.ingests}")
    if stats.sources:
        console.print("sources    " + " · ".join(f"{s} {n}" for s, n in list(stats.sources.items())[:12]))


# -- stories ------------------------------------------------------------------------------------------


def print_stories(console: Printer, stories: list[Story], canonical: dict[str, Document]) -> None:
    """Each story as a block: date of the earliest copy (with zone) and title; story id, copy count,
    length and outlets; then the document ids, canonical first."""
    for n, story in enumerate(stories):
        doc = canonical.get(story.canonical_id)
        span = story_span(story, doc)
        first = display_time(span[0]) if span else "time unknown"
        if n:
            console.print()
        line = Text(first + "  ", style="dim")
        line.append(doc.title if doc else story.canonical_id, style="bold cyan")
        console.print(line)
        size = f"{sum(len(p) for p in doc.paragraphs):,} 字" if doc else "length unknown"
        outlets = " · ".join(story_outlets(story, doc))
        console.print(Text(f"  {story.id} · {story.size} copies · {size} · {outlets}"))
        ids = [f"{story.canonical_id} (canonical)", *(c.id for c in story.copies)]
        console.print(Text("  " + " · ".join(ids), style="dim"))


def _cite_figures(cs: tuple[Citation, ...], limit: int = 3) -> str:
    """``doc[3] doc2[5] +2``: a figure's first citations, compactly."""
    text = " ".join(f"{c.doc_id}[{c.paragraph}]" for c in cs[:limit])
    return text + (f" +{len(cs) - limit}" if len(cs) > limit else "")


HIDDEN_LABELS = {
    "no_owner": "no owner",
    "time_owner": "a time as owner",
    "market_owner": "a market as owner",
    "fragment_owner": "a fragment as owner",
    "index": "index moves",
    "price": "commodity prices",
    "undated_move": "undated moves",
}
"""How ``themeflow figures`` names the reasons of ``facts/readable.py``."""


def print_theme_figures(console: Printer, tf: ThemeFigures, *, limit: int = 50) -> None:
    """Conflicts first (what an analyst must check), then the figures, most-agreed first."""
    from rich.markup import escape
    from rich.panel import Panel
    from rich.table import Table

    if tf.check:
        k = tf.check
        console.print(
            f"LLM check ({escape(str(k.get('model') or '?'))}): {k['confirmed']} confirmed, {k['corrected']} corrected,"
            f" {k['unchecked']} unchecked in {k['requests']} requests"
            f" ({k['prompt_tokens'] + k['completion_tokens']:,} tokens); only confirmed figures enter conflicts"
        )
    for c in tf.conflicts:
        lines = [
            f"{(v.qualifier or '') if v.qualifier != '从' else ''}{v.value}  ·  {', '.join(v.outlets) or '?'}"
            f"  ·  {_cite_figures(v.citations)}"
            + ("  ·  outlier: one outlet against several" if v.outlier else "")
            + (f"\n    {v.sentence}" if v.sentence else "")
            for v in c.values
        ]
        title = f"conflict: {c.entity} {c.metric}" + (f" ({c.period})" if c.period else "")
        console.print(Panel(escape("\n".join(lines)), title=escape(title), border_style="red", expand=False))
    table = Table(title=f"key figures ({tf.documents} documents)", show_lines=False)
    for col in ("entity", "metric", "period", "value", "outlets", "citations"):
        table.add_column(col, overflow="fold")
    for g in tf.figures[:limit]:
        q = g.qualifier if g.qualifier and g.qualifier != "从" else ""
        cells = (
            g.entity or "—",
            g.metric,
            g.period or "—",
            f"{q}{g.value}" + (f" (from {g.revised_from})" if g.revised_from else ""),
            f"{g.agreement}: {', '.join(g.outlets)}" if g.outlets else str(g.agreement),
            _cite_figures(g.citations),
        )
        table.add_row(*(escape(c) for c in cells))
    console.print(table)
    if len(tf.figures) > limit:
        console.print(f"… {len(tf.figures) - limit} more figures (use --json for all)")
    if not tf.figures:
        console.print("no figures found in the matching documents")
    if tf.hidden:
        reasons = ", ".join(
            f"{HIDDEN_LABELS.get(k, k)} {n}" for k, n in sorted(tf.hidden.items(), key=lambda kv: -kv[1])
        )
        console.print(f"left out: {escape(reasons)} (--all lists them)")

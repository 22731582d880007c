"""Digests built from the store: of a search (``themeflow report QUERY``) and of a stored run (``--run ID``).

Rendering is ``report/``'s job; here the items are gathered, summarized (from the cache where the text was
summarized before) and their key figures read, every copy included, each story counted once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from themeflow.errors import ConfigError, NotFoundError
from themeflow.facts.confirm import FactChecker
from themeflow.model import Document, RunItem, Theme
from themeflow.report.digest import Digest, DigestItem
from themeflow.report.figures import KeyFigures, key_figures
from themeflow.store.base import Store
from themeflow.workflow.context import WorkflowContext
from themeflow.workflow.themes import describe_query, search_queries

__all__ = ["FIGURE_ITEMS", "digest_of_run", "digest_of_search", "figure_items", "key_figures_of_items"]

FIGURE_ITEMS = 60
"""Stories whose figures a digest's key-figure table reads, the most relevant of those about the theme."""


def digest_of_search(
    ctx: WorkflowContext,
    query: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    sources: Sequence[str] = (),
    sort: Literal["time", "relevance"] = "time",
    limit: int = 30,
    summarize: bool = True,
) -> Digest:
    """Search (copies folded into stories), summarize each hit (cached), newest first by default; the key
    figures are read from the shown stories, copies included."""
    page = ctx.search(query, since=since, until=until, sources=sources, sort=sort, limit=limit)
    items = tuple(
        DigestItem(
            document=h.document,
            summary=ctx.summarize(h.document, theme=query) if summarize else None,
            copies=h.copies,
            score=h.score,
            snippet=h.snippet,
            story_id=h.story_id,
            aboutness=h.aboutness,
        )
        for h in page.hits
    )
    notes: tuple[str, ...] = ()
    if page.total > len(items):
        notes = (f"显示 {len(items)} / {page.total} 条结果 · showing {len(items)} of {page.total} results.",)
    return Digest(
        kind="search",
        title=query,
        query=query,
        generated_at=datetime.now(UTC),
        tz=ctx.tz,
        items=items,
        total=page.total,
        figures=key_figures_of_items(ctx.store, figure_items(items), theme=query),
        notes=notes,
    )


def digest_of_run(ctx: WorkflowContext, run_id: int) -> Digest:
    """Rebuild the digest of a stored run: items as recorded, copies as the stories stand now, summaries
    from the cache (by the theme's summarizer)."""
    with ctx.store.workflows.reading() as wf:
        run = wf.get_run(run_id)
        if run is None:
            raise NotFoundError(
                f"no workflow run with id {run_id}; `themeflow workflow show NAME` lists runs"
            )
        stored: list[RunItem] = wf.run_items(run_id)
        theme = wf.get_theme(run.theme)
    docs = ctx.store.get_documents([it.doc_id for it in stored])
    stories = ctx.store.stories_for([it.doc_id for it in stored])
    summarizer = theme.summarizer if theme is not None else None
    queries = search_queries(theme) if theme is not None else None
    items: list[DigestItem] = []
    for it in stored:
        doc = docs.get(it.doc_id)
        if doc is None:
            continue
        story = stories.get(it.doc_id)
        items.append(
            DigestItem(
                document=doc,
                summary=ctx.summarize(doc, summarizer=summarizer, theme=queries) if it.summarized else None,
                copies=tuple(c for c in story.copies if c.id != doc.id) if story else (),
                score=it.score,
                snippet=it.snippet,
                story_id=it.story_id,
                status=it.status,
                new_doc_ids=it.new_doc_ids,
                aboutness=it.aboutness,
                late=it.late,
            )
        )
    notes = () if len(items) == len(stored) else (f"{len(stored) - len(items)} 篇文档已从库中删除。",)
    checker, check_notes = theme_checker(ctx, theme)
    figures = key_figures_of_items(ctx.store, figure_items(items), checker, theme_words(run.theme, theme))
    return Digest(
        kind="workflow",
        title=run.theme,
        query=describe_query(theme) if theme is not None else run.theme,
        generated_at=datetime.now(UTC),
        tz=ctx.tz,
        items=tuple(items),
        run_id=run.id,
        window_start=run.window_start,
        window_end=run.window_end,
        new_documents=run.new_documents,
        figures=figures,
        notes=notes + check_notes + figure_notes(figures),
    )


def figure_items(items: Sequence[DigestItem], limit: int = FIGURE_ITEMS) -> list[DigestItem]:
    """The items a theme's key figures are read from: those about the theme (主题), the ``limit`` with the
    best search score. Items of an older run have no aboutness recorded; then every item counts."""
    known = [it for it in items if it.aboutness is not None]
    about = [it for it in known if it.aboutness == "主题"] if known else list(items)
    return sorted(about, key=lambda it: -(it.score or 0.0))[:limit]


def theme_words(name: str, theme: Theme | None) -> str:
    """What a theme's figures table may be about: its name, query and keywords (``facts/readable.py``
    shows an index or a commodity's moves only when these name it)."""
    if theme is None:
        return name
    return " ".join((name, theme.query, *theme.keywords))


def theme_checker(ctx: WorkflowContext, theme: Theme | None) -> tuple[FactChecker | None, tuple[str, ...]]:
    """The LLM check of a theme's key figures when its ``figures`` is ``llm``, or None with a note saying
    why the rules alone read them (no endpoint configured)."""
    if theme is None or theme.figures != "llm":
        return None, ()
    try:
        return ctx.fact_checker(ctx.settings), ()
    except ConfigError as exc:
        return None, (f"关键数据未经 LLM 核对（{exc}），只用规则抽取。",)


def figure_notes(figures: KeyFigures) -> tuple[str, ...]:
    """What the LLM check of the figures did, for the digest's notes."""
    check = figures.result.check
    if not check or not check.get("requests"):
        return ()
    asked = "冲突中的" if check.get("scope") == "conflicts" else "全部"
    note = (
        f"关键数据经 LLM 核对（{check.get('model') or '模型未知'}，{asked}数据）：确认 {check['confirmed']}，"
        f"修正 {check['corrected']}，未核对 {check['unchecked']}；"
        "只有确认或修正的数据参与冲突判断。"
    )
    if check.get("failed_requests"):
        note += f" {check['failed_requests']} 次请求没有可用的回答。"
    return (note,)


def key_figures_of_items(
    store: Store, items: Sequence[DigestItem], checker: FactChecker | None = None, theme: str | None = None
) -> KeyFigures:
    """The key figures of a digest's items: every lead document and every copy read (a copy may have
    changed a number), stories counted once; with ``checker``, LLM-checked (``facts/confirm.py``)."""
    docs: dict[str, Document] = {it.document.id: it.document for it in items}
    copy_ids = list(dict.fromkeys(c.id for it in items for c in it.copies if c.id not in docs))
    if copy_ids:
        docs.update(store.get_documents(copy_ids))
    stories = store.stories_for(list(docs)) if docs else {}
    return key_figures(list(docs.values()), stories, checker, theme)

"""One incremental run of a saved theme: new matching documents → stories → summaries → digest.

How a run decides what is new (and why):
- **Window by write time, not publish time.** A run looks at documents *written* (ingested or changed)
  since the previous successful run's ``window_end`` (``store.document_ids_written_between``), so an
  article published last month but ingested today is reported today. The first run has no window start
  and instead applies the theme's ``since`` to publish times: what was written up to the first run's end
  is the theme's backfill and stays bounded by ``since``; what arrives later is new whatever its date.
- **A small overlap plus a "seen" set.** A writer stamps ``updated_at`` just before it waits for the write
  lock, so a document can commit with a stamp slightly older than a run that has already read. Each run
  therefore re-scans :data:`OVERLAP_SECONDS` before the window start and drops what the theme already
  reported (``theme_seen``: document id + content hash). The seen set, not the clock, guarantees a
  document is reported once per content version.
- **Stories, not copies.** New matching documents are grouped by story; an item is the story's canonical
  document with its copies listed as "also in …". A story never reported before is ``new``; a story
  reported in an earlier run that gained a copy (or whose text changed) is reported again as ``updated``
  — its summary comes from the cache, since the canonical text did not change.
- **All or nothing.** The run row is written ``running`` first; items, the seen set and ``ok`` are written
  in one transaction at the end. An exception marks the run ``failed`` and changes nothing else, so the
  next run covers the same window again.
- **New by publish time, 补录 apart.** What a run reports was *written* in its window, but an analyst reads
  "new" as *published* since the last look: a story whose lead was published more than
  :data:`LATE_GRACE_SECONDS` before the previous run's end (a back-fill, a late feed) is marked ``late`` and
  listed apart as 补录, after the new ones. The first run has no "since": all of it is the theme so far.
- **Every story listed, the best summarized.** A digest lists every story it found; the
  :data:`MAX_SUMMARIES` most on the theme (new before 补录, 主题 before 提及, then the search score) get
  summaries and the rest are title lines, so a first run of 300 stories stays a page one reads.
- **Key figures of the theme.** The digest's figures and conflicts are read from the items about the theme
  (主题), the :data:`FIGURE_ITEMS` most relevant, every copy included, stories counted once
  (``workflow.digests.figure_items`` and ``key_figures_of_items``): a roundup that mentions the theme
  once does not fill the table with its other subjects' numbers.
- **Notified after the commit.** A run that found a story the theme never reported tells the configured
  channels (``notify/``: a signed webhook, e-mail) once its lock is released. What each channel did comes
  back in :attr:`RunResult.deliveries`; a receiver that is down never fails a committed run.
- **One runner per theme.** A lock row (owner + expiry, taken under ``BEGIN IMMEDIATE``) keeps two
  schedulers, or a scheduler and a manual run, from running the same theme at once. The run refreshes it
  (a heartbeat), and a killed run's lock is taken over at once on its own host or within minutes
  elsewhere (:mod:`themeflow.workflow.locks`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from themeflow import progress
from themeflow.config import Settings
from themeflow.errors import StoreError
from themeflow.model import Document, Hit, ItemStatus, RunItem, RunRecord, Story, Summary, Theme
from themeflow.notify import Delivery
from themeflow.report.digest import Digest, DigestItem
from themeflow.report.write import write_reports
from themeflow.store.base import WorkflowTables
from themeflow.workflow.catalog import get_theme
from themeflow.workflow.context import WorkflowContext
from themeflow.workflow.digests import (
    figure_items,
    figure_notes,
    key_figures_of_items,
    theme_checker,
    theme_words,
)
from themeflow.workflow.locks import (
    HEARTBEAT_SECONDS,
    LOCK_TTL_SECONDS,
    Heartbeat,
    describe_holder,
    make_owner,
    owner_is_gone,
)
from themeflow.workflow.notices import deliver
from themeflow.workflow.themes import describe_query, search_queries

__all__ = [
    "RunResult",
    "WorkflowBusyError",
    "make_owner",
    "run_workflow",
]

OVERLAP_SECONDS = 120.0
"""Longer than the store's busy timeout (30 s) plus a write batch, so no late commit is missed."""
MAX_SUMMARIES = 50
"""Stories summarized per run, the most on the theme first; the rest are listed by title (the theme page
summarizes them on first view)."""
LATE_GRACE_SECONDS = 12 * 3600.0
"""How long before the previous run an article may have been published and still count as new: feeds and
crawls deliver minutes to hours late, and such an article was not yet readable at the previous run. Older
than that, it is 补录."""
SEARCH_PAGE = 1000


class WorkflowBusyError(StoreError):
    """Another process holds the theme's run lock; try again when it has finished."""


@dataclass(frozen=True, slots=True)
class RunResult:
    """What :func:`run_workflow` returns: the stored run, the digest it rendered and the report paths."""

    run: RunRecord
    theme: Theme
    digest: Digest
    reports: dict[str, str] = field(default_factory=dict)
    deliveries: tuple[Delivery, ...] = ()
    """What each notification channel did (empty: none configured, or nothing new to tell)."""

    @property
    def items(self) -> tuple[DigestItem, ...]:
        return self.digest.items


@dataclass(frozen=True, slots=True)
class _Window:
    """One run's bookkeeping: its row, its theme's id, the lock owner and the write window it covers."""

    run_id: int
    theme_id: int
    owner: str
    started: float
    """Epoch seconds; the window's inclusive end."""
    start: datetime | None
    """Exclusive start: the previous successful run's end (None: the theme's first run)."""


@dataclass(frozen=True, slots=True)
class _Found:
    """What a run found: documents written in its window, those matching the theme, and those not yet
    reported in this version."""

    candidates: int
    matched: dict[str, Hit]
    fresh: dict[str, Hit]


def _dt(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def run_workflow(
    ctx: WorkflowContext,
    name: str,
    *,
    trigger: str = "manual",
    slot_at: datetime | None = None,
    owner: str | None = None,
    reports_dir: str | Path | None = None,
    write: bool = True,
    max_summaries: int = MAX_SUMMARIES,
    lock_ttl: float = LOCK_TTL_SECONDS,
    heartbeat: float = HEARTBEAT_SECONDS,
    notify: bool = True,
) -> RunResult:
    """Run theme ``name`` once over everything written since its last successful run; see module doc.

    ``lock_ttl`` and ``heartbeat`` (seconds) set how long the run lock lives without a refresh and how
    often the running run refreshes it; ``notify`` False sends no notification.
    """
    theme = get_theme(ctx.store, name)
    owner = owner or make_owner()
    workflows = ctx.store.workflows
    with workflows.writing() as wf:
        holder = wf.acquire_lock(name, owner, now=time.time(), ttl=lock_ttl, is_stale=owner_is_gone)
    if holder is not None:
        raise WorkflowBusyError(
            f"workflow {name!r} is being run by {describe_holder(holder)}; try again when it finishes,"
            f" or run `themeflow workflow unlock {name}` if that run is gone"
        )
    beat = Heartbeat(workflows, name, owner, ttl=lock_ttl, interval=heartbeat)
    try:
        window = _start_run(ctx, name, owner, trigger, slot_at)
        try:
            with beat:
                result = _execute(ctx, theme, window, beat, reports_dir, write, max_summaries)
        except BaseException as exc:
            message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            with workflows.writing() as wf:
                wf.fail_run(window.run_id, finished_at=_dt(time.time()), error=message)
            raise
    finally:
        with workflows.writing() as wf:
            wf.release_lock(name, owner)
    return replace(result, deliveries=deliver(ctx, result.run, result.digest)) if notify else result


def _start_run(
    ctx: WorkflowContext, name: str, owner: str, trigger: str, slot_at: datetime | None
) -> _Window:
    """Record the run as ``running`` (after marking runs a dead process left running as failed); its
    window starts where the last successful run ended."""
    started = time.time()
    with ctx.store.workflows.writing() as wf:
        tid = _theme_id(wf, name)
        wf.interrupt_stale_runs(tid, started)
        last = wf.last_successful_run(tid)
        window_start = last.window_end if last else None
        run_id = wf.start_run(
            theme_id=tid,
            theme=name,
            started_at=_dt(started),
            window_start=window_start,
            window_end=_dt(started),
            trigger=trigger,
            slot_at=slot_at,
        )
    return _Window(run_id, tid, owner, started, window_start)


def _theme_id(wf: WorkflowTables, name: str) -> int:
    tid = wf.theme_id(name)
    if tid is None:  # removed between reading the theme and starting its run
        from themeflow.errors import NotFoundError

        raise NotFoundError(f"no workflow named {name!r}; `themeflow workflow list` shows the saved ones")
    return tid


def _execute(
    ctx: WorkflowContext,
    theme: Theme,
    window: _Window,
    beat: Heartbeat,
    reports_dir: str | Path | None,
    write: bool,
    max_summaries: int,
) -> RunResult:
    """Find, group, summarize, render, and commit the run (all or nothing)."""
    found = _find(ctx, theme, window)

    def seen_before(ids: Sequence[str]) -> bool:
        with ctx.store.workflows.reading() as wf:
            return bool(wf.seen_hashes(window.theme_id, ids))

    spent_before = ctx.usage()
    grouped, centrality = _read_tags(
        ctx, theme, _group(ctx, found.fresh, found.matched, seen_before, window.start)
    )
    items = _summarized(ctx, theme, grouped, max_summaries, centrality)
    checker, check_notes = theme_checker(ctx, theme)
    figures = key_figures_of_items(ctx.store, figure_items(items), checker, theme_words(theme.name, theme))
    spent = tuple(after - before for after, before in zip(ctx.usage(), spent_before, strict=True))
    check = figures.result.check or {}
    spent = (spent[0] + int(check.get("prompt_tokens", 0)), spent[1] + int(check.get("completion_tokens", 0)))
    finished = time.time()
    digest = Digest(
        kind="workflow",
        title=theme.name,
        query=describe_query(theme),
        generated_at=_dt(finished),
        tz=ctx.tz,
        items=tuple(items),
        run_id=window.run_id,
        window_start=window.start,
        window_end=_dt(window.started),
        new_documents=len(found.fresh),
        figures=figures,
        notes=_notes(items, max_summaries)
        + check_notes
        + figure_notes(figures)
        + _usage_note(spent, ctx.settings),
    )
    reports: dict[str, str] = {}
    if write:
        progress.stage("writing the digest")
        folder = Path(reports_dir) if reports_dir else ctx.reports_dir / _slug(theme.name)
        reports = write_reports(digest, folder, f"run-{window.run_id:05d}")
    record = _commit(ctx, theme, window, beat, found, items, finished, reports, spent)
    return RunResult(run=record, theme=theme, digest=digest, reports=reports)


def _find(ctx: WorkflowContext, theme: Theme, window: _Window) -> _Found:
    """Documents written in the window (plus the overlap) that match the theme and were not reported in
    this version; on a theme with ``since``, the first run's backfill stays bounded by it."""
    store = ctx.store
    after = window.start.timestamp() - OVERLAP_SECONDS if window.start is not None else None
    candidates = store.document_ids_written_between(after, window.started)
    progress.stage(f"searching {len(candidates)} new or changed documents")
    matched = _matches(ctx, theme, first=window.start is None, restrict=set(candidates)) if candidates else {}
    with store.workflows.reading() as wf:
        seen = wf.seen_hashes(window.theme_id, matched)
        first_end = wf.first_successful_window_end(window.theme_id)
    since = theme.since
    if since is not None and first_end is not None and after is not None and after < first_end.timestamp():
        # The re-scanned overlap reaches into the first run's backfill, which ``since`` bounded.
        backfill = set(store.document_ids_written_between(after, first_end.timestamp()))
        matched = {i: h for i, h in matched.items() if i not in backfill or _since_ok(h.document, since)}
    fresh = {i: h for i, h in matched.items() if seen.get(i) != h.document.content_hash}
    return _Found(len(candidates), matched, fresh)


def _matches(ctx: WorkflowContext, theme: Theme, *, first: bool, restrict: set[str]) -> dict[str, Hit]:
    """Documents among ``restrict`` that match the theme: the union of one search per alternative."""
    found: dict[str, Hit] = {}
    since = theme.since if first else None
    for q in search_queries(theme):
        offset = 0
        while True:
            page = ctx.search(
                q,
                since=since,
                sources=theme.sources,
                sort="time",
                limit=SEARCH_PAGE,
                offset=offset,
                collapse=False,
                within=restrict,
            )
            for hit in page.hits:
                if hit.document.id in restrict and hit.document.id not in found:
                    found[hit.document.id] = hit
            offset += len(page.hits)
            if not page.hits or offset >= page.total:
                break
    return found


def _newest_first(item: DigestItem) -> tuple[bool, bool, float, float]:
    """New stories newest first, then the 补录 ones newest first; no publish time last in each."""
    published = item.document.published_at
    return (
        item.late,
        published is None,
        -(published.timestamp() if published else 0.0),
        -(item.score or 0.0),
    )


def _is_late(doc: Document, window_start: datetime | None) -> bool:
    """补录: published more than the grace before the previous run ended (never on a first run)."""
    if window_start is None or doc.published_at is None:
        return False
    return doc.published_at.timestamp() < window_start.timestamp() - LATE_GRACE_SECONDS


def _group(
    ctx: WorkflowContext,
    fresh: dict[str, Hit],
    matched: dict[str, Hit],
    seen_before: Callable[[Sequence[str]], bool],
    window_start: datetime | None = None,
) -> list[DigestItem]:
    """Fold fresh documents into stories; one item per story, led by its canonical document; a story is
    补录 when none of its new documents was published since the previous run (less the grace)."""
    stories: dict[str, Story] = ctx.store.stories_for(list(fresh)) if fresh else {}
    groups: dict[str, list[str]] = {}
    story_of: dict[str, Story | None] = {}
    for doc_id in fresh:
        story = stories.get(doc_id)
        key = story.id if story else f"doc:{doc_id}"
        groups.setdefault(key, []).append(doc_id)
        story_of[key] = story
    leads = {k: (s.canonical_id if s else groups[k][0]) for k, s in story_of.items()}
    missing = [lead for lead in leads.values() if lead not in matched]
    loaded: dict[str, Document] = ctx.store.get_documents(missing) if missing else {}
    items: list[DigestItem] = []
    for key, doc_ids in groups.items():
        story = story_of[key]
        lead = leads[key]
        if lead in matched:
            doc, best = matched[lead].document, matched[lead]
        elif lead in loaded:  # the canonical copy did not match (or is older than the window)
            doc, best = loaded[lead], fresh[doc_ids[0]]
        else:  # canonical vanished between reads: lead with the fresh copy instead
            doc, best = fresh[doc_ids[0]].document, fresh[doc_ids[0]]
        members = [story.canonical_id, *(c.id for c in story.copies)] if story else [doc.id]
        status: ItemStatus = "updated" if seen_before(members) else "new"
        copies = tuple(c for c in story.copies if c.id != doc.id) if story else ()
        late = all(_is_late(fresh[i].document, window_start) for i in doc_ids)
        items.append(
            DigestItem(
                document=doc,
                copies=copies,
                score=best.score,
                snippet=best.snippet if best.document.id == doc.id else None,
                story_id=story.id if story else None,
                status=status,
                new_doc_ids=tuple(doc_ids),
                aboutness=best.aboutness,
                late=late,
            )
        )
    items.sort(key=_newest_first)
    return items


def _read_tags(
    ctx: WorkflowContext, theme: Theme, items: list[DigestItem]
) -> tuple[list[DigestItem], dict[str, float]]:
    """The items with the theme's own tags: 主题/提及 as the theme page shows them (centrality, not only the
    search's document kind), and each lead's centrality for ranking. A lead the tagger has not read yet
    keeps the search's label."""
    tags = ctx.store.tags.tagged(theme.name, [it.document.id for it in items]) if items else {}
    out = [
        replace(it, aboutness=tags[it.document.id].aboutness) if it.document.id in tags else it
        for it in items
    ]
    return out, {doc_id: tag.score for doc_id, tag in tags.items()}


def _summarized(
    ctx: WorkflowContext,
    theme: Theme,
    items: list[DigestItem],
    max_summaries: int,
    centrality: dict[str, float] | None = None,
) -> list[DigestItem]:
    """The items, the ``max_summaries`` most on the theme summarized by the theme's summarizer (new before
    补录, 主题 before 提及, then by centrality and search score); the order of ``items`` is kept."""
    central = centrality or {}

    def rank(i: int) -> tuple[bool, bool, float, float]:
        it = items[i]
        return (it.late, it.aboutness == "提及", -central.get(it.document.id, 0.0), -(it.score or 0.0))

    chosen = sorted(range(len(items)), key=rank)[:max_summaries]
    picked = sorted(chosen)
    to_summarize = len(picked)
    docs = [items[i].document for i in picked]
    queries = search_queries(theme)
    if ctx.summarize_many is not None and docs:
        summaries: list[Summary | None] = list(
            ctx.summarize_many(docs, summarizer=theme.summarizer, theme=queries)
        )
    else:
        summaries = []
        for i, doc in enumerate(docs):
            progress.stage(f"summarizing {i + 1}/{to_summarize}")
            summaries.append(ctx.summarize(doc, summarizer=theme.summarizer, theme=queries))
    by_index = dict(zip(picked, summaries, strict=True))
    return [replace(item, summary=by_index.get(i)) for i, item in enumerate(items)]


def _commit(
    ctx: WorkflowContext,
    theme: Theme,
    window: _Window,
    beat: Heartbeat,
    found: _Found,
    items: list[DigestItem],
    finished: float,
    reports: dict[str, str],
    spent: tuple[int, ...] = (0, 0),
) -> RunRecord:
    """Write the run's items and seen set and mark it ``ok`` in one transaction — unless the run lost its
    lock meanwhile, in which case nothing is recorded."""
    run_items = [
        RunItem(
            run_id=window.run_id,
            position=n,
            doc_id=it.document.id,
            story_id=it.story_id,
            status=it.status or "new",
            new_doc_ids=it.new_doc_ids,
            score=it.score,
            snippet=it.snippet,
            summarized=it.summary is not None,
            aboutness=it.aboutness,
            late=it.late,
        )
        for n, it in enumerate(items, start=1)
    ]
    seen_rows = {i: (i, h.document.content_hash, h.story_id) for i, h in found.fresh.items()}
    for it in items:
        seen_rows.setdefault(it.document.id, (it.document.id, it.document.content_hash, it.story_id))
    with ctx.store.workflows.writing() as wf:
        holder = wf.lock_holder(theme.name)
        if beat.lost or holder is None or holder.owner != window.owner:
            raise WorkflowBusyError(
                f"workflow {theme.name!r} lost its run lock while running (it expired and was taken over,"
                " or was removed with `workflow unlock`); nothing was recorded — run it again"
            )
        wf.finish_run(
            window.run_id,
            finished_at=_dt(finished),
            candidates=found.candidates,
            new_documents=len(found.fresh),
            items=run_items,
            summarized=sum(1 for it in items if it.summary is not None),
            reports=reports,
            prompt_tokens=spent[0],
            completion_tokens=spent[1],
        )
        wf.mark_seen(window.theme_id, window.run_id, seen_rows.values())
        record = wf.get_run(window.run_id)
    assert record is not None, "the run row was written in this transaction"
    return record


def _since_ok(doc: Document, since: datetime) -> bool:
    return doc.published_at is not None and doc.published_at >= since


def _notes(items: Sequence[DigestItem], max_summaries: int) -> tuple[str, ...]:
    notes: list[str] = []
    late = sum(1 for it in items if it.late)
    if late:
        notes.append(f"{late} 个故事为补录：发布于上次运行之前，本次才收录，列在新故事之后。")
    if len(items) > max_summaries:
        notes.append(
            f"{len(items) - max_summaries} 个故事只列标题（每次运行最多摘要 {max_summaries} 个，"
            "按与主题的相关程度选择；主题页在首次查看时为其摘要）。"
        )
    return tuple(notes)


def _usage_note(spent: tuple[int, ...], settings: Settings) -> tuple[str, ...]:
    """What the run's LLM summaries cost, in tokens and (when prices are set) money."""
    prompt, completion = spent[0], spent[1]
    if not (prompt or completion):
        return ()
    note = f"LLM 用量：输入 {prompt:,} tokens，输出 {completion:,} tokens"
    cost = estimated_cost(prompt, completion, settings)
    if cost is not None:
        note += f"，估算费用约 {cost:.4f}（按每百万 tokens 价格设置）"
    return (note + "。",)


def estimated_cost(prompt: int, completion: int, settings: Settings) -> float | None:
    """Tokens times the configured prices per million (``llm_price_in``/``llm_price_out``); None unset."""
    price_in, price_out = settings.get("llm_price_in"), settings.get("llm_price_out")
    if not price_in and not price_out:
        return None
    try:
        return prompt / 1e6 * float(price_in or 0) + completion / 1e6 * float(price_out or 0)
    except ValueError:
        return None


def _slug(name: str) -> str:
    """A folder name for a theme: the name itself, minus characters file systems reject."""
    bad = '<>:"/\\|?*'
    return "".join("-" if ch in bad or ch.isspace() else ch for ch in name).strip("-.") or "theme"

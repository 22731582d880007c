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
- **Key figures of what the run reports.** The digest's figures and conflicts are read from the run's
  items, every copy included, with stories counted once (``report.figures.key_figures_of_items``).
- **One runner per theme.** A lock row (owner + expiry, taken under ``BEGIN IMMEDIATE``) keeps two
  schedulers, or a scheduler and a manual run, from running the same theme at once. The run refreshes it
  (a heartbeat), and a killed run's lock is taken over at once on its own host or within minutes
  elsewhere (:mod:`themeflow.workflow.locks`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from themeflow import progress
from themeflow.errors import StoreError
from themeflow.model import Document, Hit, ItemStatus, RunItem, RunRecord, Story, Summary, Theme
from themeflow.report.digest import Digest, DigestItem
from themeflow.report.figures import key_figures_of_items
from themeflow.report.write import write_reports
from themeflow.workflow.catalog import get_theme, reading, tables, writing
from themeflow.workflow.locks import (
    HEARTBEAT_SECONDS,
    LOCK_TTL_SECONDS,
    Heartbeat,
    describe_holder,
    make_owner,
    owner_is_gone,
)
from themeflow.workflow.themes import describe_query, search_queries

if TYPE_CHECKING:
    from themeflow.service import Themeflow

__all__ = [
    "RunResult",
    "WorkflowBusyError",
    "run_workflow",
    "digest_of_run",
    "make_owner",
]

OVERLAP_SECONDS = 120.0
"""Longer than the store's busy timeout (30 s) plus a write batch, so no late commit is missed."""
MAX_SUMMARIES = 100
"""Items beyond this many (newest first) are listed without a summary; they can be summarized later."""
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

    @property
    def items(self) -> tuple[DigestItem, ...]:
        return self.digest.items

    def to_dict(self) -> dict[str, Any]:
        """The ``workflow run --json`` contract (DESIGN.md), plus run bookkeeping."""
        from themeflow.report.json import digest_to_dict
        from themeflow.serialize import iso

        d = digest_to_dict(self.digest)
        return {
            "run_id": self.run.id,
            "theme": self.theme.name,
            "status": self.run.status,
            "window": {"start": iso(self.run.window_start), "end": iso(self.run.window_end)},
            "candidates": self.run.candidates,
            "new_documents": self.run.new_documents,
            "summarized": self.run.summarized,
            "items": d["items"],
            "counts": d["counts"],
            "figures": d["figures"],
            "conflicts": d["conflicts"],
            "reports": dict(self.reports),
        }


def _dt(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _summarizing_service(tf: Themeflow, theme: Theme) -> Themeflow:
    """The service to summarize with: ``tf`` itself unless the theme names a different summarizer."""
    from themeflow.service import Themeflow, make_summarizer

    default = tf.settings.get("summarizer") or "extractive"
    if theme.summarizer == default:
        return tf
    return Themeflow(tf.store, summarizer=make_summarizer(theme.summarizer), settings=tf.settings)


def _matches(tf: Themeflow, theme: Theme, *, first: bool, restrict: set[str]) -> dict[str, Hit]:
    """Documents among ``restrict`` that match the theme: the union of one search per alternative."""
    found: dict[str, Hit] = {}
    since = theme.since if first else None
    for q in search_queries(theme):
        offset = 0
        while True:
            page = tf.search(
                q,
                since=since,
                sources=theme.sources,
                sort="time",
                limit=SEARCH_PAGE,
                offset=offset,
                collapse=False,
            )
            for hit in page.hits:
                if hit.document.id in restrict and hit.document.id not in found:
                    found[hit.document.id] = hit
            offset += len(page.hits)
            if not page.hits or offset >= page.total:
                break
    return found


def _newest_first(item: DigestItem) -> tuple[bool, float, float]:
    published = item.document.published_at
    return (published is None, -(published.timestamp() if published else 0.0), -(item.score or 0.0))


def _group(
    tf: Themeflow,
    fresh: dict[str, Hit],
    matched: dict[str, Hit],
    seen_before: Callable[[Sequence[str]], bool],
) -> list[DigestItem]:
    """Fold fresh documents into stories; one item per story, led by its canonical document."""
    stories: dict[str, Story] = tf.store.stories_for(list(fresh)) if fresh else {}
    groups: dict[str, list[str]] = {}
    story_of: dict[str, Story | None] = {}
    for doc_id in fresh:
        story = stories.get(doc_id)
        key = story.id if story else f"doc:{doc_id}"
        groups.setdefault(key, []).append(doc_id)
        story_of[key] = story
    leads = {k: (s.canonical_id if s else groups[k][0]) for k, s in story_of.items()}
    missing = [lead for lead in leads.values() if lead not in matched]
    loaded: dict[str, Document] = tf.store.get_documents(missing) if missing else {}
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
        items.append(
            DigestItem(
                document=doc,
                copies=copies,
                score=best.score,
                snippet=best.snippet if best.document.id == doc.id else None,
                story_id=story.id if story else None,
                status=status,
                new_doc_ids=tuple(doc_ids),
            )
        )
    items.sort(key=_newest_first)
    return items


def run_workflow(
    tf: Themeflow,
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
) -> RunResult:
    """Run theme ``name`` once over everything written since its last successful run; see module doc.

    ``lock_ttl`` and ``heartbeat`` (seconds) set how long the run lock lives without a refresh and how
    often the running run refreshes it.
    """
    theme = get_theme(tf, name)
    wf = tables(tf.store)
    owner = owner or make_owner()
    with writing(tf.store) as conn:
        holder = wf.acquire_lock(conn, name, owner, now=time.time(), ttl=lock_ttl, is_stale=owner_is_gone)
    if holder is not None:
        raise WorkflowBusyError(
            f"workflow {name!r} is being run by {describe_holder(holder)}; try again when it finishes,"
            f" or run `themeflow workflow unlock {name}` if that run is gone"
        )
    beat = Heartbeat(str(tf.store.path), name, owner, ttl=lock_ttl, interval=heartbeat)  # type: ignore[attr-defined]
    try:
        started = time.time()
        with writing(tf.store) as conn:
            tid = wf.theme_id(conn, name)
            wf.interrupt_stale_runs(conn, tid, started)
            last = wf.last_successful_run(conn, tid)
            window_start = last.window_end if last else None
            run_id = wf.start_run(
                conn,
                theme_id=tid,
                theme=name,
                started_at=_dt(started),
                window_start=window_start,
                window_end=_dt(started),
                trigger=trigger,
                slot_at=slot_at,
            )
        try:
            with beat:
                return _execute(
                    tf,
                    theme,
                    tid,
                    run_id,
                    owner,
                    beat,
                    started,
                    window_start,
                    reports_dir,
                    write,
                    max_summaries,
                )
        except BaseException as exc:
            message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            with writing(tf.store) as conn:
                wf.fail_run(conn, run_id, finished_at=_dt(time.time()), error=message)
            raise
    finally:
        with writing(tf.store) as conn:
            wf.release_lock(conn, name, owner)


def _execute(
    tf: Themeflow,
    theme: Theme,
    tid: int,
    run_id: int,
    owner: str,
    beat: Heartbeat,
    started: float,
    window_start: datetime | None,
    reports_dir: str | Path | None,
    write: bool,
    max_summaries: int,
) -> RunResult:
    wf = tables(tf.store)
    after = window_start.timestamp() - OVERLAP_SECONDS if window_start is not None else None
    candidates = tf.store.document_ids_written_between(after, started)  # type: ignore[attr-defined]
    progress.stage(f"searching {len(candidates)} new or changed documents")
    matched = _matches(tf, theme, first=window_start is None, restrict=set(candidates)) if candidates else {}
    with reading(tf.store) as conn:
        seen = wf.seen_hashes(conn, tid, matched)
        first_end = wf.first_successful_window_end(conn, tid)
    if (
        theme.since is not None
        and first_end is not None
        and after is not None
        and after < first_end.timestamp()
    ):
        # The re-scanned overlap reaches into the first run's backfill, which ``since`` bounded.
        backfill = set(tf.store.document_ids_written_between(after, first_end.timestamp()))  # type: ignore[attr-defined]
        matched = {
            i: h for i, h in matched.items() if i not in backfill or _since_ok(h.document, theme.since)
        }
    fresh = {i: h for i, h in matched.items() if seen.get(i) != h.document.content_hash}

    def seen_before(ids: Sequence[str]) -> bool:
        with reading(tf.store) as conn:
            return bool(wf.seen_hashes(conn, tid, ids))

    items = _group(tf, fresh, matched, seen_before)
    summarizer = _summarizing_service(tf, theme)
    done: list[DigestItem] = []
    to_summarize = min(len(items), max_summaries)
    for i, item in enumerate(items):
        if i < to_summarize:
            progress.stage(f"summarizing {i + 1}/{to_summarize}")
        summary: Summary | None = summarizer.summarize(item.document) if i < max_summaries else None
        done.append(_with_summary(item, summary))
    finished = time.time()
    digest = Digest(
        kind="workflow",
        title=theme.name,
        query=describe_query(theme),
        generated_at=_dt(finished),
        tz=tf.settings.timezone,
        items=tuple(done),
        run_id=run_id,
        window_start=window_start,
        window_end=_dt(started),
        new_documents=len(fresh),
        figures=key_figures_of_items(tf.store, done),
        notes=_notes(len(items), max_summaries),
    )
    reports: dict[str, str] = {}
    if write:
        progress.stage("writing the digest")
        folder = Path(reports_dir) if reports_dir else tf.settings.reports_dir / _slug(theme.name)
        reports = write_reports(digest, folder, f"run-{run_id:05d}")
    run_items = [
        RunItem(
            run_id=run_id,
            position=n,
            doc_id=it.document.id,
            story_id=it.story_id,
            status=it.status or "new",
            new_doc_ids=it.new_doc_ids,
            score=it.score,
            snippet=it.snippet,
            summarized=it.summary is not None,
        )
        for n, it in enumerate(done, start=1)
    ]
    seen_rows = {i: (i, h.document.content_hash, h.story_id) for i, h in fresh.items()}
    for it in done:
        seen_rows.setdefault(it.document.id, (it.document.id, it.document.content_hash, it.story_id))
    with writing(tf.store) as conn:
        holder = wf.lock_holder(conn, theme.name)
        if beat.lost or holder is None or holder.owner != owner:
            raise WorkflowBusyError(
                f"workflow {theme.name!r} lost its run lock while running (it expired and was taken over,"
                " or was removed with `workflow unlock`); nothing was recorded — run it again"
            )
        wf.finish_run(
            conn,
            run_id,
            finished_at=_dt(finished),
            candidates=len(candidates),
            new_documents=len(fresh),
            items=run_items,
            summarized=sum(1 for it in done if it.summary is not None),
            reports=reports,
        )
        wf.mark_seen(conn, tid, run_id, seen_rows.values())
        record = wf.get_run(conn, run_id)
    return RunResult(run=record, theme=theme, digest=digest, reports=reports)


def _since_ok(doc: Document, since: datetime) -> bool:
    return doc.published_at is not None and doc.published_at >= since


def _with_summary(item: DigestItem, summary: Summary | None) -> DigestItem:
    from dataclasses import replace

    return replace(item, summary=summary)


def _notes(n_items: int, max_summaries: int) -> tuple[str, ...]:
    if n_items <= max_summaries:
        return ()
    return (f"{n_items - max_summaries} 个较早的故事未摘要（每次运行最多摘要 {max_summaries} 个）。",)


def _slug(name: str) -> str:
    """A folder name for a theme: the name itself, minus characters file systems reject."""
    bad = '<>:"/\\|?*'
    return "".join("-" if ch in bad or ch.isspace() else ch for ch in name).strip("-.") or "theme"


def digest_of_run(tf: Themeflow, run_id: int) -> Digest:
    """Rebuild the digest of a stored run (for ``themeflow report --run ID``): items as recorded, copies
    as the stories stand now, summaries from the cache."""
    from themeflow.errors import NotFoundError

    wf = tables(tf.store)
    with reading(tf.store) as conn:
        run: RunRecord | None = wf.get_run(conn, run_id)
        if run is None:
            raise NotFoundError(
                f"no workflow run with id {run_id}; `themeflow workflow show NAME` lists runs"
            )
        stored: list[RunItem] = wf.run_items(conn, run_id)
        theme = wf.get_theme(conn, run.theme)
    docs = tf.store.get_documents([it.doc_id for it in stored])
    stories = tf.store.stories_for([it.doc_id for it in stored])
    summarizer = _summarizing_service(tf, theme) if theme is not None else tf
    items: list[DigestItem] = []
    for it in stored:
        doc = docs.get(it.doc_id)
        if doc is None:
            continue
        story = stories.get(it.doc_id)
        items.append(
            DigestItem(
                document=doc,
                summary=summarizer.summarize(doc) if it.summarized else None,
                copies=tuple(c for c in story.copies if c.id != doc.id) if story else (),
                score=it.score,
                snippet=it.snippet,
                story_id=it.story_id,
                status=it.status,
                new_doc_ids=it.new_doc_ids,
            )
        )
    notes = () if len(items) == len(stored) else (f"{len(stored) - len(items)} 篇文档已从库中删除。",)
    return Digest(
        kind="workflow",
        title=run.theme,
        query=describe_query(theme) if theme is not None else run.theme,
        generated_at=datetime.now(UTC),
        tz=tf.settings.timezone,
        items=tuple(items),
        run_id=run.id,
        window_start=run.window_start,
        window_end=run.window_end,
        new_documents=run.new_documents,
        figures=key_figures_of_items(tf.store, items),
        notes=notes,
    )

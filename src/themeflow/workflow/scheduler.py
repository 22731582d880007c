"""Run saved workflows when they are due: ``themeflow scheduler [--once]`` (and, later, inside ``serve``).

All state lives in the database, so a scheduler can be stopped and restarted (or run from cron with
``--once``) without skipping or repeating a window:
- *when* a theme is due comes from its last successful run's slot and its schedule
  (:mod:`themeflow.schedule`); a scheduler that was down runs a missed theme once, and that run's window
  reaches back to the previous success, so nothing is skipped;
- *what* a run covers comes from the run history and the theme's seen set (:mod:`.runner`), so running
  twice reports nothing twice;
- *who* runs it is decided by the theme's lock row: a second scheduler finds it held and skips the theme.

A failed run does not move the schedule; the theme is retried after :data:`RETRY_AFTER` rather than on
every tick, so a broken theme does not hammer the store.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from themeflow.errors import ThemeflowError
from themeflow.schedule import latest_slot, next_due, parse_schedule
from themeflow.workflow.context import WorkflowContext
from themeflow.workflow.runner import RunResult, WorkflowBusyError, make_owner, run_workflow

__all__ = ["RETRY_AFTER", "Due", "Outcome", "due_workflows", "run_due", "run_forever"]

RETRY_AFTER = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Due:
    """A scheduled theme's state: when it is next due and which slot a run now would be recorded for."""

    name: str
    schedule: str
    next_due: datetime
    slot: datetime
    due: bool
    last_success: datetime | None
    retry_at: datetime | None = None
    """Set when the last run failed recently: not before this time."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the scheduler did with one due theme."""

    name: str
    status: Literal["ok", "failed", "busy"]
    result: RunResult | None = None
    error: str | None = None


def due_workflows(ctx: WorkflowContext, *, now: datetime | None = None) -> list[Due]:
    """Every scheduled theme with its next due time (due ones first); on-demand themes are left out."""
    tz = ctx.tz
    now = now or datetime.now(UTC)
    out: list[Due] = []
    with ctx.store.workflows.reading() as wf:
        for theme in wf.list_themes():
            tid = wf.theme_id(theme.name)
            if not theme.schedule or tid is None:
                continue
            schedule = parse_schedule(theme.schedule)
            last = wf.last_successful_run(tid)
            latest = wf.last_run(tid)
            anchor = (last.slot_at or last.started_at) if last else None
            nxt = next_due(schedule, anchor, now=now, tz=tz)
            retry_at = None
            if latest is not None and latest.status == "failed" and latest.finished_at is not None:
                if last is None or latest.id > last.id:
                    retry_at = latest.finished_at + RETRY_AFTER
            due = nxt <= now and (retry_at is None or retry_at <= now)
            out.append(
                Due(
                    name=theme.name,
                    schedule=theme.schedule,
                    next_due=max(nxt, retry_at) if retry_at else nxt,
                    slot=latest_slot(schedule, anchor, now=now, tz=tz),
                    due=due,
                    last_success=last.finished_at if last else None,
                    retry_at=retry_at,
                )
            )
    out.sort(key=lambda d: (not d.due, d.next_due))
    return out


def run_due(
    ctx: WorkflowContext,
    *,
    now: datetime | None = None,
    owner: str | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Run every theme that is due now, one after another; a failure in one never stops the others."""
    owner = owner or make_owner()
    outcomes: list[Outcome] = []
    for due in due_workflows(ctx, now=now):
        if not due.due:
            continue
        try:
            result = run_workflow(ctx, due.name, trigger="scheduler", slot_at=due.slot, owner=owner)
        except WorkflowBusyError as exc:
            outcome = Outcome(due.name, "busy", error=str(exc))
        except ThemeflowError as exc:
            outcome = Outcome(due.name, "failed", error=str(exc))
        except Exception as exc:  # a bug in one theme's run must not kill the scheduler; it is recorded
            outcome = Outcome(due.name, "failed", error=f"{type(exc).__name__}: {exc}")
        else:
            outcome = Outcome(due.name, "ok", result=result)
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
    return outcomes


def run_forever(
    ctx: WorkflowContext,
    *,
    interval: float = 60.0,
    stop: threading.Event | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> None:
    """Check for due themes every ``interval`` seconds until ``stop`` is set (or Ctrl-C)."""
    stop = stop or threading.Event()
    owner = make_owner()
    while not stop.is_set():
        run_due(ctx, owner=owner, on_outcome=on_outcome)
        stop.wait(interval)

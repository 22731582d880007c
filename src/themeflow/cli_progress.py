"""Progress displays for the long commands: a bar with total, rate and ETA when the size is known, a
spinner with counts when it is not, and named stages for multi-step work (workflow run, report, figures).

Everything here draws on stderr and only when stderr is a terminal and the user did not ask for
``--quiet`` or ``--json``: piped output and CI logs stay clean.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from themeflow import progress

if TYPE_CHECKING:
    from themeflow.cli_common import LazyConsole
    from themeflow.model import IngestReport
    from themeflow.service import Themeflow

__all__ = ["estimate_records", "ingest_with_progress", "stages"]

_LINE_RECORDS = frozenset({".jsonl", ".ndjson", ".csv", ".tsv"})
"""Formats with one record per line: a newline count is their size (CSV's quoted newlines may add a few
more lines than records; the bar then finishes early, never overshoots)."""
_ONE_RECORD = frozenset({".html", ".htm", ".md", ".markdown", ".txt", ".pdf"})
_COUNT_CHUNK = 1 << 20


def _count_lines(path: Path) -> int:
    """Lines, read in 1 MB chunks (about 50 ms per 100 MB): the size of a line-record file."""
    lines = 0
    last = b"\n"
    with path.open("rb") as fh:
        while chunk := fh.read(_COUNT_CHUNK):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")


def estimate_records(targets: Sequence[str]) -> int | None:
    """How many records ``targets`` hold, when that can be known before reading: plain local files only.

    Folders, globs, feeds and URLs have no size until they are read, so they give ``None`` and the
    display falls back to a spinner with counts.
    """
    total = 0
    for target in targets:
        if "://" in target or any(c in target for c in "*?[") or glob.has_magic(target):
            return None
        path = Path(target)
        if not path.is_file():
            if path.exists():
                return None
            total += 1  # reported as one failed record
            continue
        suffix = path.suffix.lower()
        if suffix in _LINE_RECORDS:
            try:
                total += _count_lines(path)
            except OSError:
                total += 1
        elif suffix in _ONE_RECORD:
            total += 1
        else:
            return None
    return total


def ingest_with_progress(
    tf: Themeflow,
    targets: list[str],
    field_map: dict[str, str],
    *,
    console: LazyConsole,
    quiet: bool,
    ray: bool = False,
    ray_address: str | None = None,
) -> IngestReport:
    """Run the ingest, drawing a bar (known size) or a spinner (unknown) on a terminal."""
    if quiet or not console.is_terminal:
        return tf.ingest(targets, field_map=field_map, ray=ray, ray_address=ray_address)
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    total = estimate_records(targets)
    counts = TextColumn("{task.fields[failed]} failed · {task.fields[rate]} docs/s")
    if total:
        columns = [
            TextColumn("[bold]ingest"),
            BarColumn(bar_width=None),
            TaskProgressColumn(),
            MofNCompleteColumn(),
            counts,
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
        ]
    else:
        columns = [
            SpinnerColumn(),
            TextColumn("[bold]ingest"),
            TextColumn("{task.completed:.0f} read ·"),
            counts,
            TimeElapsedColumn(),
            TextColumn("{task.fields[where]}", style="dim"),
        ]
    # A bar of known size is redrawn from the progress callback, not by rich's refresh thread: a bulk local
    # ingest forks its reader and workers only from a process without other threads (cluster/writers.py).
    with Progress(*columns, console=console.console, transient=True, auto_refresh=total is None) as bar:
        task = bar.add_task("ingest", total=total, failed=0, rate="-", where="")

        def on_progress(report: IngestReport, where: str | None) -> None:
            if report.read % 25 and report.read != 1:
                return
            grown = total is not None and report.read > total
            bar.update(
                task,
                completed=report.read,
                total=report.read if grown else total,
                failed=report.failed,
                rate=f"{report.docs_per_second:.0f}",
                where=_short(where),
            )
            if total is not None:
                bar.refresh()

        return tf.ingest(
            targets, field_map=field_map, on_progress=on_progress, ray=ray, ray_address=ray_address
        )


def _short(where: str | None, width: int = 40) -> str:
    if not where:
        return ""
    return where if len(where) <= width else "…" + where[-(width - 1) :]


@contextmanager
def stages(console: LazyConsole, title: str, *, quiet: bool) -> Iterator[None]:
    """Show ``title: <current stage>`` with a spinner while the body runs; stages come from
    :func:`themeflow.progress.stage` calls deep in the service, without the service knowing of a terminal."""
    if quiet or not console.is_terminal or os.environ.get("THEMEFLOW_NO_PROGRESS"):
        yield
        return
    with console.console.status(f"[bold]{title}[/bold] …") as status:

        def show(text: str) -> None:
            status.update(f"[bold]{title}[/bold] · {text}")

        with progress.reporting(show):
            yield

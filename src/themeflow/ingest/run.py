"""The ingest loop: every item read is counted into the report, documents are handed on in batches.

Why apart from the service: who writes a batch (the open store, or a Ray task on a cluster) is the
caller's choice (``cluster/writers.py``); how items become batches — errors listed, not raised; an id
taken twice in one read disambiguated; a batch's repeats counted as unchanged — is the same for all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence

from themeflow.ingest.batch import dedupe_batch, disambiguate
from themeflow.model import Document, IngestError, IngestReport, WriteOutcome

__all__ = ["Submit", "count_into", "ingest_items"]

Submit = Callable[[Sequence[Document], Callable[[list[WriteOutcome]], None]], None]
"""``(batch, done)``: write one batch; ``done`` gets its outcomes (new, updated, unchanged) once written."""


def count_into(report: IngestReport) -> Callable[[list[WriteOutcome]], None]:
    """A ``done`` callback adding a batch's outcomes to ``report``."""

    def count(outcomes: list[WriteOutcome]) -> None:
        for outcome in outcomes:
            setattr(report, outcome, getattr(report, outcome) + 1)

    return count


def ingest_items(
    items: Iterable[Document | IngestError],
    submit: Submit,
    report: IngestReport,
    *,
    batch_size: int,
    on_progress: Callable[[IngestReport, str | None], None] | None = None,
) -> None:
    """Count every item into ``report`` (failures listed) and hand the documents to ``submit``,
    ``batch_size`` at a time, each batch without repeats."""
    t0 = time.perf_counter()
    batch: list[Document] = []
    written: dict[str, str] = {}
    done = count_into(report)

    def flush() -> None:
        if batch:
            unique = dedupe_batch(batch)
            submit(unique, done)
            report.unchanged += len(batch) - len(unique)
            batch.clear()

    for item in items:
        report.read += 1
        if isinstance(item, IngestError):
            report.failed += 1
            report.errors.append(item)
        else:
            item = disambiguate(item, written)
            batch.append(item)
            if len(batch) >= batch_size:
                flush()
        if on_progress is not None:
            report.seconds = time.perf_counter() - t0
            on_progress(report, item.origin if isinstance(item, Document) else item.source)
    flush()

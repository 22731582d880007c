"""Whole-store commands: ``themeflow migrate`` (a store copied into another, verified) and
``themeflow summarize --all`` (every document's summary made and cached, here or as Ray tasks).

Kept apart from ``cli.py`` like the workflow commands; :func:`register` attaches ``migrate``. Nothing heavy
is imported until a command runs.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Annotated

import typer

from themeflow.cli_common import JsonOption, QuietOption, err, open_themeflow, out, print_json

if TYPE_CHECKING:
    from themeflow.service import Themeflow

BATCH = 50
"""Documents per summarize task (one store write per summary; a task is a few seconds of work)."""

_services: dict[tuple[str, str | None], Themeflow] = {}
_lock = threading.Lock()


def migrate(
    source: Annotated[
        str, typer.Option("--from", help="The store to copy: a SQLite file or a postgresql:// URL.")
    ],
    destination: Annotated[
        str, typer.Option("--to", help="A new, empty store to copy it into (postgresql://… or a file).")
    ],
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Copy a whole store into a new one (SQLite to PostgreSQL or back) and verify the copy, table by
    table, by row counts and checksums."""
    from themeflow.store import open_store
    from themeflow.store.transfer import as_dict, copy_store

    def progress(table: str, rows: int) -> None:
        if not quiet and not as_json and err.console.is_terminal:  # nothing on a pipe
            err.console.print(f"copying {table}: {rows:,}", end="\r", highlight=False)

    src = open_store(source, read_only=True)
    try:
        dst = open_store(destination)
        try:
            report = copy_store(src, dst, on_progress=progress)
        finally:
            dst.close()
    finally:
        src.close()
    if as_json:
        print_json(as_dict(report))
        return
    for check in report.checks:
        out.print(f"{check.table:<14} {check.rows:>9,} rows  checksum {check.source_checksum[:16]}  ok")
    out.print(f"copied {report.source} -> {report.destination}: every table verified")


def summarize_batch(location: str, doc_ids: list[str], summarizer: str | None) -> int:
    """One batch of summaries, made (or found cached) and kept by a worker's own service on the shared
    store; the summaries are exactly the ones ``themeflow summarize ID`` makes. Returns the batch's size."""
    with _lock:
        tf = _services.get((location, summarizer))
        if tf is None:
            tf = _services[(location, summarizer)] = open_themeflow(location, summarizer=summarizer)
    docs = tf.documents(doc_ids)
    tf.summarize_many([docs[d] for d in doc_ids if d in docs])
    return len(docs)


def summarize_all(
    db: str | None, summarizer: str | None, *, since: str | None, ray: bool, address: str | None
) -> None:
    """Every stored document (published since ``since``) summarized and cached: the summaries a theme
    page or digest shows are then read, not made. With ``ray`` the batches run as Ray tasks writing into
    the shared store (``cluster/ray_pool.py``)."""
    with open_themeflow(db, summarizer=summarizer) as tf:
        ids = _document_ids(tf, since)
        location = str(tf.settings.get("db") or tf.settings.db_path)
    t0 = time.perf_counter()
    batches = [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]
    counted: list[int] = []
    if ray:
        from themeflow.cluster.ray_pool import RayPool, shared_location

        shared = shared_location(location)
        pool = RayPool(summarize_batch, address=address)
        try:
            for part in batches:
                pool.submit(counted.append, shared, part, summarizer)
        finally:
            pool.close()
    else:
        counted = [summarize_batch(location, part, summarizer) for part in batches]
    seconds = time.perf_counter() - t0
    err.print(
        f"summarized {sum(counted)} documents in {seconds:.1f} s (cached summaries reused)", markup=False
    )


def _document_ids(tf: Themeflow, since: str | None) -> list[str]:
    from themeflow.dates import as_datetime

    bound = as_datetime(since, tf.settings.timezone, end=False, flag="--since")
    return [
        d.id
        for d in tf.store.iter_documents()
        if bound is None or (d.published_at is not None and d.published_at >= bound)
    ]


def register(app: typer.Typer) -> None:
    """Attach ``migrate`` to the main app (``summarize --all`` is an option of ``summarize``)."""
    app.command("migrate")(migrate)

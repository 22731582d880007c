"""Read and normalize in a child process while this one writes.

Why: parsing records and normalizing their text (encodings, boilerplate, paragraphs, times) is a fifth of a
bulk ingest's time and needs nothing the writer has, so on a machine with a second core it can run beside
the writer. The items come back in order, in chunks, through a bounded queue (the reader never runs far
ahead of the writer, so memory stays bounded), exactly as the reader yields them: documents and the
errors of bad records alike.

When it is used (:func:`read_in_background`): only for local files of at least :data:`MIN_BYTES` in all, and
only where the child can be forked from a process without other threads (Linux). Feeds and URLs, small
reads and processes with threads (the web app, the scheduler) read in this process, as before.
"""

from __future__ import annotations

import multiprocessing
import queue
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from themeflow.errors import InputError
from themeflow.model import Document, IngestError
from themeflow.processes import die_with_parent

__all__ = ["CHUNK", "MIN_BYTES", "read_in_background", "worth_reading_in_background"]

CHUNK = 200
"""Items per message: pickling costs ~30 µs a document, sending a message far more than one item."""

DEPTH = 8
"""Chunks the reader may be ahead of the writer."""

MIN_BYTES = 4_000_000
"""Local input from which a background reader pays: below it (about a thousand news articles) the fork and
the queue cost more than the overlap saves."""

POLL_SECONDS = 1.0

Item = Document | IngestError


def _local_bytes(targets: Sequence[str]) -> int | None:
    """Total size of ``targets`` when every one is a local file or folder, else None."""
    total = 0
    for target in targets:
        if target.startswith(("http://", "https://")):
            return None
        path = Path(target)
        if path.is_file():
            total += path.stat().st_size
        elif path.is_dir():
            total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        else:
            return None  # a glob or a missing path: read here, where its error is reported as before
    return total


def worth_reading_in_background(targets: Sequence[str]) -> bool:
    """Whether ``targets`` are local, large enough, and this process may fork (see the module doc)."""
    if sys.platform != "linux" or threading.active_count() != 1:
        return False
    size = _local_bytes(targets)
    return size is not None and size >= MIN_BYTES


def _produce(read: Callable[[], Iterable[Item]], out: Any) -> None:
    """The child: read everything, send it in chunks, then ``done`` (or the exception that stopped it)."""
    die_with_parent()
    chunk: list[Item] = []
    try:
        for item in read():
            chunk.append(item)
            if len(chunk) >= CHUNK:
                out.put(("items", chunk))
                chunk = []
        if chunk:
            out.put(("items", chunk))
        out.put(("done", None))
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent, which raises it
        try:
            if chunk:  # what was read before the failure is written, as in one process
                out.put(("items", chunk))
            out.put(("error", exc))
        except Exception:  # an exception that cannot be pickled goes back as its message
            out.put(("error", InputError(f"reading failed: {exc}")))
    finally:
        out.close()
        out.join_thread()


def read_in_background(read: Callable[[], Iterable[Item]]) -> Iterator[Item]:
    """The items of ``read()``, read by a forked child process (call only where
    :func:`worth_reading_in_background` says so). An exception in the reader is raised here; a reader that
    dies without one is an :class:`~themeflow.errors.InputError`; stopping early stops the child."""
    context = multiprocessing.get_context("fork")
    channel = context.Queue(maxsize=DEPTH)
    child = context.Process(target=_produce, args=(read, channel), name="themeflow-reader", daemon=True)
    child.start()
    try:
        while True:
            try:
                kind, payload = channel.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if not child.is_alive():
                    raise InputError(
                        f"the reader process stopped without finishing (exit code {child.exitcode})"
                    ) from None
                continue
            if kind == "items":
                yield from payload
            elif kind == "error":
                raise payload
            else:
                return
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=10)
        channel.close()
        channel.join_thread()

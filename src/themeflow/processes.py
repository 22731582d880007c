"""Child processes that never outlive the process that started them.

Why: an ingest's reader and its worker processes block on queues their parent feeds. If the parent is
killed (``kill -9``, the OOM killer) those queues never close, and the children would wait — or keep reading
a 10 GB file — forever, holding memory and a database snapshot. On Linux the kernel can kill a child when
its parent dies; elsewhere a child notices at its next queue read.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import multiprocessing.context
import os
import signal
import sys
import threading
from collections.abc import Sequence

__all__ = ["die_with_parent", "lower_priority", "worker_context"]

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Have the kernel SIGKILL this process when its parent dies (Linux ``prctl``); exit at once if the parent
    is already gone (this process was handed to init before it could ask)."""
    if sys.platform != "linux":
        return
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:
        os._exit(1)


def lower_priority(increment: int) -> None:
    """Run this process ``increment`` nice levels below where it runs now (Unix), so that the processes it
    works for get the cores first when they need them; nothing where a priority cannot be lowered."""
    with contextlib.suppress(AttributeError, OSError):  # no os.nice (Windows), or the system refuses
        os.nice(increment)


def worker_context(preload: Sequence[str]) -> multiprocessing.context.BaseContext:
    """How worker processes start.

    - **Fork**, on Linux when this process runs no other thread: the workers start with what this process
      has loaded (the analyzer's dictionary, the lexicon), and nothing of the caller is run again. (A pool
      forks every worker at its first task, from this thread, before its own manager thread exists.)
    - **A fork server** otherwise (the web app and the scheduler hold threads, whose locks a forked child
      would inherit mid-use): it imports the ``preload`` modules first. Like any fork server or spawn start
      it imports the caller's ``__main__``, so a script that ingests from its top level needs the usual
      ``if __name__ == "__main__":`` guard when it runs threads.
    - **Spawn** where there is no fork server (Windows).
    """
    if sys.platform == "linux" and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    try:
        context = multiprocessing.get_context("forkserver")
    except ValueError:
        return multiprocessing.get_context("spawn")
    context.set_forkserver_preload(list(preload))
    return context

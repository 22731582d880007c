"""Child processes that never outlive the process that started them.

Why: an ingest's reader and its worker processes block on queues their parent feeds. If the parent is
killed (``kill -9``, the OOM killer) those queues never close, and the children would wait — or keep reading
a 10 GB file — forever, holding memory and a database snapshot. On Linux the kernel can kill a child when
its parent dies; elsewhere a child notices at its next queue read.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

__all__ = ["die_with_parent"]

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

"""Run locks that do not outlive their run: owner liveness, a heartbeat, and a manual unlock.

One run per theme at a time is enforced by a lock row (the store's ``WorkflowTables.acquire_lock``). A process that is
killed (``kill -9``, OOM, a closed laptop lid that never reopens) cannot release it, so:

- **The owner names its process** (``host:pid:thread:nonce``). A lock whose owner is on this host and
  whose process no longer exists (or is a zombie) is stale at once: the next run or scheduler takes it.
- **A heartbeat keeps a live lock alive.** The lock expires :data:`LOCK_TTL_SECONDS` after its last
  refresh, and a running run refreshes it every :data:`HEARTBEAT_SECONDS` from a background thread — so
  a lock held by a dead process on *another* host frees itself within minutes, not an hour, while a run
  that legitimately takes an hour keeps its lock.
- **A run that lost its lock does not commit.** If the heartbeat finds the lock taken over (the process
  was suspended past the expiry) the run fails instead of reporting what the new owner also reports.
- ``themeflow workflow unlock NAME`` removes a lock by hand (refusing, without ``--force``, one whose
  process is alive on this host or whose heartbeat is still fresh).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from themeflow.errors import InputError, StoreError
from themeflow.model import LockHolder
from themeflow.store.base import Store, WorkflowStore
from themeflow.workflow.catalog import get_theme

__all__ = [
    "HEARTBEAT_SECONDS",
    "LOCK_TTL_SECONDS",
    "Heartbeat",
    "Unlocked",
    "describe_holder",
    "make_owner",
    "owner_is_gone",
    "unlock_workflow",
]

LOCK_TTL_SECONDS = 300.0
"""A lock not refreshed for this long is taken over: its owner died or hangs."""
HEARTBEAT_SECONDS = 30.0
"""How often a running run refreshes its lock (well inside the TTL, so a slow write never loses it)."""

log = logging.getLogger("themeflow.workflow")


def make_owner() -> str:
    """A lock owner id unique to this process and thread: ``host:pid:thread:nonce``."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex[:8]}"


def _host_pid(owner: str) -> tuple[str, int] | None:
    parts = owner.split(":")
    if len(parts) < 2 or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1])


def _process_exists(pid: int) -> bool:
    """Whether ``pid`` is a live process here (a zombie — killed, not yet reaped — counts as gone)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    except OSError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True  # no /proc (macOS): the signal check is all there is
    return state not in ("Z", "X")


def owner_is_gone(owner: str) -> bool:
    """True when ``owner`` was a process on this host that no longer runs. Owners on other hosts are never
    judged here (their heartbeat expiry is): a PID means nothing across machines."""
    parsed = _host_pid(owner)
    if parsed is None:
        return False
    host, pid = parsed
    return host == socket.gethostname() and not _process_exists(pid)


def describe_holder(holder: LockHolder) -> str:
    """``host-a:1234:… (process 1234 on host-a; lock kept until … UTC unless refreshed)`` for messages."""
    parsed = _host_pid(holder.owner)
    who = f"process {parsed[1]} on {parsed[0]}; " if parsed else ""
    return f"{holder.owner} ({who}lock kept until {holder.expires_at:%Y-%m-%d %H:%M:%S} UTC unless refreshed)"


class Heartbeat:
    """Refreshes a run's lock every ``interval`` seconds from a daemon thread.

    Each refresh goes through :meth:`WorkflowStore.refresh_lock`, which is safe from any thread and keeps
    no connection open between beats, so a server that runs workflows for weeks collects nothing per run.
    """

    def __init__(
        self, workflows: WorkflowStore, name: str, owner: str, *, ttl: float, interval: float
    ) -> None:
        self.workflows = workflows
        self.name = name
        self.owner = owner
        self.ttl = ttl
        self.interval = interval
        self.lost = False
        """Set when a refresh found the lock no longer ours; the run must not commit."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"themeflow-lock-{name}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                kept = self.workflows.refresh_lock(self.name, self.owner, now=time.time(), ttl=self.ttl)
            except StoreError as exc:  # busy or briefly unavailable: the next beat retries
                log.warning("could not refresh the lock of workflow %r: %s", self.name, exc)
                continue
            if not kept:
                self.lost = True
                log.error("workflow %r lost its run lock (it expired and was taken over)", self.name)
                return


@dataclass(frozen=True, slots=True)
class Unlocked:
    """What ``workflow unlock`` did: the lock it removed (None: there was none) and runs marked failed."""

    holder: LockHolder | None
    interrupted_runs: int = 0


def unlock_workflow(store: Store, name: str, *, force: bool = False) -> Unlocked:
    """Remove the run lock of theme ``name`` and mark the runs its holder left ``running`` as failed.

    Without ``force`` a lock is only removed when its holder is gone (a dead process on this host) or its
    heartbeat expired; a live holder on this host, or a fresh heartbeat from another host, is refused
    with the reason, because removing it would let two runs report the same window.
    """
    get_theme(store, name)  # NotFoundError for an unknown theme
    now = time.time()
    with store.workflows.writing() as wf:
        holder = wf.lock_holder(name)
        if holder is None:
            return Unlocked(None)
        fresh = holder.expires_at > datetime.fromtimestamp(now, UTC)
        if fresh and not force and not owner_is_gone(holder.owner):
            parsed = _host_pid(holder.owner)
            here = parsed is not None and parsed[0] == socket.gethostname()
            why = "that process is still running" if here else "its heartbeat is fresh (another host)"
            raise InputError(
                f"workflow {name!r} is locked by {describe_holder(holder)} and {why}; "
                "stop that run first, or pass --force if you are sure it is gone"
            )
        wf.release_lock(name)
        tid = wf.theme_id(name)
        interrupted = wf.interrupt_stale_runs(tid, now) if tid is not None else 0
    return Unlocked(holder, interrupted)

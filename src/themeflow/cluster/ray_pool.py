"""Run a stage's batches as Ray tasks, with backpressure and retries (``themeflow[ray]``).

Why this shape:
- **Backpressure.** At most ``max_in_flight`` batches are outstanding (two per CPU of the cluster by
  default); the driver waits for one to finish before submitting the next, so a backfill of millions of
  articles never queues them all in Ray's object store.
- **Nothing lost, nothing twice.** Every task here writes one batch as one transaction and is idempotent
  (re-writing a stored document leaves it unchanged; re-embedding replaces a vector). A worker killed
  mid-batch rolls its transaction back and Ray runs the task again (``MAX_RETRIES``), as it does after a
  store error; the result that comes back is the attempt that finished.
- **Only a shared store.** Workers on other machines cannot write a SQLite file on this one, so a Ray stage
  needs ``THEMEFLOW_DB=postgresql://…`` (with credentials the workers can use).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from typing import Any

from themeflow.errors import ConfigError, NotAvailableError, StoreError

__all__ = ["MAX_RETRIES", "RayPool", "shared_location"]

MAX_RETRIES = 5
"""Attempts after the first for a batch whose worker died (a killed process, a lost node) or whose store
write failed."""


def shared_location(location: str) -> str:
    """``location`` if the cluster's workers can reach it (a PostgreSQL URL); else a clear error."""
    if not location.startswith(("postgresql://", "postgres://")):
        raise ConfigError(
            "--ray runs on the cluster's workers, which need a shared store:"
            " set THEMEFLOW_DB (or --db) to postgresql://… (docs/deploy.md)"
        )
    return location


def _ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise NotAvailableError("--ray needs Ray: pip install 'themeflow[ray]'") from exc
    return ray


class RayPool:
    """Batches of one task function run on a Ray cluster, results handed back as batches finish."""

    def __init__(
        self, task: Callable[..., Any], *, address: str | None = None, max_in_flight: int | None = None
    ) -> None:
        ray = self._ray = _ray()
        self._started = False
        # Ray's driver reports a dead worker with a print() on stdout, from a thread of its own; stdout is
        # where `--json` prints its one document, so the driver's chatter goes to stderr while the pool runs.
        self._quiet = contextlib.ExitStack()
        self._quiet.enter_context(contextlib.redirect_stdout(sys.stderr))
        if not ray.is_initialized():
            # address None: RAY_ADDRESS if set, else a local cluster of this machine's CPUs.
            ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
            self._started = True
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.max_in_flight = max_in_flight or max(2, 2 * cpus)
        self._name = task.__name__
        self._task = ray.remote(max_retries=MAX_RETRIES, retry_exceptions=[StoreError])(task)
        self._pending: dict[Any, Callable[[Any], None]] = {}

    def submit(self, done: Callable[[Any], None], *args: Any) -> None:
        """Run ``task(*args)`` on the cluster; ``done`` gets its result once it finishes."""
        while len(self._pending) >= self.max_in_flight:
            self._collect()
        self._pending[self._task.options(name=self._name).remote(*args)] = done

    def _collect(self) -> None:
        ready, _ = self._ray.wait(list(self._pending), num_returns=1)
        for ref in ready:
            done = self._pending.pop(ref)
            try:
                result = self._ray.get(ref)
            except Exception as exc:  # a batch that failed every attempt: the stage stops, resumable
                raise StoreError(
                    f"a {self._name} batch on the Ray cluster failed after {MAX_RETRIES + 1} attempts: {exc}"
                ) from exc
            done(result)

    def close(self) -> None:
        """Wait for every batch; disconnect from a cluster this pool started or joined."""
        try:
            while self._pending:
                self._collect()
        finally:
            try:
                if self._started:
                    self._ray.shutdown()
            finally:
                self._quiet.close()

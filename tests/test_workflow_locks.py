"""A killed run never blocks its workflow: a real child process takes the run lock mid-run and is SIGKILLed.

What is checked: the next run (and the scheduler, through the real CLI) takes over a dead process's lock
at once and marks its run failed; a running run refreshes its lock (heartbeat) so a short expiry is safe;
a lock from another host frees itself when its heartbeat stops; a run that lost its lock records nothing;
``themeflow workflow unlock`` removes a lock, refusing a live holder without ``--force``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from themeflow.workflow import locks
from themeflow.workflow.runner import WorkflowBusyError, run_workflow

from .test_workflow_support import AI_THEME, ai_doc, open_service

REPO = Path(__file__).resolve().parents[1]
NAME = AI_THEME["name"]

CHILD = """
import sys, time
from pathlib import Path
from tests.test_workflow_support import CountingSummarizer, open_service
from themeflow.workflow.runner import run_workflow

class Hang(CountingSummarizer):
    def summarize(self, doc):
        print("SUMMARIZING", flush=True)
        time.sleep(300)
        return super().summarize(doc)

tf = open_service(Path(sys.argv[1]), Hang())
run_workflow(tf.workflow_context(), sys.argv[2], write=False, lock_ttl=float(sys.argv[3]), heartbeat=float(sys.argv[4]))
"""


def _db(tmp_path: Path, *, schedule: str | None = None) -> Path:
    path = tmp_path / "locks.db"
    tf = open_service(path)
    tf.add_theme({**AI_THEME, **({"schedule": schedule} if schedule else {})})
    tf.ingest_documents([ai_doc(1), ai_doc(2)])
    tf.close()
    return path


def _lock_row(path: Path) -> tuple[str, float] | None:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute("SELECT owner, expires_at FROM scheduler_locks WHERE name = ?", (NAME,)).fetchone()
    finally:
        conn.close()
    return (row[0], row[1]) if row else None


@pytest.fixture
def holder(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    """A child process in the middle of a run (blocked in its summarizer, lock held)."""
    ttl, beat = getattr(request, "param", (300.0, 30.0))
    path = _db(tmp_path, schedule="1h")
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), NAME, str(ttl), str(beat)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "SUMMARIZING", (line, proc.stderr.read() if proc.poll() is not None else "")
        yield path, proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)  # reaps the child and closes its pipes


def _sigkill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL


def test_a_live_holder_keeps_the_lock(holder: tuple[Path, subprocess.Popen[str]]) -> None:
    path, proc = holder
    owner, _ = _lock_row(path) or ("", 0)
    assert owner.startswith(f"{socket.gethostname()}:{proc.pid}:")
    tf = open_service(path)
    with pytest.raises(WorkflowBusyError, match=f"process {proc.pid} on"):
        tf.run_workflow(NAME, write_reports=False)
    tf.close()


def test_the_lock_of_a_killed_run_is_taken_over_at_once(holder: tuple[Path, subprocess.Popen[str]]) -> None:
    path, proc = holder
    _sigkill(proc)
    _, expires = _lock_row(path) or ("", 0)
    assert expires > time.time() + 60, "the dead run's lock has not expired: liveness, not time, frees it"
    tf = open_service(path)
    result = tf.run_workflow(NAME, write_reports=False)
    assert result.run.status == "ok" and len(result.items) == 2
    dead = [r for r in tf.runs(NAME) if r.id != result.run.id]
    assert len(dead) == 1 and dead[0].status == "failed" and "interrupted" in (dead[0].error or "")
    assert _lock_row(path) is None, "the new run released its lock"
    tf.close()


def test_the_scheduler_runs_a_theme_whose_runner_was_killed(
    holder: tuple[Path, subprocess.Popen[str]],
) -> None:
    path, proc = holder
    _sigkill(proc)
    env = {**os.environ, "THEMEFLOW_DB": str(path)}
    done = subprocess.run(
        [sys.executable, "-m", "themeflow.cli", "scheduler", "--once", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    [run] = json.loads(done.stdout)["runs"]
    assert run["status"] == "ok", run


def test_workflow_unlock_removes_a_killed_runs_lock(holder: tuple[Path, subprocess.Popen[str]]) -> None:
    path, proc = holder
    env = {**os.environ, "THEMEFLOW_DB": str(path)}
    cmd = [sys.executable, "-m", "themeflow.cli", "workflow", "unlock", NAME]
    alive = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    assert alive.returncode == 2 and "still running" in alive.stderr, alive.stderr
    _sigkill(proc)
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert f"process {proc.pid}" in done.stderr and "1 interrupted run(s) marked failed" in done.stderr
    assert _lock_row(path) is None
    again = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    assert again.returncode == 0 and "is not locked" in again.stderr


@pytest.mark.parametrize("holder", [(2.0, 0.2)], indirect=True)
def test_a_running_run_refreshes_its_lock(holder: tuple[Path, subprocess.Popen[str]]) -> None:
    path, proc = holder
    _, first = _lock_row(path) or ("", 0)
    time.sleep(2.5)  # longer than the 2 s TTL: only the heartbeat keeps the lock
    owner, later = _lock_row(path) or ("", 0)
    assert later > first + 1 and later > time.time()
    tf = open_service(path)
    with pytest.raises(WorkflowBusyError):
        run_workflow(tf.workflow_context(), NAME, write=False)
    tf.close()
    assert str(proc.pid) in owner


def _foreign_lock(path: Path, *, expires_in: float) -> None:
    tf = open_service(path)
    now = time.time()
    with tf.store.workflows.writing() as wf:
        assert wf.acquire_lock(NAME, "far-host:4242:1:abcd", now=now - 10, ttl=expires_in + 10) is None
    tf.close()


def test_another_hosts_lock_frees_itself_when_its_heartbeat_stops(tmp_path: Path) -> None:
    path = _db(tmp_path)
    _foreign_lock(path, expires_in=120)
    tf = open_service(path)
    with pytest.raises(WorkflowBusyError, match="process 4242 on far-host"):
        tf.run_workflow(NAME, write_reports=False)
    with tf.store.transaction() as conn:  # its heartbeat stops: the expiry passes
        conn.execute("UPDATE scheduler_locks SET expires_at = ?", (time.time() - 1,))
    assert tf.run_workflow(NAME, write_reports=False).run.status == "ok"
    tf.close()
    assert locks.LOCK_TTL_SECONDS <= 600, "a dead holder elsewhere blocks for minutes, not an hour"


def test_unlock_refuses_a_fresh_foreign_lock_without_force(tmp_path: Path) -> None:
    path = _db(tmp_path)
    _foreign_lock(path, expires_in=120)
    env = {**os.environ, "THEMEFLOW_DB": str(path)}
    cmd = [sys.executable, "-m", "themeflow.cli", "workflow", "unlock", NAME]
    refused = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    assert refused.returncode == 2 and "another host" in refused.stderr and "--force" in refused.stderr
    forced = subprocess.run([*cmd, "--force"], capture_output=True, text=True, env=env, timeout=60)
    assert forced.returncode == 0 and "far-host:4242" in forced.stderr
    assert _lock_row(path) is None


def test_a_run_that_lost_its_lock_records_nothing(tmp_path: Path) -> None:
    """The lock is taken over while the run summarizes (as if it had hung past the expiry)."""
    path = _db(tmp_path)
    from .test_workflow_support import CountingSummarizer

    class Usurped(CountingSummarizer):
        def summarize(self, doc):  # type: ignore[no-untyped-def]
            if len(self.calls) == 0:
                conn = sqlite3.connect(path, timeout=30)
                with conn:
                    conn.execute("UPDATE scheduler_locks SET owner = 'far-host:1:1:x'")
                conn.close()
            return super().summarize(doc)

    tf = open_service(path, Usurped())
    with pytest.raises(WorkflowBusyError, match="lost its run lock"):
        run_workflow(tf.workflow_context(), NAME, write=False)
    [run] = tf.runs(NAME)
    assert run.status == "failed" and run.items == 0
    with tf.store.workflows.writing() as wf:
        assert wf.seen_hashes(wf.theme_id(NAME), [ai_doc(1).id, ai_doc(2).id]) == {}
        holder = wf.lock_holder(NAME)
    assert holder is not None and holder.owner == "far-host:1:1:x", "the new owner's lock is left alone"
    tf.close()


def test_owner_liveness() -> None:
    me = locks.make_owner()
    assert not locks.owner_is_gone(me)
    assert not locks.owner_is_gone("far-host:1:1:x"), "another host's PIDs mean nothing here"
    assert not locks.owner_is_gone("legacy-owner-without-pid")
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(10)
    assert locks.owner_is_gone(f"{socket.gethostname()}:{child.pid}:1:x")
    assert datetime.now(UTC).year > 2000

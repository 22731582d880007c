"""A database in a folder that cannot be written is read, and a disk that fills up mid-ingest is reported.

The CLI and server run as real subprocesses on real SQLite files. A read-only folder is made with
``chmod``; as root, where ``chmod`` binds nothing, the subprocess runs without the capability to override
file permissions (``setpriv``), so the kernel really refuses the writes. A full disk is a tiny tmpfs where
one can be mounted (root in a private mount namespace), and SQLite's ``max_page_count`` on a real file
everywhere else.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from themeflow.service import Themeflow

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "src" / "themeflow" / "data" / "sample.jsonl"
NO_DAC = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def _unprivileged() -> list[str]:
    """A command prefix under which file permissions bind (empty when not root)."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: a read-only folder cannot be simulated")
    return NO_DAC


def cli(*args: str, db: Path, prefix: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "THEMEFLOW_DB": str(db)}
    return subprocess.run(
        [*(prefix or []), sys.executable, "-m", "themeflow.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )


def _make_db(path: Path) -> Path:
    with Themeflow.open(path) as tf:
        tf.ingest([str(SAMPLE)])
    conn = sqlite3.connect(path)  # fold the WAL in: a cleanly closed database is one file
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for extra in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        extra.unlink(missing_ok=True)
    return path


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _make_db(tmp_path_factory.mktemp("ro-src") / "t.db")


@pytest.fixture
def ro_db(sample_db: Path, tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "readonly"
    folder.mkdir()
    db = folder / "t.db"
    shutil.copy(sample_db, db)
    db.chmod(0o444)
    folder.chmod(0o555)
    probe = subprocess.run([*_unprivileged(), "touch", str(folder / "probe")], capture_output=True)
    if probe.returncode == 0:
        folder.chmod(0o755)
        pytest.skip("this environment lets the test user write a 0555 folder")
    yield db
    folder.chmod(0o755)


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_search_and_stats_work_in_a_read_only_folder(ro_db: Path) -> None:
    prefix = _unprivileged()
    found = cli("search", "资本开支", "--json", db=ro_db, prefix=prefix)
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["total"] > 0
    with_summaries = cli("search", "资本开支", "--summaries", "--limit", "3", db=ro_db, prefix=prefix)
    assert with_summaries.returncode == 0, with_summaries.stderr
    stats = cli("stats", "--json", db=ro_db, prefix=prefix)
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["documents"] == 400
    assert _files(ro_db.parent) == ["t.db"], "nothing was written next to the database"


def test_writing_to_a_read_only_database_is_a_clear_error(ro_db: Path) -> None:
    proc = cli("ingest", str(SAMPLE), "--json", db=ro_db, prefix=_unprivileged())
    assert proc.returncode == 1
    body = json.loads(proc.stdout)
    assert body["ok"] is False and "read-only" in body["error"]
    assert "read-only" in proc.stderr and "internal error" not in proc.stderr


def test_pending_migrations_in_a_read_only_folder_are_named(sample_db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "old"
    folder.mkdir()
    db = folder / "t.db"
    shutil.copy(sample_db, db)
    conn = sqlite3.connect(db)  # as if written by an older version, before its last migration
    with conn:
        last = conn.execute("SELECT name FROM schema_migrations ORDER BY rowid DESC LIMIT 1").fetchone()[0]
        conn.execute("DELETE FROM schema_migrations WHERE name = ?", (last,))
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    db.chmod(0o444)
    folder.chmod(0o555)
    try:
        proc = cli("stats", db=db, prefix=_unprivileged())
    finally:
        folder.chmod(0o755)
    assert proc.returncode == 1
    assert "schema upgrade" in proc.stderr and last in proc.stderr and "write access" in proc.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_read_only_from_a_read_only_folder(ro_db: Path) -> None:
    port = _free_port()
    env = {**os.environ, "THEMEFLOW_DB": str(ro_db)}
    server = subprocess.Popen(
        [
            *_unprivileged(),
            sys.executable,
            "-m",
            "themeflow.cli",
            "serve",
            "--read-only",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/stats", timeout=5) as r:
                    assert json.loads(r.read())["documents"] == 400
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"server did not start: {server.communicate(timeout=5)}")
                time.sleep(0.2)
        q = urllib.parse.quote("资本开支")
        with urllib.request.urlopen(f"{base}/api/search?q={q}&summaries=true", timeout=30) as r:
            body = json.loads(r.read())
        assert body["total"] > 0 and all(h["summary"]["doc_id"] == h["id"] for h in body["hits"])
        with urllib.request.urlopen(f"{base}/?q={q}", timeout=30) as r:
            page = r.read().decode()
        assert "只读模式" in page and "摘要生成失败" not in page
    finally:
        server.terminate()
        server.communicate(timeout=20)
    assert _files(ro_db.parent) == ["t.db"]


# -- disk full ---------------------------------------------------------------------------------------
LIMITED = """
import sys
from themeflow.store import sqlite as store_sqlite

_connect = store_sqlite.SQLiteStore._connect


def limited(self):
    # SQLite refuses to grow the file past max_page_count pages: "database or disk is full".
    conn = _connect(self)
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + 16}")
    return conn


store_sqlite.SQLiteStore._connect = limited
from themeflow.cli import main

sys.argv = ["themeflow", *sys.argv[1:]]
main()
"""


def _assert_disk_full_json(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-2000:])
    body = json.loads(proc.stdout)
    assert body["ok"] is False and "full" in body["error"] and body["exit_code"] == 1
    assert "internal error" not in proc.stderr


def test_ingest_json_reports_a_full_database_as_json(tmp_path: Path) -> None:
    db = tmp_path / "full.db"
    with Themeflow.open(db):
        pass  # schema in place: the limit then leaves room for a few documents only
    env = {**os.environ, "THEMEFLOW_DB": str(db)}
    proc = subprocess.run(
        [sys.executable, "-c", LIMITED, "ingest", str(SAMPLE), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        cwd=REPO,
    )
    _assert_disk_full_json(proc)


def test_ingest_json_reports_a_full_disk_as_json(tmp_path: Path) -> None:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("mounting a tiny tmpfs needs root and unshare")
    mount = tmp_path / "tiny"
    mount.mkdir()
    script = (
        f"mount -t tmpfs -o size=512k tmpfs {mount} || exit 97; "
        f'exec "{sys.executable}" -m themeflow.cli ingest "{SAMPLE}" --json --db "{mount}/t.db"'
    )
    proc = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=180)
    if proc.returncode == 97:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
    _assert_disk_full_json(proc)
    assert stat.S_ISDIR(mount.stat().st_mode)

"""Usage errors, help, version and completion through the real console script, as a user types them.

Each of these once ended in "internal error … This is a bug in themeflow" with exit 70, because the
installed typer raises its own copy of click's exceptions.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from themeflow import __version__

SCRIPT = Path(sys.executable).with_name("themeflow")


def themeflow(*args: str, tmp_path: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    exe = str(SCRIPT) if SCRIPT.exists() else shutil.which("themeflow")
    assert exe, "the themeflow console script is not installed (pip install -e .)"
    env = {**os.environ, "THEMEFLOW_DB": str(tmp_path / "usage.db"), "COLUMNS": "100"}
    return subprocess.run([exe, *args], capture_output=True, text=True, env=env, timeout=timeout)


def assert_no_internal_error(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode != 70, proc.stderr
    assert "internal error" not in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bare_command_prints_help_and_exits_0(tmp_path: Path) -> None:
    proc = themeflow(tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Usage: themeflow" in proc.stdout
    assert "search" in proc.stdout and "ingest" in proc.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["searc", "x"], "No such command 'searc'"),
        (["search"], "Missing argument"),
        (["search", "x", "--no-such-flag"], "No such option: --no-such-flag"),
        (["search", "x", "--limit", "abc"], "Invalid value for '--limit'"),
        (["serve", "--port", "0"], "Invalid value for '--port'"),
    ],
)
def test_usage_errors_exit_2_with_clicks_message_and_a_hint(
    tmp_path: Path, args: list[str], expected: str
) -> None:
    proc = themeflow(*args, tmp_path=tmp_path)
    assert_no_internal_error(proc)
    assert proc.returncode == 2, proc.stderr
    assert expected in proc.stderr
    assert "--help' for help" in proc.stderr


def test_typo_suggests_the_command(tmp_path: Path) -> None:
    proc = themeflow("searc", "x", tmp_path=tmp_path)
    assert "Did you mean 'search'" in proc.stderr


def test_version_flag_and_command(tmp_path: Path) -> None:
    for args in (["--version"], ["version"]):
        proc = themeflow(*args, tmp_path=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == __version__


def test_query_starting_with_dash_explains_the_double_dash(tmp_path: Path) -> None:
    proc = themeflow("search", "-美联储", tmp_path=tmp_path)
    assert_no_internal_error(proc)
    assert proc.returncode == 2
    assert "after '--'" in proc.stderr and "themeflow search -- '-美联储'" in proc.stderr

    ok = themeflow("search", "--json", "--", "-美联储 降息", tmp_path=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert '"query": "-美联储 降息"' in ok.stdout


def test_shell_completion_is_offered(tmp_path: Path) -> None:
    proc = themeflow("--help", tmp_path=tmp_path)
    assert "--install-completion" in proc.stdout and "--show-completion" in proc.stdout


def test_serve_on_a_busy_port_is_one_clear_error_before_any_banner(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        proc = themeflow("serve", "--port", str(port), tmp_path=tmp_path)
    assert_no_internal_error(proc)
    assert proc.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in proc.stderr
    assert "--port" in proc.stderr
    assert "themeflow web on" not in proc.stderr
    assert "Errno" not in proc.stderr


def test_missing_file_reports_no_meaningless_rate(tmp_path: Path) -> None:
    proc = themeflow("ingest", str(tmp_path / "missing.jsonl"), tmp_path=tmp_path)
    assert proc.returncode == 1
    assert "read 1" in proc.stderr and "failed 1" in proc.stderr
    assert "docs/s" not in proc.stderr


def test_readmes_workflow_example_works_right_after_the_demo(tmp_path: Path) -> None:
    env_home = {"THEMEFLOW_HOME": str(tmp_path / "home")}
    exe = str(SCRIPT) if SCRIPT.exists() else shutil.which("themeflow")
    assert exe
    env = {k: v for k, v in os.environ.items() if k != "THEMEFLOW_DB"} | env_home
    demo = subprocess.run([exe, "demo"], capture_output=True, text=True, env=env, timeout=300)
    assert demo.returncode == 0, demo.stderr
    add = subprocess.run(
        [exe, "workflow", "add", "AI资本开支周期", "--query", "资本开支 算力", "--keyword", "AI 数据中心"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert add.returncode == 0, add.stderr
    assert "saved workflow 'AI资本开支周期'" in add.stderr

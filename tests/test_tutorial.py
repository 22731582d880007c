"""docs/tutorial.md as a test: every command in it runs, in order, in a fresh home, through the real
console script; the server of the last step serves the theme page the tutorial points to."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from .conftest import REPO

TUTORIAL = REPO / "docs" / "tutorial.md"
INSTALL = "pip install -e '.[test]'"


def _blocks() -> list[str]:
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", TUTORIAL.read_text(encoding="utf-8"), re.S)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_tutorial_has_ten_steps_starting_with_readmes_install() -> None:
    blocks = _blocks()
    assert len(blocks) == 10
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quickstart = re.findall(r"```bash\n(.*?)```", readme, re.S)[0].strip()
    assert blocks[0] == quickstart


@pytest.mark.parametrize("store", ["default", "postgres"])
def test_every_tutorial_command_runs(tmp_path: Path, store: str, request: pytest.FixtureRequest) -> None:
    """Every step as a reader types it: on the default SQLite file, then with ``THEMEFLOW_DB`` naming a
    PostgreSQL database (the team's store takes the same commands)."""
    blocks = _blocks()
    first, *middle, last = blocks
    assert INSTALL in first and "themeflow demo" in first
    bin_dir = Path(sys.executable).parent
    env = {
        **{k: v for k, v in os.environ.items() if k != "THEMEFLOW_DB"},
        "THEMEFLOW_HOME": str(tmp_path / "home"),
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "COLUMNS": "120",
    }
    if store == "postgres":
        env["THEMEFLOW_DB"] = str(request.getfixturevalue("pg_url"))
    # Step 1 without its install (this interpreter is the installed environment), then steps 2–9 as one
    # shell session, so `ID=…` carries from step 5 to step 6 as it does for a reader.
    script = "set -euo pipefail\nthemeflow demo\n" + "\n".join(f"echo '### step'\n{b}" for b in middle)
    proc = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    outputs = proc.stdout.split("### step\n")[1:]
    assert len(outputs) == len(middle)
    for block, output in zip(middle, outputs, strict=True):
        if "workflow add" in block:
            continue  # says what it saved on stderr
        assert output.strip(), f"no output from: {block}"
    assert "internal error" not in proc.stderr

    # Step 10: the server, and the theme page the tutorial tells the reader to open.
    port = _free_port()
    assert last.startswith("themeflow serve")
    server = subprocess.Popen(
        [str(bin_dir / "themeflow"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        page = re.search(r"<http://127\.0\.0\.1:8000(/[^>]+)>", TUTORIAL.read_text(encoding="utf-8"))
        assert page, "the tutorial names the theme page's address"
        url = f"http://127.0.0.1:{port}{urllib.parse.quote(page.group(1))}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    body = response.read().decode("utf-8")
                    assert response.status == 200
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        assert "美联储加息" in body
    finally:
        server.terminate()
        server.wait(timeout=10)

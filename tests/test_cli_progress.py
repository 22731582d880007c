"""What long commands show while they work: on a terminal a bar with total, percentage and ETA when the
size is known (a file), a spinner with counts when it is not (a glob); nothing but the closing line when
``--quiet`` or when stderr is a pipe. Run through a real pseudo-terminal."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

from themeflow.cli_progress import estimate_records

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def write_records(path: Path, n: int) -> Path:
    tag = path.stem
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            record = {
                "id": f"{tag}{i}",
                "title": f"{tag}第{i}篇 美联储",
                "content": f"美联储官员{tag}第{i}次表示维持利率不变。" * 3,
            }
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def on_a_terminal(args: list[str], env: dict[str, str], timeout: float = 120) -> tuple[int, str]:
    """Run with stderr on a pseudo-terminal (stdout piped); return the exit code and what the terminal got."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=slave, env=env)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    proc.wait(timeout=30)
    assert proc.stdout is not None
    proc.stdout.close()
    os.close(master)
    return proc.returncode, ANSI.sub("", b"".join(chunks).decode("utf-8", "replace"))


def cli_env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "THEMEFLOW_DB": str(tmp_path / "p.db"), "COLUMNS": "200", "TERM": "xterm"}


def test_a_file_ingest_shows_total_percentage_and_eta(tmp_path: Path) -> None:
    source = write_records(tmp_path / "news.jsonl", 600)
    code, screen = on_a_terminal(
        [sys.executable, "-m", "themeflow.cli", "ingest", str(source)], cli_env(tmp_path)
    )
    assert code == 0, screen
    assert "/600" in screen and "%" in screen and "ETA" in screen
    assert "read 600 · new 600" in screen


def test_a_glob_ingest_shows_a_spinner_with_counts(tmp_path: Path) -> None:
    for name in ("a", "b"):
        write_records(tmp_path / f"{name}.jsonl", 100)
    pattern = str(tmp_path / "*.jsonl")
    code, screen = on_a_terminal(
        [sys.executable, "-m", "themeflow.cli", "ingest", pattern], cli_env(tmp_path)
    )
    assert code == 0, screen
    assert " read ·" in screen and "ETA" not in screen
    assert "read 200 · new 200" in screen


def test_quiet_on_a_terminal_shows_only_the_closing_line(tmp_path: Path) -> None:
    source = write_records(tmp_path / "news.jsonl", 300)
    args = [sys.executable, "-m", "themeflow.cli", "ingest", "--quiet", str(source)]
    code, screen = on_a_terminal(args, cli_env(tmp_path))
    assert code == 0
    assert screen.strip().splitlines() == [
        line for line in screen.strip().splitlines() if line.startswith("read ")
    ]


def test_a_pipe_gets_no_progress_and_no_escape_codes(tmp_path: Path) -> None:
    source = write_records(tmp_path / "news.jsonl", 300)
    proc = subprocess.run(
        [sys.executable, "-m", "themeflow.cli", "ingest", str(source)],
        capture_output=True,
        text=True,
        env=cli_env(tmp_path),
        timeout=120,
    )
    assert proc.returncode == 0
    assert "\x1b[" not in proc.stderr and "ETA" not in proc.stderr
    assert proc.stderr.strip().startswith("read 300")


def test_sizes_are_known_for_local_files_only(tmp_path: Path) -> None:
    records = write_records(tmp_path / "a.jsonl", 7)
    page = tmp_path / "b.html"
    page.write_text("<p>x</p>", encoding="utf-8")
    assert estimate_records([str(records), str(page)]) == 8
    assert estimate_records([str(tmp_path / "missing.jsonl")]) == 1
    assert estimate_records([str(tmp_path / "*.jsonl")]) is None
    assert estimate_records([str(tmp_path)]) is None
    assert estimate_records(["https://example.com/feed.xml"]) is None


def test_a_workflow_run_announces_its_stages() -> None:
    import tempfile

    from themeflow import progress
    from themeflow.model import Document
    from themeflow.service import Themeflow

    seen: list[str] = []
    with tempfile.TemporaryDirectory() as d, Themeflow.open(Path(d) / "s.db") as tf:
        tf.ingest_documents(
            [
                Document(
                    id=f"s{i:016d}",
                    title=f"美联储第{i}次",
                    paragraphs=(f"美联储官员第{i}次表示维持利率不变。",),
                )
                for i in range(3)
            ]
        )
        tf.add_theme({"name": "fed", "query": "美联储"})
        with progress.reporting(seen.append):
            tf.run_workflow("fed", reports_dir=Path(d) / "reports")
    assert any(s.startswith("searching") for s in seen)
    assert "summarizing 1/3" in seen and "summarizing 3/3" in seen
    assert seen[-1] == "writing the digest"

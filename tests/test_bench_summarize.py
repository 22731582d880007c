"""``bench/summarize.py`` runs on a small slice, alone and against a baseline checkout (here the same one):
the figures of issue work come from it, and a bench that breaks gives none."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = str(REPO / "bench" / "summarize.py")


def _run(*args: str, shared_data: Path) -> list[str]:
    run = subprocess.run(
        [sys.executable, BENCH, "--n", "6", "--data", str(shared_data / "news.jsonl"), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout.splitlines()


def test_the_three_passes_are_timed(shared_data: Path) -> None:
    lines = _run(shared_data=shared_data)
    for name in ("summarize", "verify", "apart", "in turn"):
        assert any(line.startswith(f"{name:<10}:") and "docs/s CPU" in line for line in lines), lines


def test_against_a_baseline_checkout_alternates_batches(shared_data: Path) -> None:
    lines = _run("--against", str(REPO), "--rounds", "2", shared_data=shared_data)
    assert lines[0].startswith("in turn, 2 rounds of 6 documents"), lines
    assert any("CPU time this / baseline" in line for line in lines), lines


def test_against_needs_a_checkout(shared_data: Path, tmp_path: Path) -> None:
    run = subprocess.run(
        [
            sys.executable,
            BENCH,
            "--n",
            "6",
            "--data",
            str(shared_data / "news.jsonl"),
            "--against",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert "needs a checkout of themeflow" in run.stderr


def test_an_empty_run_is_refused(shared_data: Path) -> None:
    run = subprocess.run(
        [sys.executable, BENCH, "--n", "0", "--data", str(shared_data / "news.jsonl")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert "--n and --rounds must be at least 1" in run.stderr

"""Start-up benchmark: how long a user waits before a command does anything.

Usage::

    python bench/startup.py            # 9 paired rounds
    python bench/startup.py --rounds 21

Each round runs, in turn, the baseline ``python -c "import typer, rich"`` (the least any typer CLI can
cost) and each themeflow command as a whole process through the installed console script; the figure
quoted is the median over rounds of the ratio command / baseline taken within the round, so a machine
that drifts in speed does not move it. Targets: ``--help`` and ``version`` at most 1.5× the baseline;
``search`` on the demo store (``themeflow demo`` ingests it first, in a temporary home) under 1 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
THEMEFLOW = str(BIN / "themeflow")
BASELINE = [sys.executable, "-c", "import typer, rich"]


def wall(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=9)
    args = ap.parse_args(argv)
    home = tempfile.mkdtemp(prefix="themeflow-startup-")
    env = {**os.environ, "THEMEFLOW_HOME": home}
    env.pop("THEMEFLOW_DB", None)
    subprocess.run(
        [THEMEFLOW, "demo"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
    )
    commands = {
        "themeflow --help": [THEMEFLOW, "--help"],
        "themeflow version": [THEMEFLOW, "version"],
        "themeflow stats": [THEMEFLOW, "stats"],
        "themeflow search (demo store)": [THEMEFLOW, "search", "人工智能 算力"],
    }
    for cmd in [BASELINE, *commands.values()]:
        wall(cmd, env)  # warm the page cache and the bytecode
    base: list[float] = []
    times: dict[str, list[float]] = {name: [] for name in commands}
    ratios: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.rounds):
        b = wall(BASELINE, env)
        base.append(b)
        for name, cmd in commands.items():
            t = wall(cmd, env)
            times[name].append(t)
            ratios[name].append(t / b)
    print(f"rounds {args.rounds}, os.cpu_count() = {os.cpu_count()}, python {sys.version.split()[0]}")
    print(f"{'baseline: import typer, rich':32s} {statistics.median(base) * 1000:7.1f} ms")
    for name in commands:
        print(
            f"{name:32s} {statistics.median(times[name]) * 1000:7.1f} ms"
            f"   {statistics.median(ratios[name]):5.2f}x baseline"
            f" (min {min(ratios[name]):.2f}, max {max(ratios[name]):.2f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

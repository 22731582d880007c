"""Fact-extraction benchmark: documents/s and facts kept, for this checkout and a baseline commit.

Usage::

    python bench/facts.py                       # 1,000 fr- articles of ../shared/data/news.jsonl
    python bench/facts.py --baseline b65e1e7    # also time that commit, same articles, same run

The baseline runs from a temporary ``git worktree`` in a subprocess, so both are timed on the same machine
in the same run and the ratio is what to report. Single process (per core); CPU time (``process_time``)
is printed next to wall time because benchmark machines are shared. Each side extracts twice and reports
its better round, so a cold page cache does not count against whichever runs first.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"


def measure(data: Path, n: int) -> dict[str, float]:
    """Time ``extract_facts`` over the first ``n`` fr- articles (sorted by id) with the importable code."""
    sys.path.insert(0, str(REPO / "scripts"))
    from eval_facts import load_documents

    from themeflow.facts import extract_facts

    docs = sorted(load_documents(data / "news.jsonl", prefix="fr-"), key=lambda d: d.id)[:n]
    extract_facts(docs[0])  # segmenter dictionary and model load outside the timing
    best: dict[str, float] = {}
    for _ in range(2):
        w0, c0 = time.perf_counter(), time.process_time()
        facts = sum(len(extract_facts(d)) for d in docs)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        if not best or cpu < best["cpu_s"]:
            best = {"docs": len(docs), "facts": facts, "wall_s": wall, "cpu_s": cpu}
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--baseline", help="a git ref to time in the same run")
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # the baseline's subprocess
    args = ap.parse_args(argv)
    if not (args.data / "news.jsonl").exists():
        print(f"needs the shared corpus at {args.data} (../shared/data)", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(measure(args.data, args.n)))
        return 0
    rows = {"this checkout": measure(args.data, args.n)}
    if args.baseline:
        with tempfile.TemporaryDirectory() as tmp:
            tree = Path(tmp) / "baseline"
            subprocess.run(
                ["git", "-C", str(REPO), "worktree", "add", "-q", "--detach", str(tree), args.baseline],
                check=True,
            )
            try:
                env = os.environ | {"PYTHONPATH": str(tree / "src")}
                script = REPO / "bench" / "facts.py"  # this script, the baseline's code
                out = subprocess.run(
                    [sys.executable, str(script), "--json", "--n", str(args.n), "--data", str(args.data)],
                    env=env,
                    cwd=tree,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                rows[f"baseline {args.baseline}"] = json.loads(out.stdout)
            finally:
                subprocess.run(
                    ["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)], check=True
                )
    print(f"os.cpu_count() = {os.cpu_count()}")
    for name, r in rows.items():
        print(
            f"{name:24s} {r['docs']:5.0f} docs  {r['facts']:6.0f} facts  "
            f"{r['docs'] / r['wall_s']:7.1f} docs/s wall  {r['docs'] / r['cpu_s']:7.1f} docs/s CPU"
        )
    if args.baseline:
        base, new = rows[f"baseline {args.baseline}"], rows["this checkout"]
        print(
            f"CPU throughput ratio (this / baseline): {base['cpu_s'] / new['cpu_s']:.2f}x; "
            f"facts kept: {new['facts'] / base['facts']:.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``bench/postgres.py`` runs end to end on a small slice: a benchmark that crashes after its ingest (its
query sets once changed shape under it) gives no figures at all."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_postgres_bench_runs_on_a_slice(pg_admin: str, shared_data: Path) -> None:
    run = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "postgres.py"),
            "--url",
            pg_admin,
            "--corpus",
            str(shared_data / "news.jsonl"),
            "--n",
            "300",
            "--workers",
            "1",
            "--queries",
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.splitlines()
    assert any(line.startswith("PostgreSQL, 1 worker") for line in lines), run.stdout
    for kind in ("1-term", "2-term", "3-term"):
        assert any(line.startswith(f"{kind} search  SQLite p50") for line in lines), run.stdout

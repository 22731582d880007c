"""`themeflow serve --scheduler`: the server runs due workflows in the background, and stops cleanly."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from themeflow.service import Themeflow
from themeflow.web.app import create_app

from .test_web_corpus import build_store, make_client


def test_server_with_scheduler_runs_a_due_workflow(tmp_path: Path) -> None:
    db = build_store(tmp_path / "web.db", daily=False)
    with Themeflow.open(db) as tf:
        tf.add_theme({"name": "AI资本开支周期", "query": "AI资本开支", "schedule": "1d"})
    app = create_app(db, scheduler_interval=0.2)
    client: Any = make_client(app)
    with client:
        deadline = time.monotonic() + 20
        runs: list[Any] = []
        while time.monotonic() < deadline and not (runs and runs[0]["status"] != "running"):
            runs = client.get("/api/workflows/AI资本开支周期/runs").json()["runs"]
            time.sleep(0.2)
    assert runs, "the background scheduler ran the due workflow"
    assert runs[0]["status"] == "ok"
    with Themeflow.open(db) as tf:
        assert len(tf.runs("AI资本开支周期")) == 1, "not due again for a day: no double run"


def test_read_only_server_never_schedules(tmp_path: Path) -> None:
    db = build_store(tmp_path / "web.db", daily=False)
    with Themeflow.open(db) as tf:
        tf.add_theme({"name": "t", "query": "AI资本开支", "schedule": "1d"})
    client: Any = make_client(create_app(db, read_only=True, scheduler_interval=0.1))
    with client:
        time.sleep(0.5)
    with Themeflow.open(db) as tf:
        assert tf.runs("t") == []

"""The store registry: a path is SQLite, a URL picks its backend by scheme, an unknown scheme is an error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from themeflow.errors import ConfigError, StoreError
from themeflow.service import Themeflow
from themeflow.store import open_store
from themeflow.store.base import Store


def test_a_path_and_a_sqlite_url_open_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    with Themeflow.open(path) as tf:
        assert isinstance(tf.store, Store)
        assert tf.store.count_documents() == 0
    store = open_store(f"sqlite://{path}")
    try:
        assert store.location == str(path)
    finally:
        store.close()


def test_an_unknown_scheme_is_a_clear_error_and_creates_nothing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as caught:
        Themeflow.open("mysql://analyst:hunter2@db.internal/research")
    message = str(caught.value)
    assert "mysql://" in message and "no store" in message
    assert "hunter2" not in message, "the password is never shown"
    assert list(tmp_path.iterdir()) == [], "no SQLite file under a 'mysql:' folder"


def test_an_unreachable_postgresql_store_is_a_clear_error_and_creates_nothing(
    tmp_path: Path, monkeypatch
) -> None:
    """A PostgreSQL URL is the team store, never a file path; a server that is not there is said so."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StoreError) as caught:
        Themeflow.open("postgresql://analyst:hunter2@127.0.0.1:1/research")
    message = str(caught.value)
    assert "postgresql://analyst:***@127.0.0.1:1/research" in message and "cannot connect" in message
    assert "hunter2" not in message
    assert list(tmp_path.iterdir()) == [], "no SQLite file under a 'postgresql:' folder"


def test_the_cli_reports_an_unknown_store_scheme_as_a_usage_error(tmp_path: Path) -> None:
    env = {**os.environ, "THEMEFLOW_DB": "mysql://u:secret@h/db", "THEMEFLOW_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "themeflow.cli", "stats"], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode != 0
    assert "mysql://" in done.stderr and "secret" not in done.stderr
    assert "Traceback" not in done.stderr
    assert not any(tmp_path.rglob("*.db"))

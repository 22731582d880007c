"""Shared fixtures: a temp user dir per test, and the shared corpus when this checkout has one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("THEMEFLOW_SHARED_DATA", REPO.parent / "shared" / "data"))
FIXTURES = Path(__file__).parent / "fixtures"
TEST_DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _isolated_user_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the real ~/.themeflow: every test gets its own data dir and database."""
    monkeypatch.setenv("THEMEFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("THEMEFLOW_DB", raising=False)
    monkeypatch.delenv("THEMEFLOW_API_TOKEN", raising=False)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared corpus folder; tests that need it skip on a user's fresh clone."""
    if not (SHARED_DATA / "news.jsonl").exists():
        pytest.skip(
            f"needs the shared corpus at {SHARED_DATA} (../shared/data); not present in this checkout"
        )
    return SHARED_DATA

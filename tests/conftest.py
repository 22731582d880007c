"""Shared fixtures: a temp user dir per test, and the shared corpus when this checkout has one."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
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


PG_ADMIN_ENV = "THEMEFLOW_TEST_POSTGRES"
PG_DEFAULT = "postgresql://localhost:5432/postgres"


@pytest.fixture(scope="session")
def pg_admin() -> str:
    """A PostgreSQL server the tests may create databases on: ``THEMEFLOW_TEST_POSTGRES`` (CI starts one),
    else a server on localhost:5432. The PostgreSQL tests skip only when none is reachable, and never when
    ``THEMEFLOW_REQUIRE_POSTGRES=1`` (CI), where an unreachable server is a failure."""
    url = os.environ.get(PG_ADMIN_ENV, PG_DEFAULT)
    required = os.environ.get("THEMEFLOW_REQUIRE_POSTGRES") == "1"
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # ImportError, OperationalError: no driver or no server
        if required:
            pytest.fail(f"THEMEFLOW_REQUIRE_POSTGRES=1 but no PostgreSQL server at {url}: {exc}")
        pytest.skip(
            f"needs a PostgreSQL server ({PG_ADMIN_ENV}={url} not reachable: {str(exc).strip()[:120]});"
            " .ci/run starts one, or set it to a server you may create databases on"
        )
    return url


@pytest.fixture()
def pg_url(pg_admin: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped after it."""
    import uuid

    import psycopg

    name = f"tf_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = pg_admin.rpartition("/")
    query = ""
    if "?" in pg_admin:
        query = "?" + pg_admin.split("?", 1)[1]
    yield f"{base}/{name}{query}"
    with psycopg.connect(pg_admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A location for a new, empty store: an SQLite file, then a PostgreSQL database (the store suite runs
    on both backends)."""
    if request.param == "sqlite":
        return str(tmp_path / "store.db")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def module_store_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A new, empty store shared by this module's page tests: an SQLite file, then a PostgreSQL database
    (created here and dropped after, since the per-test database lives only as long as one test)."""
    if request.param == "sqlite":
        yield str(tmp_path_factory.mktemp("webtags") / "t.db")
        return
    import psycopg

    admin = str(request.getfixturevalue("pg_admin"))
    name = f"tf_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, rest = admin.rpartition("/")
    query = "?" + rest.split("?", 1)[1] if "?" in rest else ""
    try:
        yield f"{base}/{name}{query}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

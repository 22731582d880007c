"""Docs as tests: README documents every command and every setting; .ci/run runs README's test command."""

from __future__ import annotations

import re

from themeflow.cli import app
from themeflow.config import SETTINGS

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def _command_names() -> list[str]:
    import typer.main

    group = typer.main.get_command(app)
    return sorted(group.commands)  # type: ignore[attr-defined]


def test_every_cli_command_is_in_the_readme() -> None:
    missing = [name for name in _command_names() if f"themeflow {name}" not in README]
    assert not missing, f"README does not show: {missing}"


def test_every_setting_is_documented() -> None:
    for setting in SETTINGS:
        assert f"`{setting.env}`" in README, f"{setting.env} is not in README's settings table"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    blocks = re.findall(r"```bash\n(.*?)```", README, flags=re.S)
    test_command = next(b.strip() for b in blocks if "pytest" in b)
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    last_command = [line for line in ci.splitlines() if line.strip() and not line.startswith("#")][-1]
    assert last_command.strip() == test_command


def test_readme_quickstart_runs_the_demo() -> None:
    blocks = re.findall(r"```bash\n(.*?)```", README, flags=re.S)
    assert "pip install" in blocks[0] and "themeflow demo" in blocks[0]


def test_ci_runs_the_readme_install_command_verbatim_before_anything_touches_the_venv() -> None:
    """A stock venv's bundled pip is what a new user has: upgrading it first would hide resolver quirks
    (an older pip dropped lxml's html_clean extra and every ingest failed)."""
    blocks = re.findall(r"```bash\n(.*?)```", README, flags=re.S)
    install = blocks[0].strip()
    ci_lines = [
        line.strip()
        for line in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert install in ci_lines, "README's Quickstart command must appear verbatim in .ci/run"
    before = ci_lines[: ci_lines.index(install)]
    touches_venv = re.compile(r"\bpip\b|\.venv/bin|\bactivate\b")
    assert not [line for line in before if touches_venv.search(line)]

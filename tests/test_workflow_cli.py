"""Theme definitions (TOML and flags, with clear errors) and the workflow / report / scheduler commands."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from themeflow.cli import app
from themeflow.errors import InputError
from themeflow.workflow.themes import (
    apply_changes,
    describe_query,
    load_theme_file,
    search_queries,
    theme_from_mapping,
)

from .test_workflow_support import SH, ai_doc, open_service

runner = CliRunner()

GOOD = """
name = "AI资本开支周期"
query = "资本开支"
keywords = ["算力 GPU", "数据中心"]
exclusions = ["-猪肉", "招聘 启事"]
sources = ["华尔街见闻"]
since = "2025-09-01"
schedule = "0 8 * * *"
summarizer = "extractive"
"""


def _file(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "theme.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_a_theme_file_is_read_and_validated(tmp_path: Path) -> None:
    theme = load_theme_file(_file(tmp_path, GOOD), tz=SH)
    assert theme.keywords == ("算力 GPU", "数据中心")
    assert theme.exclusions == ("猪肉", "招聘 启事")
    assert theme.since == datetime(2025, 9, 1, tzinfo=SH)
    assert search_queries(theme) == [
        '资本开支 -猪肉 -"招聘 启事"',
        '算力 GPU -猪肉 -"招聘 启事"',
        '数据中心 -猪肉 -"招聘 启事"',
    ]
    assert describe_query(theme).startswith("资本开支 OR ")
    nested = load_theme_file(_file(tmp_path, "[theme]\n" + GOOD), tz=SH)
    assert nested == theme


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD + 'colour = "red"\n', "unknown field 'colour'"),
        (GOOD.replace('query = "资本开支"', 'query = "  "'), "query is empty"),
        (GOOD.replace('"0 8 * * *"', '"0 8 * *"'), "5 fields"),
        (GOOD.replace('"0 8 * * *"', '"0 26 * * *"'), "not a valid cron expression"),
        (GOOD.replace('"2025-09-01"', '"last autumn"'), "since 'last autumn' is not a date"),
        (GOOD.replace('"extractive"', '"gpt"'), "unknown summarizer 'gpt'"),
        (GOOD.replace('["华尔街见闻"]', "3"), "sources must be a list of strings"),
        (GOOD.replace('name = "AI资本开支周期"', 'name = ""'), "name is empty"),
        ("name = 'x'\nquery = \n", "is not valid TOML"),
    ],
)
def test_theme_file_errors_name_the_field(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_theme_file(_file(tmp_path, text), tz=SH)


def test_since_may_be_a_duration_and_edits_are_revalidated() -> None:
    now = datetime(2025, 11, 20, 8, 0, tzinfo=SH)
    theme = theme_from_mapping({"name": "t", "query": "q", "since": "30d"}, tz=SH, now=now)
    assert theme.since == datetime(2025, 10, 21, 8, 0, tzinfo=SH)
    assert apply_changes(theme, {"schedule": "6h"}, tz=SH).schedule == "6h"
    assert (
        apply_changes(theme.__class__(name="t", query="q", schedule="6h"), {"schedule": ""}, tz=SH).schedule
        is None
    )
    with pytest.raises(InputError, match="not a valid cron"):
        apply_changes(theme, {"schedule": "0 0 32 * *"}, tz=SH)


def test_bad_query_is_refused_when_the_theme_is_added(tmp_path: Path) -> None:
    tf = open_service(tmp_path / "q.db")
    with pytest.raises(InputError, match="query"):
        tf.add_theme({"name": "bad", "query": '"unbalanced'})
    with pytest.raises(InputError, match="already exists"):
        tf.add_theme({"name": "ok", "query": "资本开支"})
        tf.add_theme({"name": "ok", "query": "算力"})
    tf.close()


def _cli(*args: str) -> object:
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_workflow_commands_end_to_end(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")
    tf = open_service(Path(db))
    tf.ingest_documents([ai_doc(1), ai_doc(2, published=datetime(2025, 11, 22, tzinfo=SH))])
    tf.close()
    theme = _file(
        tmp_path, GOOD.replace('since = "2025-09-01"\n', "").replace('sources = ["华尔街见闻"]\n', "")
    )

    r = _cli("workflow", "add", "--file", str(theme), "--db", db, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["schedule"] == "0 8 * * *"

    r = _cli("workflow", "run", "AI资本开支周期", "--db", db, "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert {"run_id", "theme", "new_documents", "items", "reports"} <= set(data)
    assert data["new_documents"] == 2 and len(data["items"]) == 2
    assert {"hit", "summary"} <= set(data["items"][0])
    assert data["items"][0]["hit"]["id"] == ai_doc(2).id, "newest first"
    assert set(data["reports"]) == {"html", "markdown", "json"}
    assert all(Path(p).is_file() for p in data["reports"].values())

    again = json.loads(_cli("workflow", "run", "AI资本开支周期", "--db", db, "--json").stdout)
    assert again["new_documents"] == 0 and again["items"] == []

    r = _cli("workflow", "list", "--db", db, "--json")
    [listed] = json.loads(r.stdout)["workflows"]
    assert listed["last_run"]["run_id"] == again["run_id"] and listed["next_due"]

    r = _cli("workflow", "show", "AI资本开支周期", "--db", db)
    assert "资本开支" in r.stdout and "#2" in r.stdout and "#1" in r.stdout

    out = tmp_path / "run1.md"
    r = _cli("report", "--run", str(data["run_id"]), "--format", "md", "--out", str(out), "--db", db)
    assert r.exit_code == 0 and out.read_text(encoding="utf-8").startswith("# Workflow · AI资本开支周期")
    r = _cli("report", "资本开支", "--format", "json", "--db", db)
    assert json.loads(r.stdout)["kind"] == "search"

    r = _cli(
        "workflow",
        "edit",
        "AI资本开支周期",
        "--schedule",
        "6h",
        "--keyword",
        "算力,数据中心",
        "--db",
        db,
        "--json",
    )
    assert json.loads(r.stdout)["keywords"] == ["算力", "数据中心"]

    r = _cli("scheduler", "--once", "--db", db, "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["runs"] == [], "ran moments ago: not due"

    r = _cli("workflow", "remove", "AI资本开支周期", "--db", db)
    assert r.exit_code == 0
    assert json.loads(_cli("workflow", "list", "--db", db, "--json").stdout)["workflows"] == []


def test_cli_errors_are_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    from themeflow.cli import main

    bad = _file(tmp_path, GOOD.replace('"0 8 * * *"', '"every morning"'))
    argv = sys.argv
    sys.argv = ["themeflow", "workflow", "add", "--file", str(bad), "--db", str(tmp_path / "e.db")]
    try:
        with pytest.raises(SystemExit) as exit_info:
            main()
    finally:
        sys.argv = argv
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "every morning" in err and "Traceback" not in err

"""LLM-assisted key figures against a local server that speaks the chat-completions protocol: the model reads
each conflicting figure blind (owner, metric, period); agreeing readings are confirmed and conflict,
differing ones in the paragraph's words are corrected and regrouped, anything else stays out of conflicts;
the model can neither change a value nor bring in words the paragraph does not have. Texts are written for
the tests."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.test_llm import Answer, Scripted, completion, server  # noqa: F401 - the server fixture
from themeflow.facts import LLMFactChecker, figures_for_documents
from themeflow.model import Document
from themeflow.service import Themeflow
from themeflow.store.sqlite import SQLiteStore
from themeflow.summarize.llm_client import ChatClient, LLMConfig

from .test_workflow_support import SH

QUARTER = "腾讯公布第四季度业绩。财报显示，2025年资本开支为224亿元。"
"""The quarter is named in the sentence before the figure's: the rules read the figure's own sentence (a
quarter named there keeps a figure out of conflicts, facts/comparable.py), so they see the year here."""
YEAR = "腾讯2025年资本开支达到792亿元，同比增长221%。"


def _doc(i: str, source: str, paragraph: str) -> Document:
    return Document(
        id=f"u{i}",
        title="腾讯资本开支",
        paragraphs=(paragraph,),
        source=source,
        published_at=datetime(2026, 3, 20, 9, tzinfo=SH),
        time_origin="document",
    )


DOCS = [_doc("a", "新浪财经", QUARTER), _doc("b", "财联社", YEAR)]


def _answer(items: list[dict[str, Any]], *, fenced: bool = False) -> Answer:
    body = json.dumps({"facts": items}, ensure_ascii=False)
    return Answer(
        body=completion(f"好的：\n```json\n{body}\n```" if fenced else body, prompt=300, completion_tokens=40)
    )


YEAR_READING = {"owner": "腾讯", "metric": "资本开支", "period": "2025年"}


def _route(quarter: dict[str, Any], *, fenced: bool = False):  # type: ignore[no-untyped-def]
    """Read the quarterly paragraph as ``quarter`` and every other as the rules do."""

    def route(payload: dict[str, Any]) -> Answer:
        asked = payload["messages"][-1]["content"]
        assert "主体" not in asked and "资本开支为" not in asked.split("数值：")[-1].split("（")[0], "blind"
        if "224亿元" in asked:
            return _answer([{"n": 1, **quarter}], fenced=fenced)
        if "767亿元" in asked:
            return _answer([{"n": 1, "owner": "阿里巴巴", "metric": "资本开支", "period": "2025财年"}])
        return _answer([{"n": 1, **YEAR_READING}])

    return route


def _checker(url: str) -> LLMFactChecker:
    return LLMFactChecker(
        ChatClient(LLMConfig(base_url=url, model="test-model", timeout=5, deadline=20)).complete
    )


def test_the_rules_alone_see_a_conflict_the_model_resolves_by_the_period_the_paragraph_states(
    server: tuple[str, Scripted],  # noqa: F811
) -> None:
    url, script = server
    rules = figures_for_documents(DOCS)
    assert [(c.entity, c.period, [v.value for v in c.values]) for c in rules.conflicts] == [
        ("腾讯", "2025年", ["224亿元", "792亿元"])
    ], "a quarter read as the year: the false conflict the check is for"

    script.route = _route({"owner": "腾讯", "period": "第四季度", "metric": "资本开支"}, fenced=True)
    checked = figures_for_documents(DOCS, checker=_checker(url))
    assert checked.conflicts == ()
    periods = {g.value: g.period for g in checked.figures}
    assert periods == {"224亿元": "2025年", "792亿元": "2025年"}, (
        "the table keeps the rules; the check decides conflicts"
    )
    assert checked.check is not None
    assert {k: checked.check[k] for k in ("confirmed", "corrected", "unchecked")} == {
        "confirmed": 1,
        "corrected": 1,
        "unchecked": 0,
    }
    assert checked.check["requests"] == 2 and checked.check["prompt_tokens"] == 600
    assert checked.check["model"] == "test-model"
    asked = script.requests[0]
    assert asked["response_format"]["type"] == "json_schema"

    other = _doc("c", "证券时报", "阿里巴巴2025财年资本开支为767亿元，同比增长197%。")
    cheap = figures_for_documents([*DOCS, other], checker=_checker(url))
    assert cheap.check is not None and cheap.check["requests"] == 2, "only the facts of a conflict are asked"
    assert cheap.check["scope"] == "conflicts" and any(g.value == "767亿元" for g in cheap.figures)
    every = figures_for_documents([*DOCS, other], checker=_checker(url), check="all")
    assert every.check is not None and every.check["requests"] == 3 and every.check["confirmed"] == 2


def test_a_correction_the_paragraph_does_not_hold_is_not_taken_and_keeps_the_fact_out_of_conflicts(
    server: tuple[str, Scripted],  # noqa: F811
) -> None:
    url, script = server
    script.route = _route({"owner": "腾讯音乐", "metric": "资本开支", "period": "2024年第四季度"})
    checked = figures_for_documents(DOCS, checker=_checker(url))
    assert checked.check is not None and checked.check["unchecked"] == 1 and checked.check["corrected"] == 0
    quarter = next(g for g in checked.figures if g.value == "224亿元")
    assert (quarter.entity, quarter.period) == ("腾讯", "2025年"), (
        "the rules' reading stays; nothing invented"
    )
    assert checked.conflicts == (), "an unconfirmed fact never enters a conflict"


def test_a_reading_that_agrees_confirms_and_a_value_is_never_changed(
    server: tuple[str, Scripted],  # noqa: F811
) -> None:
    url, script = server
    script.route = _route(
        {"owner": "腾讯控股", "metric": "资本开支", "period": "2025年", "value": "2240亿元"}
    )
    checked = figures_for_documents(DOCS, checker=_checker(url))
    assert checked.check is not None and checked.check["confirmed"] == 2, "腾讯控股 is 腾讯 (a suffix)"
    assert sorted(g.value for g in checked.figures) == ["224亿元", "792亿元"], "values stay as written"
    assert [sorted(v.value for v in c.values) for c in checked.conflicts] == [["224亿元", "792亿元"]]

    script.route = _route({"owner": "腾讯", "metric": "资本开支", "period": ""})
    silent = figures_for_documents(DOCS, checker=_checker(url))
    assert silent.check is not None and silent.check["confirmed"] == 2, "no period seen is no objection"


def test_an_endpoint_that_fails_or_babbles_confirms_nothing_and_breaks_nothing(
    server: tuple[str, Scripted],  # noqa: F811
) -> None:
    url, script = server
    script.answers = [Answer(body=completion("我无法回答这个问题。"))]
    babble = figures_for_documents(DOCS, checker=_checker(url))
    assert (
        babble.check is not None and babble.check["unchecked"] == 2 and babble.check["failed_requests"] == 2
    )
    assert babble.conflicts == () and len(babble.figures) == 2

    script.answers = [Answer(status=500, body="down")]
    checker = LLMFactChecker(
        ChatClient(LLMConfig(base_url=url, model="m", timeout=2, deadline=3, retries=1)).complete
    )
    down = figures_for_documents(DOCS, checker=checker)
    assert down.check is not None and down.check["unchecked"] == 2 and down.conflicts == ()


def test_a_theme_with_llm_figures_runs_with_the_check_and_counts_its_tokens(
    server: tuple[str, Scripted],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, script = server
    script.route = _route({"owner": "腾讯", "metric": "资本开支", "period": "第四季度"})
    monkeypatch.setenv("THEMEFLOW_HOME", str(tmp_path / "home"))
    tf = Themeflow(SQLiteStore(tmp_path / "tf.db"))
    tf.ingest_documents(DOCS)
    tf.add_theme({"name": "腾讯资本开支", "query": "腾讯 资本开支", "figures": "llm"})
    assert tf.theme("腾讯资本开支").figures == "llm"

    no_endpoint = tf.run_workflow("腾讯资本开支", write_reports=False)
    assert any("未经 LLM 核对" in n and "THEMEFLOW_LLM_BASE_URL" in n for n in no_endpoint.digest.notes)
    assert no_endpoint.digest.figures is not None and no_endpoint.digest.figures.conflicts, "rules alone"

    monkeypatch.setenv("THEMEFLOW_LLM_BASE_URL", url)
    monkeypatch.setenv("THEMEFLOW_LLM_MODEL", "test-model")
    tf = Themeflow(SQLiteStore(tmp_path / "tf.db"))
    page = tf.tags.figures("腾讯资本开支")
    assert page.conflicts == () and page.check is not None, "the theme page reads its figures the same way"
    rebuilt = tf.report(run_id=no_endpoint.run.id)
    assert rebuilt.figures is not None and rebuilt.figures.conflicts == ()
    assert any(
        "关键数据经 LLM 核对（test-model，冲突中的数据）：确认 1，修正 1，未核对 0" in n
        for n in rebuilt.notes
    ), rebuilt.notes

    tf.ingest_documents(
        [
            _doc("c", "东方财富网", "腾讯2025年资本开支为792亿元，创历史新高。"),
            _doc("d", "证券时报", QUARTER + "（补充）"),
        ]
    )
    run = tf.run_workflow("腾讯资本开支", write_reports=False)
    assert run.digest.figures is not None and run.digest.figures.conflicts == ()
    assert run.run.prompt_tokens >= 300, "the check's tokens are the run's"
    assert not any("未经 LLM 核对" in n for n in run.digest.notes)
    tf.store.close()

"""Incremental workflow runs on real stores (an SQLite file, then a PostgreSQL database) with the real
extractive summarizer.

What is checked: a run covers what was written since the last successful run (late-arriving old articles
included), two runs in a row re-report and re-summarize nothing, a failed run changes nothing, copies fold
into stories, a changed article comes back as ``updated``, and a zero-match theme still yields a report.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from themeflow.errors import NotFoundError, SummarizerError
from themeflow.workflow.runner import WorkflowBusyError

from .test_workflow_support import AI_THEME, SH, CountingSummarizer, ai_doc, open_service, other_doc


@pytest.fixture
def summarizer() -> CountingSummarizer:
    return CountingSummarizer()


@pytest.fixture
def tf(store_url: str, summarizer: CountingSummarizer):  # type: ignore[no-untyped-def]
    service = open_service(store_url, summarizer)
    service.add_theme(AI_THEME)
    yield service
    service.close()


def test_first_run_reports_matches_newest_first_then_rerun_is_idempotent(tf, summarizer) -> None:
    tf.ingest_documents(
        [
            ai_doc(1, published=datetime(2025, 11, 18, 9, 0, tzinfo=SH)),
            ai_doc(2, published=datetime(2025, 11, 21, 0, 25, tzinfo=SH)),
            ai_doc(3, published=datetime(2025, 11, 20, 20, 41, tzinfo=SH)),
            other_doc(1),
        ]
    )
    first = tf.run_workflow("AI资本开支周期")
    assert first.run.status == "ok"
    assert [it.document.id for it in first.items] == [ai_doc(2).id, ai_doc(3).id, ai_doc(1).id]
    assert {it.status for it in first.items} == {"new"}
    assert first.run.new_documents == 3 and first.run.items == 3
    assert sorted(summarizer.calls) == sorted(it.document.id for it in first.items)
    assert all(it.summary is not None for it in first.items)
    for fmt in ("html", "markdown", "json"):
        assert Path(first.reports[fmt]).is_file()

    calls_before = len(summarizer.calls)
    second = tf.run_workflow("AI资本开支周期")
    assert second.run.status == "ok"
    assert second.items == () and second.run.new_documents == 0
    assert len(summarizer.calls) == calls_before, "a re-run must not re-summarize anything"
    assert second.run.window_start == first.run.window_end
    assert [r.id for r in tf.runs("AI资本开支周期")] == [second.run.id, first.run.id]
    assert "本次运行没有新文章" in Path(second.reports["html"]).read_text(encoding="utf-8")


def test_documents_arriving_between_runs_including_late_older_articles(tf, summarizer) -> None:
    tf.ingest_documents([ai_doc(1, published=datetime(2025, 11, 20, 8, 0, tzinfo=SH))])
    first = tf.run_workflow("AI资本开支周期")
    assert [it.document.id for it in first.items] == [ai_doc(1).id]

    fresh = ai_doc(2, published=datetime(2025, 11, 22, 8, 0, tzinfo=SH))
    late = ai_doc(3, published=datetime(2019, 3, 1, 8, 0, tzinfo=SH), source="东方财富网")
    tf.ingest_documents([fresh, late, other_doc(2)])
    second = tf.run_workflow("AI资本开支周期")
    assert [it.document.id for it in second.items] == [fresh.id, late.id], "late older article included"
    assert second.run.new_documents == 2
    assert summarizer.calls.count(ai_doc(1).id) == 1, "the first run's article is not summarized again"
    stored = tf.run_record(second.run.id)
    assert stored.item_ids == (fresh.id, late.id)


def test_since_bounds_the_first_run_only(store_url, summarizer) -> None:
    tf = open_service(store_url, summarizer)
    tf.add_theme({**AI_THEME, "since": "2025-11-01"})
    old = ai_doc(1, published=datetime(2024, 6, 1, tzinfo=SH))
    recent = ai_doc(2, published=datetime(2025, 11, 20, tzinfo=SH))
    tf.ingest_documents([old, recent])
    assert [it.document.id for it in tf.run_workflow("AI资本开支周期").items] == [recent.id]
    late_old = ai_doc(3, published=datetime(2024, 1, 1, tzinfo=SH))
    tf.ingest_documents([late_old])
    assert [it.document.id for it in tf.run_workflow("AI资本开支周期").items] == [late_old.id]
    tf.close()


def test_failed_run_is_recorded_and_leaves_previous_state_intact(tf, summarizer) -> None:
    tf.ingest_documents([ai_doc(1)])
    ok = tf.run_workflow("AI资本开支周期")
    tf.ingest_documents([ai_doc(2, published=datetime(2025, 11, 23, tzinfo=SH)), ai_doc(3)])
    summarizer.fail_on = {ai_doc(3).id}
    with pytest.raises(SummarizerError):
        tf.run_workflow("AI资本开支周期")
    failed = tf.runs("AI资本开支周期")[0]
    assert failed.status == "failed" and "summarizer down" in (failed.error or "")
    assert failed.item_ids == () and failed.items == 0
    with tf.store.workflows.writing() as wf:
        assert wf.last_successful_run(wf.theme_id("AI资本开支周期")).id == ok.run.id
        assert wf.acquire_lock("AI资本开支周期", "someone", now=time.time(), ttl=1) is None, "lock released"
        wf.release_lock("AI资本开支周期", "someone")

    summarizer.fail_on = set()
    retry = tf.run_workflow("AI资本开支周期")
    assert retry.run.window_start == ok.run.window_end, "the retry re-covers the failed run's window"
    assert [it.document.id for it in retry.items] == [ai_doc(2).id, ai_doc(3).id]


def test_changed_article_is_reported_again_as_updated(tf, summarizer) -> None:
    doc = ai_doc(1)
    tf.ingest_documents([doc])
    tf.run_workflow("AI资本开支周期")
    corrected = ai_doc(1, extra="更正：公司随后表示，资本开支计划将分两期披露。")
    tf.ingest_documents([corrected])
    again = tf.run_workflow("AI资本开支周期")
    assert [(it.document.id, it.status) for it in again.items] == [(doc.id, "updated")]
    assert summarizer.calls == [doc.id, doc.id], "new text, new summary"


def test_copies_fold_into_one_story_and_a_new_copy_updates_it(tf, summarizer) -> None:

    original = ai_doc(1, published=datetime(2025, 11, 20, 20, 41, tzinfo=SH))
    copy = ai_doc(
        1,
        published=datetime(2025, 11, 21, 0, 7, tzinfo=SH),
        source="美股IPO",
        url="https://b.example/x",
        doc_id="u00000000000000ff",
    )
    tf.ingest_documents([original])
    first = tf.run_workflow("AI资本开支周期")
    assert [it.document.id for it in first.items] == [original.id]
    tf.ingest_documents([copy])
    second = tf.run_workflow("AI资本开支周期")
    assert len(second.items) == 1
    item = second.items[0]
    assert item.status == "updated" and item.document.id == original.id
    assert [c.id for c in item.copies] == [copy.id] and item.new_doc_ids == (copy.id,)
    assert summarizer.calls == [original.id], "the canonical text is unchanged: its summary is reused"


def test_zero_match_theme_runs_and_reports_so(store_url, summarizer) -> None:
    tf = open_service(store_url, summarizer)
    tf.add_theme({"name": "固态电池", "query": "固态电池"})
    tf.ingest_documents([ai_doc(1), other_doc(1)])
    result = tf.run_workflow("固态电池")
    assert result.run.status == "ok" and result.items == ()
    assert result.run.candidates == 2
    html = Path(result.reports["html"]).read_text(encoding="utf-8")
    assert "本次运行没有新文章" in html
    assert "本次运行没有新文章" in Path(result.reports["markdown"]).read_text(encoding="utf-8")
    assert summarizer.calls == []
    tf.close()


def test_unknown_workflow_is_a_clear_error(tf) -> None:
    with pytest.raises(NotFoundError, match="no workflow named 'nope'"):
        tf.run_workflow("nope")


def test_a_second_runner_finds_the_workflow_busy(store_url) -> None:
    """While one process is mid-run (blocked in its summarizer), another one is refused the theme."""
    gate, entered = threading.Event(), threading.Event()

    class Blocking(CountingSummarizer):
        def summarize(self, doc):  # type: ignore[no-untyped-def]
            entered.set()
            assert gate.wait(10)
            return super().summarize(doc)

    a = open_service(store_url, Blocking())
    a.add_theme(AI_THEME)
    a.ingest_documents([ai_doc(1)])
    results: list[object] = []
    worker = threading.Thread(target=lambda: results.append(a.run_workflow("AI资本开支周期")))
    worker.start()
    try:
        assert entered.wait(10)
        b = open_service(store_url)  # its own connections, as a second process would have
        with pytest.raises(WorkflowBusyError, match="is being run by"):
            b.run_workflow("AI资本开支周期")
        outcomes = b.run_due_workflows()  # on-demand theme: the scheduler leaves it alone
        assert outcomes == []
    finally:
        gate.set()
        worker.join(10)
    assert results and results[0].run.status == "ok"  # type: ignore[attr-defined]
    assert b.run_workflow("AI资本开支周期").items == (), "after the first finished, nothing is new"
    a.close()
    b.close()


def test_lock_is_taken_by_exactly_one_of_many_concurrent_contenders(store_url) -> None:
    open_service(store_url).close()
    barrier = threading.Barrier(6)
    winners: list[str] = []

    def contend(n: int) -> None:
        svc = open_service(store_url)
        barrier.wait()
        with svc.store.workflows.writing() as wf:
            if wf.acquire_lock("theme", f"owner-{n}", now=time.time(), ttl=60) is None:
                winners.append(f"owner-{n}")
        svc.close()

    threads = [threading.Thread(target=contend, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert len(winners) == 1
    svc = open_service(store_url)
    with svc.store.workflows.reading() as wf:
        holder = wf.lock_holder("theme")
    assert holder is not None and holder.owner == winners[0]
    expires = holder.expires_at.timestamp()
    # An expired lock (its owner died) is taken over; a live one is not.
    with svc.store.workflows.writing() as wf:
        assert wf.acquire_lock("theme", "late", now=expires - 1, ttl=60) is not None
        assert wf.acquire_lock("theme", "late", now=expires + 1, ttl=60) is None
        assert not wf.release_lock("theme", winners[0]), "a taken-over lock is not released by its old owner"
    svc.close()


def test_a_run_left_running_by_a_dead_process_is_marked_failed(tf) -> None:
    tf.ingest_documents([ai_doc(1)])
    with tf.store.workflows.writing() as wf:
        tid = wf.theme_id("AI资本开支周期")
        now = datetime.now(SH)
        stale = wf.start_run(
            theme_id=tid, theme="AI资本开支周期", started_at=now, window_start=None, window_end=now
        )
    result = tf.run_workflow("AI资本开支周期")
    assert result.run.window_start is None, "the dead run never succeeded: the window is unchanged"
    assert [it.document.id for it in result.items] == [ai_doc(1).id]
    dead = tf.run_record(stale)
    assert dead.status == "failed" and "interrupted" in (dead.error or "")


def test_report_of_a_stored_run_matches_the_run(tf) -> None:
    tf.ingest_documents([ai_doc(1), ai_doc(2, published=datetime(2025, 11, 22, tzinfo=SH))])
    result = tf.run_workflow("AI资本开支周期", write_reports=False)
    assert result.reports == {}
    digest = tf.report(run_id=result.run.id)
    assert [it.document.id for it in digest.items] == [it.document.id for it in result.items]
    assert [it.summary for it in digest.items] == [it.summary for it in result.items]
    with pytest.raises(NotFoundError):
        tf.report(run_id=999)

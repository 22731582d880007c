"""The workflow tables through the ``WorkflowStore`` protocol, on both backends (an SQLite file, then a
PostgreSQL database): saved themes, runs and their items, seen sets, and the run locks a scheduler relies on.

What is checked: a lock is taken, extended by its owner, refused to others while fresh, taken over once
expired or once its owner is gone, and released only by whoever holds it; a heartbeat racing a take-over
loses; many contenders in separate stores get exactly one winner; a run goes running → ok / failed /
interrupted with its items, tokens and reports kept exactly; run ids are never reused. These need no
documents, so they run before (and apart from) ingest and search.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from themeflow.errors import StoreError
from themeflow.model import RunItem, Snippet, Theme
from themeflow.store import open_store
from themeflow.store.base import Store

NAME = "AI资本开支周期"
T0 = datetime(2025, 11, 20, 0, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


def _theme(name: str = NAME, **extra: object) -> Theme:
    fields: dict[str, object] = {
        "name": name,
        "query": "资本开支",
        "keywords": ("算力 GPU", "数据中心"),
        "exclusions": ("猪肉",),
        "sources": ("华尔街见闻",),
        **extra,
    }
    return Theme(**fields)  # type: ignore[arg-type]  # the fields above are Theme's


def _add(store: Store, theme: Theme | None = None) -> int:
    with store.workflows.writing() as wf:
        tid = wf.insert_theme(theme or _theme())
    assert tid is not None
    return tid


def _start(store: Store, tid: int, *, at: datetime = T0, window_start: datetime | None = None) -> int:
    with store.workflows.writing() as wf:
        return wf.start_run(theme_id=tid, theme=NAME, started_at=at, window_start=window_start, window_end=at)


# -- themes ------------------------------------------------------------------------------------------


def test_themes_round_trip_refuse_a_taken_name_rename_and_delete_with_their_runs(store: Store) -> None:
    theme = _theme(since=datetime(2025, 11, 1, tzinfo=UTC), schedule="daily 08:00", figures="llm")
    tid = _add(store, theme)
    _add(store, _theme("固态电池", keywords=()))
    with store.workflows.writing() as wf:
        assert wf.insert_theme(theme) is None, "a taken name is refused, not overwritten"
        assert wf.get_theme(NAME) == theme
        assert [t.name for t in wf.list_themes()] == sorted([NAME, "固态电池"])
    run = _start(store, tid)

    renamed = _theme("算力投资", query="算力")
    with store.workflows.writing() as wf:
        assert wf.update_theme(NAME, renamed)
        assert not wf.update_theme("nope", renamed)
    with store.workflows.reading() as wf:
        assert wf.theme_id("算力投资") == tid and wf.theme_id(NAME) is None
        record = wf.get_run(run)
        assert record is not None and record.theme == "算力投资", "its runs follow the new name"

    with store.workflows.writing() as wf:
        assert wf.acquire_lock("算力投资", "owner-a", now=time.time(), ttl=60) is None
        assert wf.delete_theme("算力投资")
        assert not wf.delete_theme("算力投资")
    with store.workflows.reading() as wf:
        assert wf.get_run(run) is None, "runs go with their theme"
        assert wf.lock_holder("算力投资") is None, "and so does its lock"


def test_a_failed_write_changes_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), store.workflows.writing() as wf:
        wf.insert_theme(_theme())
        raise RuntimeError("boom")
    with store.workflows.reading() as wf:
        assert wf.theme_id(NAME) is None


# -- locks -------------------------------------------------------------------------------------------


def test_lock_acquire_extend_refuse_steal_after_expiry_and_release(store: Store) -> None:
    now = 1_000_000.0
    with store.workflows.writing() as wf:
        assert wf.acquire_lock(NAME, "owner-a", now=now, ttl=60) is None
        held = wf.acquire_lock(NAME, "owner-b", now=now + 30, ttl=60)
        assert held is not None and held.owner == "owner-a"
        assert held.expires_at == datetime.fromtimestamp(now + 60, UTC)
        assert held.acquired_at == datetime.fromtimestamp(now, UTC)
        assert wf.acquire_lock(NAME, "owner-a", now=now + 50, ttl=60) is None, "the owner re-acquires"
        assert wf.acquire_lock(NAME, "owner-b", now=now + 100, ttl=60) is not None, "extended to 110"

    assert store.workflows.refresh_lock(NAME, "owner-a", now=now + 100, ttl=60)
    assert not store.workflows.refresh_lock(NAME, "owner-b", now=now + 100, ttl=60), "not b's lock"
    with store.workflows.reading() as wf:
        holder = wf.lock_holder(NAME)
    assert holder is not None and holder.expires_at == datetime.fromtimestamp(now + 160, UTC)

    with store.workflows.writing() as wf:
        assert wf.acquire_lock(NAME, "owner-b", now=now + 159, ttl=60) is not None
        assert wf.acquire_lock(NAME, "owner-b", now=now + 160, ttl=60) is None, "expired: taken over"
        assert not wf.release_lock(NAME, "owner-a"), "the old owner cannot release a taken-over lock"
    assert not store.workflows.refresh_lock(NAME, "owner-a", now=now + 161, ttl=60), "its heartbeat fails"

    with store.workflows.writing() as wf:
        assert wf.release_lock(NAME, "owner-b")
        assert wf.lock_holder(NAME) is None
        assert not wf.release_lock(NAME)
        assert wf.acquire_lock(NAME, "owner-c", now=now, ttl=60) is None
        assert wf.release_lock(NAME), "unlock removes it whoever holds it"


def test_a_lock_whose_owner_is_gone_is_taken_over_while_fresh(store: Store) -> None:
    now = time.time()
    with store.workflows.writing() as wf:
        assert wf.acquire_lock(NAME, "host:1:dead", now=now, ttl=600) is None
        assert wf.acquire_lock(NAME, "host:2", now=now, ttl=600, is_stale=lambda o: False) is not None
        assert (
            wf.acquire_lock(NAME, "host:2", now=now, ttl=600, is_stale=lambda o: o == "host:1:dead") is None
        )
        holder = wf.lock_holder(NAME)
    assert holder is not None and holder.owner == "host:2"


def test_exactly_one_of_many_stores_takes_a_free_lock(store_url: str, store: Store) -> None:
    contenders = [open_store(store_url) for _ in range(6)]
    barrier = threading.Barrier(len(contenders))
    winners: list[str] = []
    errors: list[BaseException] = []

    def contend(n: int) -> None:
        try:
            barrier.wait()
            with contenders[n].workflows.writing() as wf:
                if wf.acquire_lock(NAME, f"owner-{n}", now=time.time(), ttl=60) is None:
                    winners.append(f"owner-{n}")
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=contend, args=(n,)) for n in range(len(contenders))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    for c in contenders:
        c.close()
    assert errors == [] and len(winners) == 1
    with store.workflows.reading() as wf:
        holder = wf.lock_holder(NAME)
    assert holder is not None and holder.owner == winners[0]


def test_a_heartbeat_racing_a_take_over_waits_for_it_and_loses(store: Store) -> None:
    now = time.time()
    with store.workflows.writing() as wf:
        assert wf.acquire_lock(NAME, "old", now=now - 120, ttl=60) is None
    seen: list[tuple[bool, bool]] = []
    committed = threading.Event()

    def beat() -> None:
        kept = store.workflows.refresh_lock(NAME, "old", now=time.time(), ttl=60)
        seen.append((committed.is_set(), kept))

    with store.workflows.writing() as wf:
        assert wf.acquire_lock(NAME, "new", now=now, ttl=60) is None, "expired: taken over"
        racer = threading.Thread(target=beat)
        racer.start()
        racer.join(0.5)
        committed.set()
    racer.join(30)
    assert seen == [(True, False)], "the heartbeat waited for the take-over to commit, then found it lost"
    with store.workflows.reading() as wf:
        holder = wf.lock_holder(NAME)
    assert holder is not None and holder.owner == "new"


def test_postgres_heartbeat_does_not_wait_behind_a_long_write(pg_url: str) -> None:
    """A run's lock stays alive while an ingest holds the write queue (the embedded store has one file
    lock, so there the heartbeat waits; here it must not)."""
    store = open_store(pg_url)
    try:
        with store.workflows.writing() as wf:
            assert wf.acquire_lock(NAME, "runner", now=time.time(), ttl=60) is None
        results: list[bool] = []
        with store.workflows.writing() as wf:
            wf.insert_theme(_theme())  # a write in progress, holding the queue
            beat = threading.Thread(
                target=lambda: results.append(
                    store.workflows.refresh_lock(NAME, "runner", now=time.time(), ttl=60)
                )
            )
            beat.start()
            beat.join(10)
            assert results == [True], "the heartbeat finished while the write was still open"
    finally:
        store.close()


def test_postgres_heartbeat_failure_is_a_store_error(pg_url: str) -> None:
    store = open_store(pg_url)
    store.close()
    with pytest.raises(StoreError, match="could not refresh the run lock"):
        store.workflows.refresh_lock(NAME, "runner", now=time.time(), ttl=60)


# -- runs --------------------------------------------------------------------------------------------


def test_run_start_finish_keeps_items_tokens_and_reports_exactly(store: Store) -> None:
    tid = _add(store)
    run = _start(store, tid)
    items = [
        RunItem(
            run_id=run,
            position=1,
            doc_id="u1",
            story_id="s1",
            status="new",
            new_doc_ids=("u1", "u9"),
            score=3.25,
            snippet=Snippet(paragraph=2, text="算力集群资本开支", highlights=((0, 2), (4, 8))),
            summarized=True,
            aboutness="主题",
            late=False,
        ),
        RunItem(
            run_id=run,
            position=2,
            doc_id="u2",
            story_id=None,
            status="updated",
            new_doc_ids=(),
            score=None,
            snippet=None,
            summarized=False,
            aboutness=None,
            late=True,
        ),
    ]
    with store.workflows.reading() as wf:
        started = wf.get_run(run)
    assert started is not None and started.status == "running" and started.window_end == T0
    assert started.finished_at is None and started.window_start is None and started.trigger == "manual"

    end = T0 + timedelta(minutes=3)
    with store.workflows.writing() as wf:
        wf.finish_run(
            run,
            finished_at=end,
            candidates=7,
            new_documents=2,
            items=items,
            summarized=1,
            reports={"html": "/r/报告.html", "json": "/r/1.json"},
            prompt_tokens=1200,
            completion_tokens=300,
        )
        wf.mark_seen(tid, run, [("u1", "h1", "s1"), ("u2", "h2", None)])
    with store.workflows.reading() as wf:
        done = wf.get_run(run)
        assert wf.run_items(run) == items
        last_ok = wf.last_successful_run(tid)
        assert wf.first_successful_window_end(tid) == T0
    assert done is not None and last_ok == replace(done, item_ids=())
    assert (done.status, done.finished_at, done.candidates, done.new_documents, done.items) == (
        "ok",
        end,
        7,
        2,
        2,
    )
    assert (done.summarized, done.prompt_tokens, done.completion_tokens) == (1, 1200, 300)
    assert done.reports == {"html": "/r/报告.html", "json": "/r/1.json"} and done.error is None
    assert done.item_ids == ("u1", "u2")


def test_seen_hashes_are_kept_per_theme_and_replaced_by_a_later_run(store: Store) -> None:
    tid, other = _add(store), _add(store, _theme("固态电池"))
    with store.workflows.writing() as wf:
        assert wf.seen_hashes(tid, []) == {}
        wf.mark_seen(tid, 1, [("u1", "h1", "s1"), ("u2", "h2", None)])
        wf.mark_seen(other, 1, [("u1", "x1", None)])
        wf.mark_seen(tid, 2, [("u1", "h1b", "s1")])
        wf.mark_seen(tid, 3, [])
    with store.workflows.reading() as wf:
        assert wf.seen_hashes(tid, ["u1", "u2", "u3", "u1"]) == {"u1": "h1b", "u2": "h2"}
        assert wf.seen_hashes(other, ["u1", "u2"]) == {"u1": "x1"}


def test_failed_and_interrupted_runs_leave_the_window_where_it_was(store: Store) -> None:
    tid = _add(store)
    ok = _start(store, tid, at=T0)
    with store.workflows.writing() as wf:
        wf.finish_run(ok, finished_at=T0, candidates=0, new_documents=0, items=[], summarized=0, reports={})
    later = T0 + timedelta(hours=1)
    failed = _start(store, tid, at=later, window_start=T0)
    with store.workflows.writing() as wf:
        wf.fail_run(failed, finished_at=later, error="SummarizerError: " + "x" * 5000)
    dead = _start(store, tid, at=later + timedelta(hours=1), window_start=T0)
    slotted = later + timedelta(hours=2)
    with store.workflows.writing() as wf:
        scheduled = wf.start_run(
            theme_id=tid,
            theme=NAME,
            started_at=slotted,
            window_start=T0,
            window_end=slotted,
            trigger="schedule",
            slot_at=slotted.replace(minute=0),
        )
        assert wf.interrupt_stale_runs(tid, slotted.timestamp()) == 2
        assert wf.interrupt_stale_runs(tid, slotted.timestamp()) == 0

    with store.workflows.reading() as wf:
        assert [r.id for r in wf.list_runs(tid)] == [scheduled, dead, failed, ok]
        assert [r.id for r in wf.list_runs(tid, 2)] == [scheduled, dead]
        assert wf.list_runs(tid, 0) == [] and wf.list_runs(tid, -1) == []
        assert len(wf.list_runs(tid, 2**70)) == 4
        last_ok, last = wf.last_successful_run(tid), wf.last_run(tid)
        f, d, s = wf.get_run(failed), wf.get_run(dead), wf.get_run(scheduled)
    assert last_ok is not None and last_ok.id == ok and last_ok.window_end == T0
    assert last is not None and last.id == scheduled
    assert f is not None and f.status == "failed" and f.error == "SummarizerError: " + "x" * 1983
    assert d is not None and d.status == "failed" and "interrupted" in (d.error or "")
    assert d.finished_at == slotted
    assert s is not None and (s.status, s.trigger, s.slot_at) == (
        "failed",
        "schedule",
        slotted.replace(minute=0),
    )


def test_run_ids_are_never_reused_and_impossible_ids_are_none(store: Store) -> None:
    tid = _add(store)
    first = _start(store, tid)
    second = _start(store, tid)
    with store.workflows.writing() as wf:
        assert wf.delete_theme(NAME)
    tid = _add(store)
    third = _start(store, tid)
    assert first < second < third, "report files are named after run ids"
    with store.workflows.reading() as wf:
        assert wf.get_run(first) is None and wf.get_run(third) is not None
        for impossible in (0, -1, 2**63, 2**64):
            assert wf.get_run(impossible) is None
        assert wf.last_successful_run(tid) is None and wf.first_successful_window_end(tid) is None

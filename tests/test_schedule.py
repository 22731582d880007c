"""Due-time computation (intervals, cron, time zones) and the scheduler's state across restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from themeflow.errors import InputError
from themeflow.schedule import is_due, latest_slot, next_due, parse_schedule

from .test_workflow_support import AI_THEME, CountingSummarizer, ai_doc, open_service

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("text", "seconds"), [("30m", 1800), ("6h", 21600), ("1d", 86400), ("2w", 1209600), (" 6H ", 21600)]
)
def test_intervals_parse(text: str, seconds: int) -> None:
    s = parse_schedule(text)
    assert s.kind == "interval" and s.interval == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "schedule is empty"),
        ("6x", "neither an interval"),
        ("30s", "shorter than one minute"),
        ("0 8 * *", "5 fields"),
        ("61 8 * * *", "not a valid cron expression"),
        ("0 25 * * *", "not a valid cron expression"),
        ("every day", "neither an interval"),
    ],
)
def test_bad_schedules_are_clear_errors(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_schedule(text)


def test_interval_due_times_anchor_on_slots_and_catch_up_once() -> None:
    s = parse_schedule("6h")
    t0 = datetime(2025, 11, 20, 8, 0, tzinfo=SH)
    assert next_due(s, None, now=t0, tz=SH) == t0, "never ran: due now"
    assert next_due(s, t0, now=t0, tz=SH) == t0 + timedelta(hours=6)
    assert not is_due(s, t0, now=t0 + timedelta(hours=5, minutes=59), tz=SH)
    assert is_due(s, t0, now=t0 + timedelta(hours=6), tz=SH)
    # Down for 20 hours: one run, recorded for the latest slot, and the next is the slot after it.
    late = t0 + timedelta(hours=20, minutes=5)
    slot = latest_slot(s, t0, now=late, tz=SH)
    assert slot == t0 + timedelta(hours=18)
    assert next_due(s, slot, now=late, tz=SH) == t0 + timedelta(hours=24) > late


def test_cron_is_evaluated_in_the_configured_time_zone() -> None:
    s = parse_schedule("0 8 * * 1-5")  # 08:00 Shanghai on weekdays
    friday = datetime(2025, 11, 21, 8, 0, tzinfo=SH)
    assert next_due(s, friday, now=friday, tz=SH) == datetime(2025, 11, 24, 8, 0, tzinfo=SH)
    # The same instant written in UTC gives the same answer.
    assert next_due(s, friday.astimezone(UTC), now=friday, tz=SH) == datetime(2025, 11, 24, 8, 0, tzinfo=SH)
    monday_0759 = datetime(2025, 11, 24, 7, 59, tzinfo=SH)
    assert not is_due(s, friday, now=monday_0759, tz=SH)
    assert is_due(s, friday, now=monday_0759 + timedelta(minutes=1), tz=SH)
    # Down from Friday to Wednesday noon: one run, for Wednesday 08:00; next is Thursday 08:00.
    wed_noon = datetime(2025, 11, 26, 12, 0, tzinfo=SH)
    slot = latest_slot(s, friday, now=wed_noon, tz=SH)
    assert slot == datetime(2025, 11, 26, 8, 0, tzinfo=SH)
    assert next_due(s, slot, now=wed_noon, tz=SH) == datetime(2025, 11, 27, 8, 0, tzinfo=SH)
    # An exact fire time counts as that slot.
    assert latest_slot(s, friday, now=datetime(2025, 11, 24, 8, 0, tzinfo=SH), tz=SH) == datetime(
        2025, 11, 24, 8, 0, tzinfo=SH
    )


def test_cron_in_new_york_crosses_dst() -> None:
    ny = ZoneInfo("America/New_York")
    s = parse_schedule("30 9 * * *")
    before = datetime(2025, 11, 1, 9, 30, tzinfo=ny)  # EDT (UTC-4); DST ends on Nov 2
    after = next_due(s, before, now=before, tz=ny)
    assert (after.astimezone(ny).hour, after.astimezone(ny).minute) == (9, 30), "still 09:30 local"
    assert before.astimezone(UTC).hour == 13 and after.astimezone(UTC).hour == 14


def test_scheduler_neither_skips_nor_double_runs_across_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "sched.db"
    counting = CountingSummarizer()
    tf = open_service(path, counting)
    tf.add_theme({**AI_THEME, "schedule": "6h"})
    tf.add_theme({"name": "on demand", "query": "资本开支"})  # no schedule: never run by the scheduler
    tf.ingest_documents([ai_doc(1)])
    t0 = datetime(2025, 11, 20, 8, 0, tzinfo=SH)

    [first] = tf.run_due_workflows(now=t0)
    assert first.status == "ok" and first.result is not None and len(first.result.items) == 1
    assert first.result.run.slot_at == t0 and first.result.run.trigger == "scheduler"
    assert tf.run_due_workflows(now=t0 + timedelta(hours=1)) == [], "not due again within the interval"
    tf.close()

    # "Restart": a new service on the same file, documents arriving while it was down.
    tf = open_service(path, counting)
    tf.ingest_documents([ai_doc(2)])
    [due] = tf.due_workflows(now=t0 + timedelta(hours=3))
    assert due.name == "AI资本开支周期" and not due.due and due.next_due == t0 + timedelta(hours=6)
    later = t0 + timedelta(hours=13)
    [second] = tf.run_due_workflows(now=later)
    assert second.status == "ok" and [it.document.id for it in second.result.items] == [ai_doc(2).id]
    assert second.result.run.slot_at == t0 + timedelta(hours=12), "one catch-up run for the latest slot"
    assert tf.run_due_workflows(now=later) == [], "no second run for the same slot"
    assert tf.run_due_workflows(now=t0 + timedelta(hours=18))[0].result.items == ()
    assert counting.calls == [ai_doc(1).id, ai_doc(2).id]
    tf.close()


def test_failed_scheduled_run_is_retried_after_a_pause(tmp_path: Path) -> None:
    counting = CountingSummarizer()
    tf = open_service(tmp_path / "retry.db", counting)
    tf.add_theme({**AI_THEME, "schedule": "0 8 * * *"})
    tf.ingest_documents([ai_doc(1)])
    counting.fail_on = {ai_doc(1).id}
    t0 = datetime.now(UTC)
    [failed] = tf.run_due_workflows(now=t0)
    assert failed.status == "failed" and "summarizer down" in (failed.error or "")
    [due] = tf.due_workflows(now=t0 + timedelta(minutes=1))
    assert not due.due and due.retry_at is not None, "a failing theme does not run on every tick"
    counting.fail_on = set()
    [retried] = tf.run_due_workflows(now=t0 + timedelta(minutes=30))
    assert retried.status == "ok" and len(retried.result.items) == 1
    tf.close()


def test_busy_theme_is_skipped_by_the_scheduler(tmp_path: Path) -> None:
    tf = open_service(tmp_path / "busy.db")
    tf.add_theme({**AI_THEME, "schedule": "1d"})
    with tf.store.workflows.writing() as wf:
        assert (
            wf.acquire_lock(AI_THEME["name"], "other-host:1", now=datetime.now(UTC).timestamp(), ttl=600)
            is None
        )
    [outcome] = tf.run_due_workflows()
    assert outcome.status == "busy" and "other-host:1" in (outcome.error or "")
    assert tf.runs(AI_THEME["name"]) == [], "a busy theme leaves no run behind"
    tf.close()

"""Schedules (Celery's crontab) and the change between runs, as plain functions; beat's tick
against the system database: one run per passed slot, missed slots run once and say so."""

from datetime import UTC, datetime, timedelta

import pytest

from reports import changes, schedule, service
from reports.models import Report

T = datetime(2026, 12, 2, 10, 47, 12, tzinfo=UTC)


def test_next_slots_and_bad_schedules():
    cron = schedule.parse("*/15 8 * * *")
    assert schedule.next_after(cron, T) == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    assert schedule.next_after(cron, datetime(2026, 12, 3, 8, 0, tzinfo=UTC)) == datetime(
        2026, 12, 3, 8, 15, tzinfo=UTC
    )
    weekdays = schedule.parse("0 8 * * 1-5")  # 2026-12-05 is a Saturday
    assert schedule.next_after(weekdays, datetime(2026, 12, 4, 9, tzinfo=UTC)).day == 7
    for bad, says in [("0 8 * *", "five fields"), ("61 * * * *", "59"), ("x * * * *", "x")]:
        with pytest.raises(schedule.ScheduleError, match=says):
            schedule.parse(bad)


def test_due_on_time_late_and_missed():
    assert schedule.due("0 * * * *", T, T + timedelta(minutes=5), 60) is None
    on_time = schedule.due("0 * * * *", T, datetime(2026, 12, 2, 11, 0, 30, tzinfo=UTC), 60)
    assert on_time.slot == datetime(2026, 12, 2, 11, 0, tzinfo=UTC)
    assert (on_time.missed, on_time.late, schedule.missed_note(on_time)) == (0, False, "")
    down = schedule.due("0 * * * *", T, datetime(2026, 12, 2, 14, 10, tzinfo=UTC), 60)
    assert down.slot == datetime(2026, 12, 2, 14, 0, tzinfo=UTC) and down.missed == 3
    assert schedule.missed_note(down).startswith(
        "Missed schedule: 4 scheduled runs since 2026-12-02 11:00"
    )
    late = schedule.due("0 * * * *", T, datetime(2026, 12, 2, 11, 20, tzinfo=UTC), 60)
    assert late.missed == 0 and late.late
    assert "due at 2026-12-02 11:00 UTC" in schedule.missed_note(late)


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ([[10]], [[12.5]], {"kind": "value", "delta": 2.5, "percent": 25.0}),
        ([[0]], [[3]], {"kind": "value", "delta": 3, "percent": None}),
        (
            [["a", 1], ["b", 2]],
            [["a", 1], ["b", 3], ["c", 1]],
            {"kind": "rows", "added": 1, "removed": 0, "changed": 1, "by": "key column k"},
        ),
        (
            [["a", 1], ["a", 2]],
            [["a", 2], ["b", 2]],
            {"kind": "rows", "added": 1, "removed": 1, "changed": 0, "by": "whole row"},
        ),
    ],
)
def test_change_between_runs(before, after, expected):
    columns = ["k", "v"][: len(after[0])]

    def result(rows):
        return {
            "databases": [{"name": "db", "columns": columns, "rows": rows, "error": ""}],
            "merged": None,
        }

    change = changes.compare(result(before), result(after))
    assert {k: change[k] for k in expected} == expected
    assert changes.describe(change)
    assert changes.compare(None, result(after)) == {"kind": "first"}


def test_a_value_sentence():
    change = changes.compare(
        {"merged": {"columns": ["n"], "rows": [[59]]}},
        {"merged": {"columns": ["n"], "rows": [[60]]}},
    )
    assert changes.describe(change) == "59 → 60 (+1, +1.69%)."


@pytest.mark.django_db
def test_the_tick_starts_one_run_per_report_and_never_the_same_slot_twice(
    alice, make_connection, chinook_sqlite, django_capture_on_commit_callbacks, settings
):
    chinook = make_connection(chinook_sqlite.params, name="chinook")
    report = service.save_report(
        alice,
        None,
        name="r",
        question="How many customers are there?",
        schedule="0 * * * *",
        database_ids=[chinook.pk],
    )
    Report.objects.filter(pk=report.pk).update(last_scheduled_at=T)
    now = datetime(2026, 12, 2, 14, 10, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert service.enqueue_due(now) == 1
        assert service.enqueue_due(now) == 0  # the slot is taken
    assert len(queued) == 1
    run = report.runs.get()
    assert run.status == "pending" and run.scheduled_for == datetime(2026, 12, 2, 14, tzinfo=UTC)
    assert run.note.startswith("Missed schedule: 4 scheduled runs")
    Report.objects.filter(pk=report.pk).update(is_active=False, last_scheduled_at=T)
    assert service.enqueue_due(now) == 0  # paused reports are not run

"""Cron-like schedules, read by Celery's own `crontab` (no cron parser of ours), and which
slot of a report is due now.

One beat entry (settings.CELERY_BEAT_SCHEDULE "enqueue-due-reports") ticks every
REPORTS_TICK_SECONDS and asks `due` of each active report: the schedule lives on the report
row, so saving a report needs no beat restart and no second scheduler table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from celery.schedules import crontab

# Enough slots to see that beat was down; a "* * * * *" report down for a day stops counting.
MAX_COUNTED = 10_000


class ScheduleError(ValueError):
    """A schedule that is not five valid cron fields (the message says which)."""


def parse(text: str) -> crontab:
    """'minute hour day-of-month month day-of-week', e.g. '0 8 * * 1-5' (UTC)."""
    fields = (text or "").split()
    if len(fields) != 5:
        raise ScheduleError(
            f"schedule: {text!r} needs five fields: minute hour day-of-month month day-of-week "
            "(e.g. '0 8 * * 1-5' is 08:00 UTC on weekdays)."
        )
    minute, hour, day_of_month, month, day_of_week = fields
    from datachat.celery import app

    try:
        return crontab(
            minute=minute,
            hour=hour,
            day_of_month=day_of_month,
            month_of_year=month,
            day_of_week=day_of_week,
            app=app,
        )
    except (ValueError, TypeError) as error:
        raise ScheduleError(f"schedule: {text!r}: {error}") from None


def next_after(cron: crontab, moment: datetime) -> datetime:
    """The first slot strictly after `moment`."""
    start, delta, _ = cron.remaining_delta(moment.replace(microsecond=0))
    slot = start + delta
    if isinstance(delta, timedelta) and slot <= moment:  # remaining_delta's own edge case
        slot = next_after(cron, moment + timedelta(seconds=1))
    return slot


@dataclass(frozen=True)
class Due:
    slot: datetime  # the latest slot that has passed: the one this run stands for
    first: datetime  # the first slot not yet run
    missed: int  # slots before `slot` that never ran (beat was down)
    late: bool  # the first slot passed longer ago than beat's tick allows for


def due(schedule: str, since: datetime, now: datetime, tick_seconds: float) -> Due | None:
    """None when no slot of `schedule` falls in (since, now]; otherwise the latest one, and
    how many before it were missed. Several passed slots run once, not once each."""
    cron = parse(schedule)
    first = next_after(cron, since)
    if first > now:
        return None
    slot, missed = first, 0
    while missed < MAX_COUNTED:
        following = next_after(cron, slot)
        if following > now:
            break
        slot, missed = following, missed + 1
    late = now - first > timedelta(seconds=2 * tick_seconds + 5)
    return Due(slot=slot, first=first, missed=missed, late=late)


def missed_note(due_: Due) -> str:
    """What a run says when beat was not running at its time; "" when it was on time."""
    if not due_.late and not due_.missed:
        return ""
    if due_.missed:
        more = "+" if due_.missed >= MAX_COUNTED else ""
        return (
            f"Missed schedule: {due_.missed + 1}{more} scheduled runs since "
            f"{due_.first:%Y-%m-%d %H:%M} UTC did not happen (beat was not running); "
            "this one run stands for them."
        )
    return (
        f"Missed schedule: due at {due_.first:%Y-%m-%d %H:%M} UTC (beat was not running "
        "then); run at the next tick."
    )

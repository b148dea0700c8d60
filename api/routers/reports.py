"""/reports: scheduled reports. The owner or staff only (others get 404, as if it did not
exist); a bad body is a 4xx naming the field and changes nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.errors import HttpError

from reports import changes, service
from reports.models import Report, ReportRun

from ..schemas import In, responses

router = Router(tags=["reports"])
ReportId = Path(..., ge=1, le=2**31 - 1)


class ReportOut(Schema):
    id: int
    owner: str
    name: str
    question: str
    database_ids: list[UUID]
    group_id: int | None
    schedule: str
    is_active: bool
    email_owner: bool
    last_status: str | None
    last_run_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ReportsOut(Schema):
    reports: list[ReportOut]


class ReportIn(In):
    name: str = Field(..., min_length=1, max_length=200)
    question: str = Field(..., min_length=1, max_length=service.MAX_QUESTION_CHARS)
    database_ids: list[UUID] = Field(default_factory=list, max_length=100)
    group_id: int | None = Field(None, ge=1, le=2**31 - 1)
    schedule: str = Field("0 8 * * *", max_length=100, description="Cron, UTC: m h dom mon dow.")
    is_active: bool = True
    email_owner: bool = False


class ReportUpdate(In):
    name: str | None = Field(None, min_length=1, max_length=200)
    question: str | None = Field(None, min_length=1, max_length=service.MAX_QUESTION_CHARS)
    database_ids: list[UUID] | None = Field(None, max_length=100)
    group_id: int | None = Field(None, ge=1, le=2**31 - 1)
    schedule: str | None = Field(None, max_length=100)
    is_active: bool | None = None
    email_owner: bool | None = None


class RunOut(Schema):
    id: int
    report_id: int
    trigger: str
    status: str
    attempts: int
    scheduled_for: datetime | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    note: str
    sentence: str
    result: dict[str, Any] | None
    change: dict[str, Any] | None
    change_text: str
    error: str
    emailed_at: datetime | None
    email_error: str


class RunsOut(Schema):
    runs: list[RunOut]


def report_out(report: Report) -> dict:
    last = report.last_run
    return {
        "id": report.pk,
        "owner": report.owner.get_username(),
        "name": report.name,
        "question": report.question,
        "database_ids": [c.pk for c in report.databases.all()],
        "group_id": report.group_id,
        "schedule": report.schedule,
        "is_active": report.is_active,
        "email_owner": report.email_owner,
        "last_status": last.status if last else None,
        "last_run_at": last.created_at if last else None,
        "created_at": report.created_at,
        "updated_at": report.updated_at,
    }


def run_out(run: ReportRun) -> dict:
    return {
        **{f: getattr(run, f) for f in RunOut.model_fields if hasattr(run, f)},
        "report_id": run.report_id,
        "change_text": changes.describe(run.change) if run.status == "ok" else "",
    }


def _save(request, report, fields: dict) -> Report:
    if report is not None:
        try:
            service.check_owner(request.auth, report)
        except PermissionDenied as exc:
            raise HttpError(403, str(exc)) from None
    try:
        return service.save_report(request.auth, report, **fields)
    except service.ReportError as exc:
        raise HttpError(400, str(exc)) from None


@router.get("", response=responses({200: ReportsOut}), summary="List reports (yours; staff: all)")
def list_reports(request):
    return {"reports": [report_out(r) for r in service.visible_reports(request.auth)]}


@router.post("", response=responses({201: ReportOut}), summary="Create a report")
def create_report(request, payload: ReportIn):
    return Status(201, report_out(_save(request, None, payload.dict())))


@router.get("/{report_id}", response=responses({200: ReportOut}), summary="Get a report")
def get_report(request, report_id: int = ReportId):
    return report_out(service.get_report(request.auth, report_id))


@router.patch("/{report_id}", response=responses({200: ReportOut}), summary="Change a report")
def update_report(request, payload: ReportUpdate, report_id: int = ReportId):
    report = service.get_report(request.auth, report_id)
    return report_out(_save(request, report, payload.dict(exclude_unset=True)))


@router.delete("/{report_id}", response=responses({204: None}), summary="Delete a report")
def delete_report(request, report_id: int = ReportId):
    service.get_report(request.auth, report_id).delete()  # its runs go with it
    return Status(204, None)


@router.post("/{report_id}/run", response=responses({202: RunOut}), summary="Run a report now")
def run_now(request, report_id: int = ReportId):
    report = service.get_report(request.auth, report_id)
    run = service.start_run(report, trigger="manual")
    run.refresh_from_db()  # without REDIS_URL it has already run
    return Status(202, run_out(run))


class RunsQuery(Schema):
    limit: int = Field(20, ge=1, le=200)


@router.get("/{report_id}/runs", response=responses({200: RunsOut}), summary="A report's runs")
def list_runs(request, report_id: int = ReportId, query: Query[RunsQuery] = None):
    report = service.get_report(request.auth, report_id)
    limit = query.limit if query else 20
    return {"runs": [run_out(r) for r in report.runs.all()[:limit]]}

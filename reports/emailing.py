"""The owner's email after a run: a plain text body (the sentence, the change, a small table)
with an HTML alternative, through Django's email framework (EMAIL_* settings)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from . import changes
from .models import ReportRun

logger = logging.getLogger(__name__)
EMAIL_ROWS = 10  # a small table; the report page has the rest


def table_of(run: ReportRun) -> tuple[list, list, int]:
    """(headers, first rows, all rows) of the run's table, for the email and the pages."""
    result = run.result or {}
    table = result.get("merged")
    if not table:
        answered = [d for d in result.get("databases", []) if d.get("columns") and not d["error"]]
        table = answered[0] if len(answered) == 1 else None
    if not table:
        return [], [], 0
    headers = table.get("column_labels") or table["columns"]
    return headers, table["rows"][:EMAIL_ROWS], table["row_count"]


def _text_table(headers: list, rows: list) -> str:
    cells = [[str(h) for h in headers]] + [["" if v is None else str(v) for v in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def message_for(run: ReportRun) -> EmailMultiAlternatives:
    report = run.report
    headers, rows, total = table_of(run)
    context = {
        "report": report,
        "run": run,
        "change": changes.describe(run.change) if run.status == ReportRun.Status.OK else "",
        "headers": headers,
        "rows": rows,
        "total": total,
        "text_table": _text_table(headers, rows) if headers else "",
    }
    subject = f"[DataChat] {report.name}: {run.get_status_display()}"
    body = render_to_string("reports/email.txt", context)
    email = EmailMultiAlternatives(
        subject.replace("\n", " "), body, settings.DEFAULT_FROM_EMAIL, [report.owner.email]
    )
    email.attach_alternative(render_to_string("reports/email.html", context), "text/html")
    return email


def send_if_wanted(run: ReportRun) -> None:
    """Send when the report asks for it; a mail failure is noted on the run, never fails it."""
    if not run.report.email_owner:
        return
    if not run.report.owner.email:
        run.email_error = "The owner has no email address."
    else:
        try:
            message_for(run).send()
            run.emailed_at = timezone.now()
        except Exception as error:  # smtplib errors, OSError, timeouts
            # The host and error class only: an SMTP reply can quote the login it refused.
            run.email_error = f"Could not send the email via {settings.EMAIL_HOST or 'the console'}: {type(error).__name__}."
            logger.warning("Report run %s: %s", run.pk, run.email_error)
    run.save(update_fields=["emailed_at", "email_error"])

import json
import logging
import math
import re

from django import template
from django.conf import settings
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from chat.answering.labels import labels_for
from chat.presentation import display_rows, lead_sentence, numeric_columns, single_value

register = template.Library()
logger = logging.getLogger(__name__)


@register.filter
def chart_json(spec) -> str:
    """The chart spec as JSON for a data- attribute (autoescaping makes it attribute-safe)."""
    return json.dumps(spec)


@register.filter
def first_page(rows):
    return rows[: settings.CHAT_PAGE_SIZE]


@register.filter
def page_count(row_count) -> int:
    return max(1, math.ceil(row_count / settings.CHAT_PAGE_SIZE))


@register.filter
def has_more_pages(row_count) -> bool:
    return row_count > settings.CHAT_PAGE_SIZE


@register.filter
def grouped(number) -> str:
    """4000 -> "4,000", as chat.js writes the question counter."""
    return f"{number:,}"


NULL_CELL = '<td><span class="muted">NULL</span></td>'
NULL_NUMBER_CELL = '<td class="num"><span class="muted">NULL</span></td>'


@register.filter
def chart_label(spec) -> str:
    """What a chart shows, in words, for its canvas's aria-label."""
    if not spec:
        return ""
    kind = "Line chart" if spec.get("type") == "line" else "Bar chart"
    series = ", ".join(d.get("label") or "" for d in spec.get("datasets") or []) or "values"
    by = spec.get("x_title") or "category"
    points = len(spec.get("labels") or [])
    return f"{kind} of {series} by {by}, {points} point{'' if points == 1 else 's'}"


def _point(dataset: dict, index: int) -> str:
    data = dataset.get("data") or []
    value = data[index] if index < len(data) else None
    return "" if value is None else f"{value:,}"


@register.filter
def chart_table(spec) -> str:
    """The chart's data as a table for screen readers (shown to them only)."""
    if not spec:
        return ""
    datasets = spec.get("datasets") or []
    head = f'<th scope="col">{conditional_escape(spec.get("x_title") or "")}</th>' + "".join(
        f'<th scope="col" class="num">{conditional_escape(d.get("label") or "")}</th>'
        for d in datasets
    )
    body = "".join(
        f'<tr><th scope="row">{conditional_escape(label)}</th>'
        + "".join(f'<td class="num">{conditional_escape(_point(d, i))}</td>' for d in datasets)
        + "</tr>"
        for i, label in enumerate(spec.get("labels") or [])
    )
    caption = conditional_escape(chart_label(spec))
    return mark_safe(
        f'<div class="visually-hidden"><table class="chart-data"><caption>{caption}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


@register.filter
def table_rows(rows, columns) -> str:
    """The <tr> rows of a result table, numbers formatted a column at a time
    (chat.presentation.display_rows), every value escaped. Built here
    rather than with template loops: a 100-message chat holds thousands of cells, and the
    template engine spent most of the page's time on them."""
    numeric = numeric_columns(rows)
    return mark_safe(
        "".join(
            "<tr>"
            + "".join(
                (NULL_NUMBER_CELL if index in numeric else NULL_CELL)
                if value is None
                else (
                    f'<td class="num">{conditional_escape(value)}</td>'
                    if index in numeric
                    else f"<td>{conditional_escape(value)}</td>"
                )
                for index, value in enumerate(row)
            )
            + "</tr>"
            for row in display_rows(columns, rows)
        )
    )


@register.simple_tag
def header_cells(columns, labels=None, rows=None) -> str:
    """The <th> cells of a result table: each column's human label, with its name in the
    SQL as a tooltip where the two differ (older answers have no labels: from the names).
    Given the rows, headers of number columns align right as their cells do."""
    numeric = numeric_columns(rows or [])
    cells = []
    for index, (name, label) in enumerate(
        zip(columns or [], labels_for(columns or [], labels), strict=True)
    ):
        title = "" if label == name else f' title="{conditional_escape(name)}"'
        align = ' class="num"' if index in numeric else ""
        cells.append(f'<th scope="col"{align}{title}>{conditional_escape(label)}</th>')
    return mark_safe("".join(cells))


@register.filter
def shared_interpretation(databases) -> str:
    """The interpretation every answered database shares ("" when they differ or have none):
    shown once above a comparison table."""
    readings = {d.get("interpretation") or "" for d in databases or [] if d.get("columns")}
    return readings.pop() if len(readings) == 1 else ""


GENERIC_TEXT = re.compile(r"^Found [\d,]+ rows?\.$")


@register.simple_tag
def answer_words(message) -> dict:
    """What the answer says first: {"text", "lead", "big"}. For one database's result, a
    single value is shown large ("big") and a ranked group+measure result gets a sentence
    ("lead") that replaces the generic "Found 5 rows." (other texts stay, the lead follows)."""
    text = message.text or ""
    result = getattr(message, "result", None) or {}
    databases = result.get("databases") or []
    words = {"text": text, "lead": "", "big": None}
    if len(databases) > 1:
        words["lead"] = _comparison_lead(result)
        if words["lead"]:
            words["text"] = ""  # "db1: There are 59 customers." per line: the table says it
        return words
    if len(databases) != 1 or databases[0].get("error") or not databases[0].get("columns"):
        return words
    d = databases[0]
    columns, rows, labels = d.get("columns"), d.get("rows") or [], d.get("column_labels")
    complete = d.get("row_count", len(rows)) == len(rows) and not d.get("truncated")
    if d.get("row_count", len(rows)) == len(rows):
        words["big"] = single_value(columns, rows, labels)
    lead = lead_sentence(columns, rows, labels, complete=complete)
    if lead:
        if GENERIC_TEXT.match(text.strip()):
            words["text"] = ""
        words["lead"] = lead
    return words


def _comparison_lead(result: dict) -> str:
    """One value per database, compared in a sentence: "All 3 databases give 59 (number of
    customers)." or "prod has the highest number of customers (59), ahead of backup (46)."
    "" for other comparisons, and when any database failed or did not answer (its own line
    says why)."""
    merged = result.get("merged") or {}
    columns, rows = merged.get("columns") or [], merged.get("rows") or []
    databases = result.get("databases") or []
    if len(columns) != 2 or len(rows) != len(databases) or merged.get("truncated"):
        return ""
    if any(d.get("error") or not d.get("columns") for d in databases):
        return ""
    labels = labels_for(columns, merged.get("column_labels"))
    values = [row[1] for row in rows]
    if len(set(map(str, values))) == 1:
        shown = display_rows(columns, rows)[0][1]
        label = labels[1][:1].lower() + labels[1][1:]
        return f"All {len(rows)} databases give {shown} ({label})."
    return lead_sentence(columns, rows, labels, complete=True)


@register.filter
def next_step(database) -> str:
    """What would let this database answer: "extract" (no schema yet), "profile" (the engine
    needs the column profiles to match a value), else "". The page offers it as a button."""
    error = (database or {}).get("error") or ""
    text = (database or {}).get("text") or ""
    if "no schema yet" in error:
        return "extract"
    if "column profiles have not been collected" in text + error:
        return "profile"
    return ""


@register.filter
def renamed_columns(databases) -> list[tuple[str, list[str]]]:
    """The databases whose columns a comparison table matched by position rather than by
    name: (name, its own labels) for each answered database labelled otherwise than the
    first, whose labels head the table."""
    answered = [d for d in databases or [] if d.get("columns") and not d.get("error")]
    labels = [labels_for(d["columns"], d.get("column_labels")) for d in answered]
    return [
        (d.get("name") or "", own)
        for d, own in zip(answered[1:], labels[1:], strict=True)
        if [x.lower() for x in own] != [x.lower() for x in labels[0]]
    ]


@register.simple_tag
def rephrasings(message, database) -> dict:
    """After a refusal, up to three questions this database answers (checked by the engine),
    those closest to the refused one first: {"questions", "related"}. Empty when the
    database is gone or has no schema; a failure here never breaks the page."""
    from chat import examples
    from connections.models import Connection

    found = {"questions": [], "related": False}
    databases = (getattr(message, "result", None) or {}).get("databases") or []
    if any(d.get("columns") and not d.get("error") for d in databases):
        return found  # another database answered: the question was not about this one
    try:
        question = getattr(message, "question", "") or ""
        if "suggestions" in database:  # stored with the answer (chat.conversation)
            found["questions"] = list(database["suggestions"] or [])
        else:  # an answer from before they were stored: checked now
            connection = Connection.objects.filter(pk=database.get("connection_id")).first()
            if connection is None:
                return found
            found["questions"] = examples.rephrasings(question, connection)
        asked = examples.stems(question)
        found["related"] = any(asked & examples.stems(q) for q in found["questions"])
    except Exception:  # suggestions are a help, not the answer
        logger.warning("rephrasings failed for message %s", message.pk, exc_info=True)
    return found

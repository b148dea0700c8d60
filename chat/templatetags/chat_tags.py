import json
import math

from django import template
from django.conf import settings
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from chat.answering.labels import labels_for
from chat.presentation import display_rows

register = template.Library()


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


@register.filter
def table_rows(rows, columns) -> str:
    """The <tr> rows of a result table, numbers formatted a column at a time
    (chat.presentation.display_rows), every value escaped. Built here
    rather than with template loops: a 100-message chat holds thousands of cells, and the
    template engine spent most of the page's time on them."""
    return mark_safe(
        "".join(
            "<tr>"
            + "".join(
                NULL_CELL if value is None else f"<td>{conditional_escape(value)}</td>"
                for value in row
            )
            + "</tr>"
            for row in display_rows(columns, rows)
        )
    )


@register.simple_tag
def header_cells(columns, labels=None) -> str:
    """The <th> cells of a result table: each column's human label, with its name in the
    SQL as a tooltip where the two differ (older answers have no labels: from the names)."""
    cells = []
    for name, label in zip(columns or [], labels_for(columns or [], labels), strict=True):
        title = "" if label == name else f' title="{conditional_escape(name)}"'
        cells.append(f'<th scope="col"{title}>{conditional_escape(label)}</th>')
    return mark_safe("".join(cells))


@register.filter
def shared_interpretation(databases) -> str:
    """The interpretation every answered database shares ("" when they differ or have none):
    shown once above a comparison table."""
    readings = {d.get("interpretation") or "" for d in databases or [] if d.get("columns")}
    return readings.pop() if len(readings) == 1 else ""

import json
import math

from django import template
from django.conf import settings

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
def shown(rows, columns) -> list:
    """The rows as the result table shows them, formatted a column at a time
    (chat.presentation.display_rows)."""
    return display_rows(columns, rows)


@register.filter
def grouped(number) -> str:
    """4000 -> "4,000", as chat.js writes the question counter."""
    return f"{number:,}"

import json
import math

from django import template
from django.conf import settings

from chat.presentation import display_row

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
def cells(row, columns) -> list:
    """The row's values as the result table shows them (chat.presentation.display_row)."""
    return display_row(columns, row)

"""Result values made JSON-safe for storage (previews, cache) without losing meaning."""

import datetime as dt
import decimal
import uuid


def json_value(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        # Money and the like: a float is exact enough for display and charts up to 15 digits.
        return float(value) if len(value.as_tuple().digits) <= 15 else str(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return "<binary>"
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)


def json_rows(rows) -> list[list]:
    return [[json_value(v) for v in row] for row in rows]

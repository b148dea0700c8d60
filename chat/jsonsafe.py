"""Result values made JSON-safe for storage (previews, cache) without losing meaning."""

import datetime as dt
import decimal
import math
import uuid

# A double holds 15-17 significant digits; sums and averages of binary fractions leave noise
# in the last of them (SUM of 0.1s gives 248958.41000000024). 15 digits keep every value a
# person or a database wrote and drop that noise, so the table, pages and CSV say 248958.41.
FLOAT_DIGITS = 15


def tidy_float(value: float) -> float:
    if not math.isfinite(value):
        return value
    return float(f"{value:.{FLOAT_DIGITS}g}")


def json_value(value):
    if isinstance(value, float):
        return tidy_float(value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, decimal.Decimal):
        # Money and the like: a float is exact enough for display and charts up to 15 digits.
        return float(value) if len(value.as_tuple().digits) <= FLOAT_DIGITS else str(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return "<binary>"
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)


def json_rows(rows) -> list[list]:
    return [[json_value(v) for v in row] for row in rows]

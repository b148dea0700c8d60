"""Result values made JSON-safe for storage (previews, cache) without losing meaning."""

import datetime as dt
import decimal
import math
import uuid

# A double holds 15-17 significant digits, and arithmetic on binary fractions leaves noise in
# the last of them: SUM of 0.1s gives 248958.41000000024, and SQLite summing 1,500 order totals
# gives 300666.18999999925 (15 digits still say 300666.189999999). Each addition can be off by
# half a unit in the 16th digit, so the error grows with the row count; 12 significant digits
# leave room for millions of rows. That is safe because a float holding more than 12
# meaningful digits is rare (measurements and money are written with far fewer) and a float
# was never exact there anyway. The integer part and two decimals are always kept, so large
# floats keep their units and cents (12345678901234.56), and whole floats below 2**53 stay
# exact. Exact values never pass through here: ints stay ints, and Decimals are converted
# below without rounding.
FLOAT_DIGITS = 12
# A double writes every decimal of up to 15 significant digits back exactly.
DECIMAL_DIGITS = 15


def tidy_float(value: float) -> float:
    if not math.isfinite(value) or value == 0:
        return value
    integer_digits = math.floor(math.log10(abs(value))) + 1
    digits = min(17, max(FLOAT_DIGITS, integer_digits + 2))
    return float(f"{value:.{digits}g}")


def json_value(value):
    if isinstance(value, float):
        return tidy_float(value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return str(value)
        if value.as_tuple().exponent >= 0:
            # No decimals (MariaDB's SUM of integers, NUMERIC(12,0)): a whole number, shown
            # and written like the int another engine returns for the same question.
            return int(value)
        # Money and the like: a float is exact for display and charts up to 15 digits.
        return float(value) if len(value.as_tuple().digits) <= DECIMAL_DIGITS else str(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return "<binary>"
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)


def json_rows(rows) -> list[list]:
    return [[json_value(v) for v in row] for row in rows]

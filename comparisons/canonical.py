"""One text form per value whatever engine returned it, so rows of different engines hash
alike: numbers by value, dates and times in UTC, booleans as 1/0, NULL as a marker no text can
be, SQLite's dates-as-text read as dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

NULL = "\x00N"  # no text value can be this
SEPARATOR = "\x1f"


def canonical_row(row: tuple, families: list[str]) -> str:
    return SEPARATOR.join(canonical(v, f) for v, f in zip(row, families, strict=True))


def canonical(value, family: str) -> str:
    """One text form per value whatever engine returned it: 12.50, 12.5 and 12.5e0 are
    "12.5"; a datetime and SQLite's text "2024-01-02T03:04:05" are "2024-01-02 03:04:05";
    True, 1 and "t" in a boolean column are "1"."""
    if value is None:
        return NULL
    if family in ("integer", "decimal", "float") or isinstance(value, (int, float, Decimal)):
        if not isinstance(value, bool):
            number = _number(value)
            if number is not None:
                return number
    if family == "boolean":
        text = str(value).strip().lower()
        if text in ("1", "true", "t", "yes"):
            return "1"
        return "0" if text in ("0", "false", "f", "no") else text
    if family in ("date", "datetime", "datetime with time zone") or isinstance(value, (date, time)):
        return _temporal(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return str(value)


def _number(value) -> str | None:
    try:
        number = Decimal(repr(value) if isinstance(value, float) else str(value))
    except InvalidOperation:
        return None
    if not number.is_finite():
        return str(number)
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _temporal(value) -> str:
    if isinstance(value, str):  # SQLite keeps dates as text
        text = value.strip()
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            return text
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ", timespec="microseconds").removesuffix(".000000")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)

"""Values and types in one form whatever engine gave them (no database needed)."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from comparisons.canonical import NULL, canonical
from comparisons.types import ColumnType, column_type, compare_types, type_difference


@pytest.mark.parametrize(
    ("values", "family", "expected"),
    [
        ((Decimal("12.50"), 12.5, "12.50", Decimal("1.25E1")), "decimal", "12.5"),
        ((Decimal("100.00"), 100, 100.0), "decimal", "100"),
        ((True, 1, "t", "true"), "boolean", "1"),
        ((False, 0, "f"), "boolean", "0"),
        ((date(2024, 1, 2), "2024-01-02"), "date", "2024-01-02"),
        (
            (
                datetime(2024, 1, 2, 3, 4, 5),
                "2024-01-02T03:04:05",
                "2024-01-02 03:04:05",
                datetime(2024, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2))),
                datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
            ),
            "datetime",
            "2024-01-02 03:04:05",
        ),
        (("01234",), "text", "01234"),  # text that looks like a number stays text
    ],
)
def test_one_canonical_form_per_value(values, family, expected):
    assert {canonical(v, family) for v in values} == {expected}


def test_null_is_not_any_text():
    assert canonical(None, "text") == NULL
    assert NULL not in {canonical(v, "text") for v in ("", "N", "NULL", "\\N", "None")}
    assert canonical(Decimal("12.51"), "decimal") != canonical(Decimal("12.5"), "decimal")


@pytest.mark.parametrize(
    ("a", "b", "difference"),
    [
        (("integer", "postgresql"), ("int(11)", "mysql"), "spelling"),
        (("integer", "postgresql"), ("Int32", "clickhouse"), "spelling"),
        (("numeric(10,2)", "postgresql"), ("decimal(10,2)", "mysql"), "spelling"),
        (("numeric(10,2)", "postgresql"), ("numeric(12,2)", "postgresql"), "size"),
        (("character varying(200)", "postgresql"), ("Nullable(String)", "clickhouse"), "spelling"),
        (("varchar(120)", "mysql"), ("varchar(160)", "mysql"), "size"),
        (("integer", "postgresql"), ("bigint", "postgresql"), "size"),
        (("integer", "postgresql"), ("varchar(10)", "mysql"), "family"),
        (("date", "postgresql"), ("datetime", "mysql"), "family"),
        (("boolean", "postgresql"), ("tinyint(1)", "mysql"), "spelling"),
        (("tinyint(1)", "mysql"), ("UInt8", "clickhouse"), "spelling"),
        (("timestamp without time zone", "postgresql"), ("datetime", "mysql"), "spelling"),
        (("int(11)", "mysql"), ("int(11)", "mysql"), None),
    ],
)
def test_types_compare_by_family_and_size(a, b, difference):
    change = compare_types(*a, *b)
    what = change and change[0]
    assert what == {None: None, "spelling": "type spelling"}.get(difference, "type")
    assert type_difference(column_type(*a), column_type(*b)) == (
        None if difference == "spelling" else difference
    )


def test_an_unreadable_type_is_its_own_family():
    assert column_type("no such type ((", "postgresql") == ColumnType("no such type ((")

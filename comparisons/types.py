"""Column types reduced to a family and a size, so types of different engines compare.

`integer` on PostgreSQL, `int(11)` on MariaDB and `Int32` on ClickHouse are one type spelled
three ways; `varchar(200)` and `varchar(120)` are the same family with a different size;
`integer` and `varchar` are different families. sqlglot reads each engine's spelling.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp
from sqlglot.errors import SqlglotError

from connections.dialects import SQLGLOT_DIALECTS

T = exp.DataType.Type

INTEGER_BYTES = {
    T.TINYINT: 1, T.UTINYINT: 1, T.SMALLINT: 2, T.USMALLINT: 2, T.MEDIUMINT: 3,
    T.UMEDIUMINT: 3, T.INT: 4, T.UINT: 4, T.BIGINT: 8, T.UBIGINT: 8, T.INT128: 16,
    T.UINT128: 16, T.INT256: 32, T.UINT256: 32,
}  # fmt: skip
FAMILIES: dict[str, set] = {
    "decimal": {T.DECIMAL, T.BIGDECIMAL, T.DECIMAL32, T.DECIMAL64, T.DECIMAL128, T.MONEY},
    "float": {T.FLOAT, T.DOUBLE},
    "text": set(exp.DataType.TEXT_TYPES) | {T.CHAR, T.NCHAR, T.MEDIUMTEXT, T.LONGTEXT, T.TINYTEXT},
    "date": {T.DATE, T.DATE32},
    "datetime": {T.DATETIME, T.DATETIME64, T.TIMESTAMP, T.TIMESTAMPNTZ, T.TIMESTAMP_S,
                 T.TIMESTAMP_MS, T.TIMESTAMP_NS, T.SMALLDATETIME, T.DATETIME2},
    "datetime with time zone": {T.TIMESTAMPTZ, T.TIMESTAMPLTZ},
    "time": {T.TIME, T.TIMETZ},
    "boolean": {T.BOOLEAN},
    "json": {T.JSON, T.JSONB},
    "uuid": {T.UUID},
    "binary": {T.BINARY, T.VARBINARY, T.BLOB, T.LONGBLOB, T.MEDIUMBLOB, T.TINYBLOB},
}  # fmt: skip
FAMILY_OF = {t: name for name, types in FAMILIES.items() for t in types}
WRAPPERS = {T.LOWCARDINALITY}  # Nullable(...) sqlglot already unwraps


@dataclass(frozen=True)
class ColumnType:
    family: str
    size: tuple = ()  # integer bytes, (precision, scale), text length; () = not declared

    def __str__(self) -> str:
        return f"{self.family}({', '.join(map(str, self.size))})" if self.size else self.family


def column_type(spelling: str, kind: str) -> ColumnType:
    """The family and size of one engine's type name; an unreadable name is its own family."""
    if kind == "mysql" and spelling.lower().replace(" ", "").startswith("tinyint(1)"):
        return ColumnType("boolean")  # MariaDB's BOOLEAN is tinyint(1)
    try:
        built = exp.DataType.build(spelling, dialect=SQLGLOT_DIALECTS.get(kind, ""))
    except (SqlglotError, ValueError):
        return ColumnType(spelling.strip().lower())
    while built.this in WRAPPERS and built.expressions:
        inner = built.expressions[0]
        built = inner if isinstance(inner, exp.DataType) else exp.DataType.build(inner.sql())
    if built.this in INTEGER_BYTES:
        # SQLite's INTEGER holds any size; MariaDB's int(11) width is display only.
        return ColumnType("integer", () if kind == "sqlite" else (INTEGER_BYTES[built.this],))
    family = FAMILY_OF.get(built.this, built.this.value.lower())
    size = tuple(
        int(p.name) if p.name.isdigit() else p.name
        for p in built.expressions
        if isinstance(p, (exp.DataTypeParam, exp.Literal))
    )
    if family in ("datetime", "datetime with time zone", "time", "float", "binary"):
        size = ()  # fractional digits / widths: the values compare by family
    return ColumnType(family, size)


def type_difference(a: ColumnType, b: ColumnType) -> str | None:
    """None: the same family and size; "size": same family, different declared sizes;
    "family": different families. A size only one side declares is no difference (SQLite and
    ClickHouse declare none)."""
    if {a.family, b.family} == {"boolean", "integer"} and (1,) in (a.size, b.size):
        return None  # ClickHouse 18 and others without a boolean type use a byte
    if a.family != b.family:
        return "family"
    if a.size and b.size and a.size != b.size:
        return "size"
    return None


def compare_types(a: str, kind_a: str, b: str, kind_b: str) -> tuple[str, str] | None:
    """(what, detail) of two columns' types: ("type spelling", family) when they are one type
    written differently, ("type", why) when they differ, None when spelled alike."""
    ta, tb = column_type(a, kind_a), column_type(b, kind_b)
    difference = type_difference(ta, tb)
    if difference == "size":
        return "type", f"{ta} vs {tb}"
    if difference == "family":
        return "type", f"{ta.family} vs {tb.family}"
    if a.lower().replace(" ", "") != b.lower().replace(" ", ""):
        return "type spelling", str(ta)
    return None

"""The typed schema document every engine's introspect() returns.

One plain JSON-able structure is stored per snapshot (schemas_app) and read back with
`SchemaDocument.from_dict`; everything downstream (browser, diff, context building) works on
these dataclasses rather than on raw dicts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

import sqlglot.expressions as exp


@dataclass
class Column:
    name: str
    type: str
    position: int = 0
    nullable: bool = True
    default: str | None = None
    comment: str = ""
    primary_key: bool = False


@dataclass
class ForeignKey:
    columns: list[str]
    referred_schema: str
    referred_table: str
    referred_columns: list[str]
    name: str = ""


@dataclass
class Index:
    name: str
    columns: list[str]
    unique: bool = False


@dataclass
class Table:
    schema: str
    name: str
    kind: str = "table"  # table | view | materialized_view
    comment: str = ""
    row_count: int | None = None  # estimated from catalog statistics where exact is slow
    size_bytes: int | None = None
    columns: list[Column] = field(default_factory=list)
    primary_key: list[str] = field(default_factory=list)
    unique_constraints: list[list[str]] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    partitions: list[str] = field(default_factory=list)  # PostgreSQL partitions folded here
    engine: str = ""  # ClickHouse table engine
    partition_key: str = ""
    sorting_key: str = ""
    primary_key_expr: str = ""
    sampling_key: str = ""  # ClickHouse SAMPLE BY: lets profiling read a fraction cheaply
    sample_rows: list[list[Any]] = field(default_factory=list)
    sample_error: str = ""

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name

    def sql_ref(self, kind: str) -> exp.Table:
        """This table as a quoted sqlglot reference for `kind`. SQLite's schema is always
        "main" and stays implicit; elsewhere it qualifies, so a non-default schema works."""
        return exp.Table(
            this=exp.to_identifier(self.name, quoted=True),
            db=exp.to_identifier(self.schema, quoted=True)
            if self.schema and kind != "sqlite"
            else None,
        )

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass
class SchemaDocument:
    dialect: str
    server_version: str = ""
    tables: list[Table] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> SchemaDocument:
        tables = []
        for raw in data.get("tables", []):
            raw = dict(raw)
            raw["columns"] = [Column(**c) for c in raw.get("columns", [])]
            raw["foreign_keys"] = [ForeignKey(**fk) for fk in raw.get("foreign_keys", [])]
            raw["indexes"] = [Index(**ix) for ix in raw.get("indexes", [])]
            known = {f.name for f in fields(Table)}
            tables.append(Table(**{k: v for k, v in raw.items() if k in known}))
        return cls(
            dialect=data.get("dialect", ""),
            server_version=data.get("server_version", ""),
            tables=tables,
        )

    def table(self, qualified_name: str) -> Table | None:
        return next((t for t in self.tables if t.qualified_name == qualified_name), None)

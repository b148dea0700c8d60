"""Schema comparison of two databases from their latest snapshots, across engines.

Like schemas_app's diff_documents (one database's snapshots over time), generalised to two
databases: tables match by name (case-insensitively; the schema too only where a name repeats,
since PostgreSQL's `public` is MariaDB's database name), columns by name, types by family
(comparisons.types), and keys and indexes by their columns rather than their names, which each
engine spells its own way.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from connections.dialects.schema import SchemaDocument, Table

from .types import compare_types


@dataclass
class ColumnChange:
    column: str
    what: str  # type | type spelling | nullable
    left: str
    right: str
    detail: str = ""


@dataclass
class TableDiff:
    table: str
    columns_added: list[str] = field(default_factory=list)  # only in the right database
    columns_removed: list[str] = field(default_factory=list)  # only in the left one
    changes: list[ColumnChange] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # primary key / foreign key / index lines

    @property
    def differs(self) -> bool:
        return bool(
            self.columns_added
            or self.columns_removed
            or self.keys
            or any(c.what != "type spelling" for c in self.changes)
        )


@dataclass
class SchemaComparison:
    tables_added: list[str] = field(default_factory=list)
    tables_removed: list[str] = field(default_factory=list)
    tables: list[TableDiff] = field(default_factory=list)  # common tables, differing first
    notes: list[str] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return bool(self.tables_added or self.tables_removed) or any(t.differs for t in self.tables)

    @property
    def common(self) -> list[str]:
        return [t.table for t in self.tables]

    def as_dict(self) -> dict:
        return {**asdict(self), "differs": self.differs}


def table_keys(document: SchemaDocument) -> dict[str, Table]:
    """{match key: table}: the lower-case name, or schema.name where a name repeats."""
    names = [t.name.lower() for t in document.tables]
    return {
        (t.name.lower() if names.count(t.name.lower()) == 1 else t.qualified_name.lower()): t
        for t in document.tables
    }


def compare_schemas(left: SchemaDocument, right: SchemaDocument) -> SchemaComparison:
    lt, rt = table_keys(left), table_keys(right)
    result = SchemaComparison(
        tables_added=sorted(rt.keys() - lt.keys()), tables_removed=sorted(lt.keys() - rt.keys())
    )
    constraints = "clickhouse" not in (left.dialect, right.dialect)
    if not constraints:
        result.notes.append(
            "ClickHouse has no primary, foreign or unique keys nor indexes in this sense: "
            "keys and indexes were not compared."
        )
    for name in sorted(lt.keys() & rt.keys()):
        result.tables.append(
            _compare_table(name, lt[name], rt[name], left.dialect, right.dialect, constraints)
        )
    result.tables.sort(key=lambda t: (not t.differs, t.table))
    return result


def _compare_table(name, a: Table, b: Table, ka: str, kb: str, constraints: bool) -> TableDiff:
    diff = TableDiff(table=name)
    ac = {c.name.lower(): c for c in a.columns}
    bc = {c.name.lower(): c for c in b.columns}
    diff.columns_added = sorted(bc.keys() - ac.keys())
    diff.columns_removed = sorted(ac.keys() - bc.keys())
    for col in sorted(ac.keys() & bc.keys()):
        x, y = ac[col], bc[col]
        change = compare_types(x.type, ka, y.type, kb)
        if change:
            diff.changes.append(ColumnChange(col, change[0], x.type, y.type, change[1]))
        if x.nullable != y.nullable:
            diff.changes.append(ColumnChange(col, "nullable", _null(x.nullable), _null(y.nullable)))
    if constraints:
        diff.keys = _compare_keys(a, b, ka, kb)
    return diff


def _null(nullable: bool) -> str:
    return "NULL" if nullable else "NOT NULL"


def _lower(cols) -> tuple[str, ...]:
    return tuple(c.lower() for c in cols)


def _compare_keys(a: Table, b: Table, ka: str, kb: str) -> list[str]:
    lines = []
    if _lower(a.primary_key) != _lower(b.primary_key):
        lines.append(f"primary key ({', '.join(a.primary_key)}) vs ({', '.join(b.primary_key)})")
    fa = {
        (_lower(f.columns), f.referred_table.lower(), _lower(f.referred_columns))
        for f in a.foreign_keys
    }
    fb = {
        (_lower(f.columns), f.referred_table.lower(), _lower(f.referred_columns))
        for f in b.foreign_keys
    }
    lines += [f"foreign key only on the left: {_fk(f)}" for f in sorted(fa - fb)]
    lines += [f"foreign key only on the right: {_fk(f)}" for f in sorted(fb - fa)]
    ia, ib = _indexes(a, ka, kb), _indexes(b, kb, ka)
    lines += [f"index only on the left: {_ix(i)}" for i in sorted(ia - ib)]
    lines += [f"index only on the right: {_ix(i)}" for i in sorted(ib - ia)]
    return lines


def _indexes(table: Table, kind: str, other: str) -> set[tuple]:
    """Indexes by (columns, unique). The primary key's own index is the key, compared above;
    MariaDB makes an index for every foreign key by itself, so against another engine such
    an index is no difference of the schema."""
    fk_indexes = set()
    if kind == "mysql" and other != "mysql":
        fk_indexes = {_lower(f.columns) for f in table.foreign_keys}
    found = set()
    for index in table.indexes:
        cols = _lower(index.columns)
        if cols == _lower(table.primary_key) or (cols in fk_indexes and not index.unique):
            continue
        found.add((cols, index.unique))
    return found


def _fk(fk: tuple) -> str:
    return f"({', '.join(fk[0])}) -> {fk[1]}({', '.join(fk[2])})"


def _ix(index: tuple) -> str:
    return f"{'unique ' if index[1] else ''}({', '.join(index[0])})"

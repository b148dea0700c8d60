"""Compare two registered databases: schema from their latest snapshots, data on request."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from connections.models import Connection
from schemas_app.services import latest_snapshot, snapshot_document

from .data import Side, TableData, compare_table
from .schema import SchemaComparison, compare_schemas, table_keys


class ComparisonError(Exception):
    """The comparison cannot start (same database twice, no schema snapshot, ...)."""


@dataclass
class Comparison:
    left: Connection
    right: Connection
    left_snapshot_at: str
    right_snapshot_at: str
    schema: SchemaComparison
    data: list[TableData] | None = None  # None: not asked
    notes: list[str] = field(default_factory=list)

    @property
    def data_differs(self) -> bool:
        return any(t.status in ("differs", "error") for t in self.data or [])

    @property
    def differs(self) -> bool:
        return self.schema.differs or self.data_differs

    @property
    def differing_tables(self) -> list[str]:
        """Every table with a difference of any kind, once, in name order."""
        names = set(self.schema.tables_added) | set(self.schema.tables_removed)
        names |= {t.table for t in self.schema.tables if t.differs}
        names |= {t.table for t in self.data or [] if t.status in ("differs", "error")}
        return sorted(names)

    def as_dict(self) -> dict:
        side = lambda c, at: {"id": str(c.id), "name": c.name, "kind": c.kind, "snapshot_at": at}  # noqa: E731
        return {
            "left": side(self.left, self.left_snapshot_at),
            "right": side(self.right, self.right_snapshot_at),
            "differs": self.differs,
            "differing_tables": self.differing_tables,
            "schema_diff": self.schema.as_dict(),
            "data": None if self.data is None else [t.as_dict() for t in self.data],
            "notes": self.notes,
        }


def _document(connection: Connection):
    snapshot = latest_snapshot(connection)
    document = snapshot and snapshot_document(snapshot.pk)
    if document is None:
        raise ComparisonError(
            f"{connection.name} has no schema snapshot yet: extract its schema first."
        )
    return snapshot, document


def compare(left: Connection, right: Connection, *, data: bool = False) -> Comparison:
    """The schema comparison of two databases, plus the data comparison of their common
    tables when `data` is set. Raises ComparisonError when it cannot start."""
    if left.pk == right.pk:
        raise ComparisonError("Pick two different databases.")
    for connection in (left, right):
        if not connection.is_active:
            raise ComparisonError(f"{connection.name} is inactive.")
    (ls, ld), (rs, rd) = _document(left), _document(right)
    result = Comparison(
        left=left,
        right=right,
        left_snapshot_at=ls.created_at.isoformat(),
        right_snapshot_at=rs.created_at.isoformat(),
        schema=compare_schemas(ld, rd),
    )
    result.notes += result.schema.notes
    if data:
        result.data = compare_data(left, right, ld, rd, result.schema)
        if "sqlite" in (left.kind, right.kind) or left.kind != right.kind:
            result.notes.append(
                "Data checksums: "
                + (
                    "SQLite has no hash function, so "
                    if "sqlite" in (left.kind, right.kind)
                    else "the engines differ and each hashes its own text form of values, so "
                )
                + "rows were fetched in key order in batches and hashed in Python from "
                "canonical values (numbers, dates, booleans, NULL and text normalised)."
            )
    return result


def compare_data(left, right, ld, rd, schema: SchemaComparison) -> list[TableData]:
    lt, rt = table_keys(ld), table_keys(rd)
    le, re_ = left.engine(), right.engine()
    sides, skipped = [], []
    for name in schema.common:
        a, b = lt[name], rt[name]
        if "view" in (a.kind, b.kind):
            skipped.append(name)  # a view's rows are its tables' rows, compared there
            continue
        bc = {c.name.lower(): c.name for c in b.columns}
        shared = sorted(c.name for c in a.columns if c.name.lower() in bc)
        sides.append(
            (
                name,
                Side(le, left.kind, a, shared),
                Side(re_, right.kind, b, [bc[c.lower()] for c in shared]),
            )
        )
    # A few tables at a time: each query is bounded by the session's timeout.
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda s: compare_table(*s), sides))
    results += [
        TableData(table=n, status="skipped", note="a view: its tables are compared")
        for n in skipped
    ]
    return sorted(results, key=lambda t: (t.status == "equal", t.status == "skipped", t.table))

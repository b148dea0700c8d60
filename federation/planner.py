"""Split one federated query into a pushed-down query per table reference plus the join.

The query is written in DuckDB's SQL (close to PostgreSQL's) and names tables as
`alias.table` or `alias.schema.table`, where the alias is a registered database's short name
(federation.aliases). Every table reference becomes one side: a SELECT of only the columns
the query uses, with the filters that touch only that table, written in its database's own
dialect. The rest of the query is rewritten to read the loaded sides (`fed_1`, `fed_2`, ...)
and runs in the executor.

Column needs and filter placement are read from sqlglot's qualified copy of the query (stars
expanded, every column bound to its table), while the SQL that runs is the caller's own tree
with only the table references swapped, so output column names stay as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, SqlglotError
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, traverse_scope

from connections.dialects import SQLGLOT_DIALECTS
from connections.dialects.schema import SchemaDocument, Table
from connections.guard import FORBIDDEN_NODES, READ_ONLY

FEDERATED_DIALECT = "duckdb"


class FederationError(ValueError):
    """A federated query that cannot run; the message says why, in plain words."""


@dataclass(frozen=True)
class Database:
    """One registered database taking part: its alias, engine kind and latest schema."""

    alias: str
    name: str
    kind: str
    document: SchemaDocument


@dataclass
class Side:
    """One table reference: what its database is asked for."""

    local_name: str  # the table the side is loaded as in the executor
    database: Database
    table: Table
    columns: list[str] = field(default_factory=list)  # real column names, in table order
    filters: list[exp.Expression] = field(default_factory=list)  # bound to the local name

    @property
    def label(self) -> str:
        return f"{self.database.alias}.{self.table.name}"

    def pushed_sql(self, filters: list[exp.Expression] | None = None) -> str:
        """The side's query in its own dialect: needed columns, and `filters` (all of the
        side's when None)."""
        filters = self.filters if filters is None else filters
        kind = self.database.kind
        # A side whose columns the query never reads (COUNT(*) over it) still needs its rows.
        columns = self.columns or [self.table.columns[0].name]
        query = exp.select(*(exp.column(c, quoted=True) for c in columns)).from_(
            self.table.sql_ref(kind)
        )
        if filters:
            query = query.where(exp.and_(*(self._unbound(f) for f in filters)))
        return query.sql(dialect=SQLGLOT_DIALECTS[kind])

    def _unbound(self, condition: exp.Expression) -> exp.Expression:
        """The filter with its columns renamed to the table's real names, unqualified."""
        real = {c.name.lower(): c.name for c in self.table.columns}

        def rename(node):
            if isinstance(node, exp.Column):
                return exp.column(real.get(node.name.lower(), node.name), quoted=True)
            return node

        return condition.copy().transform(rename)


@dataclass
class Plan:
    sides: list[Side]
    sql: str  # the join, in DuckDB's SQL, over the sides' local names


def plan(sql: str, databases: dict[str, Database], *, pushdown: bool = True) -> Plan:
    """The plan of `sql`, or FederationError naming the problem (nothing has run yet).
    `pushdown=False` fetches every side whole (the benchmark's baseline)."""
    tree = _parse(sql)
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    sides: list[Side] = []
    for table in list(tree.find_all(exp.Table)):
        if not isinstance(table.this, exp.Identifier):
            raise FederationError(
                f"{table.sql(FEDERATED_DIALECT)} is not a table; a federated query reads only "
                "the tables of its databases (alias.table)."
            )
        if not table.args.get("db") and table.name.lower() in ctes:
            continue  # a WITH name of the query itself
        side = _side(table, databases, len(sides) + 1)
        sides.append(side)
        alias = table.alias or table.name
        table.replace(exp.table_(side.local_name, alias=exp.to_identifier(alias)))
    if not sides:
        raise FederationError("The query reads no table; name tables as alias.table.")
    for column in tree.find_all(exp.Column):  # shop.customers.email -> customers.email
        if column.args.get("db") and column.args["db"].name.lower() in databases:
            column.set("db", None)
            column.set("catalog", None)
    _bind(tree.copy(), sides)
    if not pushdown:
        for side in sides:
            side.columns, side.filters = [c.name for c in side.table.columns], []
    return Plan(sides, tree.sql(dialect=FEDERATED_DIALECT))


def _parse(sql: str) -> exp.Query:
    if not (sql or "").strip():
        raise FederationError("The SQL is empty.")
    try:
        statements = [s for s in sqlglot.parse(sql, read=FEDERATED_DIALECT) if s is not None]
    except SqlglotError as exc:
        raise FederationError(f"The SQL could not be parsed: {_first_line(exc)}") from None
    if len(statements) != 1:
        raise FederationError("Send exactly one query (no semicolon-separated statements).")
    tree = statements[0]
    if not isinstance(tree, exp.Query) or any(tree.find_all(*FORBIDDEN_NODES)):
        raise FederationError(f"{READ_ONLY}.")
    return tree


def _side(table: exp.Table, databases: dict[str, Database], number: int) -> Side:
    catalog, db = table.catalog, table.db
    alias, schema = (catalog, db) if catalog else (db, "")
    known = ", ".join(f"{a} ({d.name})" for a, d in sorted(databases.items()))
    if not alias:
        raise FederationError(
            f"Table {table.name} has no database alias; write alias.{table.name} "
            f"(the aliases are: {known})."
        )
    database = databases.get(alias.lower())
    if database is None:
        raise FederationError(
            f"Unknown database alias {alias!r} in {table.sql(FEDERATED_DIALECT)}; "
            f"the aliases are: {known}."
        )
    found = find_table(database.document, table.name, schema)
    return Side(f"fed_{number}", database, found)


def find_table(document: SchemaDocument, name: str, schema: str = "") -> Table:
    """The snapshot's table called `name` (any case), in `schema` when given."""
    matches = [
        t
        for t in document.tables
        if t.name.lower() == name.lower() and (not schema or t.schema.lower() == schema.lower())
    ]
    if len(matches) > 1:
        exact = [t for t in matches if t.name == name]
        matches = exact if len(exact) == 1 else matches
    if len(matches) > 1:
        choices = ", ".join(t.qualified_name for t in matches)
        raise FederationError(f"Table {name} is ambiguous ({choices}); add its schema.")
    if not matches:
        where = f"{schema}.{name}" if schema else name
        tables = ", ".join(t.qualified_name for t in document.tables[:30])
        raise FederationError(f"Unknown table {where}; the tables are: {tables}.")
    return matches[0]


def _bind(analysis: exp.Expression, sides: list[Side]) -> None:
    """Fill each side's columns and filters from a qualified copy of the query."""
    by_name = {s.local_name: s for s in sides}
    schema = {s.local_name: {c.name: "UNKNOWN" for c in s.table.columns} for s in sides}
    try:
        qualified = qualify(analysis, schema=schema, dialect=FEDERATED_DIALECT)
        scopes = traverse_scope(qualified)
    except (OptimizeError, SqlglotError) as exc:
        raise FederationError(f"The query does not match the tables: {_first_line(exc)}") from None
    needed: dict[str, set[str]] = {s.local_name: set() for s in sides}
    for scope in scopes:
        for column in scope.columns:
            source = _source(scope, column.table)
            if source is not None:
                needed[source.name].add(column.name.lower())
        for side_name, condition in _pushable(scope, by_name):
            by_name[side_name].filters.append(condition.copy())
    for side in sides:
        side.columns = [
            c.name for c in side.table.columns if c.name.lower() in needed[side.local_name]
        ]


def _source(scope: Scope | None, name: str) -> exp.Table | None:
    """The side table a column's qualifier names, looking outwards (correlated subqueries)."""
    while scope is not None:
        source = scope.sources.get(name)
        if source is not None:
            return source if isinstance(source, exp.Table) else None
        scope = scope.parent
    return None


def _pushable(scope: Scope, sides: dict[str, Side]) -> list[tuple[str, exp.Expression]]:
    """(side, condition) for each WHERE / ON conjunct that reads one side table of this
    scope only and filters that table's rows without changing the result: never a table on
    the nullable side of an outer join for a WHERE condition (`o.id IS NULL` is an anti-join),
    and an ON condition only of the table that join brings in (or of any table when inner)."""
    select = scope.expression
    if not isinstance(select, exp.Select):
        return []
    local = {
        alias: source.name
        for alias, (_, source) in scope.selected_sources.items()
        if isinstance(source, exp.Table) and source.name in sides
    }
    joins = select.args.get("joins") or []
    nullable = _nullable(select, joins)
    found = []
    where = select.args.get("where")
    for condition in _conjuncts(where.this if where else None):
        alias = _single_table(condition, scope)
        if alias in local and alias not in nullable:
            found.append((local[alias], condition))
    for join in joins:
        side, kind = join.side.upper(), join.kind.upper()
        for condition in _conjuncts(join.args.get("on")):
            alias = _single_table(condition, scope)
            if alias not in local:
                continue
            if (not side and kind in ("", "INNER") and alias not in nullable) or (
                side == "LEFT" and alias == join.this.alias_or_name
            ):
                found.append((local[alias], condition))
    return found


def _nullable(select: exp.Select, joins: list[exp.Join]) -> set[str]:
    """Aliases whose rows an outer join may pad with NULLs."""
    seen = [select.args["from"].this.alias_or_name] if select.args.get("from") else []
    nullable: set[str] = set()
    for join in joins:
        name = join.this.alias_or_name
        side = join.side.upper()
        if side in ("RIGHT", "FULL"):
            nullable.update(seen)
        if side in ("LEFT", "FULL"):
            nullable.add(name)
        seen.append(name)
    return nullable


def _conjuncts(condition: exp.Expression | None) -> list[exp.Expression]:
    return (
        list(condition.flatten())
        if isinstance(condition, exp.And)
        else ([condition] if condition is not None else [])
    )


def _single_table(condition: exp.Expression, scope: Scope) -> str | None:
    """The one table alias a condition reads, or None (several, none, a subquery, an
    aggregate or window, or a column of an outer query)."""
    if any(condition.find_all(exp.Subquery, exp.Exists, exp.Select, exp.AggFunc, exp.Window)):
        return None
    tables = {c.table for c in condition.find_all(exp.Column)}
    if len(tables) != 1:
        return None
    (alias,) = tables
    return alias if alias in scope.selected_sources else None


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__

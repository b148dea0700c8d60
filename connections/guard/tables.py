"""Which tables a query may read: never the system catalogs that hold secrets or reach the
server, and, when the caller knows the schema, only the tables of its latest snapshot.

Catalog choices, per engine (whatever account was registered; each dialect class declares its
own in `catalog_table` and `catalog_hidden_columns`, connections/dialects/capabilities.py):
- PostgreSQL: every `pg_*` relation is refused, qualified or not (pg_catalog is searched
  first, so a bare `pg_authid` is the catalog), as is every `pg_*` schema (pg_catalog,
  pg_toast). Password hashes, HBA rules, settings files and user mappings all live there.
- MySQL/MariaDB: the `mysql`, `performance_schema` and `sys` databases are refused
  (mysql.user and mysql.global_priv hold password hashes; the others show other sessions'
  statements).
- ClickHouse: `system.*` is refused except tables, columns, databases and one; of
  system.tables the columns that can hold an engine's credentials or server paths are refused,
  and so is `*` over it.
- SQLite: `sqlite_*` internal tables are refused except the schema table (sqlite_master), and
  so are the table-valued PRAGMA functions and virtual tables named like tables
  (`pragma_database_list`, `dbstat`, `generate_series`...).
- information_schema (all engines that have it): only the views that describe tables and
  columns (tables, columns, schemata, key_column_usage, table_constraints,
  referential_constraints); not user_privileges, processlist, views (their definitions) etc.
These catalog views are readable without being in the snapshot.
"""

from __future__ import annotations

from sqlglot import exp

from ..dialects import dialect_class

INFORMATION_SCHEMA = frozenset(
    """
    tables columns schemata key_column_usage table_constraints referential_constraints
    """.split()
)


class TableRefused(Exception):
    """Raised with the message for UnsafeSQLError (kept apart to avoid an import cycle)."""


def check_tables(tree: exp.Expression, kind: str, allowed_tables: frozenset[str] | None) -> None:
    """Raise TableRefused naming the first table the query may not read."""
    dialect = dialect_class(kind)
    hidden: dict[str, frozenset[str]] = {}  # catalog table read -> its columns that are not
    for parts in _references(tree):
        name, db = parts[-1], (parts[-2] if len(parts) > 1 else "")
        shown = ".".join(parts)
        catalog = _catalog(dialect, db.lower(), name.lower())
        if isinstance(catalog, str):
            raise TableRefused(f"Table {shown} is not allowed: {catalog}.")
        if catalog:
            if name.lower() in dialect.catalog_hidden_columns:
                hidden[shown] = dialect.catalog_hidden_columns[name.lower()]
            continue
        if allowed_tables is not None:
            key = f"{db}.{name}".lower() if db else name.lower()
            if key not in allowed_tables:
                raise TableRefused(
                    f"Unknown table {shown}: it is not in the extracted schema of this "
                    "database (extract the schema again if it is new)."
                )
    for shown, columns in hidden.items():
        _check_hidden_columns(tree, shown, columns)


def _references(tree: exp.Expression):
    """The name parts of every table the query reads (not CTEs, not table functions)."""
    for table in tree.find_all(exp.Table):
        if not table.name or isinstance(table.this, exp.Func):
            continue  # a table function: the function allow-list decides
        if not table.db and table.name.lower() in _visible_ctes(table):
            continue
        yield [part.name for part in table.parts]
    # ClickHouse reads a whole table in `x IN tbl` (sqlglot sees a column there).
    for node in tree.find_all(exp.In):
        field = node.args.get("field")
        if isinstance(field, exp.Column):
            yield [part.name for part in field.parts]


def _visible_ctes(node: exp.Expression) -> set[str]:
    """CTE names a table reference at `node` resolves to. Without RECURSIVE a CTE sees only
    the CTEs before it: a later sibling's name there is a real table, so it is checked."""
    names: set[str] = set()
    child, parent = node, node.parent
    while parent is not None:
        if isinstance(parent, exp.With):
            ctes = parent.expressions
            index = next(i for i, cte in enumerate(ctes) if cte is child)
            visible = ctes[: index + 1] if parent.args.get("recursive") else ctes[:index]
            names.update(cte.alias_or_name.lower() for cte in visible)
        else:
            with_ = parent.args.get("with_")
            if with_ is not None and with_ is not child:
                names.update(cte.alias_or_name.lower() for cte in with_.expressions)
        child, parent = parent, parent.parent
    return names


def _catalog(dialect, db: str, name: str) -> bool | str:
    """True for a catalog view that may be read, a reason for one that may not, False for an
    ordinary table."""
    if db == "information_schema":
        if name in INFORMATION_SCHEMA:
            return True
        return f"of information_schema only {', '.join(sorted(INFORMATION_SCHEMA))} may be read"
    return dialect.catalog_table(db, name)


def _check_hidden_columns(tree: exp.Expression, shown: str, hidden: frozenset[str]) -> None:
    if tree.find(exp.Star):
        raise TableRefused(
            f"SELECT * over {shown} is not allowed: name the columns ("
            + ", ".join(sorted(hidden))
            + " can hold credentials or server paths)."
        )
    for column in tree.find_all(exp.Column, exp.Identifier):
        if column.name.lower() in hidden:
            raise TableRefused(
                f"Column {column.name} of {shown} is not allowed: it can hold "
                "credentials or server paths."
            )

"""What an engine's SQL can and cannot do, declared once per dialect class (as Redash's query
runners declare theirs): the SQL guard (connections/guard/) and the SQL builders (the built-in
engine, profiling) ask `dialect_class(kind)` instead of branching on the engine's name.

The defaults describe plain ANSI-ish SQL (PostgreSQL's dialect); each engine overrides what
differs, so a new engine that inherits from the closest one gets sane answers for free.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import sqlglot.expressions as exp

SYSTEM_CATALOG = "it is a system catalog"


class Capabilities:
    label: str = "this database"  # the engine as users know it, for messages
    # -- the SQL guard -----------------------------------------------------------------------
    # Comment openers the server executes as SQL (MySQL's /*! ... */): refused outright.
    executable_comment_markers: tuple[str, ...] = ()
    # Words that may follow EXPLAIN before the query; None: the engine has no usable EXPLAIN.
    explain_options: frozenset[str] | None = None
    # Unicode-escaped identifiers (PostgreSQL U&"\0070g_sleep") can spell any function name.
    unicode_escaped_names: bool = False
    # Session variables (@name, @@name, :=) read server settings or keep state between calls.
    session_variables: bool = False
    # Suffixes that turn an aggregate into another one (ClickHouse countIf, sumArray).
    aggregate_combinators: tuple[str, ...] = ()
    # LIMIT after a UNION binds to its last SELECT, and `LIMIT n BY x` is a per-group cap: a
    # row limit for the whole result must wrap the query instead of being appended.
    limit_needs_wrapping: bool = False
    # Catalog tables that may be read, and their columns that may not (nor `*` over them).
    catalog_hidden_columns: Mapping[str, frozenset[str]] = MappingProxyType({})

    @classmethod
    def catalog_table(cls, db: str, name: str) -> bool | str:
        """For lower-case `db`.`name` (db may be ""): True for a catalog table that may be
        read, a reason for one that may not, False for an ordinary table. information_schema
        is the guard's own rule, the same on every engine."""
        return False

    # -- connecting --------------------------------------------------------------------------
    # The database is a file named by `database` (no host, port or account).
    file_based: bool = False

    # -- building SQL ------------------------------------------------------------------------
    # At most this many JOINs per SELECT (ClickHouse 18: one); None for no limit.
    max_joins_per_select: int | None = None
    # AVG() of a DECIMAL is cut, not rounded, to the column's scale (ClickHouse 18), so
    # builders average in floating point instead.
    truncating_decimal_average: bool = False
    # Where NULLs sort when nothing is said: True when they come first ascending (SQLite,
    # MySQL), so builders say so explicitly and the SQL reads as hand-written.
    nulls_sort_small: bool = False

    @staticmethod
    def month_start(expr: exp.Expression) -> exp.Expression:
        """First day of the month of `expr`, as a date (ISO text where dates are text)."""
        # DATE_TRUNC gives a timestamp even for a date; the cast keeps a plain month date.
        trunc = exp.Anonymous(this="DATE_TRUNC", expressions=[exp.Literal.string("month"), expr])
        return exp.Cast(this=trunc, to=exp.DataType.build("date"))

    @staticmethod
    def year_of(expr: exp.Expression) -> exp.Expression:
        """The year of `expr` as an integer."""
        return exp.Cast(
            this=exp.Extract(this=exp.var("YEAR"), expression=expr), to=exp.DataType.build("int")
        )


# -- each engine's differences (mixed into its dialect class, ahead of Dialect) ----------------


class PostgreSQLCapabilities(Capabilities):
    label = "PostgreSQL"
    explain_options = frozenset(
        "ANALYZE VERBOSE COSTS BUFFERS TIMING SUMMARY SETTINGS WAL FORMAT TEXT JSON XML YAML "
        "TRUE FALSE ON OFF ( ) ,".split()
    )
    unicode_escaped_names = True

    @classmethod
    def catalog_table(cls, db: str, name: str) -> bool | str:
        # pg_catalog is searched first, so a bare pg_authid is the catalog: every pg_* name
        # and every pg_* schema (pg_catalog, pg_toast) is refused.
        if db.startswith("pg_") or name.startswith("pg_"):
            return SYSTEM_CATALOG
        return False


MYSQL_CATALOGS = frozenset({"mysql", "performance_schema", "sys"})


class MySQLCapabilities(Capabilities):
    label = "MySQL"
    # MySQL and MariaDB execute these "comments"; sqlglot reads them as comments.
    executable_comment_markers = ("/*!", "/*m!")
    explain_options = frozenset(
        "EXTENDED PARTITIONS ANALYZE FORMAT = JSON TREE TRADITIONAL".split()
    )
    session_variables = True
    nulls_sort_small = True

    @classmethod
    def catalog_table(cls, db: str, name: str) -> bool | str:
        # mysql.user and mysql.global_priv hold password hashes; the others show other
        # sessions' statements. DUAL is the one-row pseudo table.
        if db in MYSQL_CATALOGS:
            return SYSTEM_CATALOG
        return not db and name == "dual"

    @staticmethod
    def month_start(expr: exp.Expression) -> exp.Expression:
        # ISO text: it compares with dates as a date would.
        return exp.Anonymous(this="DATE_FORMAT", expressions=[expr, exp.Literal.string("%Y-%m-01")])

    @staticmethod
    def year_of(expr: exp.Expression) -> exp.Expression:
        return exp.Anonymous(this="YEAR", expressions=[expr])


CLICKHOUSE_SYSTEM = frozenset({"tables", "columns", "databases", "one"})


class ClickHouseCapabilities(Capabilities):
    label = "ClickHouse 18.16"
    aggregate_combinators = ("if", "array", "distinct", "ornull", "ordefault", "foreach")
    limit_needs_wrapping = True
    # create_table_query and engine_full can hold an engine's credentials; the paths show
    # the server's disk.
    catalog_hidden_columns = MappingProxyType(
        {"tables": frozenset({"create_table_query", "engine_full", "data_path", "metadata_path"})}
    )
    max_joins_per_select = 1
    truncating_decimal_average = True

    @classmethod
    def catalog_table(cls, db: str, name: str) -> bool | str:
        if db != "system":
            return False
        if name in CLICKHOUSE_SYSTEM:
            return True
        readable = ", ".join(f"system.{table}" for table in sorted(CLICKHOUSE_SYSTEM))
        return f"{SYSTEM_CATALOG} (only {readable} may be read)"

    @staticmethod
    def month_start(expr: exp.Expression) -> exp.Expression:
        return exp.Anonymous(this="toStartOfMonth", expressions=[expr])

    @staticmethod
    def year_of(expr: exp.Expression) -> exp.Expression:
        return exp.Anonymous(this="toYear", expressions=[expr])


SQLITE_SCHEMA_TABLES = frozenset(
    {"sqlite_master", "sqlite_schema", "sqlite_temp_master", "sqlite_temp_schema"}
)
SQLITE_VIRTUAL_TABLES = frozenset(
    {"dbstat", "generate_series", "fsdir", "zipfile", "completion", "sqlite_dbpage"}
)


class SQLiteCapabilities(Capabilities):
    label = "SQLite"
    explain_options = frozenset({"QUERY", "PLAN"})
    file_based = True
    nulls_sort_small = True

    @classmethod
    def catalog_table(cls, db: str, name: str) -> bool | str:
        if name.startswith("sqlite_"):
            return name in SQLITE_SCHEMA_TABLES or "it is an internal SQLite table"
        if name.startswith("pragma_") or name in SQLITE_VIRTUAL_TABLES:
            return "it is a PRAGMA or a virtual table of the engine, not data"
        return False

    @staticmethod
    def month_start(expr: exp.Expression) -> exp.Expression:
        return exp.Anonymous(this="strftime", expressions=[exp.Literal.string("%Y-%m-01"), expr])

    @staticmethod
    def year_of(expr: exp.Expression) -> exp.Expression:
        year = exp.Anonymous(this="strftime", expressions=[exp.Literal.string("%Y"), expr])
        return exp.Cast(this=year, to=exp.DataType.build("int"))

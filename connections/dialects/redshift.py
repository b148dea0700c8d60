"""Amazon Redshift engine: the PostgreSQL engine (psycopg on the PostgreSQL wire, a pool,
read-only transactions, server-side timeouts) with Redshift's differences.

- Port 5439, and SSL required unless the admin sets `sslmode` (Redshift clusters accept SSL
  by default; a password must not cross the network in the clear).
- No DISCARD ALL: a pooled connection is cleaned with a rollback and RESET ALL (Redshift has
  no advisory locks, and cursors end with their transaction).
- Schema from svv_tables / svv_columns / svv_table_info (introspection/redshift.py), falling
  back to the PostgreSQL catalog where those views do not exist.
- Privileges from pg_user (superuser; CREATEUSER makes one) and has_table_privilege: Redshift
  has no predefined roles such as pg_read_server_files and no pg_has_role.
- No TABLESAMPLE, ROW() or string_agg: profiling reads a bounded subquery, and comparisons
  hash rows in Python.
- `iam_role_arn` may be stored as a secret option; IAM authentication itself is not wired
  (DataChat logs in with the user and password), see README.
"""

from __future__ import annotations

import psycopg
from psycopg import errors

from .base import Dialect, PrivilegeReport, TestResult, timed_test
from .capabilities import SYSTEM_CATALOG, PostgreSQLCapabilities
from .introspection import postgresql as pg_introspection
from .introspection import redshift as introspection
from .postgresql import PostgreSQL
from .schema import SchemaDocument

# Redshift's system tables and views: query logs (other users' SQL text), load errors with
# the rows that failed, connection logs, and every table's statistics.
SYSTEM_PREFIXES = ("pg_", "stl_", "stv_", "svl_", "svv_", "svcs_", "stcs_", "sys_")
USER_SCHEMAS = (
    "n.nspname NOT IN ('information_schema', 'catalog_history') AND n.nspname NOT LIKE 'pg\\_%'"
)
WRITES = ("INSERT", "UPDATE", "DELETE")


class RedshiftCapabilities(PostgreSQLCapabilities):
    label = "Amazon Redshift"
    # EXPLAIN [VERBOSE] query; Redshift has no EXPLAIN ANALYZE or option list.
    explain_options = frozenset({"VERBOSE"})

    @classmethod
    def catalog_table(cls, db: str, name: str) -> bool | str:
        if db.startswith("pg_") or name.startswith(SYSTEM_PREFIXES):
            return SYSTEM_CATALOG
        return False


class Redshift(RedshiftCapabilities, PostgreSQL):
    name = "redshift"
    default_port = 5439
    sqlglot_dialect = "redshift"
    session_reset = "RESET ALL"
    credentials_template = (
        "Host: the cluster endpoint (…redshift.amazonaws.com); port 5439 (blank); database; "
        "user and password of a read-only user. SSL is required (sslmode=require) unless "
        'options say otherwise, e.g. {"sslmode": "verify-full"}. Optional '
        '{"iam_role_arn": "arn:aws:iam::…"} is stored encrypted, for reference: IAM '
        "authentication itself is not supported yet."
    )

    def _connect_kwargs(self) -> dict:
        kwargs = super()._connect_kwargs()
        kwargs.setdefault("sslmode", "require")
        # Stored for the admin's reference only; libpq would refuse an unknown option.
        kwargs.pop("iam_role_arn", None)
        return kwargs

    def test_connection(self) -> TestResult:
        def probe() -> str:
            with self._connect() as conn:
                version = conn.execute("SELECT version()").fetchone()[0]
            # "PostgreSQL 8.0.2 on i686-pc-linux-gnu, ..., Redshift 1.0.77467"
            if "Redshift" in version:
                return "Amazon Redshift " + version.rsplit("Redshift", 1)[1].strip()
            number = version.split()[1] if len(version.split()) > 1 else version
            return f"PostgreSQL {number} (not Redshift: its catalog views are missing)"

        return timed_test(self, probe)

    def _read_privileges(self, conn: psycopg.Connection) -> PrivilegeReport:
        try:
            return PrivilegeReport(_privilege_problems(conn))
        finally:
            conn.rollback()

    def read_only_account_sql(self) -> str:
        return (
            "CREATE USER datachat_ro PASSWORD '<a new password>';\n"
            "-- for each schema to read (public here):\n"
            "GRANT USAGE ON SCHEMA public TO datachat_ro;\n"
            "GRANT SELECT ON ALL TABLES IN SCHEMA public TO datachat_ro;\n"
            "-- as the user that creates tables, so new tables are readable too:\n"
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO datachat_ro;"
        )

    def _read_catalog(self, conn: psycopg.Connection) -> SchemaDocument:
        version = conn.execute("SELECT version()").fetchone()[0]
        try:
            return introspection.introspect(conn, server_version=version)
        except errors.UndefinedTable:
            # No svv_* views: a PostgreSQL server (or a proxy) speaking for Redshift.
            conn.rollback()
            document = pg_introspection.introspect(conn)
            document.dialect = "redshift"
            return document

    def profile_source(self, table, limit: int):
        # Redshift has no TABLESAMPLE: read a bounded subquery, as engines without one do.
        return Dialect.profile_source(self, table, limit)

    def table_checksum_sql(self, table, columns, where=None) -> None:
        return None  # no ROW() or string_agg: comparisons hash rows in Python


def _privilege_problems(conn: psycopg.Connection) -> list[str]:
    """Queries that run on Redshift's PostgreSQL 8 catalog and on PostgreSQL alike."""
    superuser, createdb, user_id = conn.execute(
        "SELECT usesuper, usecreatedb, usesysid FROM pg_user WHERE usename = current_user"
    ).fetchone()
    if superuser:
        return ["the account is a superuser (CREATEUSER): it reads and writes anything"]
    problems = ["can create databases (CREATEDB)"] if createdb else []
    relations = (
        "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name, c.relowner "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        f"WHERE c.relkind IN ('r', 'v') AND {USER_SCHEMAS}"
    )
    owned = sorted(name for name, owner in conn.execute(relations) if owner == user_id)
    if owned:
        problems.append(
            f"owns {_tables(owned)}: an owner may write to, alter and drop them; "
            "only the read-only session stands in the way"
        )
    schemas = [
        name
        for (name,) in conn.execute(
            f"SELECT n.nspname FROM pg_namespace n WHERE {USER_SCHEMAS} "
            "AND has_schema_privilege(n.nspname, 'CREATE') ORDER BY 1"
        )
    ]
    if schemas:
        problems.append(f"can create objects in schema {', '.join(schemas)}")
    checks = ", ".join(f"has_table_privilege(name, '{p}')" for p in WRITES)
    by_privileges: dict[str, list[str]] = {}
    for name, *granted in conn.execute(
        f"SELECT name, {checks} FROM ({relations}) r WHERE r.relowner <> {int(user_id)} "
        "ORDER BY name"
    ):
        privileges = ", ".join(p for p, ok in zip(WRITES, granted, strict=True) if ok)
        if privileges:
            by_privileges.setdefault(privileges, []).append(name)
    for privileges, names in sorted(by_privileges.items()):
        problems.append(f"can write: {privileges} on {_tables(names)}")
    return problems


def _tables(names: list[str]) -> str:
    more = ", ..." if len(names) > 3 else ""
    count = len(names)
    return f"{count} table{'s' if count != 1 else ''} ({', '.join(names[:3])}{more})"

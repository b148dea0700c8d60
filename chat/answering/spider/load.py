"""Spider databases into SQLite files, MariaDB/MySQL or PostgreSQL databases.

This WRITES, so it goes through the admin sessions of connections/dialects/loading.py (beside
the demo's writers) instead of the read-only engines; no driver is imported here. Loading is
idempotent: a SQLite file is rebuilt when missing, older than its sources, or written by an
older loader; a server database when its tables or row counts differ from the CSVs.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlglot import exp

from connections.dialects import ConnectionParams
from connections.dialects.loading import MySQLAdmin, PostgreSQLAdmin, SQLiteFile

from .dataset import lowercase_identifiers, read_rows, read_schema

LOADER_VERSION = 2  # bump when the loaded content changes: cached files are then rebuilt
SERVER_DATABASE_PREFIX = "spider_"
MARKER = f"datachat spider loader {LOADER_VERSION}"  # the comment of a fully loaded database
ACCOUNT = "datachat_spider_ro"  # the read-only account registered connections use on servers


def default_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "datachat" / "spider"


@dataclass
class Loaded:
    params: ConnectionParams  # how our engines reach the loaded database
    built: bool  # False: it was already up to date
    rows: int
    warnings: list[str]


def load_sqlite(root: Path, name: str, *, cache_dir: Path | None = None, rebuild=False) -> Loaded:
    """Make the SQLite file of spider database `name`; raises on DDL or data it cannot load
    (the caller reports it and goes on with the other databases)."""
    return _load_sqlite(root, name, cache_dir or default_cache_dir(), rebuild)


def server_loader(
    server: ConnectionParams, *, prefix: str = SERVER_DATABASE_PREFIX, account: str = ACCOUNT
) -> ServerLoader:
    """A loader into MariaDB/MySQL or PostgreSQL as the (admin) account of `server`; the
    loaded databases are read through a read-only account of its own (`account`), as the
    product asks of every registered database. Close it when done."""
    return {"mysql": _MySQL, "postgresql": _PostgreSQL}[server.kind](server, prefix, account)


# --- SQLite -------------------------------------------------------------------------------


def _sources_mtime(root: Path, name: str) -> float:
    folder = root / "databases" / name
    return max(p.stat().st_mtime for p in [folder / "schema.sql", *folder.glob("data/*.csv")])


def _load_sqlite(root: Path, name: str, cache_dir: Path, rebuild: bool) -> Loaded:
    path = cache_dir / f"{name}.sqlite"
    params = ConnectionParams(kind="sqlite", database=str(path))
    if not rebuild and path.exists() and path.stat().st_mtime >= _sources_mtime(root, name):
        if SQLiteFile.user_version(path) == LOADER_VERSION:
            return Loaded(params, False, 0, [])
    tables = read_schema(root, name)
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Built beside and renamed over: a concurrent run or a reader never sees half a file.
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.unlink(missing_ok=True)
    conn = SQLiteFile(partial)
    total = 0
    try:
        for table in tables:
            conn.execute(table.create.sql(dialect="sqlite"))
            for index in table.indexes:
                conn.execute(index.sql(dialect="sqlite"))
        for table in tables:
            names, rows = read_rows(root, name, table)
            if rows:
                conn.insert(table.name, names, rows)
                total += len(rows)
        conn.execute(f"PRAGMA user_version = {LOADER_VERSION}")
        conn.commit()
        conn.execute("ANALYZE")  # extraction reads row counts from sqlite_stat1
        conn.commit()
    except BaseException:
        conn.close()
        partial.unlink(missing_ok=True)
        raise
    conn.close()
    os.replace(partial, path)
    return Loaded(params, True, total, [])


# --- servers ------------------------------------------------------------------------------


class ServerLoader:
    """One admin connection to the server; a database per spider database, names in lower
    case; a read-only account (new password per loader) with SELECT on each loaded one."""

    dialect: str

    def __init__(self, server: ConnectionParams, prefix: str, account: str):
        self.server = server
        self.prefix = prefix
        self.account = account
        self.password = ""  # set by create_account, once per loader

    def database(self, name: str) -> str:
        return self.prefix + name.lower()

    def params(self, database: str) -> ConnectionParams:
        return ConnectionParams(
            kind=self.server.kind,
            host=self.server.host,
            port=self.server.port,
            database=database,
            username=self.account,
            password=self.password,
            options=self.server.options,
        )

    def load(self, root: Path, name: str, *, rebuild: bool = False) -> Loaded:
        """Make spider database `name` exist on the server (raises on what it cannot load)."""
        tables = read_schema(root, name)
        if not self.password:
            self.password = secrets.token_urlsafe(18)
            self.create_account()
        database = self.database(name)
        data = {t.name.lower(): read_rows(root, name, t) for t in tables}
        expected = {table: len(rows) for table, (_, rows) in data.items()}
        if (
            not rebuild
            and self.marker(database) == MARKER
            and self.row_counts(database) == expected
        ):
            self.grant(database)
            return Loaded(self.params(database), False, 0, [])
        self.recreate(database)
        foreign_keys = []
        for table in tables:
            create = self.adapt(lowercase_identifiers(table.create.copy()))
            _fit_types(create, *data[table.name.lower()])
            # Keys go on after the data: some reference columns with no unique index, which
            # the servers refuse; those are skipped with a warning instead of losing the db.
            for fk in list(create.find_all(exp.ForeignKey)):
                foreign_keys.append((create.this.this.name, fk.sql(dialect=self.dialect)))
                fk.pop()
            self.execute(create.sql(dialect=self.dialect))
            for index in table.indexes:
                self.execute(lowercase_identifiers(index.copy()).sql(dialect=self.dialect))
        for table, (names, rows) in data.items():
            if rows:
                self.insert(table, [n.lower() for n in names], rows)
        warnings = []
        for table, clause in foreign_keys:
            try:
                self.execute(f"ALTER TABLE {self.quote(table)} ADD {clause}")
            except Exception as exc:  # noqa: BLE001  (driver errors differ per server)
                warnings.append(f"{table}: foreign key not added ({str(exc)[:120]})")
        self.commit()
        self.grant(database)
        self.set_marker(database)  # last: a load cut short is redone next time
        return Loaded(self.params(database), True, sum(expected.values()), warnings)

    def quote(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def adapt(self, create: exp.Create) -> exp.Create:
        return create


def _fit_types(create: exp.Create, names: list[str], rows: list[tuple]) -> None:
    """Declared types widened to hold the data as SQLite holds it (it never checked): an
    INTEGER column with fractions becomes DOUBLE, a numeric one with words VARCHAR, a VARCHAR(n)
    at least its longest value. The servers would otherwise refuse or cut those values."""
    values = {
        name.lower(): [r[i] for r in rows if r[i] is not None] for i, name in enumerate(names)
    }
    for column in create.this.expressions:
        datatype = column.args.get("kind") if isinstance(column, exp.ColumnDef) else None
        seen = values.get(column.name.lower())
        if datatype is None or not seen:
            continue
        longest = max((len(v) for v in seen if isinstance(v, str)), default=0)
        if datatype.is_type(*exp.DataType.INTEGER_TYPES, *exp.DataType.REAL_TYPES):
            if any(isinstance(v, str) for v in seen):  # VARCHAR: MariaDB keys cannot be TEXT
                column.set("kind", exp.DataType.build(f"VARCHAR({max(longest, 32)})"))
            elif datatype.is_type(*exp.DataType.INTEGER_TYPES) and any(
                isinstance(v, float) for v in seen
            ):
                column.set("kind", exp.DataType.build("DOUBLE"))
            continue
        if not datatype.is_type(*exp.DataType.TEXT_TYPES):
            continue  # dates and the like: the servers read them from text
        size = datatype.expressions[0] if datatype.expressions else None
        if isinstance(size, exp.DataTypeParam) and size.this.is_int and longest > int(size.name):
            size.set("this", exp.Literal.number(longest))


class _MySQL(ServerLoader):
    dialect = "mysql"

    def __init__(self, server: ConnectionParams, prefix: str, account: str):
        super().__init__(server, prefix, account)
        self.session = MySQLAdmin(server)
        self.execute, self.fetch = self.session.execute, self.session.fetch
        self.insert, self.commit = self.session.insert, self.session.commit
        # The account is made for the host the server sees us from, so that our engines,
        # connecting from here, are that account and not an anonymous or wildcard one.
        self.host = self.fetch("SELECT SUBSTRING_INDEX(USER(), '@', -1)")[0][0]

    def quote(self, name: str) -> str:
        return self.session.quote(name)

    @property
    def user(self) -> str:
        return f"{self.session.literal(self.account)}@{self.session.literal(self.host)}"

    def create_account(self) -> None:
        self.execute(f"CREATE USER IF NOT EXISTS {self.user} IDENTIFIED BY %s", (self.password,))
        self.execute(f"ALTER USER {self.user} IDENTIFIED BY %s", (self.password,))

    def grant(self, database: str) -> None:
        self.execute(f"GRANT SELECT, SHOW VIEW ON {self.quote(database)}.* TO {self.user}")

    def marker(self, database: str) -> str | None:
        found = self.fetch(
            "SELECT schema_comment FROM information_schema.schemata WHERE schema_name = %s",
            (database,),
        )
        return found[0][0] if found else None

    def set_marker(self, database: str) -> None:
        self.execute(f"ALTER DATABASE {self.quote(database)} COMMENT = %s", (MARKER,))

    def row_counts(self, database: str) -> dict[str, int] | None:
        tables = self.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (database,),
        )
        qualified = f"{self.quote(database)}.{{}}"
        counts = {
            table: self.fetch(f"SELECT COUNT(*) FROM {qualified.format(self.quote(table))}")[0][0]
            for (table,) in tables
        }
        return counts or None

    def recreate(self, database: str) -> None:
        self.drop(database)
        self.execute(
            f"CREATE DATABASE {self.quote(database)} CHARACTER SET utf8mb4 "
            "COLLATE utf8mb4_unicode_ci"
        )
        self.execute(f"USE {self.quote(database)}")
        self.execute("SET foreign_key_checks = 0")

    def drop(self, database: str) -> None:
        self.execute(f"DROP DATABASE IF EXISTS {self.quote(database)}")

    def drop_account(self) -> None:
        self.execute(f"DROP USER IF EXISTS {self.user}")

    def close(self) -> None:
        self.session.close()


class _PostgreSQL(ServerLoader):
    dialect = "postgres"

    def __init__(self, server: ConnectionParams, prefix: str, account: str):
        super().__init__(server, prefix, account)
        self.session = PostgreSQLAdmin(server)
        self.execute, self.insert = self.session.execute, self.session.insert
        self.commit = self.session.commit

    def adapt(self, create: exp.Create) -> exp.Create:
        for datatype in create.find_all(exp.DataType):  # INT(11): a display width, not in PG
            if datatype.is_type(*exp.DataType.INTEGER_TYPES):
                datatype.set("expressions", [])
        return create

    def create_account(self) -> None:
        exists = self.session.admin_fetch(
            "SELECT 1 FROM pg_roles WHERE rolname = %s", (self.account,)
        )
        verb = "ALTER" if exists else "CREATE"
        self.session.admin_execute(
            f"{verb} ROLE {self.quote(self.account)} LOGIN PASSWORD "
            + self.session.literal(self.password)
        )

    def grant(self, database: str) -> None:
        account = self.quote(self.account)
        self.session.admin_execute(f"GRANT CONNECT ON DATABASE {self.quote(database)} TO {account}")
        self.session.use(database)
        self.execute(f"GRANT USAGE ON SCHEMA public TO {account}")
        self.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {account}")
        self.commit()

    def marker(self, database: str) -> str | None:
        found = self.session.admin_fetch(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (database,),
        )
        return found[0][0] if found else None

    def set_marker(self, database: str) -> None:
        self.session.admin_execute(
            f"COMMENT ON DATABASE {self.quote(database)} IS {self.session.literal(MARKER)}"
        )

    def row_counts(self, database: str) -> dict[str, int] | None:
        if not self.session.use(database):
            return None
        tables = self.session.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
        counts = {
            t: self.session.fetch(f"SELECT COUNT(*) FROM {self.quote(t)}")[0][0] for (t,) in tables
        }
        self.session.rollback()
        return counts or None

    def recreate(self, database: str) -> None:
        self.drop(database)
        self.session.admin_execute(f"CREATE DATABASE {self.quote(database)}")
        self.session.use(database)

    def drop(self, database: str) -> None:
        self.session.disconnect()
        self.session.admin_execute(f"DROP DATABASE IF EXISTS {self.quote(database)} WITH (FORCE)")

    def drop_account(self) -> None:
        self.session.admin_execute(f"DROP ROLE IF EXISTS {self.quote(self.account)}")

    def close(self) -> None:
        self.session.close()

"""Spider databases into SQLite files, MariaDB/MySQL or PostgreSQL databases.

This WRITES, so like connections/demo_data.py it talks to the drivers directly instead of
going through the read-only engines; drivers are imported inside each loader. Loading is
idempotent: a SQLite file is rebuilt when missing, older than its sources, or written by an
older loader; a server database when its tables or row counts differ from the CSVs.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlglot import exp

from connections.dialects import ConnectionParams

from .dataset import TableSpec, lowercase_identifiers, read_rows, read_schema

LOADER_VERSION = 1  # bump when the loaded content changes: cached files are then rebuilt
SERVER_DATABASE_PREFIX = "spider_"


def default_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "datachat" / "spider"


@dataclass
class Loaded:
    params: ConnectionParams  # how our engines reach the loaded database
    built: bool  # False: it was already up to date
    rows: int
    warnings: list[str]


def load(
    root: Path,
    name: str,
    *,
    kind: str = "sqlite",
    cache_dir: Path | None = None,
    server: ConnectionParams | None = None,
    rebuild: bool = False,
) -> Loaded:
    """Make spider database `name` exist on the target; raises on DDL or data it cannot load
    (the caller reports it and goes on with the other databases)."""
    if kind == "sqlite":
        return _load_sqlite(root, name, cache_dir or default_cache_dir(), rebuild)
    tables = read_schema(root, name)
    if server is None:
        raise ValueError(f"loading into {kind} needs a server URL")
    loader = {"mysql": _MySQL, "postgresql": _PostgreSQL}[kind](server)
    try:
        return loader.load(root, name, tables, rebuild)
    finally:
        loader.close()


# --- SQLite -------------------------------------------------------------------------------


def _sources_mtime(root: Path, name: str) -> float:
    folder = root / "databases" / name
    return max(p.stat().st_mtime for p in [folder / "schema.sql", *folder.glob("data/*.csv")])


def _load_sqlite(root: Path, name: str, cache_dir: Path, rebuild: bool) -> Loaded:
    path = cache_dir / f"{name}.sqlite"
    params = ConnectionParams(kind="sqlite", database=str(path))
    if not rebuild and path.exists() and path.stat().st_mtime >= _sources_mtime(root, name):
        with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as conn:
            if conn.execute("PRAGMA user_version").fetchone()[0] == LOADER_VERSION:
                return Loaded(params, False, 0, [])
    tables = read_schema(root, name)
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Built beside and renamed over: a concurrent run or a reader never sees half a file.
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.unlink(missing_ok=True)
    conn = sqlite3.connect(partial)
    total = 0
    try:
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA journal_mode = OFF")
        for table in tables:
            conn.execute(table.create.sql(dialect="sqlite"))
            for index in table.indexes:
                conn.execute(index.sql(dialect="sqlite"))
        for table in tables:
            names, rows = read_rows(root, name, table)
            if rows:
                columns = ", ".join(_quote(n) for n in names)
                marks = ", ".join("?" * len(names))
                conn.executemany(
                    f"INSERT INTO {_quote(table.name)} ({columns}) VALUES ({marks})", rows
                )
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


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- servers ------------------------------------------------------------------------------


class _Server:
    """One connection to the server; a database per spider database, names in lower case."""

    dialect: str

    def __init__(self, server: ConnectionParams):
        self.server = server

    def params(self, database: str) -> ConnectionParams:
        return ConnectionParams(
            kind=self.server.kind,
            host=self.server.host,
            port=self.server.port,
            database=database,
            username=self.server.username,
            password=self.server.password,
            options=self.server.options,
        )

    def load(self, root: Path, name: str, tables: list[TableSpec], rebuild: bool) -> Loaded:
        database = SERVER_DATABASE_PREFIX + name.lower()
        data = {t.name.lower(): read_rows(root, name, t) for t in tables}
        expected = {table: len(rows) for table, (_, rows) in data.items()}
        if not rebuild and self.row_counts(database) == expected:
            return Loaded(self.params(database), False, 0, [])
        self.recreate(database)
        creates = [lowercase_identifiers(t.create.copy()) for t in tables]
        foreign_keys = []
        for create in creates:
            # Keys go on after the data: some reference columns with no unique index, which
            # the servers refuse; those are skipped with a warning instead of losing the db.
            for fk in list(create.find_all(exp.ForeignKey)):
                foreign_keys.append((create.this.this.name, fk.sql(dialect=self.dialect)))
                fk.pop()
            self.execute(create.sql(dialect=self.dialect))
        for table in tables:
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
                self.rollback()
                warnings.append(f"{table}: foreign key not added ({str(exc)[:120]})")
        self.commit()
        return Loaded(self.params(database), True, sum(expected.values()), warnings)


class _MySQL(_Server):
    dialect = "mysql"

    def __init__(self, server: ConnectionParams):
        super().__init__(server)
        import MySQLdb

        self.conn = MySQLdb.connect(
            host=server.host or "127.0.0.1",
            port=server.port or 3306,
            user=server.username or "root",
            passwd=server.password or "",
            charset="utf8mb4",
            connect_timeout=10,
        )

    def quote(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def execute(self, sql: str, args=None) -> None:
        self.conn.cursor().execute(sql, args)

    def row_counts(self, database: str) -> dict[str, int] | None:
        cur = self.conn.cursor()
        cur.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (database,),
        )
        tables = [r[0] for r in cur.fetchall()]
        counts = {}
        for table in tables:
            cur.execute(f"SELECT COUNT(*) FROM {self.quote(database)}.{self.quote(table)}")
            counts[table] = cur.fetchone()[0]
        return counts or None

    def recreate(self, database: str) -> None:
        self.execute(f"DROP DATABASE IF EXISTS {self.quote(database)}")
        self.execute(
            f"CREATE DATABASE {self.quote(database)} CHARACTER SET utf8mb4 "
            "COLLATE utf8mb4_unicode_ci"
        )
        self.execute(f"USE {self.quote(database)}")
        self.execute("SET foreign_key_checks = 0")

    def insert(self, table: str, names: list[str], rows: list[tuple]) -> None:
        columns = ", ".join(self.quote(n) for n in names)
        marks = ", ".join(["%s"] * len(names))
        sql = f"INSERT INTO {self.quote(table)} ({columns}) VALUES ({marks})"
        self.conn.cursor().executemany(sql, rows)

    def commit(self) -> None:
        self.conn.commit()

    def rollback(self) -> None:
        self.conn.rollback()

    def close(self) -> None:
        self.conn.close()


class _PostgreSQL(_Server):
    dialect = "postgres"

    def __init__(self, server: ConnectionParams):
        super().__init__(server)
        import psycopg

        self.psycopg = psycopg
        self.kwargs = dict(
            host=server.host or "127.0.0.1",
            port=server.port or 5432,
            user=server.username or None,
            password=server.password or None,
            connect_timeout=10,
        )
        self.admin = psycopg.connect(dbname="postgres", autocommit=True, **self.kwargs)
        self.conn = None

    def quote(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def _use(self, database: str) -> bool:
        exists = self.admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
        if not exists.fetchone():
            return False
        if self.conn is not None:
            self.conn.close()
        self.conn = self.psycopg.connect(dbname=database, **self.kwargs)
        return True

    def execute(self, sql: str, args=None) -> None:
        self.conn.execute("SAVEPOINT step")
        try:
            self.conn.execute(sql, args)
        except Exception:
            self.conn.execute("ROLLBACK TO SAVEPOINT step")
            raise
        self.conn.execute("RELEASE SAVEPOINT step")

    def row_counts(self, database: str) -> dict[str, int] | None:
        if not self._use(database):
            return None
        tables = [
            r[0]
            for r in self.conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            )
        ]
        counts = {
            t: self.conn.execute(f"SELECT COUNT(*) FROM {self.quote(t)}").fetchone()[0]
            for t in tables
        }
        self.conn.rollback()
        return counts or None

    def recreate(self, database: str) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        self.admin.execute(f"DROP DATABASE IF EXISTS {self.quote(database)} WITH (FORCE)")
        self.admin.execute(f"CREATE DATABASE {self.quote(database)}")
        self._use(database)

    def insert(self, table: str, names: list[str], rows: list[tuple]) -> None:
        columns = ", ".join(self.quote(n) for n in names)
        with self.conn.cursor() as cur:
            with cur.copy(f"COPY {self.quote(table)} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

    def commit(self) -> None:
        self.conn.commit()

    def rollback(self) -> None:
        pass  # execute() rolled back to its savepoint

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.admin.close()

"""Admin sessions that WRITE, for loaders that bring whole databases in (the Spider benchmark's
chat/answering/spider/load.py); the demo shop's table-by-table writers are in .writers.

Like the writers, these talk to the drivers directly (the engines beside them are read-only),
and they live here because drivers are imported only under connections/dialects/. Each one
is a thin, explicit session: the loader says what SQL to run; these know how each driver runs
it, quotes a name or a value, and streams rows in fastest.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from .base import ConnectionParams


class SQLiteFile:
    """A SQLite file being built: no durability (the loader renames a finished file over the
    old one, so a crash leaves only a partial file it deletes)."""

    def __init__(self, path: Path):
        self.conn = sqlite3.connect(path)
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute("PRAGMA journal_mode = OFF")

    def execute(self, sql: str) -> None:
        self.conn.execute(sql)

    def insert(self, table: str, names: list[str], rows: list[tuple]) -> None:
        columns = ", ".join(quote_ansi(n) for n in names)
        marks = ", ".join("?" * len(names))
        self.conn.executemany(f"INSERT INTO {quote_ansi(table)} ({columns}) VALUES ({marks})", rows)

    def commit(self) -> None:
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()

    @staticmethod
    def user_version(path: Path) -> int:
        """PRAGMA user_version of an existing file, opened read-only."""
        with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as conn:
            return conn.execute("PRAGMA user_version").fetchone()[0]


def quote_ansi(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class MySQLAdmin:
    """An autocommit admin connection to MariaDB/MySQL."""

    def __init__(self, server: ConnectionParams):
        import MySQLdb

        self.conn = MySQLdb.connect(
            host=server.host or "127.0.0.1",
            port=server.port or 3306,
            user=server.username or "root",
            passwd=server.password or "",
            charset="utf8mb4",
            connect_timeout=10,
            autocommit=True,
        )

    @staticmethod
    def quote(name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def literal(self, value: Any) -> str:
        return self.conn.literal(value).decode()

    def execute(self, sql: str, args=None) -> None:
        self.conn.cursor().execute(sql, args)

    def fetch(self, sql: str, args=None) -> list[tuple]:
        cur = self.conn.cursor()
        cur.execute(sql, args)
        return list(cur.fetchall())

    def insert(self, table: str, names: list[str], rows: list[tuple]) -> None:
        columns = ", ".join(self.quote(n) for n in names)
        columns = columns.replace("%", "%%")  # `%_Change_2007`: the driver formats with %
        marks = ", ".join(["%s"] * len(names))
        sql = f"INSERT INTO {self.quote(table)} ({columns}) VALUES ({marks})"
        self.conn.cursor().executemany(sql, rows)

    def commit(self) -> None:
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()


class PostgreSQLAdmin:
    """An autocommit admin connection to the server's `postgres` database, plus a
    transactional one to the database being loaded (`use`)."""

    def __init__(self, server: ConnectionParams):
        import psycopg

        self._psycopg = psycopg
        self._kwargs = dict(
            host=server.host or "127.0.0.1",
            port=server.port or 5432,
            user=server.username or None,
            password=server.password or None,
            connect_timeout=10,
        )
        self.admin = psycopg.connect(dbname="postgres", autocommit=True, **self._kwargs)
        self.conn = None

    quote = staticmethod(quote_ansi)

    def literal(self, value: Any) -> str:
        from psycopg import sql

        return sql.Literal(value).as_string(self.admin)

    def admin_execute(self, sql: str, args=None) -> None:
        self.admin.execute(sql, args)

    def admin_fetch(self, sql: str, args=None) -> list[tuple]:
        return self.admin.execute(sql, args).fetchall()

    def use(self, database: str) -> bool:
        """Connect to `database`; False when it does not exist."""
        if not self.admin_fetch("SELECT 1 FROM pg_database WHERE datname = %s", (database,)):
            return False
        self.disconnect()
        self.conn = self._psycopg.connect(dbname=database, **self._kwargs)
        return True

    def execute(self, sql: str, args=None) -> None:
        """One statement in the current database's transaction; a failed one is rolled back
        alone (a savepoint), so it does not void the others."""
        self.conn.execute("SAVEPOINT step")
        try:
            self.conn.execute(sql, args)
        except Exception:
            self.conn.execute("ROLLBACK TO SAVEPOINT step")
            raise
        self.conn.execute("RELEASE SAVEPOINT step")

    def fetch(self, sql: str, args=None) -> list[tuple]:
        return self.conn.execute(sql, args).fetchall()

    def insert(self, table: str, names: list[str], rows: list[tuple]) -> None:
        columns = ", ".join(self.quote(n) for n in names)
        with self.conn.cursor() as cur:
            with cur.copy(f"COPY {self.quote(table)} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

    def commit(self) -> None:
        self.conn.commit()

    def rollback(self) -> None:
        self.conn.rollback()

    def disconnect(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def close(self) -> None:
        self.disconnect()
        self.admin.close()

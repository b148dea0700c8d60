"""Bulk writers: create tables on one engine and append batches of rows (the demo shop, test
fixtures). These WRITE, so they talk to the drivers directly instead of going through the
read-only engines beside them. Drivers are imported inside each writer so a missing driver
only breaks its own engine.

Tables are described by the caller as {name: [column]} in creation order, where a column has
`name`, `type` (int | text | money | date | timestamp | bool), `nullable` and `references` (a
table whose `id` it refers to); a column named `id` is the primary key.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

Tables = dict[str, list[Any]]


class Writer:
    """Creates the demo tables on one engine and appends batches of rows to them."""

    types: dict[str, str]
    tables: Tables

    def column_sql(self, col) -> str:
        sql = f"{col.name} {self.types[col.type]}"
        if col.name == "id":
            return sql + " PRIMARY KEY"
        return sql + ("" if col.nullable else " NOT NULL")

    def fk_sql(self, table: str) -> list[str]:
        return [
            f"FOREIGN KEY ({c.name}) REFERENCES {c.references} (id)"
            for c in self.tables[table]
            if c.references
        ]

    def create_sql(self, table: str) -> str:
        parts = [self.column_sql(c) for c in self.tables[table]] + self.fk_sql(table)
        return f"CREATE TABLE {table} (\n  " + ",\n  ".join(parts) + "\n)"

    def reset(self) -> None: ...
    def insert(self, table: str, rows: list[tuple]) -> None: ...
    def finish(self) -> None: ...
    def close(self) -> None: ...


class SQLiteWriter(Writer):
    types = {
        "int": "INTEGER",
        "text": "TEXT",
        "money": "DECIMAL(10,2)",
        "date": "DATE",
        "timestamp": "TIMESTAMP",
        "bool": "BOOLEAN",
    }

    def __init__(self, path: str, tables: Tables):
        self.tables = tables
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(path)
        # A throwaway demo file: durability during the load buys nothing.
        self.conn.execute("PRAGMA synchronous = OFF")

    def reset(self) -> None:
        for table in reversed(self.tables):
            self.conn.execute(f"DROP TABLE IF EXISTS {table}")
        for table in self.tables:
            self.conn.execute(self.create_sql(table))

    def insert(self, table: str, rows: list[tuple]) -> None:
        # sqlite3 has no Decimal/date adapters we want to rely on (deprecated in 3.12), so
        # pass text; DECIMAL columns store it as a number, dates stay ISO text.
        marks = ", ".join("?" * len(self.tables[table]))
        self.conn.executemany(
            f"INSERT INTO {table} VALUES ({marks})",
            [tuple(map(_sqlite_value, row)) for row in rows],
        )

    def finish(self) -> None:
        self.conn.commit()
        # Statistics (sqlite_stat1) are where extraction reads SQLite row counts from, as a
        # maintained database would have them.
        self.conn.execute("ANALYZE")
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()


def _sqlite_value(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


class PostgreSQLWriter(Writer):
    types = {
        "int": "INTEGER",
        "text": "VARCHAR(200)",
        "money": "NUMERIC(10,2)",
        "date": "DATE",
        "timestamp": "TIMESTAMP",
        "bool": "BOOLEAN",
    }

    def __init__(self, params: dict, tables: Tables):
        self.tables = tables
        import psycopg

        kwargs = dict(
            host=params["host"],
            port=params["port"] or 5432,
            user=params["username"] or None,
            password=params["password"] or None,
            connect_timeout=10,
        )
        dbname = params["database"]
        with psycopg.connect(dbname="postgres", autocommit=True, **kwargs) as admin:
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,))
            if not exists.fetchone():
                admin.execute(f'CREATE DATABASE "{dbname}"')
        self.conn = psycopg.connect(dbname=dbname, **kwargs)

    def fk_sql(self, table: str) -> list[str]:
        return []  # added after the load (finish): checking FKs row by row slows COPY down

    def reset(self) -> None:
        for table in reversed(self.tables):
            self.conn.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
        for table in self.tables:
            self.conn.execute(self.create_sql(table))

    def insert(self, table: str, rows: list[tuple]) -> None:
        with self.conn.cursor() as cur, cur.copy(f"COPY {table} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def finish(self) -> None:
        for table in self.tables:
            for clause in Writer.fk_sql(self, table):
                self.conn.execute(f"ALTER TABLE {table} ADD {clause}")
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()


class MySQLWriter(Writer):
    types = {
        "int": "INT",
        "text": "VARCHAR(200)",
        "money": "DECIMAL(10,2)",
        "date": "DATE",
        "timestamp": "DATETIME",
        "bool": "BOOLEAN",
    }

    def __init__(self, params: dict, tables: Tables):
        self.tables = tables
        import MySQLdb

        kwargs = dict(
            host=params["host"],
            port=params["port"] or 3306,
            user=params["username"] or "root",
            passwd=params["password"] or "",
            charset="utf8mb4",
            connect_timeout=10,
        )
        dbname = params["database"]
        self.conn = MySQLdb.connect(**kwargs)
        cur = self.conn.cursor()
        cur.execute(
            f"CREATE DATABASE IF NOT EXISTS `{dbname}` CHARACTER SET utf8mb4 "
            "COLLATE utf8mb4_unicode_ci"
        )
        cur.execute(f"USE `{dbname}`")
        # FKs are declared but not checked during the load (the generator guarantees them);
        # InnoDB would otherwise look up the parent of every child row.
        cur.execute("SET foreign_key_checks = 0")

    def reset(self) -> None:
        cur = self.conn.cursor()
        for table in reversed(self.tables):
            cur.execute(f"DROP TABLE IF EXISTS {table}")
        for table in self.tables:
            cur.execute(self.create_sql(table) + " ENGINE=InnoDB")

    def insert(self, table: str, rows: list[tuple]) -> None:
        marks = ", ".join(["%s"] * len(self.tables[table]))
        # MySQLdb turns executemany on INSERT ... VALUES into multi-row INSERT statements.
        self.conn.cursor().executemany(f"INSERT INTO {table} VALUES ({marks})", rows)

    def finish(self) -> None:
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()


class ClickHouseWriter(Writer):
    types = {
        "int": "Int32",
        "text": "String",
        "money": "Decimal(10,2)",
        "date": "Date",
        "timestamp": "DateTime",
        "bool": "UInt8",
    }

    def __init__(self, params: dict, tables: Tables):
        self.tables = tables
        from clickhouse_driver import Client

        dbname = params["database"]
        kwargs = dict(
            host=params["host"],
            port=params["port"] or 9000,
            user=params["username"] or "default",
            password=params["password"] or "",
            connect_timeout=10,
        )
        Client(database="default", **kwargs).execute(f"CREATE DATABASE IF NOT EXISTS `{dbname}`")
        self.client = Client(database=dbname, **kwargs)

    def column_sql(self, col) -> str:
        kind = self.types[col.type]
        return f"{col.name} {f'Nullable({kind})' if col.nullable else kind}"

    def fk_sql(self, table: str) -> list[str]:
        return []  # ClickHouse has no foreign keys

    def create_sql(self, table: str) -> str:
        return super().create_sql(table) + " ENGINE = MergeTree ORDER BY id"

    def reset(self) -> None:
        for table in self.tables:
            self.client.execute(f"DROP TABLE IF EXISTS {table}")
            self.client.execute(self.create_sql(table))

    def insert(self, table: str, rows: list[tuple]) -> None:
        names = ", ".join(c.name for c in self.tables[table])
        flags = [i for i, c in enumerate(self.tables[table]) if c.type == "bool"]
        if flags:  # UInt8 columns: send 0/1, not bools
            rows = [
                tuple(int(v) if i in flags and v is not None else v for i, v in enumerate(row))
                for row in rows
            ]
        self.client.execute(f"INSERT INTO {table} ({names}) VALUES", rows)

    def close(self) -> None:
        self.client.disconnect()


def writer_for(params: dict, tables: Tables) -> Writer:
    """A writer for parsed URL fields (see connections.connection_url.parse_connection_url);
    a server URL must name its database."""
    kind = params["kind"]
    if kind == "sqlite":
        return SQLiteWriter(params["database"], tables)
    writers = {"postgresql": PostgreSQLWriter, "mysql": MySQLWriter, "clickhouse": ClickHouseWriter}
    return writers[kind](params, tables)

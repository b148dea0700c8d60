"""Real database servers for tests (a pytest plugin, loaded from tests/conftest.py).

Coordinates come from the environment, defaulting to the loopback servers that
scripts/ensure-test-services.sh provides:

    TEST_PG_ADMIN_URL      postgresql://postgres@127.0.0.1:5432/postgres
    TEST_MYSQL_ADMIN_URL   mysql://root@127.0.0.1:3306/
    TEST_CLICKHOUSE_URL    clickhouse://default@127.0.0.1:9000/default
    TEST_REDIS_URL         redis://127.0.0.1:6379/15

Scratch databases and Chinook copies are created once per test session under names that
carry the process id, so parallel runs (xdist workers, two checkouts) never collide, and
they are dropped at the end. Servers that are down fail the tests that need them loudly:
a skipped engine would hide a broken product. Anything else a test needs from the machine (a
tool, a script, a shared system database) goes through `missing()`: a skip on a developer's
machine, a failure in CI (`CI=true`), where a skip would let a suite that did not run pass.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn
from urllib.parse import unquote, urlsplit

import pytest

from connections.dialects import ConnectionParams

CHINOOK = Path(__file__).parent / "datasets" / "chinook"
SUFFIX = f"{os.getpid()}"

# Accounts created by scripts/ensure-test-services.sh.
PG_PASSWORD_USER = ("datachat_pw", "datachat-secret")
MYSQL_PASSWORD_USER = ("datachat_test", "datachat-secret")
CLICKHOUSE_PASSWORD_USER = ("datachat", "datachat-secret")
CLICKHOUSE_READONLY_USER = ("ch_readonly", "datachat-secret")
# Least-privileged accounts: PostgreSQL's reads what a test grants it; MariaDB's reads the
# datachat_test_* and chinook_test_* databases.
PG_READONLY_USER = ("datachat_ro", "datachat-secret")
MYSQL_READONLY_USER = ("datachat_ro", "datachat-secret")


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    username: str
    password: str
    database: str

    @classmethod
    def from_url(cls, url: str, default_port: int) -> Server:
        parts = urlsplit(url)
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or default_port,
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            database=parts.path.lstrip("/"),
        )

    def params(self, kind: str, **overrides) -> ConnectionParams:
        fields = {
            "kind": kind,
            "host": self.host,
            "port": self.port,
            "database": self.database,
            "username": self.username,
            "password": self.password,
            # These are the servers' admin accounts, which DataChat refuses unless an admin
            # allows them; tests/security checks the refusal with allow_privileged=False.
            "allow_privileged": True,
        }
        fields.update(overrides)
        if isinstance(fields.get("options"), dict):
            fields["options"] = tuple(sorted(fields["options"].items()))
        return ConnectionParams(**fields)


@dataclass(frozen=True)
class Dataset:
    name: str
    params: ConnectionParams


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def missing(reason: str) -> NoReturn:
    """Something this test needs is missing from the machine (not a property of the thing under
    test): skip locally, fail in CI."""
    if in_ci():
        pytest.fail(f"missing in CI: {reason}", pytrace=False)
    pytest.skip(reason)


# -- coordinates ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server() -> Server:
    url = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    return Server.from_url(url, 5432)


@pytest.fixture(scope="session")
def mysql_server() -> Server:
    return Server.from_url(
        os.environ.get("TEST_MYSQL_ADMIN_URL", "mysql://root@127.0.0.1:3306/"), 3306
    )


@pytest.fixture(scope="session")
def clickhouse_server() -> Server:
    url = os.environ.get("TEST_CLICKHOUSE_URL", "clickhouse://default@127.0.0.1:9000/default")
    return Server.from_url(url, 9000)


@pytest.fixture(scope="session")
def redis_url() -> str:
    return os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


# -- admin connections (for setting up and inspecting, never through our engines) ---------


@pytest.fixture(scope="session")
def pg_admin(pg_server):
    import psycopg

    def connect(database: str | None = None):
        return psycopg.connect(
            host=pg_server.host,
            port=pg_server.port,
            user=pg_server.username,
            password=pg_server.password or None,
            dbname=database or pg_server.database or "postgres",
            autocommit=True,
            connect_timeout=5,
        )

    return connect


@pytest.fixture(scope="session")
def mysql_admin(mysql_server):
    import MySQLdb

    def connect(database: str | None = None):
        kwargs = {
            "host": mysql_server.host,
            "port": mysql_server.port,
            "user": mysql_server.username,
            "password": mysql_server.password,
            "connect_timeout": 5,
            "charset": "utf8mb4",
            "autocommit": True,
        }
        if database:
            kwargs["database"] = database
        return MySQLdb.connect(**kwargs)

    return connect


@pytest.fixture(scope="session")
def clickhouse_admin(clickhouse_server):
    from clickhouse_driver import Client

    return Client(
        host=clickhouse_server.host,
        port=clickhouse_server.port,
        user=clickhouse_server.username or "default",
        password=clickhouse_server.password,
        connect_timeout=5,
    )


# -- scratch databases ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_database(pg_admin):
    """An empty PostgreSQL database of this session; yields its name."""
    name = f"datachat_test_{SUFFIX}"
    with pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
        # The password account used by wrong-password and pool tests may read it.
        conn.execute(f'GRANT ALL ON DATABASE "{name}" TO PUBLIC')
    yield name
    with pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def mysql_database(mysql_admin):
    name = f"datachat_test_{SUFFIX}"
    conn = mysql_admin()
    conn.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
    conn.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    yield name
    conn = mysql_admin()
    conn.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
    conn.close()


@pytest.fixture(scope="session")
def clickhouse_database(clickhouse_admin):
    name = f"datachat_test_{SUFFIX}"
    clickhouse_admin.execute(f"DROP DATABASE IF EXISTS `{name}`")
    clickhouse_admin.execute(f"CREATE DATABASE `{name}`")
    yield name
    clickhouse_admin.execute(f"DROP DATABASE IF EXISTS `{name}`")
    clickhouse_admin.disconnect()


@pytest.fixture(scope="session")
def sqlite_database(tmp_path_factory) -> Path:
    """A small SQLite file with one table `items` (id, name, price)."""
    path = tmp_path_factory.mktemp("sqlite") / "scratch.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, price REAL)")
        conn.executemany(
            "INSERT INTO items VALUES (?, ?, ?)", [(1, "tea", 2.5), (2, "Ünïcødé 北京", None)]
        )
    conn.close()
    return path


# -- ConnectionParams factories ----------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_params(pg_server, pg_database):
    """pg_params(**overrides) -> ConnectionParams for the scratch database (admin account)."""
    return lambda **overrides: pg_server.params(
        "postgresql", **{"database": pg_database, **overrides}
    )


@pytest.fixture(scope="session")
def mysql_params(mysql_server, mysql_database):
    return lambda **overrides: mysql_server.params(
        "mysql", **{"database": mysql_database, **overrides}
    )


@pytest.fixture(scope="session")
def clickhouse_params(clickhouse_server, clickhouse_database):
    return lambda **overrides: clickhouse_server.params(
        "clickhouse", **{"database": clickhouse_database, **overrides}
    )


@pytest.fixture(scope="session")
def sqlite_params(sqlite_database):
    return lambda **overrides: ConnectionParams(
        **{"kind": "sqlite", "database": str(sqlite_database), **overrides}
    )


# -- Chinook in every engine (loaded once per session) ----------------------------------------


def _run(cmd: list[str], script: str, env: dict | None = None) -> None:
    done = subprocess.run(
        cmd,
        input=script.encode(),
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )
    if done.returncode:
        raise RuntimeError(f"{cmd[0]} failed: {done.stderr.decode(errors='replace')[-2000:]}")


@pytest.fixture(scope="session")
def chinook_pg(pg_server, pg_admin) -> Dataset:
    name = f"chinook_test_{SUFFIX}"
    with pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    lines = (
        (CHINOOK / "Chinook_PostgreSql.sql").read_text(encoding="utf-8").splitlines(keepends=True)
    )
    # Lines 1-28 drop and create a database named chinook and \c into it; we load into ours.
    assert lines[27].startswith("\\c chinook"), "Chinook_PostgreSql.sql layout changed"
    _run(
        [
            "psql",
            "-q",
            "-X",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            pg_server.host,
            "-p",
            str(pg_server.port),
            "-U",
            pg_server.username,
            "-d",
            name,
        ],
        "".join(lines[28:]),
        env={"PGPASSWORD": pg_server.password} if pg_server.password else None,
    )
    yield Dataset(name, pg_server.params("postgresql", database=name))
    with pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def chinook_mysql(mysql_server, mysql_admin) -> Dataset:
    name = f"chinook_test_{SUFFIX}"
    script = (CHINOOK / "Chinook_MySql.sql").read_text(encoding="utf-8")
    # The script drops, creates and USEs `Chinook`; point all three at our own name.
    head, _, body = script.partition("USE `Chinook`;")
    assert body, "Chinook_MySql.sql layout changed"
    head = head.replace("`Chinook`", f"`{name}`")
    _run(
        [
            "mariadb",
            "--default-character-set=utf8mb4",
            "-h",
            mysql_server.host,
            "-P",
            str(mysql_server.port),
            "-u",
            mysql_server.username,
        ],
        f"{head}USE `{name}`;{body}",
        env={"MYSQL_PWD": mysql_server.password} if mysql_server.password else None,
    )
    yield Dataset(name, mysql_server.params("mysql", database=name))
    conn = mysql_admin()
    conn.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
    conn.close()


@pytest.fixture(scope="session")
def chinook_sqlite(tmp_path_factory) -> Dataset:
    path = tmp_path_factory.mktemp("chinook") / "chinook.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript((CHINOOK / "Chinook_Sqlite.sql").read_text(encoding="utf-8"))
    conn.close()
    return Dataset("chinook", ConnectionParams(kind="sqlite", database=str(path)))


# -- registry rows --------------------------------------------------------------------------------


@pytest.fixture
def make_connection(db):
    """make_connection(params, name=None, **fields) -> a saved connections.models.Connection.

    The suite reaches its servers with their admin accounts, so rows are made with the
    privileged-account override on (as an admin would tick it) unless a test passes
    allow_privileged=False; tests/security checks the refusal and the least-privileged path."""
    created = []

    def make(params: ConnectionParams, name: str | None = None, **fields):
        connection = create_connection(
            params, name or f"{params.kind}-{len(created) + 1}", **fields
        )
        created.append(connection)
        return connection

    yield make
    from connections.dialects import retire_engine

    for connection in created:  # close the pools their engines opened
        retire_engine(str(connection.id))


def create_connection(params: ConnectionParams, name: str, **fields):
    """A saved connections.models.Connection for `params` (see make_connection)."""
    from connections.models import Connection

    return Connection.objects.create(
        name=name,
        kind=params.kind,
        host=params.host,
        port=params.port,
        database=params.database,
        username=params.username,
        password=params.password,
        options=dict(params.options),
        **{"allow_privileged": True, **fields},
    )


def committed(django_db_blocker, build):
    """Data a module's tests share, made once: `yield from committed(django_db_blocker, build)`
    in a module-scoped fixture yields `build()`.

    What build() makes is committed to the test system database. Each test still runs in a
    transaction rolled back at its end (pytest.mark.django_db, not transaction=True: a
    transactional test empties the database when it ends), so what one test changes is undone
    before the next and every test starts from what build() made. At the end of the module the
    database is emptied as after a transactional test (`flush`), and the engines of the
    connections made are closed."""
    from django.core.management import call_command
    from django.test import override_settings

    from connections import crypto
    from connections.dialects import retire_engine
    from connections.models import Connection
    from tests.conftest import TEST_CREDENTIALS_KEY

    def empty() -> None:
        for pk in Connection.objects.values_list("pk", flat=True):
            retire_engine(str(pk))
        call_command("flush", interactive=False, verbosity=0)

    with django_db_blocker.unblock():
        try:
            with override_settings(DATABASE_CREDENTIALS_KEY=TEST_CREDENTIALS_KEY):
                crypto.reset_key_cache()
                data = build()
        except BaseException:
            empty()
            raise
        finally:
            crypto.reset_key_cache()
    try:
        yield data
    finally:
        with django_db_blocker.unblock():
            empty()


def assert_secret_absent(secret: str, *things) -> None:
    """No message, repr or chained cause of an error may carry the password."""
    for thing in things:
        texts = [str(thing), repr(thing), getattr(thing, "message", "") or ""]
        if isinstance(thing, BaseException):
            # `raise ... from None`: the driver's exception (maybe quoting a DSN) is not chained.
            assert thing.__cause__ is None and thing.__suppress_context__
        for text in texts:
            assert secret not in text


# -- a real Celery worker ---------------------------------------------------------------------


def system_database_url() -> str:
    """The URL of the test system database, for a worker process to share it."""
    from django.db import connection as db

    s = db.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def needs_shared_system_database() -> None:
    from django.db import connection as db

    if db.vendor != "postgresql":
        missing("the worker process needs a shared system database (PostgreSQL, as make test uses)")


class _CeleryProcess:
    """`celery -A datachat <command()>` in a subprocess with `_env`, as a context manager;
    `output` holds its log afterwards."""

    _env: dict[str, str]
    output = ""

    def command(self) -> list[str]:
        raise NotImplementedError

    def __enter__(self):
        self._process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "datachat", *self.command()],
            cwd=Path(__file__).resolve().parents[1],
            env=self._env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        return self

    def __exit__(self, *exc_info) -> None:
        self._process.terminate()
        self.output = self._process.communicate(timeout=30)[0]


class CeleryWorker(_CeleryProcess):
    """`celery -A datachat worker` in a subprocess, reading only its own queue, on Redis and on
    this test's system database. Use as a context manager; `output` holds its log afterwards."""

    def __init__(self, redis_url: str, data_dir: Path, **env: str):
        from tests.conftest import TEST_CREDENTIALS_KEY

        self.queue = f"test-{os.getpid()}-{time.monotonic_ns()}"
        self._env = {
            **os.environ,
            "DATABASE_URL": system_database_url(),
            "REDIS_URL": redis_url,
            "DATABASE_CREDENTIALS_KEY": TEST_CREDENTIALS_KEY,
            "DATACHAT_DATA_DIR": str(data_dir),
            **env,
        }

    def command(self) -> list[str]:
        return [
            "worker",
            "--pool=solo",
            "-Q",
            self.queue,
            "--without-gossip",
            "--without-mingle",
            "-l",
            "info",
        ]


class CeleryBeat(_CeleryProcess):
    """`celery -A datachat beat` in a subprocess with a worker's environment (same Redis,
    system database and settings), its schedule file under `data_dir`."""

    def __init__(self, worker: CeleryWorker, data_dir: Path):
        self._env, self._dir = worker._env, data_dir

    def command(self) -> list[str]:
        return ["beat", "-l", "info", "--schedule", str(self._dir / "beat-schedule"), "--pidfile="]

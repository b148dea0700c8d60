"""The session alone holds: attacks sent straight to each dialect's execute(), which nothing in
the product calls without the guard, on the real servers (they run on this machine, so the
files an attack tries to write are looked for on disk).

Each engine is tried with a least-privileged account (PostgreSQL and MariaDB `datachat_ro`,
ClickHouse `ch_readonly`, profile readonly=1) and with the privileged account an admin might
register with the override on (postgres, root, default). Before and after every attack the
test reads the real state from a separate admin connection: table checksums, relations,
sequence, roles and grants, server variables, a victim session, files on disk, locks, and
queries still running.

What holds, measured on PostgreSQL 15, MariaDB 10.11 and ClickHouse 18.16:

    what                 least-privileged account       privileged account
    no write             read-only session + grants     read-only session
    nothing left held    clean return to the pool       clean return to the pool
    time bounded         statement timeout / deadline   statement timeout / deadline
    rows bounded         streamed fetch, capped         streamed fetch, capped
    no file read         grants                         guard only
    no file write        grants                         guard only
    no secret            grants                         guard only
    no admin command     grants                         guard only

"Guard only": with a privileged account the session does not stop these, and the attacks are
not sent. A PostgreSQL superuser in a read-only transaction still reads any file
(pg_read_file, lo_import), writes files and runs programs (COPY ... TO '/path' or TO PROGRAM),
reads pg_authid / pg_shadow, reloads the configuration and runs CHECKPOINT. MariaDB root
still reads files (LOAD_FILE), writes them (INTO OUTFILE / DUMPFILE), reads mysql.user and
mysql.global_priv, and runs SET GLOBAL and FLUSH. Only the guard or a least-privileged account
stops them; that is why a privileged account needs the override.

ClickHouse's readonly=1 (the ch_readonly profile, or sent per query to `default`) refuses
writes, DDL, SET, SYSTEM and every table function (file, url, mysql, remote), so there both
accounts hold everything; INTO OUTFILE is a client-side clause the driver does not act on.
ClickHouse 18.16 has no SQL-visible password store (no system.users): nothing secret to try.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from connections.dialects import ConnectorError, Dialect
from connections.dialects.base import QueryResult
from connections.dialects.clickhouse import ClickHouse
from connections.dialects.mysql import MySQL
from connections.dialects.postgresql import PostgreSQL
from tests.servers import (
    CLICKHOUSE_READONLY_USER,
    MYSQL_READONLY_USER,
    PG_READONLY_USER,
    SUFFIX,
)

LEAST, PRIVILEGED = "least-privileged", "privileged"
MAX_ROWS = 100
TIMEOUT = 1.0  # for the time and lock attacks; the others get 5 s
SLACK = 2.0  # seconds past TIMEOUT a runaway may take to be stopped and reported
# What the session holds for a privileged account (see the module docstring).
SESSION_HOLDS = {"write", "held", "time", "rows"}

SECRET = f"datachat-alone-secret-{secrets.token_hex(8)}"
NAMES = {
    "out": f"/tmp/datachat-alone-{SUFFIX}-out",  # any server user may write in /tmp
    "secret_file": f"/tmp/datachat-alone-{SUFFIX}-secret.txt",
    "key": 7_300_000 + int(SUFFIX) % 100_000,  # advisory lock key
    "lock": f"datachat_alone_{SUFFIX}",  # GET_LOCK name
    "evil": f"dc_alone_evil_{SUFFIX}",  # a role/user/database an attack would create
    "victim": f"dc_alone_victim_{SUFFIX}",  # a role/user an attack would promote
    "marker": f"alone_{SUFFIX}",  # ties a ClickHouse query to this test in system.processes
}

# (category, statements): the statements run in order on one pooled connection (pool of one),
# so a statement that loosens the session is followed by what it would have let through.
ATTACKS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "postgresql": [
        ("write", ("INSERT INTO canary VALUES (99, 'x')",)),
        ("write", ("UPDATE canary SET body = 'x'",)),
        ("write", ("DELETE FROM canary",)),
        ("write", ("TRUNCATE canary",)),
        ("write", ("CREATE TABLE hijack (a int)",)),
        ("write", ("DROP TABLE canary",)),
        ("write", ("ALTER TABLE canary ADD COLUMN c int",)),
        ("write", ("GRANT ALL ON canary TO PUBLIC",)),
        ("write", ("WITH d AS (DELETE FROM canary RETURNING *) SELECT * FROM d",)),
        ("write", ("COMMIT; INSERT INTO canary VALUES (98, 'x')",)),
        ("write", ("SELECT 1; COMMIT; BEGIN READ WRITE; DELETE FROM canary",)),
        ("write", ("COMMIT", "DELETE FROM canary")),
        (
            "write",
            (
                "SELECT set_config('default_transaction_read_only', 'off', false)",
                "DELETE FROM canary",
            ),
        ),
        ("write", ("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE", "DELETE FROM canary")),
        ("write", ("SELECT query_to_xml('DELETE FROM canary RETURNING 1', true, true, '')",)),
        (
            "write",
            (
                "SELECT * FROM ts_stat('WITH d AS (DELETE FROM canary RETURNING body) SELECT to_tsvector(body) FROM d')",
            ),
        ),
        ("write", ("SELECT nextval('canary_seq')",)),
        ("write", ("CREATE ROLE {evil} SUPERUSER LOGIN",)),
        ("write", ("ALTER ROLE {victim} SUPERUSER",)),
        ("write", ("CREATE EXTENSION IF NOT EXISTS dblink",)),
        ("write", ("COPY canary FROM '{secret_file}'",)),
        ("write", ("CREATE TEMP TABLE canary AS SELECT 1 AS id, 'fake' AS body",)),
        ("file_read", ("SELECT pg_read_file('{secret_file}')",)),
        ("file_read", ("SELECT pg_read_binary_file('{secret_file}')",)),
        ("file_read", ("SELECT lo_get(lo_import('{secret_file}'))",)),
        ("file_read", ("SELECT pg_ls_dir('/tmp')",)),
        ("file_write", ("COPY (SELECT 'x') TO '{out}'",)),
        ("file_write", ("COPY (SELECT 'x') TO PROGRAM 'touch {out}'",)),
        ("file_write", ("SELECT lo_export(lo_from_bytea(0, 'x'), '{out}')",)),
        ("secret", ("SELECT rolname, rolpassword FROM pg_authid",)),
        ("secret", ("SELECT usename, passwd FROM pg_shadow",)),
        ("secret", ("SELECT table_to_xml('pg_authid', true, false, '')",)),
        ("secret", ("SELECT * FROM pg_hba_file_rules",)),
        ("secret", ("SELECT * FROM pg_file_settings",)),
        ("admin", ("SELECT pg_terminate_backend({victim_session})",)),
        ("admin", ("SELECT pg_cancel_backend({victim_session})",)),
        ("admin", ("SELECT pg_reload_conf()",)),
        ("admin", ("CHECKPOINT",)),
        ("admin", ("ALTER SYSTEM SET work_mem = '1MB'",)),
        ("admin", ("SET ROLE postgres", "DELETE FROM canary")),
        ("admin", ("SET SESSION AUTHORIZATION postgres",)),
        ("admin", ("LOAD 'auto_explain'",)),
        ("held", ("SELECT pg_advisory_lock({key})",)),
        ("held", ("SELECT pg_advisory_lock_shared({key})",)),
        ("held", ("SELECT pg_advisory_lock({key}), 1 / 0",)),
        ("held", ("SELECT pg_advisory_lock({key}), pg_sleep(10)",)),
        ("held", ("LOCK TABLE canary IN ACCESS EXCLUSIVE MODE",)),
        ("held", ("SELECT * FROM canary FOR SHARE",)),
        ("time", ("SELECT pg_sleep(60)",)),
        ("time", ("SELECT count(*) FROM generate_series(1, 10000000000)",)),
        (
            "time",
            (
                "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT count(*) FROM r",
            ),
        ),
        ("time", ("DO $$BEGIN PERFORM pg_sleep(60); END$$",)),
        (
            "rows",
            ("SELECT a.x FROM generate_series(1, 100000) a(x), generate_series(1, 100000) b(y)",),
        ),
        ("rows", ("SELECT c.* FROM canary c, canary d, canary e, canary f",)),
    ],
    "mysql": [
        ("write", ("INSERT INTO canary VALUES (99, 'x')",)),
        ("write", ("UPDATE canary SET body = 'x'",)),
        ("write", ("DELETE FROM canary",)),
        ("write", ("REPLACE INTO canary VALUES (1, 'x')",)),
        ("write", ("TRUNCATE canary",)),
        ("write", ("CREATE TABLE hijack (a int)",)),
        ("write", ("DROP TABLE canary",)),
        ("write", ("ALTER TABLE canary ADD COLUMN c int",)),
        ("write", ("RENAME TABLE canary TO renamed",)),
        ("write", ("CREATE DATABASE {evil}",)),
        ("write", ("CREATE TEMPORARY TABLE canary (id int, body text)",)),
        ("write", ("SELECT 1; DELETE FROM canary",)),
        ("write", ("COMMIT", "DELETE FROM canary")),
        ("write", ("SET SESSION TRANSACTION READ WRITE", "DELETE FROM canary")),
        ("write", ("SET autocommit = 1", "DELETE FROM canary")),
        ("write", ("PREPARE s FROM 'DELETE FROM canary'", "EXECUTE s")),
        ("write", ("LOAD DATA INFILE '{secret_file}' INTO TABLE canary",)),
        ("write", ("LOAD DATA LOCAL INFILE '{secret_file}' INTO TABLE canary",)),
        ("write", ("CREATE PROCEDURE wipe() DELETE FROM canary",)),
        ("write", ("CREATE EVENT wipe ON SCHEDULE EVERY 1 DAY DO DELETE FROM canary",)),
        ("write", ("CREATE TRIGGER wipe BEFORE INSERT ON canary FOR EACH ROW SET NEW.body = 'x'",)),
        ("write", ("CREATE USER '{evil}'@'%'",)),
        ("write", ("GRANT ALL ON *.* TO '{victim}'@'127.0.0.1'",)),
        ("write", ("SET PASSWORD FOR '{victim}'@'127.0.0.1' = PASSWORD('x')",)),
        ("file_read", ("SELECT LOAD_FILE('{secret_file}')",)),
        ("file_read", ("SELECT CONVERT(LOAD_FILE('{secret_file}') USING utf8mb4)",)),
        ("file_write", ("SELECT * FROM canary INTO OUTFILE '{out}'",)),
        ("file_write", ("SELECT body FROM canary LIMIT 1 INTO DUMPFILE '{out}'",)),
        ("file_write", ("SELECT 'x' INTO OUTFILE '{out}'",)),
        ("secret", ("SELECT user, host, password, authentication_string FROM mysql.user",)),
        ("secret", ("SELECT * FROM mysql.global_priv",)),
        ("secret", ("SHOW GRANTS FOR 'root'@'localhost'",)),
        ("secret", ("SHOW CREATE USER 'root'@'localhost'",)),
        ("admin", ("SET GLOBAL max_connections = 999",)),
        ("admin", ("SET GLOBAL read_only = 1",)),
        ("admin", ("SET GLOBAL general_log = 1",)),
        ("admin", ("FLUSH PRIVILEGES",)),
        ("admin", ("FLUSH TABLES",)),
        ("admin", ("KILL {victim_session}",)),
        ("admin", ("INSTALL SONAME 'ha_blackhole'",)),
        ("held", ("SELECT GET_LOCK('{lock}', 0)",)),
        ("held", ("SELECT GET_LOCK('{lock}', 0), SLEEP(10)",)),
        ("held", ("HANDLER canary OPEN",)),
        ("held", ("LOCK TABLES canary READ",)),
        ("held", ("SELECT * FROM canary LOCK IN SHARE MODE",)),
        ("held", ("SELECT * FROM canary FOR UPDATE",)),
        ("time", ("SELECT SLEEP(60)",)),
        ("time", ("SELECT BENCHMARK(10000000000, MD5('x'))",)),
        ("time", ("SELECT count(*) FROM seq_1_to_1000000 a, seq_1_to_1000000 b",)),
        ("rows", ("SELECT a.seq FROM seq_1_to_1000000 a, seq_1_to_1000000 b",)),
        ("rows", ("SELECT c.* FROM canary c, canary d, canary e, canary f",)),
    ],
    "clickhouse": [
        ("write", ("INSERT INTO canary VALUES (99, 'x')",)),
        ("write", ("ALTER TABLE canary DELETE WHERE 1",)),
        ("write", ("ALTER TABLE canary UPDATE body = 'x' WHERE 1",)),
        ("write", ("TRUNCATE TABLE canary",)),
        ("write", ("CREATE TABLE hijack (a Int8) ENGINE = Memory",)),
        ("write", ("DROP TABLE canary",)),
        ("write", ("RENAME TABLE canary TO renamed",)),
        ("write", ("DETACH TABLE canary",)),
        ("write", ("OPTIMIZE TABLE canary FINAL",)),
        ("write", ("CREATE DATABASE {evil}",)),
        ("write", ("CREATE TEMPORARY TABLE canary (id Int32, body String)",)),
        ("write", ("SET readonly = 0", "INSERT INTO canary VALUES (98, 'x')")),
        ("write", ("SELECT 1; INSERT INTO canary VALUES (97, 'x')",)),
        ("file_read", ("SELECT * FROM file('{user_file}', 'TSV', 'line String')",)),
        ("file_read", ("SELECT * FROM file('{user_file_path}', 'TSV', 'line String')",)),
        (
            "file_read",
            ("SELECT * FROM url('http://127.0.0.1:8123/?query=SELECT+1', 'TSV', 'a String')",),
        ),
        ("file_read", ("SELECT * FROM mysql('127.0.0.1:3306', 'mysql', 'user', 'root', '')",)),
        ("file_read", ("SELECT * FROM remote('127.0.0.1', system.one)",)),
        ("file_write", ("INSERT INTO FUNCTION file('{out}', 'TSV', 'a String') VALUES ('x')",)),
        ("file_write", ("SELECT 1 INTO OUTFILE '{out}'",)),
        ("admin", ("SYSTEM RELOAD CONFIG",)),
        ("admin", ("SYSTEM DROP DNS CACHE",)),
        ("admin", ("SYSTEM STOP MERGES",)),
        ("time", ("SELECT count() FROM system.numbers WHERE '{marker}' != ''",)),
        ("time", ("SELECT sum(number) FROM system.numbers WHERE number % 7 != '{marker}' = ''",)),
        ("rows", ("SELECT number FROM system.numbers WHERE '{marker}' != ''",)),
        (
            "rows",
            (
                "SELECT number FROM system.numbers WHERE (number < 200 OR number > 1e15) AND '{marker}' != ''",
            ),
        ),
    ],
}


@dataclass
class Lab:
    """One engine's server made ready for the attacks, and how to look at it from outside."""

    engines: dict[str, Dialect]
    state: Callable[[], dict]  # everything an attack must not change
    held: Callable[[], list]  # locks and open transactions left behind: [] when clean
    running: Callable[[], list]  # queries of the engines still running on the server
    names: dict = field(default_factory=dict)


def cases(kind: str) -> list:
    """Every attack with the least-privileged account; with the privileged one only what the
    session itself must hold (everything on ClickHouse, where readonly=1 holds alike)."""
    params = []
    for index, (category, statements) in enumerate(ATTACKS[kind]):
        label = f"{index:02d}-{category}-{statements[-1][:40]}"
        params.append(pytest.param(LEAST, category, statements, id=f"{LEAST}-{label}"))
        if kind == "clickhouse" or category in SESSION_HOLDS:
            params.append(
                pytest.param(PRIVILEGED, category, statements, id=f"{PRIVILEGED}-{label}")
            )
    return params


def attack(lab: Lab, account: str, category: str, statements: tuple[str, ...]) -> None:
    out = Path(lab.names["out"])
    out.unlink(missing_ok=True)
    engine = lab.engines[account]
    timeout = TIMEOUT if category in ("time", "held") else 5.0
    before = lab.state()
    outcomes: list[tuple[QueryResult | ConnectorError, float]] = []
    try:
        for sql in statements:
            started = time.monotonic()
            try:
                outcome = engine.execute(
                    sql.format(**lab.names), max_rows=MAX_ROWS, timeout=timeout
                )
            except ConnectorError as exc:
                outcome = exc
            outcomes.append((outcome, time.monotonic() - started))
        last, elapsed = outcomes[-1]

        # Whatever the attack, nothing changed, nothing was written, nothing is held.
        assert lab.state() == before
        assert not out.exists(), f"the server wrote {out}"
        assert settled(lab.held) == []
        assert settled(lab.running) == []

        if category in ("write", "admin"):
            assert isinstance(last, ConnectorError), last
        elif category == "secret":
            assert all(isinstance(o, ConnectorError) for o, _ in outcomes), outcomes
        elif category == "file_read":
            for outcome, _ in outcomes:
                text = repr(outcome.rows) if isinstance(outcome, QueryResult) else str(outcome)
                assert SECRET not in text and Path(lab.names["secret_file"]).name not in text
        elif category == "time":
            assert elapsed < TIMEOUT + SLACK, f"ran {elapsed:.1f} s"
        elif category == "rows":
            assert isinstance(last, QueryResult), last
            assert last.truncated and len(last.rows) == MAX_ROWS and elapsed < 5
    finally:
        out.unlink(missing_ok=True)


def settled(look: Callable[[], list], seconds: float = 1.0) -> list:
    """What `look` reports once the server had `seconds` to finish stopping a query."""
    deadline = time.monotonic() + seconds
    while (found := look()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


@pytest.fixture(scope="module")
def secret_file():
    path = Path(NAMES["secret_file"])
    path.write_text(f"{SECRET}\n")
    path.chmod(0o644)  # readable by the servers' own users, as a config file would be
    yield path
    path.unlink(missing_ok=True)


# -- PostgreSQL --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg_lab(pg_server, pg_admin, secret_file):
    import psycopg

    database = f"datachat_alone_{SUFFIX}"
    reader = PG_READONLY_USER[0]
    with pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
        for role in (NAMES["victim"], NAMES["evil"]):
            conn.execute(f"DROP ROLE IF EXISTS {role}")
        conn.execute(f"CREATE ROLE {NAMES['victim']} NOLOGIN")
    with pg_admin(database) as conn:
        conn.execute("CREATE TABLE canary (id integer PRIMARY KEY, body text)")
        conn.execute("INSERT INTO canary SELECT i, md5(i::text) FROM generate_series(1, 50) i")
        conn.execute("CREATE SEQUENCE canary_seq")
        conn.execute(f"GRANT SELECT ON canary TO {reader}")
        conn.execute(f"GRANT USAGE ON canary_seq TO {reader}")  # nextval is left to the session
    # A superuser session of someone else, which attacks try to end.
    victim = psycopg.connect(
        host=pg_server.host,
        port=pg_server.port,
        user=pg_server.username,
        password=pg_server.password or None,
        dbname=database,
        application_name="datachat-alone-victim",
        autocommit=True,
    )

    def admin_query(sql: str, params=()) -> list:
        with pg_admin(database) as conn:
            return conn.execute(sql, params).fetchall()

    def state() -> dict:
        return {
            "canary": admin_query(
                "SELECT md5(string_agg(id || ':' || body, ',' ORDER BY id)), count(*) FROM canary"
            ),
            "relations": admin_query(
                "SELECT n.nspname, c.relname, c.relkind, c.relacl::text FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') "
                "AND n.nspname NOT LIKE 'pg_temp%%' AND n.nspname NOT LIKE 'pg_toast_temp%%' "
                "ORDER BY 1, 2"
            ),
            "sequence": admin_query("SELECT last_value, is_called FROM canary_seq"),
            "roles": admin_query(
                "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolcanlogin, rolbypassrls "
                "FROM pg_roles WHERE rolname IN (%s, %s, %s) ORDER BY 1",
                (reader, NAMES["victim"], NAMES["evil"]),
            ),
            "large_objects": admin_query("SELECT count(*) FROM pg_largeobject_metadata"),
            "extensions": admin_query("SELECT extname FROM pg_extension ORDER BY 1"),
            "victim": victim.execute("SELECT 'alive'").fetchall(),
        }

    def held() -> list:
        found = admin_query(
            "SELECT a.usename, l.locktype, l.mode, a.state FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE a.datname = %s AND a.application_name = 'datachat'",
            (database,),
        )
        found += admin_query(
            "SELECT usename, state FROM pg_stat_activity "
            "WHERE datname = %s AND application_name = 'datachat' AND state <> 'idle'",
            (database,),
        )
        with pg_admin(database) as conn, conn.transaction():
            conn.execute("SET LOCAL lock_timeout = '200ms'")
            try:
                conn.execute("LOCK TABLE canary IN ACCESS EXCLUSIVE MODE")
            except psycopg.errors.LockNotAvailable:
                found.append("canary is locked")
        return found

    def running() -> list:
        return admin_query(
            "SELECT usename, query FROM pg_stat_activity "
            "WHERE datname = %s AND application_name = 'datachat' AND state = 'active'",
            (database,),
        )

    engines = {
        LEAST: PostgreSQL(
            pg_server.params(
                "postgresql", database=database, username=reader, password=PG_READONLY_USER[1]
            ),
            pool_max_size=1,
        ),
        PRIVILEGED: PostgreSQL(
            pg_server.params("postgresql", database=database, allow_privileged=True),
            pool_max_size=1,
        ),
    }
    names = {**NAMES, "victim_session": victim.info.backend_pid}
    yield Lab(engines, state, held, running, names)
    for engine in engines.values():
        engine.close()
    victim.close()
    with pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        for role in (NAMES["victim"], NAMES["evil"]):
            conn.execute(f"DROP ROLE IF EXISTS {role}")


@pytest.mark.parametrize("account, category, statements", cases("postgresql"))
def test_postgresql_session_holds(pg_lab, account, category, statements):
    attack(pg_lab, account, category, statements)


def test_postgresql_accounts_are_what_they_claim(pg_lab):
    """The least-privileged account really is one (else the table above proves nothing)."""
    assert not pg_lab.engines[LEAST].privileges().privileged
    assert pg_lab.engines[PRIVILEGED].privileges().privileged


# -- MariaDB -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mysql_lab(mysql_server, mysql_admin, secret_file):
    import MySQLdb

    # datachat_ro may read the databases named datachat_test_* (scripts/ensure-test-services.sh).
    database = f"datachat_test_alone_{SUFFIX}"
    reader = MYSQL_READONLY_USER[0]
    victim_user = f"'{NAMES['victim']}'@'127.0.0.1'"

    def admin_query(sql: str, params=None, conn=None) -> list:
        own = conn is None
        conn = conn or mysql_admin(database)
        try:
            cur = conn.cursor()
            cur.execute(sql, params)
            return list(cur.fetchall())
        finally:
            if own:
                conn.close()

    setup = mysql_admin()
    for sql in (
        f"DROP DATABASE IF EXISTS `{database}`",
        f"DROP DATABASE IF EXISTS `{NAMES['evil']}`",
        f"CREATE DATABASE `{database}`",
        f"CREATE TABLE `{database}`.canary (id int PRIMARY KEY, body text)",
        f"INSERT INTO `{database}`.canary SELECT seq, MD5(seq) FROM `{database}`.seq_1_to_50",
        f"DROP USER IF EXISTS {victim_user}, '{NAMES['evil']}'@'%'",
        f"CREATE USER {victim_user} IDENTIFIED BY 'victim-secret'",
    ):
        admin_query(sql, conn=setup)
    setup.close()
    # A root session of someone else, which attacks try to end.
    victim = mysql_admin()
    watched_globals = "@@global.max_connections, @@global.read_only, @@global.general_log"

    def state() -> dict:
        return {
            "canary": admin_query(
                "SELECT MD5(GROUP_CONCAT(id, ':', body ORDER BY id)), COUNT(*) FROM canary"
            ),
            "tables": admin_query(
                "SELECT table_name, table_type FROM information_schema.tables "
                "WHERE table_schema = %s ORDER BY 1",
                [database],
            ),
            "routines": admin_query(
                "SELECT 'routine', routine_name FROM information_schema.routines "
                "WHERE routine_schema = %s UNION ALL "
                "SELECT 'event', event_name FROM information_schema.events "
                "WHERE event_schema = %s UNION ALL "
                "SELECT 'trigger', trigger_name FROM information_schema.triggers "
                "WHERE trigger_schema = %s",
                [database] * 3,
            ),
            "databases": admin_query("SHOW DATABASES LIKE %s", [NAMES["evil"]]),
            "users": admin_query(
                "SELECT user, host, authentication_string FROM mysql.user "
                "WHERE user IN (%s, %s, %s) ORDER BY 1, 2",
                [reader, NAMES["victim"], NAMES["evil"]],
            ),
            "grants": admin_query(f"SHOW GRANTS FOR {victim_user}")
            + admin_query(f"SHOW GRANTS FOR '{reader}'@'127.0.0.1'"),
            "globals": admin_query(f"SELECT {watched_globals}"),
            "victim": admin_query("SELECT 'alive'", conn=victim),
        }

    def held() -> list:
        found = admin_query("SELECT IS_USED_LOCK(%s)", [NAMES["lock"]])
        found = [row for row in found if row != (None,)]
        conn = mysql_admin(database)
        try:
            admin_query("SET SESSION lock_wait_timeout = 1", conn=conn)
            admin_query("LOCK TABLES canary WRITE", conn=conn)
            admin_query("UNLOCK TABLES", conn=conn)
        except MySQLdb.OperationalError as exc:
            found.append(f"canary is locked: {exc}")
        finally:
            conn.close()
        return found

    def running() -> list:
        return admin_query(
            "SELECT user, info FROM information_schema.processlist "
            "WHERE db = %s AND command = 'Query' AND id <> CONNECTION_ID()",
            [database],
        )

    engines = {
        LEAST: MySQL(
            mysql_server.params(
                "mysql", database=database, username=reader, password=MYSQL_READONLY_USER[1]
            ),
            pool_max_size=1,
        ),
        PRIVILEGED: MySQL(
            mysql_server.params("mysql", database=database, allow_privileged=True),
            pool_max_size=1,
        ),
    }
    names = {**NAMES, "victim_session": victim.thread_id()}
    yield Lab(engines, state, held, running, names)
    for engine in engines.values():
        engine.close()
    victim.close()
    cleanup = mysql_admin()
    for sql in (
        f"DROP DATABASE IF EXISTS `{database}`",
        f"DROP DATABASE IF EXISTS `{NAMES['evil']}`",
        f"DROP USER IF EXISTS {victim_user}, '{NAMES['evil']}'@'%'",
    ):
        admin_query(sql, conn=cleanup)
    cleanup.close()


@pytest.mark.parametrize("account, category, statements", cases("mysql"))
def test_mysql_session_holds(mysql_lab, account, category, statements):
    attack(mysql_lab, account, category, statements)


def test_mysql_accounts_are_what_they_claim(mysql_lab):
    assert not mysql_lab.engines[LEAST].privileges().privileged
    assert mysql_lab.engines[PRIVILEGED].privileges().privileged


# -- ClickHouse --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clickhouse_lab(clickhouse_server, clickhouse_admin, secret_file):
    database = f"datachat_alone_{SUFFIX}"
    admin = clickhouse_admin
    admin.execute(f"DROP DATABASE IF EXISTS `{database}`")
    admin.execute(f"DROP DATABASE IF EXISTS `{NAMES['evil']}`")
    admin.execute(f"CREATE DATABASE `{database}`")
    admin.execute(
        f"CREATE TABLE `{database}`.canary (id Int32, body String) ENGINE = MergeTree ORDER BY id"
    )
    admin.execute(
        f"INSERT INTO `{database}`.canary SELECT toInt32(number), hex(MD5(toString(number))) "
        "FROM system.numbers LIMIT 50"
    )
    # file() reads only under the server's user_files_path: put the secret there too.
    server_dir = Path(os.environ.get("DATACHAT_CLICKHOUSE_DIR", "/var/lib/datachat-clickhouse"))
    user_files = server_dir / "data" / "user_files"
    user_files.mkdir(exist_ok=True)
    user_file = user_files / secret_file.name
    user_file.write_text(secret_file.read_text())

    def state() -> dict:
        return {
            "canary": admin.execute(
                f"SELECT groupArray((id, body)), count() FROM "
                f"(SELECT * FROM `{database}`.canary ORDER BY id)"
            ),
            "tables": admin.execute(
                f"SELECT name, engine FROM system.tables WHERE database = '{database}' ORDER BY name"
            ),
            "databases": admin.execute(
                f"SELECT name FROM system.databases WHERE name = '{NAMES['evil']}'"
            ),
        }

    def running() -> list:
        # Spelled in two halves so that this query does not find itself.
        half = len(NAMES["marker"]) // 2
        return admin.execute(
            "SELECT user, query FROM system.processes WHERE query LIKE "
            f"concat('%', '{NAMES['marker'][:half]}', '{NAMES['marker'][half:]}', '%')"
        )

    user, password = CLICKHOUSE_READONLY_USER
    engines = {
        LEAST: ClickHouse(
            clickhouse_server.params(
                "clickhouse", database=database, username=user, password=password
            ),
            pool_max_size=1,
        ),
        PRIVILEGED: ClickHouse(
            clickhouse_server.params("clickhouse", database=database, allow_privileged=True),
            pool_max_size=1,
        ),
    }
    names = {**NAMES, "user_file": user_file.name, "user_file_path": str(user_file)}
    # Nothing can be left held on ClickHouse: no locks, no transactions, no session state.
    yield Lab(engines, state, lambda: [], running, names)
    for engine in engines.values():
        engine.close()
    user_file.unlink(missing_ok=True)
    admin.execute(f"DROP DATABASE IF EXISTS `{database}`")
    admin.execute(f"DROP DATABASE IF EXISTS `{NAMES['evil']}`")


@pytest.mark.parametrize("account, category, statements", cases("clickhouse"))
def test_clickhouse_session_holds(clickhouse_lab, account, category, statements):
    attack(clickhouse_lab, account, category, statements)


def test_clickhouse_accounts_are_what_they_claim(clickhouse_lab):
    assert not clickhouse_lab.engines[LEAST].privileges().privileged
    assert clickhouse_lab.engines[PRIVILEGED].privileges().privileged

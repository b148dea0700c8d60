"""Least privilege, checked on the real servers: each engine reads what its account may do
beyond reading, refuses a privileged account (admin save, test, every new engine) with what is
wrong and how to make a read-only one, unless an admin allows it; least-privileged accounts pass.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.urls import reverse
from django.utils.html import escape

from connections import services
from connections.dialects import PrivilegedAccountError, dialect_class, retire_engine
from connections.models import Connection
from tests.servers import (
    CLICKHOUSE_READONLY_USER,
    MYSQL_READONLY_USER,
    PG_READONLY_USER,
    SUFFIX,
)

WRITER = f"dc_writer_{SUFFIX}"  # a PostgreSQL login that may do too much
READER = f"dc_reader_{SUFFIX}"  # a role that may only read; WRITER is a member
MYSQL_RISKY = f"dc_risky_{SUFFIX}"  # a MariaDB account that may do too much
MYSQL_ROLE_ONLY = f"dc_roleonly_{SUFFIX}"  # one whose only extra is a role it cannot read
MYSQL_ROLE = f"dc_role_{SUFFIX}"
ADD = "admin:connections_connection_add"

# The statements a refusal must give, per engine (README, Security, has the same).
READ_ONLY_RECIPE = {
    "postgresql": ["CREATE ROLE datachat_ro LOGIN", "GRANT SELECT ON ALL TABLES IN SCHEMA"],
    "mysql": ["CREATE USER 'datachat_ro'@", "GRANT SELECT, SHOW VIEW ON"],
    "clickhouse": ["<readonly>1</readonly>", "<profile>datachat_readonly</profile>"],
}
# What each test server's admin account is refused for.
ADMIN_PROBLEM = {
    "postgresql": "the account is a superuser",
    "mysql": "has ALL PRIVILEGES on *.*",
    "clickhouse": "ClickHouse profile allows writes (readonly=0)",
}


def _run(engine, sql="SELECT 1"):
    return engine.execute(sql, max_rows=10, timeout=10)


# -- accounts ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg_privileges_db(pg_admin):
    """A database of this module with a table the least-privileged account may read, one
    WRITER owns, write grants and a schema WRITER may create in."""
    name = f"datachat_priv_{SUFFIX}"
    with pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
        for role in (WRITER, READER):
            conn.execute(f"DROP ROLE IF EXISTS {role}")
        conn.execute(f"CREATE ROLE {READER} NOLOGIN")
        conn.execute(f"CREATE ROLE {WRITER} LOGIN IN ROLE {READER}, pg_read_server_files")
    with pg_admin(name) as conn:
        conn.execute("CREATE TABLE items (id integer PRIMARY KEY, name text)")
        conn.execute("INSERT INTO items VALUES (1, 'tea'), (2, 'cake')")
        conn.execute("CREATE TABLE owned_by_writer (id integer)")
        conn.execute(f"ALTER TABLE owned_by_writer OWNER TO {WRITER}")
        conn.execute("CREATE SCHEMA scratch")
        conn.execute(f"GRANT CREATE ON SCHEMA scratch TO {WRITER}")
        conn.execute(f"GRANT INSERT, UPDATE ON items TO {WRITER}")
        for role in (READER, PG_READONLY_USER[0]):
            conn.execute(f"GRANT SELECT ON items TO {role}")
    yield name
    with pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for role in (WRITER, READER):
            conn.execute(f"DROP ROLE IF EXISTS {role}")


@pytest.fixture(scope="module")
def pg_as(pg_server, pg_privileges_db):
    """pg_as(user, password="", **overrides) -> ConnectionParams on this module's database,
    with the override off (the product's default)."""

    def params(user, password="", **overrides):
        return pg_server.params(
            "postgresql",
            database=pg_privileges_db,
            username=user,
            password=password,
            allow_privileged=False,
            **overrides,
        )

    return params


@pytest.fixture(scope="module")
def mysql_accounts(mysql_admin, mysql_database):
    """MYSQL_RISKY: file, process, write and mysql-schema rights, plus a role with a write of
    its own (readable, as the account may read the mysql schema); MYSQL_ROLE_ONLY: nothing but
    that role, whose grants it may not read. Dropped afterwards."""
    conn = mysql_admin()
    cur = conn.cursor()
    risky, role_only = (f"'{user}'@'127.0.0.1'" for user in (MYSQL_RISKY, MYSQL_ROLE_ONLY))
    for account in (risky, role_only):
        cur.execute(f"DROP USER IF EXISTS {account}")
        cur.execute(f"CREATE USER {account} IDENTIFIED BY 'risky-secret'")
        cur.execute(f"GRANT SELECT ON `{mysql_database}`.* TO {account}")
    cur.execute(f"DROP ROLE IF EXISTS {MYSQL_ROLE}")
    cur.execute(f"CREATE ROLE {MYSQL_ROLE}")
    cur.execute(f"GRANT DELETE ON `{MYSQL_ROLE}_db`.* TO {MYSQL_ROLE}")
    cur.execute(f"GRANT FILE, PROCESS ON *.* TO {risky}")
    cur.execute(f"GRANT INSERT, UPDATE ON `{mysql_database}`.* TO {risky}")
    cur.execute(f"GRANT SELECT ON `mysql`.* TO {risky}")
    for account in (risky, role_only):
        cur.execute(f"GRANT {MYSQL_ROLE} TO {account}")
    yield "risky-secret"
    for account in (risky, role_only):
        cur.execute(f"DROP USER IF EXISTS {account}")
    cur.execute(f"DROP ROLE IF EXISTS {MYSQL_ROLE}")
    conn.close()


@pytest.fixture
def admin_params(pg_params, mysql_params, clickhouse_params):
    """The test servers' admin accounts, override off."""
    return {
        "postgresql": pg_params(allow_privileged=False),
        "mysql": mysql_params(allow_privileged=False),
        "clickhouse": clickhouse_params(allow_privileged=False),
    }


@pytest.fixture
def least_params(pg_as, chinook_mysql, clickhouse_params):
    """Least-privileged accounts: PostgreSQL datachat_ro (SELECT on items), MariaDB datachat_ro
    (SELECT on the tests' databases), ClickHouse ch_readonly (profile readonly=1)."""
    return {
        "postgresql": pg_as(*PG_READONLY_USER),
        "mysql": replace(
            chinook_mysql.params,
            username=MYSQL_READONLY_USER[0],
            password=MYSQL_READONLY_USER[1],
            allow_privileged=False,
        ),
        "clickhouse": clickhouse_params(
            username=CLICKHOUSE_READONLY_USER[0],
            password=CLICKHOUSE_READONLY_USER[1],
            allow_privileged=False,
        ),
    }


SERVER_KINDS = ("postgresql", "mysql", "clickhouse")


# -- what each engine reads -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", SERVER_KINDS)
def test_admin_accounts_are_reported_and_refused_with_the_statements(kind, admin_params):
    engine = dialect_class(kind)(admin_params[kind])
    assert ADMIN_PROBLEM[kind] in " ".join(engine.privileges().problems)

    result = engine.test_connection()
    assert not result.ok and result.refused_as_privileged
    assert ADMIN_PROBLEM[kind] in result.message
    for statement in READ_ONLY_RECIPE[kind]:
        assert statement in result.message
    assert "allow_privileged" in result.message

    # Every new engine checks its first connection: no query runs.
    with pytest.raises(PrivilegedAccountError, match="can do more than read"):
        _run(engine)
    engine.close()


@pytest.mark.parametrize("kind", SERVER_KINDS)
def test_the_override_lets_a_privileged_account_work_and_keeps_the_report(kind, admin_params):
    engine = dialect_class(kind)(replace(admin_params[kind], allow_privileged=True))
    try:
        assert _run(engine).rows == [(1,)]
        assert ADMIN_PROBLEM[kind] in " ".join(engine.privilege_report.problems)
        result = engine.test_connection()
        assert result.ok and ADMIN_PROBLEM[kind] in " ".join(result.privilege_problems)
    finally:
        engine.close()


@pytest.mark.parametrize("kind", SERVER_KINDS)
def test_least_privileged_accounts_pass(kind, least_params):
    engine = dialect_class(kind)(least_params[kind])
    try:
        assert engine.privileges().problems == []
        result = engine.test_connection()
        assert result.ok, result.message
        assert result.privilege_problems == []
        assert _run(engine).rows == [(1,)]
    finally:
        engine.close()


def test_postgresql_names_each_problem(pg_as):
    problems = dialect_class("postgresql")(pg_as(WRITER)).privileges().problems
    text = "\n".join(problems)
    assert "member of pg_read_server_files (reads any file on the server)" in text
    assert "owns 1 table (public.owned_by_writer)" in text
    assert "can create objects in schema scratch" in text
    assert "can write: INSERT, UPDATE on 1 table (public.items)" in text
    assert "superuser" not in text
    assert dialect_class("postgresql")(pg_as(*PG_READONLY_USER)).privileges().problems == []


def test_postgresql_role_attributes(pg_params):
    # The suite's password account may create databases.
    params = pg_params(username="datachat_pw", password="datachat-secret", allow_privileged=False)
    assert dialect_class("postgresql")(params).privileges().problems == [
        "can create databases (CREATEDB)"
    ]


def test_postgresql_session_role_drops_privileges_per_session(pg_as):
    """WRITER alone is refused; with session_role=READER every session runs as READER, whose
    privileges are what is checked, and stays READER after the pool's DISCARD ALL."""
    engine = dialect_class("postgresql")(pg_as(WRITER, options={"session_role": READER}))
    try:
        assert engine.test_connection().ok
        for _ in range(3):  # each query ends with DISCARD ALL on the pooled connection
            assert _run(engine, "SELECT current_user, session_user").rows == [(READER, WRITER)]
        # READER's rights are the session's: no INSERT, although WRITER has it.
        assert _run(engine, "SELECT has_table_privilege('items', 'INSERT')").rows == [(False,)]
    finally:
        engine.close()


@pytest.mark.parametrize(
    ("role", "words"),
    [
        ("pg_monitor", "may not use it (GRANT pg_monitor TO"),
        (f"no_such_role_{SUFFIX}", "does not exist or"),
        ("x -c role=postgres", "plain role name"),
    ],
    # Fixed ids: the role name carries the process id, and xdist workers must collect alike.
    ids=["not-granted", "missing", "not-a-name"],
)
def test_postgresql_session_role_mistakes_are_named(pg_as, role, words):
    engine = dialect_class("postgresql")(pg_as(WRITER, options={"session_role": role}))
    result = engine.test_connection()
    assert not result.ok and words in result.message


def test_mysql_names_each_problem(mysql_server, mysql_database, mysql_accounts):
    def problems(user):
        params = mysql_server.params(
            "mysql",
            database=mysql_database,
            username=user,
            password=mysql_accounts,
            allow_privileged=False,
        )
        return dialect_class("mysql")(params).privileges().problems

    assert set(problems(MYSQL_RISKY)) == {
        "has the FILE privilege (reads and writes files on the server)",
        "has the PROCESS privilege (sees every session's queries)",
        f"can write: INSERT, UPDATE on {mysql_database}.*",
        "reads the mysql schema, password hashes included (SELECT on mysql.*)",
        f"can write: DELETE on {MYSQL_ROLE}_db.*",  # the role's, read with SHOW GRANTS FOR
    }
    assert problems(MYSQL_ROLE_ONLY) == [
        f"may switch to role {MYSQL_ROLE} (SET ROLE), whose privileges it cannot read"
    ]


def test_clickhouse_readonly_2_is_privileged(clickhouse_params):
    # readonly=2 as the session's setting (what a profile would give): table functions and
    # setting changes are allowed, so file() and url() reach files and the network.
    engine = dialect_class("clickhouse")(
        clickhouse_params(
            username=CLICKHOUSE_READONLY_USER[0],
            password=CLICKHOUSE_READONLY_USER[1],
            allow_privileged=False,
        )
    )
    assert engine.privileges().problems == []
    engine = dialect_class("clickhouse")(
        clickhouse_params(options={"settings": {"readonly": 2}}, allow_privileged=False)
    )
    assert engine.privileges().problems == [
        "ClickHouse profile allows changing settings and table functions such as file() and "
        "url() (readonly=2)"
    ]


# -- the registry: tests, admin save, pages ---------------------------------------------------


@pytest.mark.django_db
def test_a_new_privilege_is_caught_by_the_next_test_and_closes_the_engine(
    pg_as, pg_admin, pg_privileges_db, make_connection
):
    connection = make_connection(pg_as(*PG_READONLY_USER), allow_privileged=False)
    assert services.run_read_only_query(connection, "SELECT count(*) FROM items").rows == [(2,)]
    with pg_admin(pg_privileges_db) as conn:
        conn.execute(f"GRANT DELETE ON items TO {PG_READONLY_USER[0]}")
    try:
        result = services.test_connection(connection)
        assert not result.ok and "can write: DELETE on 1 table (public.items)" in result.message
        connection.refresh_from_db()
        assert connection.privilege_problems == ["can write: DELETE on 1 table (public.items)"]
        assert connection.privileges_checked_at is not None and connection.privileged
        # The pool that predates the grant is closed: the next query's engine refuses.
        with pytest.raises(PrivilegedAccountError, match="DELETE"):
            services.run_read_only_query(connection, "SELECT count(*) FROM items")
    finally:
        with pg_admin(pg_privileges_db) as conn:
            conn.execute(f"REVOKE DELETE ON items FROM {PG_READONLY_USER[0]}")
        retire_engine(str(connection.id))


def _form(params, **overrides) -> dict:
    data = {
        "name": f"{params.kind}-db",
        "description": "",
        "kind": params.kind,
        "host": params.host,
        "port": str(params.port),
        "database": params.database,
        "username": params.username,
        "password": params.password,
        "options": "{}",
        "tags": "",
        "color": "#4f46e5",
        "is_active": "on",
        "connection_url": "",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
@pytest.mark.parametrize("kind", SERVER_KINDS)
def test_admin_save_refuses_a_privileged_account_then_records_the_override(
    kind, admin_params, admin_client, admin_user
):
    params = admin_params[kind]
    refused = admin_client.post(reverse(ADD), _form(params))
    assert refused.status_code == 200
    for words in (ADMIN_PROBLEM[kind], *READ_ONLY_RECIPE[kind]):
        assert escape(words) in refused.text, words
    assert not Connection.objects.exists()

    saved = admin_client.post(reverse(ADD), _form(params, allow_privileged="on"))
    assert saved.status_code == 302, saved.context and saved.context["adminform"].form.errors
    connection = Connection.objects.get()
    try:
        assert connection.allow_privileged and connection.privileged
        assert ADMIN_PROBLEM[kind] in " ".join(connection.privilege_problems)
        assert connection.privileged_allowed_by == admin_user
        assert connection.privileged_allowed_at is not None
        assert connection.last_test_ok

        # The badge, wherever the database shows.
        pages = [
            reverse("admin:connections_connection_changelist"),
            reverse("databases"),
            reverse("database_detail", args=[connection.pk]),
            reverse("dashboard"),
        ]
        for url in pages:
            assert "privileged account" in admin_client.get(url).text, url
        detail = admin_client.get(reverse("database_detail", args=[connection.pk])).text
        assert escape(ADMIN_PROBLEM[kind]) in detail and "Allowed by admin" in detail
        chat = admin_client.post(reverse("chat_new"), {"connection_id": connection.pk}, follow=True)
        assert 'class="badge privileged"' in chat.text

        # Unticking the override re-tests: refused, and the row keeps its override.
        change = reverse("admin:connections_connection_change", args=[connection.pk])
        again = admin_client.post(change, _form(params, password=""))
        assert again.status_code == 200 and escape(ADMIN_PROBLEM[kind]) in again.text
        connection.refresh_from_db()
        assert connection.allow_privileged and connection.privileged_allowed_by == admin_user
    finally:
        retire_engine(str(connection.id))


@pytest.mark.django_db
@pytest.mark.parametrize("kind", SERVER_KINDS)
def test_admin_save_accepts_a_least_privileged_account(kind, least_params, admin_client):
    params = least_params[kind]
    saved = admin_client.post(reverse(ADD), _form(params))
    assert saved.status_code == 302, saved.context and saved.context["adminform"].form.errors
    connection = Connection.objects.get()
    assert connection.privilege_problems == [] and not connection.privileged
    assert connection.privileges_checked_at is not None and not connection.allow_privileged
    assert connection.privileged_allowed_by is None
    assert "privileged account" not in admin_client.get(reverse("databases")).text
    retire_engine(str(connection.id))


@pytest.mark.django_db
def test_turning_the_override_off_clears_who_and_when(pg_params, admin_client, admin_user):
    params = pg_params(username="datachat_pw", password="datachat-secret")
    assert admin_client.post(reverse(ADD), _form(params, allow_privileged="on")).status_code == 302
    connection = Connection.objects.get()
    assert connection.privileged_allowed_by == admin_user
    # Save without testing, override off: allowed no longer, so nobody allowed it.
    change = reverse("admin:connections_connection_change", args=[connection.pk])
    response = admin_client.post(change, _form(params, password="", skip_test="on"))
    assert response.status_code == 302
    connection.refresh_from_db()
    assert not connection.allow_privileged
    assert connection.privileged_allowed_by is None and connection.privileged_allowed_at is None
    # ... and the account, still privileged, is refused at its first query.
    with pytest.raises(PrivilegedAccountError, match="CREATEDB"):
        services.run_read_only_query(connection, "SELECT 1")
    retire_engine(str(connection.id))


@pytest.mark.django_db
@pytest.mark.parametrize("kind", SERVER_KINDS)
def test_the_test_button_refuses_and_records_a_privileged_account(
    kind, admin_params, admin_client, make_connection
):
    connection = make_connection(admin_params[kind], allow_privileged=False)
    url = reverse("test_database", args=[connection.pk])
    partial = admin_client.post(url, HTTP_HX_REQUEST="true").text
    assert "Failed: Refused" in partial and escape(ADMIN_PROBLEM[kind]) in partial
    assert f"{escape(READ_ONLY_RECIPE[kind][0])}" in partial
    connection.refresh_from_db()
    assert connection.last_test_ok is False and connection.privileged
    page = admin_client.get(reverse("database_detail", args=[connection.pk])).text
    assert "privileged account" in page and escape(ADMIN_PROBLEM[kind]) in page

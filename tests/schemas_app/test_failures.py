"""Failure paths of an extraction against real servers: bad credentials, a server that goes away
mid-extraction (a TCP proxy we kill), a table dropped while sampling, and a second request while
one runs. Each ends with a clear message, never an unhandled exception, the previous good
snapshot kept and the connection's status right.
"""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import replace

import pytest

from connections.dialects import retire_engine
from schemas_app import services
from schemas_app.models import SchemaSnapshot
from tests.servers import MYSQL_PASSWORD_USER, PG_PASSWORD_USER, assert_secret_absent

pytestmark = pytest.mark.django_db

Status = SchemaSnapshot.Status
SUFFIX = os.getpid()
WRONG = "not-the-password-7c1e"


def change_password(connection, password: str) -> None:
    connection.password = password
    connection.save()
    retire_engine(str(connection.id))  # drop pooled sessions opened with the old credentials


def assert_failed_keeping(connection, failed: SchemaSnapshot, good: SchemaSnapshot) -> None:
    assert failed.status == Status.FAILED and failed.phase == "failed"
    assert failed.finished_at is not None and failed.document in (None, {}, [])
    assert services.latest_snapshot(connection).pk == good.pk
    status = services.schema_status(connection)
    assert status.state == "failed"
    assert status.label == f"failed: {failed.error}"
    assert status.extracted_at == good.finished_at


# --- bad credentials -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["postgresql", "mysql"])
def test_bad_password_fails_at_once_with_the_engines_message(
    kind, make_connection, pg_params, mysql_params, django_capture_on_commit_callbacks
):
    user, secret = {"postgresql": PG_PASSWORD_USER, "mysql": MYSQL_PASSWORD_USER}[kind]
    params = {"postgresql": pg_params, "mysql": mysql_params}[kind](username=user, password=secret)
    connection = make_connection(params, name=f"{kind}-password")
    good = services.extract_now(connection)
    assert good.status == Status.SUCCEEDED, good.error

    change_password(connection, WRONG)
    # Through the task as a user's request runs it: a permanent error is not retried.
    with django_capture_on_commit_callbacks(execute=True):
        snapshot, created = services.request_extraction(connection)
    assert created
    failed = SchemaSnapshot.objects.get(pk=snapshot.pk)

    assert (
        "authentication failed" in failed.error.lower() or "access denied" in failed.error.lower()
    )
    assert user in failed.error
    assert_secret_absent(WRONG, failed.error, services.schema_status(connection).label)
    assert_secret_absent(secret, failed.error)
    assert_failed_keeping(connection, failed, good)


# --- a server that goes away mid-extraction -------------------------------------------------


class Proxy:
    """A TCP forwarder on an ephemeral loopback port; kill() cuts every connection at once and
    stops listening, which is what a stopped server looks like from the client."""

    def __init__(self, host: str, port: int):
        self.upstream = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.killed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.killed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self.lock:
                if self.killed.is_set():
                    client.close()
                    server.close()
                    return
                self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, target):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def kill(self) -> None:
        with self.lock:
            self.killed.set()
            sockets, self.sockets = self.sockets, []
        self.listener.close()
        for s in sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


@pytest.fixture
def proxied_chinook(chinook_pg, make_connection):
    """A connection to Chinook on PostgreSQL through a proxy; yields (connection, proxy)."""
    proxy = Proxy(chinook_pg.params.host or "127.0.0.1", chinook_pg.params.port or 5432)
    connection = make_connection(
        replace(chinook_pg.params, host="127.0.0.1", port=proxy.port), name="through-proxy"
    )
    yield connection, proxy
    proxy.kill()


def test_server_gone_during_introspection_fails_with_a_clear_message(proxied_chinook, monkeypatch):
    connection, proxy = proxied_chinook
    good = services.extract_now(connection)
    assert good.status == Status.SUCCEEDED, good.error

    from connections.dialects import postgresql

    real = postgresql.introspection.introspect

    def cut_then_introspect(conn, *args, **kwargs):
        proxy.kill()  # the session is already open: the server vanishes under it
        return real(conn, *args, **kwargs)

    monkeypatch.setattr(postgresql.introspection, "introspect", cut_then_introspect)
    failed = services.extract_now(connection)

    assert "lost the connection" in failed.error.lower(), failed.error
    assert "unexpected error" not in failed.error
    assert_failed_keeping(connection, failed, good)


def test_server_gone_during_sampling_fails_the_extraction(proxied_chinook, monkeypatch, settings):
    connection, proxy = proxied_chinook
    # Every later table waits for the pool's connect attempts until a budget runs out: keep
    # the budgets short so the test is too.
    settings.SCHEMA_SAMPLE_BUDGET_SECONDS = 3.0
    settings.PROFILE_BUDGET_SECONDS = 3.0
    real = services.sample_tables
    seen: list[int] = []

    def sample_then_cut(engine, document, **kwargs):
        progress = kwargs.pop("on_progress", None)

        def on_progress(done: int, total: int) -> None:
            seen.append(done)
            if done == 3:
                proxy.kill()  # mid-way: 3 of 11 tables sampled
            if progress:
                progress(done, total)

        return real(engine, document, workers=1, on_progress=on_progress, **kwargs)

    monkeypatch.setattr(services, "sample_tables", sample_then_cut)
    snapshot = services.extract_now(connection, with_profile=True)

    assert seen[-1] == 11
    # The server vanished: the run fails (never "schema ready" with empty samples) and says why.
    assert snapshot.status == Status.FAILED, snapshot.status
    assert snapshot.error.startswith("Lost the database during extraction"), snapshot.error
    assert services.schema_status(connection).label == f"failed: {snapshot.error}"


# --- a table dropped while sampling -----------------------------------------------------------


@pytest.fixture
def scratch_pg(pg_admin, pg_server):
    name = f"dc_failures_{SUFFIX}"
    with pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    with pg_admin(name) as admin:
        for table in ("kept", "doomed"):
            admin.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, label text)")
            admin.execute(f"INSERT INTO {table} VALUES (1, 'a'), (2, 'b'), (3, 'c')")
    yield name, pg_server.params("postgresql", database=name)
    with pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def scratch_mysql(mysql_admin, mysql_server):
    name = f"dc_failures_{SUFFIX}"
    conn = mysql_admin()
    cur = conn.cursor()
    cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
    cur.execute(f"CREATE DATABASE `{name}`")
    for table in ("kept", "doomed"):
        cur.execute(f"CREATE TABLE `{name}`.{table} (id int PRIMARY KEY, label text)")
        cur.execute(f"INSERT INTO `{name}`.{table} VALUES (1, 'a'), (2, 'b'), (3, 'c')")
    conn.close()
    yield name, mysql_server.params("mysql", database=name)
    conn = mysql_admin()
    conn.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
    conn.close()


@pytest.mark.parametrize("kind", ["postgresql", "mysql"])
def test_table_dropped_while_sampling_is_marked_and_the_extraction_succeeds(
    kind, request, make_connection, pg_admin, mysql_admin, monkeypatch
):
    name, params = request.getfixturevalue(f"scratch_{'pg' if kind == 'postgresql' else 'mysql'}")
    connection = make_connection(params, name=f"{kind}-drop")
    real = services.sample_tables

    def drop_then_sample(engine, document, **kwargs):
        # Between introspection (the table is in the document) and sampling.
        if kind == "postgresql":
            with pg_admin(name) as admin:
                admin.execute("DROP TABLE doomed")
        else:
            conn = mysql_admin(name)
            conn.cursor().execute("DROP TABLE doomed")
            conn.close()
        # Meanwhile a second request for the same connection finds this one running.
        assert services.request_extraction(connection) == (running(connection), False)
        with pytest.raises(services.ExtractionBusy):
            services.extract_now(connection)
        return real(engine, document, **kwargs)

    monkeypatch.setattr(services, "sample_tables", drop_then_sample)
    snapshot = services.extract_now(connection, with_profile=True)

    assert snapshot.status == Status.SUCCEEDED, snapshot.error
    tables = {t.name: t for t in services.snapshot_document(snapshot.pk).tables}
    assert set(tables) == {"kept", "doomed"}
    assert tables["doomed"].sample_rows == [] and "doomed" in tables["doomed"].sample_error
    assert "exist" in tables["doomed"].sample_error.lower()
    assert len(tables["kept"].sample_rows) == 2 and tables["kept"].sample_error == ""
    profiles = services.snapshot_profiles(snapshot.pk)
    assert "_error" in profiles[tables["doomed"].qualified_name]
    assert profiles[tables["kept"].qualified_name]["label"]["distinct"] == 3
    assert services.schema_status(connection).label == "schema ready"
    assert SchemaSnapshot.objects.filter(connection=connection).count() == 1


def running(connection) -> SchemaSnapshot:
    return SchemaSnapshot.objects.get(connection=connection, status=Status.RUNNING)

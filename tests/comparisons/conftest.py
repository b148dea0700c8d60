"""The demo shop under cmp_* names in every engine, for the environment comparison tests."""

from __future__ import annotations

import os

import pytest

from connections.connection_url import parse_connection_url
from connections.dialects import ConnectionParams
from demo import seed, sqlite_target
from tests.api.conftest import (  # noqa: F401  (the API fixtures, for test_api.py)
    admin_api,
    admin_token,
    alice_api,
    alice_token,
    base_url,
)
from tests.demo_shop import (
    CLICKHOUSE_URL,
    MYSQL_ADMIN_URL,
    PG_ADMIN_URL,
    _clickhouse_client,
    _mysql_connect,
    _pg_connect,
    wait_for_clickhouse,
)

NAME = f"cmp_shop_{os.getpid()}"
ADMIN_URLS = {"postgresql": PG_ADMIN_URL, "mysql": MYSQL_ADMIN_URL, "clickhouse": CLICKHOUSE_URL}


def target(kind: str, database: str) -> dict:
    return {**parse_connection_url(ADMIN_URLS[kind]), "database": database}


def as_params(target: dict) -> ConnectionParams:
    return ConnectionParams(
        kind=target["kind"],
        host=target["host"],
        port=target["port"],
        database=target["database"],
        username=target["username"],
        password=target["password"],
        allow_privileged=True,  # the servers' admin accounts, as the rest of the suite
    )


def drop(kind: str, database: str) -> None:
    if kind == "postgresql":
        with _pg_connect(parse_connection_url(PG_ADMIN_URL)) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    elif kind == "mysql":
        conn = _mysql_connect(parse_connection_url(MYSQL_ADMIN_URL))
        conn.cursor().execute(f"DROP DATABASE IF EXISTS `{database}`")
        conn.close()
    elif kind == "clickhouse":
        _clickhouse_client(parse_connection_url(CLICKHOUSE_URL)).execute(
            f"DROP DATABASE IF EXISTS `{database}`"
        )


@pytest.fixture(scope="session")
def cmp_shop(tmp_path_factory) -> dict[str, ConnectionParams]:
    """{kind: params} of one default-scale demo shop per engine (the same rows everywhere)."""
    wait_for_clickhouse(parse_connection_url(CLICKHOUSE_URL))
    targets = {kind: target(kind, NAME) for kind in ADMIN_URLS}
    targets["sqlite"] = sqlite_target(tmp_path_factory.mktemp("cmp") / "shop.sqlite3")
    try:
        for t in targets.values():
            seed(t)
        yield {kind: as_params(t) for kind, t in targets.items()}
    finally:
        for kind in ADMIN_URLS:
            drop(kind, NAME)


@pytest.fixture
def mysql_copy():
    """A fresh MariaDB copy of the shop a test may change; dropped afterwards."""
    name = f"cmp_copy_{os.getpid()}"
    t = target("mysql", name)
    seed(t)
    conn = _mysql_connect(t)
    try:
        yield as_params(t), conn
    finally:
        conn.close()
        drop("mysql", name)

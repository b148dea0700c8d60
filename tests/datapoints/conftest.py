"""Two registered databases over the same demo shop file (so scoping, not schema, differs),
and helpers to write DataPoint directories."""

from pathlib import Path

import pytest

from connections.dialects import ConnectionParams
from schemas_app.services import extract_now

REPO = Path(__file__).resolve().parents[2]
DEMO_POINTS = REPO / "datapoints" / "demo-shop"


@pytest.fixture
def shop(make_connection, demo_shop_sqlite):
    connection = make_connection(
        ConnectionParams(kind="sqlite", database=demo_shop_sqlite), name="shop"
    )
    extract_now(connection, with_profile=True)
    return connection


@pytest.fixture
def other_shop(make_connection, demo_shop_sqlite):
    connection = make_connection(
        ConnectionParams(kind="sqlite", database=demo_shop_sqlite), name="other-shop"
    )
    extract_now(connection, with_profile=True)
    return connection


@pytest.fixture
def points_dir(tmp_path):
    """write(name, text) puts a file into a fresh directory; returns the directory."""
    root = tmp_path / "points"
    root.mkdir()

    def write(name: str, text: str) -> Path:
        (root / name).write_text(text, encoding="utf-8")
        return root

    write.root = root
    return write

"""Chat page tests run on Chinook (SQLite), extracted and profiled."""

import pytest

from schemas_app import services as schema_services


@pytest.fixture
def chinook(make_connection, chinook_sqlite):
    connection = make_connection(chinook_sqlite.params, name="chinook")
    assert schema_services.extract_now(connection, with_profile=True).status == "succeeded"
    return connection

"""Answering tests run on Chinook (SQLite) with its schema extracted and profiled; the LLM
is the fake OpenAI-compatible server (fixture `fake_llm`, registered in tests/conftest.py)."""

import pytest

from connections.dialects.sqlite import SQLite
from schemas_app.services import extract_now


@pytest.fixture
def chinook(make_connection, chinook_sqlite):
    # These tests check what the model does with values: the database lets them go
    # (the default, profiles, sends none; tests/exposure holds each level).
    connection = make_connection(chinook_sqlite.params, name="chinook", data_exposure="values")
    extract_now(connection, with_profile=True)
    return connection


@pytest.fixture
def executed(monkeypatch):
    """Every SQL that reached the database, to prove what never did."""
    seen = []
    real = SQLite.execute

    def spy(self, sql, **kwargs):
        seen.append(sql)
        return real(self, sql, **kwargs)

    monkeypatch.setattr(SQLite, "execute", spy)
    return seen

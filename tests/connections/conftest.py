"""Fixtures of the registry tests (people, servers and the credentials key: tests/conftest.py)."""

import pytest
from django.test import Client


@pytest.fixture
def visitor():
    """Anonymous (the same as `client`: every person has a client of their own)."""
    return Client()

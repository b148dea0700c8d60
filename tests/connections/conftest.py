"""Fixtures of the registry tests (people, servers and the credentials key: tests/conftest.py)."""

import pytest
from django.test import Client


@pytest.fixture
def visitor():
    """Anonymous, and separate from `client`, which alice_client/admin_client sign in."""
    return Client()

"""Shared fixtures: three kinds of people, as every view is tried by all three.

- admin: a staff superuser (registry mutations),
- alice: a signed-in user,
- the anonymous visitor is Django's plain `client`.
Database servers and sample datasets come from tests/servers.py (plugin below).
"""

import pytest

pytest_plugins = ["tests.servers"]


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.com", "admin-pass-123")


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", "alice@example.com", "alice-pass-123")


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", "bob@example.com", "bob-pass-123")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client

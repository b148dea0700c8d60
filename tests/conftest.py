"""Shared fixtures: three kinds of people, as every view is tried by all three.

- admin: a staff superuser (registry mutations),
- alice: a signed-in user,
- the anonymous visitor is Django's plain `client`.
Database servers and sample datasets come from tests/servers.py (plugin below).
"""

import pytest
from django.test import Client

# A fixed test key: the Celery worker that one test starts must decrypt what tests encrypt.
TEST_CREDENTIALS_KEY = "yQ1n3k9o0Qd6b7QX2o8mJ1vYfYH6bN0w4bq5m3kqfXg="

pytest_plugins = ["tests.servers", "tests.demo_shop", "tests.chat.fake_llm"]


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashes():
    """Users are made with a cheap PBKDF2 hash (tests/passwords.py): Django's full count cost
    0.3-0.8 s per user and per sign-in."""
    from django.test import override_settings

    from tests.passwords import PASSWORD_HASHERS

    with override_settings(PASSWORD_HASHERS=PASSWORD_HASHERS):
        yield


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser(
        "admin", "admin@example.com", "admin-pass-123"
    )


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", "alice@example.com", "alice-pass-123")


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", "bob@example.com", "bob-pass-123")


# Each person has a client of their own: a test that asks for two people runs as both, and the
# anonymous `client` stays signed out.
@pytest.fixture
def admin_client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def alice_client(alice):
    client = Client()
    client.force_login(alice)
    return client


@pytest.fixture(autouse=True)
def credentials_key(settings):
    """Every test runs with a known Fernet key (pytest-django turns DEBUG off, so the local
    generated key is not used and a missing key would make every password save fail)."""
    from connections import crypto

    settings.DATABASE_CREDENTIALS_KEY = TEST_CREDENTIALS_KEY
    crypto.reset_key_cache()
    yield TEST_CREDENTIALS_KEY
    crypto.reset_key_cache()


@pytest.fixture(autouse=True)
def _fresh_snapshot_caches():
    """Snapshot ids can repeat across rolled-back tests; never serve a cached document."""
    from schemas_app import services

    services.clear_caches()

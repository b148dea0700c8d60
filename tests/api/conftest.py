"""The API driven over real HTTP: Django's live server and httpx, as admin, alice and a visitor."""

import httpx
import pytest

from api.models import ApiToken
from schemas_app import services as schema_services


@pytest.fixture
def chinook(transactional_db, make_connection, chinook_sqlite):
    connection = make_connection(chinook_sqlite.params, name="chinook")
    assert schema_services.extract_now(connection, with_profile=True).status == "succeeded"
    return connection


@pytest.fixture
def base_url(live_server):
    return f"{live_server.url}/api/v1"


def _client(base_url, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=60)


@pytest.fixture
def admin_token(transactional_db, admin_user):
    return ApiToken.issue(admin_user, "tests")[1]


@pytest.fixture
def alice_token(transactional_db, alice):
    return ApiToken.issue(alice, "tests")[1]


@pytest.fixture
def bob_token(transactional_db, bob):
    return ApiToken.issue(bob, "tests")[1]


@pytest.fixture
def admin_api(base_url, admin_token):
    with _client(base_url, admin_token) as client:
        yield client


@pytest.fixture
def alice_api(base_url, alice_token):
    with _client(base_url, alice_token) as client:
        yield client


@pytest.fixture
def bob_api(base_url, bob_token):
    with _client(base_url, bob_token) as client:
        yield client


@pytest.fixture
def anon_api(base_url, transactional_db):
    with _client(base_url) as client:
        yield client


def assert_error(response, status, *words):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    for word in words:
        assert word.lower() in body["detail"].lower(), body["detail"]
    return body

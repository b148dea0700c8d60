"""Authentication: bearer tokens (bad, revoked), the browser session with CSRF, the docs."""

import httpx
from django.test import Client
from django.utils import timezone

from api.models import ApiToken

from .conftest import assert_error


def test_bad_and_revoked_tokens_are_401(base_url, alice, alice_token, chinook):
    with httpx.Client(base_url=base_url, headers={"Authorization": "Bearer dct_wrong"}) as bad:
        assert_error(bad.get("/databases"), 401, "token")
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {alice_token}"}) as api:
        assert api.get("/databases").status_code == 200
        token = ApiToken.objects.get(user=alice)
        assert token.last_used is not None
        ApiToken.objects.filter(pk=token.pk).update(revoked=timezone.now())
        assert_error(api.get("/databases"), 401)
    with httpx.Client(base_url=base_url, headers={"Authorization": "Basic abc"}) as basic:
        assert_error(basic.get("/databases"), 401)


def test_inactive_users_token_is_401(base_url, alice, alice_token, chinook):
    alice.is_active = False
    alice.save()
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {alice_token}"}) as api:
        assert_error(api.get("/databases"), 401)


def _browser(base_url, user):
    django_client = Client()
    django_client.force_login(user)
    session = django_client.cookies["sessionid"].value
    with httpx.Client(cookies={"sessionid": session}) as page_client:
        page = page_client.get(base_url.replace("/api/v1", "/profile/tokens/"))
        assert page.status_code == 200
        csrf = page.cookies["csrftoken"]
    client = httpx.Client(base_url=base_url, cookies={"sessionid": session, "csrftoken": csrf})
    return client, csrf


def test_browser_session_with_csrf(base_url, alice, chinook):
    client, csrf = _browser(base_url, alice)
    with client:
        assert client.get("/databases").status_code == 200
        select = {"connection_id": str(chinook.pk)}
        assert_error(client.post("/databases/selected", json=select), 403, "csrf")
        ok = client.post("/databases/selected", json=select, headers={"X-CSRFToken": csrf})
        assert ok.status_code == 200, ok.text


def test_openapi_and_docs_page_without_a_cdn(base_url, transactional_db):
    with httpx.Client() as client:
        spec = client.get(f"{base_url}/openapi.json")
        assert spec.status_code == 200
        paths = spec.json()["paths"]
        for path in [
            "/api/v1/databases",
            "/api/v1/chat",
            "/api/v1/multi-query",
            "/api/v1/tools/execute",
            "/api/v1/tasks/{task_id}",
            "/api/v1/sessions/{session_id}/messages",
        ]:
            assert path in paths
        assert "422" in paths["/api/v1/chat"]["post"]["responses"]
        docs = client.get(f"{base_url}/docs")
        assert docs.status_code == 200
        assert "/static/ninja/swagger-ui-bundle.js" in docs.text
        assert "cdn" not in docs.text.lower() and "https://" not in docs.text
        asset = client.get(f"{base_url.replace('/api/v1', '')}/static/ninja/swagger-ui-bundle.js")
        assert asset.status_code == 200

"""/profile/tokens/: create (the secret shown once, stored hashed) and revoke."""

import hashlib

import pytest
from django.test import Client

from api.models import ApiToken

pytestmark = pytest.mark.django_db

URL = "/profile/tokens/"


def test_visitor_is_sent_to_login():
    response = Client().get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_create_shows_the_secret_once_and_stores_a_hash(alice_client, alice):
    response = alice_client.post(URL, {"name": "notebook"}, follow=True)
    # Post/redirect/get: the secret is on the page the redirect leads to, not in the URL.
    assert response.redirect_chain == [(URL, 302)]
    assert response["Cache-Control"] == "no-store"
    secret = response.context["secret"]
    assert secret.startswith("dct_") and secret in response.content.decode()
    token = ApiToken.objects.get(user=alice)
    assert (
        token.name == "notebook"
        and token.hashed_token == hashlib.sha256(secret.encode()).hexdigest()
    )
    assert secret not in str(ApiToken.objects.filter(user=alice).values())
    assert secret.startswith(token.prefix)
    # Shown once: a refresh (GET) neither shows it again nor creates another token.
    again = alice_client.get(URL).content.decode()
    assert secret not in again and token.prefix in again and "notebook" in again
    assert ApiToken.objects.filter(user=alice).count() == 1
    assert "new_token" not in str(dict(alice_client.session))


def test_nav_links_to_the_tokens_page(alice_client):
    assert f'href="{URL}"' in alice_client.get("/datapoints/").content.decode()


def test_nul_in_the_name_is_dropped(alice_client, alice):
    alice_client.post(URL, {"name": "a\x00b"})
    assert ApiToken.objects.get(user=alice).name == "ab"


def test_revoke(alice_client, alice):
    token, _ = ApiToken.issue(alice, "old")
    response = alice_client.post(f"{URL}{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked is not None
    assert "revoked" in alice_client.get(URL).content.decode()


def test_another_users_token_cannot_be_revoked(alice_client, bob):
    token, _ = ApiToken.issue(bob, "bobs")
    assert alice_client.post(f"{URL}{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked is None
    assert "bobs" not in alice_client.get(URL).content.decode()

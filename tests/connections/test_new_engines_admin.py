"""Registering Redshift and BigQuery databases through the admin and the API: credentials
templates, checks that need no server, secrets never shown."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from api.models import ApiToken
from connections.models import SECRET_MASK, Connection
from tests.connections.test_admin import ADD, form_data

SECRET_KEY_TEXT = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC-not-a-real-key"
KEY_FILE = json.dumps(
    {
        "type": "service_account",
        "project_id": "acme-analytics",
        "private_key": f"-----BEGIN PRIVATE KEY-----\n{SECRET_KEY_TEXT}\n-----END PRIVATE KEY-----\n",
        "client_email": "datachat-ro@acme-analytics.iam.gserviceaccount.com",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
)
ARN = "arn:aws:iam::123456789012:role/datachat-secret-role"


def bigquery_form(**options):
    return form_data(
        name="warehouse",
        kind="bigquery",
        database="shop",
        options=json.dumps({"location": "EU", **options}),
        skip_test="on",
    )


def test_the_add_page_shows_each_new_kinds_credentials_template(admin_client):
    page = admin_client.get(reverse(ADD)).content.decode()
    assert "Amazon Redshift" in page and "port 5439" in page and "sslmode=require" in page
    assert "BigQuery Data Viewer" in page and "maximum_bytes_billed" in page


@pytest.mark.django_db
def test_a_malformed_key_file_is_a_clear_error_and_saves_nothing(admin_client):
    broken = KEY_FILE[:-5]
    response = admin_client.post(reverse(ADD), bigquery_form(credentials_json=broken))
    page = response.content.decode()
    assert response.status_code == 200
    assert "credentials_json is not valid JSON (line 1, column" in page
    assert SECRET_KEY_TEXT not in page
    assert not Connection.objects.exists()


@pytest.mark.django_db
def test_a_missing_project_and_bad_maximum_are_named(admin_client):
    info = json.loads(KEY_FILE)
    del info["project_id"]
    response = admin_client.post(
        reverse(ADD),
        bigquery_form(credentials_json=json.dumps(info), maximum_bytes_billed=-5),
    )
    page = response.content.decode()
    assert "Set the &quot;project&quot; option to the Google Cloud project id." in page
    assert "maximum_bytes_billed must be a positive number of bytes." in page
    assert SECRET_KEY_TEXT not in page and not Connection.objects.exists()


@pytest.mark.django_db
def test_the_key_file_is_stored_encrypted_and_never_shown(admin_client, admin_user):
    response = admin_client.post(reverse(ADD), bigquery_form(credentials_json=KEY_FILE))
    assert response.status_code == 302, response.content.decode()[:2000]
    connection = Connection.objects.get(name="warehouse")
    assert "credentials_json" not in connection.options
    assert connection.secret_options["credentials_json"] == KEY_FILE
    assert connection.masked_options["credentials_json"] == SECRET_MASK
    change = reverse("admin:connections_connection_change", args=[connection.pk])
    assert SECRET_KEY_TEXT not in admin_client.get(change).content.decode()
    token = ApiToken.issue(admin_user, "tests")[1]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    body = api.get(f"/api/v1/databases/{connection.pk}").content.decode()
    assert SECRET_KEY_TEXT not in body and "private_key" not in body
    assert json.loads(body)["options"]["credentials_json"] == SECRET_MASK


@pytest.mark.django_db
def test_an_api_create_with_a_malformed_key_is_a_400_that_does_not_echo_it(admin_user):
    token = ApiToken.issue(admin_user, "tests")[1]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = api.post(
        "/api/v1/databases",
        {
            "name": "warehouse",
            "kind": "bigquery",
            "database": "shop",
            "options": {"project": "acme-analytics", "credentials_json": KEY_FILE[:-5]},
            "test": False,
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "credentials_json is not valid JSON" in response.content.decode()
    assert SECRET_KEY_TEXT not in response.content.decode()
    assert not Connection.objects.exists()


@pytest.mark.django_db
def test_a_redshift_database_on_the_postgresql_stand_in_is_tested_on_save(admin_client, pg_server):
    data = form_data(
        name="redshift",
        kind="redshift",
        host=pg_server.host,
        port=str(pg_server.port),
        database="postgres",
        username=pg_server.username,
        options=json.dumps({"sslmode": "disable", "iam_role_arn": ARN}),
        allow_privileged="on",
    )
    response = admin_client.post(reverse(ADD), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    connection = Connection.objects.get(name="redshift")
    assert connection.last_test_ok and "not Redshift" in connection.last_test_message
    assert connection.options == {"sslmode": "disable"}
    assert connection.secret_options == {"iam_role_arn": ARN}
    change = reverse("admin:connections_connection_change", args=[connection.pk])
    assert ARN not in admin_client.get(change).content.decode()
    connection.engine().close()


def test_a_redshift_url_fills_the_fields_and_the_port_defaults_to_5439(db):
    from connections.connection_url import parse_connection_url

    parsed = parse_connection_url(
        "redshift://ann:pw@acme.abc123.eu-west-1.redshift.amazonaws.com/dev"
    )
    assert parsed["kind"] == "redshift" and parsed["database"] == "dev"
    assert Connection(kind="redshift", host=parsed["host"]).effective_port == 5439


def test_a_bigquery_database_is_shown_as_project_and_dataset(db):
    connection = Connection(kind="bigquery", database="shop", options={"project": "acme-analytics"})
    assert connection.display_target == "acme-analytics.shop"
    assert Connection(kind="bigquery", database="shop").display_target == "shop"


@pytest.mark.django_db
def test_the_test_action_on_a_redshift_row_and_one_without_ssl(admin_client, pg_server):
    from tests.connections.test_admin import run_action

    fields = dict(kind="redshift", host=pg_server.host, port=pg_server.port, database="postgres")
    fields.update(username=pg_server.username, allow_privileged=True)
    plain = Connection.objects.create(name="stand-in", options={"sslmode": "disable"}, **fields)
    # The default sslmode=require: the local server speaks no SSL, and the test says so.
    ssl = Connection.objects.create(name="ssl-default", **fields)
    response = run_action(admin_client, "test_selected", plain, ssl)
    plain.refresh_from_db()
    ssl.refresh_from_db()
    assert plain.last_test_ok is True and "not Redshift" in plain.last_test_message
    if ssl.last_test_ok:
        pytest.skip("the local PostgreSQL accepts SSL: the refusal cannot be shown here")
    assert "SSL" in ssl.last_test_message and "Ssl-default: " in response.text
    for connection in (plain, ssl):
        connection.engine().close()

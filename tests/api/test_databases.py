"""/databases: registry reads for everyone signed in, mutations for staff, never a password."""

import shutil
import sqlite3

import pytest

from connections.dialects import ConnectionParams
from connections.models import Connection, DatabaseSelection
from schemas_app.models import SchemaSnapshot

from .conftest import assert_error

SECRET = "pw-never-shown-7431"


def test_list_and_get_as_user(alice_api, chinook):
    listed = alice_api.get("/databases")
    assert listed.status_code == 200
    [entry] = listed.json()
    assert entry["name"] == "chinook" and entry["kind"] == "sqlite"
    assert entry["schema_status"]["state"] == "ready"
    got = alice_api.get(f"/databases/{chinook.pk}")
    assert got.status_code == 200 and got.json()["id"] == str(chinook.pk)


def test_visitor_gets_401(anon_api, chinook):
    assert_error(anon_api.get("/databases"), 401, "bearer")
    assert_error(anon_api.post("/databases", json={"name": "x"}), 401)


def test_create_from_url_in_the_seeds_shape(admin_api, chinook_sqlite):
    response = admin_api.post(
        "/databases",
        json={
            "name": "seeded",
            "database_url": f"sqlite:///{chinook_sqlite.params.database}",
            "database_type": "sqlite",
            "tags": ["music", "demo"],
            "is_default": True,
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["kind"] == "sqlite" and body["tags"] == ["music", "demo"] and body["is_default"]
    assert body["last_test_ok"] is True  # tested before saving
    assert Connection.objects.get(name="seeded").is_default


def test_create_from_separate_fields(admin_api, chinook_sqlite):
    response = admin_api.post(
        "/databases",
        json={
            "name": "fields",
            "kind": "sqlite",
            "database": chinook_sqlite.params.database,
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["database"] == chinook_sqlite.params.database


def test_create_tests_first_unless_told_not_to(admin_api, tmp_path):
    missing = {"name": "missing", "database_url": f"sqlite:///{tmp_path}/nope.db"}
    body = assert_error(
        admin_api.post("/databases", json=missing), 400, "connection test failed", '"test": false'
    )
    assert "Save without testing" not in body["detail"]  # the admin's checkbox is not here
    assert not Connection.objects.filter(name="missing").exists()
    saved = admin_api.post("/databases", json={**missing, "test": False})
    assert saved.status_code == 201 and saved.json()["last_test_ok"] is None
    also = admin_api.post("/databases", json={**missing, "name": "missing2", "skip_test": True})
    assert also.status_code == 201


def test_create_errors(admin_api, chinook):
    assert_error(
        admin_api.post(
            "/databases", json={"name": "x", "database_url": "ftp://h/db", "test": False}
        ),
        400,
        "scheme",
    )
    assert_error(
        admin_api.post(
            "/databases",
            json={"name": "chinook", "kind": "sqlite", "database": "/x.db", "test": False},
        ),
        400,
        "name",
    )
    assert_error(
        admin_api.post("/databases", json={"name": "y", "kind": "oracle", "test": False}), 400
    )
    assert_error(admin_api.post("/databases", json={"kind": "sqlite"}), 422, "name")
    assert_error(admin_api.post("/databases", json={"name": "z", "port": "abc"}), 422, "port")


def test_passwords_are_write_only(admin_api, alice_api, anon_api, chinook):
    created = admin_api.post(
        "/databases",
        json={
            "name": "pg",
            "database_url": f"postgresql://reader:{SECRET}@127.0.0.1:1/db?sslpassword={SECRET}",
            "test": False,
        },
    )
    assert created.status_code == 201, created.text
    pk = created.json()["id"]
    assert created.json()["has_password"] is True
    assert Connection.objects.get(pk=pk).password == SECRET
    responses = [
        created,
        admin_api.get("/databases"),
        alice_api.get("/databases"),
        admin_api.get(f"/databases/{pk}"),
        admin_api.patch(f"/databases/{pk}", json={"description": "changed"}),
        admin_api.post(f"/databases/{pk}/test"),
        admin_api.put(f"/databases/{pk}/default", json={"is_default": True}),
        admin_api.get("/databases/selected"),
        admin_api.post(
            "/databases",
            json={"name": "pg2", "database_url": f"postgresql://reader:{SECRET}@127.0.0.1:1/db"},
        ),
        anon_api.get(f"/databases/{pk}"),
        admin_api.get("/openapi.json"),
    ]
    for response in responses:
        assert SECRET not in response.text, response.request.url
    # A blank password on update keeps the stored one.
    assert Connection.objects.get(pk=pk).password == SECRET


def test_update_and_delete(admin_api, chinook):
    renamed = admin_api.patch(f"/databases/{chinook.pk}", json={"name": "music", "tags": ["a"]})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "music" and renamed.json()["tags"] == ["a"]
    chinook.refresh_from_db()
    assert chinook.name == "music" and chinook.database  # the rest unchanged
    assert admin_api.delete(f"/databases/{chinook.pk}").status_code == 204
    assert not Connection.objects.filter(pk=chinook.pk).exists()
    assert_error(admin_api.delete(f"/databases/{chinook.pk}"), 404)


def test_update_with_a_broken_setting_is_refused(admin_api, chinook, tmp_path):
    response = admin_api.patch(f"/databases/{chinook.pk}", json={"database": f"{tmp_path}/nope.db"})
    assert_error(response, 400, "connection test failed")
    chinook.refresh_from_db()
    assert chinook.database != f"{tmp_path}/nope.db"


def test_non_staff_mutations_are_403(alice_api, chinook):
    pk = chinook.pk
    for response in [
        alice_api.post(
            "/databases", json={"name": "x", "kind": "sqlite", "database": "/x", "test": False}
        ),
        alice_api.patch(f"/databases/{pk}", json={"name": "mine"}),
        alice_api.delete(f"/databases/{pk}"),
        alice_api.post(f"/databases/{pk}/test"),
        alice_api.put(f"/databases/{pk}/default", json={"is_default": True}),
    ]:
        assert_error(response, 403, "staff")
    chinook.refresh_from_db()
    assert chinook.name == "chinook" and not chinook.is_default


def test_unknown_and_malformed_ids(admin_api, chinook):
    unknown = "00000000-0000-4000-8000-000000000000"
    for response in [
        admin_api.get(f"/databases/{unknown}"),
        admin_api.patch(f"/databases/{unknown}", json={}),
        admin_api.post(f"/databases/{unknown}/test"),
        admin_api.get(f"/databases/{unknown}/schema"),
        admin_api.post(f"/databases/{unknown}/extract-schema"),
    ]:
        assert_error(response, 404)
    assert_error(admin_api.get("/databases/not-a-uuid"), 422, "connection_id")
    assert_error(admin_api.get("/no/such/endpoint"), 404)


def test_test_endpoint(admin_api, chinook):
    response = admin_api.post(f"/databases/{chinook.pk}/test")
    assert response.status_code == 200 and response.json()["ok"] is True
    chinook.refresh_from_db()
    assert chinook.last_test_ok is True


def test_default(admin_api, chinook, make_connection, chinook_sqlite):
    other = make_connection(chinook_sqlite.params, name="other", is_default=True)
    response = admin_api.put(f"/databases/{chinook.pk}/default", json={"is_default": True})
    assert response.status_code == 200 and response.json()["is_default"] is True
    assert list(Connection.objects.filter(is_default=True)) == [chinook]
    other.refresh_from_db()
    assert not other.is_default
    off = admin_api.put(f"/databases/{chinook.pk}/default", json={"is_default": False})
    assert off.json()["is_default"] is False
    assert_error(admin_api.put(f"/databases/{chinook.pk}/default", json={}), 422, "is_default")


def test_extract_schema_task_and_schema_with_diff(admin_api, alice_api, chinook, settings):
    settings.SCHEMA_REQUEST_COOLDOWN_SECONDS = 0  # the fixture extracted just now
    # Extraction loads the target database: staff start it (everyone reads the schema).
    assert_error(alice_api.post(f"/databases/{chinook.pk}/extract-schema", json={}), 403, "staff")
    response = admin_api.post(f"/databases/{chinook.pk}/extract-schema", json={})
    assert response.status_code == 202, response.text
    task = response.json()
    assert task["task_id"] == f"schema-{task['snapshot_id']}" and task["created"]
    status = alice_api.get(f"/tasks/{task['task_id']}")  # eager without REDIS_URL: done already
    assert status.status_code == 200
    assert status.json()["status"] == "succeeded" and status.json()["finished"] is True

    schema = alice_api.get(f"/databases/{chinook.pk}/schema")
    assert schema.status_code == 200
    body = schema.json()
    assert body["snapshot_id"] == task["snapshot_id"] and body["table_count"] == 11
    assert any(t["name"] == "Customer" for t in body["document"]["tables"])
    assert "diff" not in body or body["diff"] is None
    diffed = alice_api.get(f"/databases/{chinook.pk}/schema", params={"diff": "true"}).json()
    assert diffed["diff"]["tables_added"] == [] and diffed["diff"]["tables_removed"] == []


def test_extract_schema_profiles_unless_told_not_to(admin_api, chinook, settings):
    # One extraction path (issue 14): profiles by default, as the pages and the command do.
    settings.SCHEMA_REQUEST_COOLDOWN_SECONDS = 0
    for body, profiled in ((None, True), ({}, True), ({"with_profile": False}, False)):
        kwargs = {} if body is None else {"json": body}
        task = admin_api.post(f"/databases/{chinook.pk}/extract-schema", **kwargs).json()
        snapshot = SchemaSnapshot.objects.get(pk=task["snapshot_id"])
        assert snapshot.with_profile is profiled, body


def test_schema_before_any_extraction_is_404(admin_api, make_connection, chinook_sqlite):
    fresh = make_connection(chinook_sqlite.params, name="fresh")
    assert_error(admin_api.get(f"/databases/{fresh.pk}/schema"), 404, "extract")


def test_selected(alice_api, alice, chinook, make_connection, chinook_sqlite):
    assert alice_api.get("/databases/selected").json() == {"database": None, "source": "none"}
    default = make_connection(chinook_sqlite.params, name="default-db", is_default=True)
    got = alice_api.get("/databases/selected").json()
    assert got["source"] == "default" and got["database"]["id"] == str(default.pk)
    chosen = alice_api.post("/databases/selected", json={"connection_id": str(chinook.pk)})
    assert chosen.status_code == 200 and chosen.json()["source"] == "selection"
    assert DatabaseSelection.objects.get(user=alice).connection == chinook
    assert alice_api.get("/databases/selected").json()["database"]["id"] == str(chinook.pk)
    assert_error(
        alice_api.post(
            "/databases/selected", json={"connection_id": "00000000-0000-4000-8000-000000000000"}
        ),
        404,
    )
    assert_error(alice_api.post("/databases/selected", json={"connection_id": "nope"}), 422)


@pytest.mark.parametrize("method", ["post", "patch"])
def test_unknown_fields_are_refused(admin_api, chinook, method):
    url = "/databases" if method == "post" else f"/databases/{chinook.pk}"
    assert_error(getattr(admin_api, method)(url, json={"name": "n", "bogus": 1}), 422, "bogus")


def test_schema_diff_shows_a_real_change(
    admin_api, alice_api, make_connection, chinook_sqlite, tmp_path, settings
):
    settings.SCHEMA_REQUEST_COOLDOWN_SECONDS = 0  # two extractions in a row
    # A copy of Chinook of our own: the change must not leak into other tests.
    path = tmp_path / "chinook.sqlite3"
    shutil.copy(chinook_sqlite.params.database, path)
    connection = make_connection(ConnectionParams(kind="sqlite", database=str(path)), name="c")

    def extract():
        task = admin_api.post(f"/databases/{connection.pk}/extract-schema", json={}).json()
        assert alice_api.get(f"/tasks/{task['task_id']}").json()["status"] == "succeeded"

    extract()
    first = alice_api.get(f"/databases/{connection.pk}/schema", params={"diff": "true"}).json()
    assert first["diff"] is None  # nothing to compare with yet
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE Customer ADD COLUMN Loyalty INTEGER")
        db.execute("CREATE TABLE Promo (PromoId INTEGER PRIMARY KEY, Code TEXT)")
        db.execute("DROP TABLE PlaylistTrack")
    extract()
    body = alice_api.get(f"/databases/{connection.pk}/schema", params={"diff": "true"}).json()
    assert body["table_count"] == 11  # one added, one dropped
    assert body["diff"]["tables_added"] == ["main.Promo"]
    assert body["diff"]["tables_removed"] == ["main.PlaylistTrack"]
    assert body["diff"]["columns_added"] == ["main.Customer.Loyalty"]
    assert body["diff"]["columns_removed"] == [] and body["diff"]["types_changed"] == []


# -- least privilege and secret options ---------------------------------------------------------

SERVER_KINDS = ("postgresql", "mysql", "clickhouse")
ADMIN_PROBLEM = {
    "postgresql": "the account is a superuser",
    "mysql": "has ALL PRIVILEGES on *.*",
    "clickhouse": "ClickHouse profile allows writes (readonly=0)",
}
READ_ONLY_STATEMENT = {
    "postgresql": "GRANT SELECT ON ALL TABLES IN SCHEMA public TO datachat_ro",
    "mysql": "GRANT SELECT, SHOW VIEW ON",
    "clickhouse": "<readonly>1</readonly>",
}


@pytest.fixture
def server_fields(pg_params, mysql_params, clickhouse_params):
    """Separate fields for each test server's admin account."""
    params = {
        "postgresql": pg_params(),
        "mysql": mysql_params(),
        "clickhouse": clickhouse_params(),
    }
    return {
        kind: {
            "database_type": kind,
            "host": p.host,
            "port": p.port,
            "database": p.database,
            "username": p.username,
            "password": p.password,
        }
        for kind, p in params.items()
    }


@pytest.mark.parametrize("kind", SERVER_KINDS)
def test_a_privileged_account_needs_allow_privileged(kind, admin_api, alice_api, server_fields):
    fields = {"name": f"{kind}-admin", **server_fields[kind]}
    refused = assert_error(admin_api.post("/databases", json=fields), 400, ADMIN_PROBLEM[kind])
    assert READ_ONLY_STATEMENT[kind] in refused["detail"]
    assert "allow_privileged" in refused["detail"]
    assert not Connection.objects.exists()

    created = admin_api.post("/databases", json={**fields, "allow_privileged": True})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["privileged"] is True and body["allow_privileged"] is True
    assert ADMIN_PROBLEM[kind] in " ".join(body["privilege_problems"])
    assert body["privileged_allowed_by"] == "admin" and body["privileged_allowed_at"]
    assert body["privileges_checked_at"]
    # Everyone sees the warning, as on the pages.
    [listed] = alice_api.get("/databases").json()
    assert listed["privileged"] is True and listed["privilege_problems"]

    tested = admin_api.post(f"/databases/{body['id']}/test").json()
    assert tested["ok"] is True and tested["privileged"] is True

    # Turning the override off re-tests: refused, nothing changes.
    off = admin_api.patch(f"/databases/{body['id']}", json={"allow_privileged": False})
    assert_error(off, 400, ADMIN_PROBLEM[kind])
    assert Connection.objects.get().allow_privileged


def test_a_privileged_account_saved_untested_is_refused_at_test_and_query(admin_api, server_fields):
    fields = {"name": "pg-admin", **server_fields["postgresql"], "test": False}
    created = admin_api.post("/databases", json=fields)
    assert created.status_code == 201 and created.json()["privileged"] is False  # not read yet
    pk = created.json()["id"]

    tested = admin_api.post(f"/databases/{pk}/test").json()
    assert tested["ok"] is False and tested["privileged"] is True
    assert "superuser" in tested["message"] and tested["privilege_problems"]
    got = admin_api.get(f"/databases/{pk}").json()
    assert got["privileged"] is True and got["allow_privileged"] is False

    ran = admin_api.post(
        "/tools/execute",
        json={"name": "run_sql", "arguments": {"sql": "SELECT 1"}, "target_database": pk},
    )
    assert ran.status_code >= 400 and "superuser" in ran.text


def test_a_least_privileged_account_needs_no_override(admin_api, clickhouse_params):
    p = clickhouse_params(username="ch_readonly", password="datachat-secret")
    created = admin_api.post(
        "/databases",
        json={
            "name": "ch-readonly",
            "database_type": "clickhouse",
            "host": p.host,
            "port": p.port,
            "database": p.database,
            "username": p.username,
            "password": p.password,
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["privileged"] is False and body["privilege_problems"] == []
    assert body["privileges_checked_at"] and body["privileged_allowed_by"] is None


def test_secret_options_are_masked_and_kept(admin_api, alice_api):
    created = admin_api.post(
        "/databases",
        json={
            "name": "pg",
            "database_url": "postgresql://reader@127.0.0.1:1/db",
            "options": {"sslmode": "require", "sslpassword": SECRET},
            "test": False,
        },
    )
    assert created.status_code == 201, created.text
    pk = created.json()["id"]
    masked = {"sslmode": "require", "sslpassword": "********"}
    assert created.json()["options"] == masked
    assert alice_api.get(f"/databases/{pk}").json()["options"] == masked
    with connection_cursor() as cursor:
        cursor.execute("SELECT options::text FROM connections_connection WHERE id = %s", [pk])
        assert SECRET not in cursor.fetchone()[0]

    # What a client read and sends back unchanged keeps the secret; leaving it out drops it.
    assert admin_api.patch(f"/databases/{pk}", json={"description": "x"}).status_code == 200
    assert (
        admin_api.patch(f"/databases/{pk}", json={"options": masked, "test": False}).status_code
        == 200
    )
    assert Connection.objects.get(pk=pk).secret_options == {"sslpassword": SECRET}
    dropped = admin_api.patch(
        f"/databases/{pk}", json={"options": {"sslmode": "require"}, "test": False}
    )
    assert dropped.json()["options"] == {"sslmode": "require"}
    assert Connection.objects.get(pk=pk).secret_options == {}


def connection_cursor():
    from django.db import connection

    return connection.cursor()

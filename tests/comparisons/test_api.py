"""/api/v1/comparisons and /api/v1/groups over real HTTP (live server, httpx)."""

from __future__ import annotations

import uuid

import pytest

from chat.models import ChatSession
from connections.models import ConnectionGroup
from schemas_app.services import extract_now
from tests.api.conftest import assert_error


@pytest.fixture
def pair(transactional_db, make_connection, cmp_shop):
    made = []
    for kind, name in [("postgresql", "shop-prod"), ("mysql", "shop-copy")]:
        connection = make_connection(cmp_shop[kind], name=name)
        assert extract_now(connection).status == "succeeded"
        made.append(connection)
    return made


def test_compare_over_the_api(admin_api, alice_api, pair):
    pg, my = pair
    body = {"left": str(pg.pk), "right": str(my.pk)}
    schema_only = alice_api.post("/comparisons", json=body)
    assert schema_only.status_code == 200, schema_only.text
    result = schema_only.json()
    assert result["differs"] is False and result["data"] is None
    assert result["left"]["name"] == "shop-prod" and result["right"]["kind"] == "mysql"
    assert {t["table"] for t in result["schema_diff"]["tables"]} >= {"orders", "customers"}

    assert_error(alice_api.post("/comparisons", json={**body, "data": True}), 403, "staff")
    with_data = admin_api.post("/comparisons", json={**body, "data": True}).json()
    assert with_data["differs"] is False
    assert {d["table"]: d["right_rows"] for d in with_data["data"]}["orders"] == 1500

    assert_error(alice_api.post("/comparisons", json={**body, "right": str(pg.pk)}), 400, "two")
    assert_error(
        alice_api.post("/comparisons", json={**body, "right": str(uuid.uuid4())}), 404, "database"
    )
    assert_error(alice_api.post("/comparisons", json={**body, "left": "nope"}), 422, "left")
    assert_error(alice_api.post("/comparisons", json={**body, "extra": 1}), 422, "extra")


def test_groups_over_the_api(admin_api, alice_api, pair, alice):
    pg, my = pair
    created = admin_api.post(
        "/groups",
        json={
            "name": "shop envs",
            "description": "prod and copy",
            "member_ids": [str(pg.pk), str(my.pk)],
        },
    )
    assert created.status_code == 201, created.text
    group = created.json()
    assert [m["name"] for m in group["members"]] == ["shop-copy", "shop-prod"]
    assert alice_api.get("/groups").json()["groups"][0]["name"] == "shop envs"

    assert_error(alice_api.post("/groups", json={"name": "mine"}), 403, "staff")
    assert_error(alice_api.delete(f"/groups/{group['id']}"), 403, "staff")
    assert_error(admin_api.post("/groups", json={"name": "shop envs"}), 400, "already exists")
    missing = str(uuid.uuid4())
    assert_error(
        admin_api.post("/groups", json={"name": "other", "member_ids": [missing]}), 400, missing
    )
    assert ConnectionGroup.objects.count() == 1  # the refused ones changed nothing
    assert_error(alice_api.get("/groups/999999"), 404, "group")

    # An inactive member is neither shown to users nor put in their chat.
    my.is_active = False
    my.save()
    assert [m["name"] for m in alice_api.get(f"/groups/{group['id']}").json()["members"]] == [
        "shop-prod"
    ]
    started = alice_api.post(f"/groups/{group['id']}/sessions")
    assert started.status_code == 201, started.text
    session = ChatSession.objects.get(pk=started.json()["id"], owner=alice)
    assert [e.connection_id for e in session.databases.all()] == [pg.pk]

    renamed = admin_api.patch(f"/groups/{group['id']}", json={"name": "renamed", "member_ids": []})
    assert renamed.json()["name"] == "renamed" and renamed.json()["members"] == []
    assert_error(alice_api.post(f"/groups/{group['id']}/sessions"), 400, "no active database")
    assert admin_api.delete(f"/groups/{group['id']}").status_code == 204
    assert not ConnectionGroup.objects.exists() and pg.__class__.objects.filter(pk=pg.pk).exists()


def test_the_new_operations_conform_to_the_openapi_document(live_server, admin_token, pair):
    """schemathesis on /comparisons and /groups alone (tests/api runs it on everything)."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings

    from tests.api.test_schemathesis import CHECKS

    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    headers = {"Authorization": f"Bearer {admin_token}"}
    operations = [
        op
        for op in (result.ok() for result in schema.get_all_operations())
        if op.path.startswith(("/api/v1/comparisons", "/api/v1/groups"))
    ]
    assert len(operations) == 7
    failures = []
    for operation in operations:

        @settings(max_examples=8, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(case=operation.as_strategy())
        def check(case):
            response = case.call(base_url=live_server.url, headers=headers, timeout=60)
            case.validate_response(response, checks=CHECKS, headers=headers)

        try:
            check()
        except Exception as exc:
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)

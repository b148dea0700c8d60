"""run_sql over several databases, and the links, through the API (Django's test client)."""

import pytest
from django.test import Client

from api.models import ApiToken
from federation.models import CrossDatabaseLink

URL = "/api/v1/tools/execute"


@pytest.fixture
def api(alice):
    token = ApiToken.issue(alice, "tests")[1]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def call(method, path, body=None):
        if method == "get":
            return client.get(path)
        return client.post(path, body, content_type="application/json")

    return call


def run(api, targets, sql, **extra):
    body = {"name": "run_sql", "arguments": {"sql": sql}, "target_databases": targets, **extra}
    return api("post", URL, body)


def test_run_sql_with_several_targets_is_federated(api, fed):
    targets = [str(fed["shop"].pk), str(fed["crm"].pk)]
    response = run(
        api,
        targets,
        "SELECT c.name, o.amount FROM shop.fed_customers c "
        "JOIN crm.fed_orders o ON o.customer_email = c.email WHERE o.amount > 9 ORDER BY 1",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["target_database"] is None and body["target_databases"] == targets
    result = body["result"]
    assert result["rows"] == [["Ann", 10.5], ["Cy", 20.0]] or result["rows"] == [
        ["Ann", "10.50"],
        ["Cy", "20.00"],
    ]
    assert result["aliases"] == {"shop": targets[0], "crm": targets[1]}
    plan = {step["side"]: step for step in result["plan"]}
    assert "`amount` > 9" in plan["crm.fed_orders"]["pushed_sql"]
    assert plan["crm.fed_orders"]["rows_fetched"] == 3  # 10.50, 20.00 and 99.00
    assert result["incomplete"] is False and result["notes"] == []


def test_row_cap_is_said_in_the_api(api, fed, settings):
    settings.FEDERATION_MAX_ROWS_PER_SIDE = 1
    response = run(
        api,
        [str(fed["shop"].pk), str(fed["crm"].pk)],
        "SELECT count(*) FROM shop.fed_customers c JOIN crm.fed_orders o "
        "ON o.customer_email = c.email",
    )
    result = response.json()["result"]
    assert result["incomplete"] is True and "row cap of 1" in result["notes"][0]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"name": "list_tables"}, "Only run_sql takes target_databases"),
        ({"target_databases": []}, "empty"),
        ({"twice": True}, "twice"),
        ({"target_database": "shop"}, "not both"),
        ({"arguments": {"sql": "SELECT 1", "limit": 0}}, "Bad arguments"),
        ({"arguments": {"sql": "DELETE FROM shop.fed_customers"}}, "read-only"),
        ({"arguments": {"sql": "SELECT * FROM nope.t"}}, "Unknown database alias"),
    ],
)
def test_malformed_federated_requests_are_400(api, fed, change, words):
    targets = [str(fed["shop"].pk), str(fed["crm"].pk)]
    body = {"name": "run_sql", "arguments": {"sql": "SELECT 1"}, "target_databases": targets}
    if change.pop("twice", False):
        body["target_databases"] = [targets[0], targets[0]]
    if change.get("target_database") == "shop":
        change["target_database"] = targets[0]
    body.update(change)
    response = api("post", URL, body)
    assert response.status_code == 400, response.content
    assert words.lower() in response.json()["detail"].lower()


def test_links_are_readable(api, fed):
    link = CrossDatabaseLink(
        left_connection=fed["shop"],
        left_table="fed_customers",
        left_column="EMAIL",
        right_connection=fed["crm"],
        right_table="fed_orders",
        right_column="customer_email",
    )
    link.full_clean()
    link.save()
    response = api("get", "/api/v1/federation/links")
    assert response.status_code == 200, response.content
    (found,) = response.json()
    assert found["link"] == "shop.fed_customers.email <-> crm.fed_orders.customer_email"
    assert found["left"]["table"] == "public.fed_customers" and found["left"]["alias"] == "shop"

"""/databases/{id}/schema/sensitive-columns and masking in GET /schema, over real HTTP on
Chinook SQLite: users read masked values, staff read them plain and change the decisions."""

from __future__ import annotations

import json

from schemas_app.models import SensitiveColumn

from .conftest import assert_error

COLUMNS = "/databases/{}/schema/sensitive-columns"


def employee(body: dict) -> tuple[list[str], list[list], dict]:
    table = next(t for t in body["document"]["tables"] if t["name"] == "Employee")
    names = [c["name"] for c in table["columns"]]
    return names, table["sample_rows"], body["profiles"]["main.Employee"]


def test_schema_is_masked_for_users_not_for_staff(alice_api, admin_api, chinook):
    url = f"/databases/{chinook.pk}/schema"
    names, rows, profiles = employee(admin_api.get(url).json())
    user = alice_api.get(url).json()
    user_names, user_rows, user_profiles = employee(user)
    email, birth = names.index("Email"), names.index("BirthDate")
    assert rows[0][email] == "andrew@chinookcorp.com"
    assert user_rows[0][email] == "a***@chinookcorp.com"
    assert rows[0][birth].startswith("19") and user_rows[0][birth] == "***"
    assert user_rows[0][names.index("FirstName")] == rows[0][names.index("FirstName")]
    for key in ("min", "max"):
        assert profiles["BirthDate"][key] not in json.dumps(user)
    staff_top = [v for v, _ in profiles["Email"]["top_values"]]
    assert staff_top and not set(staff_top) & {v for v, _ in user_profiles["Email"]["top_values"]}


def test_the_list_and_staff_changes(alice_api, admin_api, chinook):
    listed = alice_api.get(COLUMNS.format(chinook.pk)).json()["columns"]
    email = next(c for c in listed if (c["table"], c["column"]) == ("main.Employee", "Email"))
    assert email == {"table": "main.Employee", "column": "Email", "sensitive": True,
                     "reason": "name: e-mail", "source": "detected",
                     "detected_reason": "name: e-mail"}  # fmt: skip
    assert len(listed) == 10

    put = {"table": "main.Employee", "column": "Title", "sensitive": True, "note": "HR asked"}
    response = admin_api.put(COLUMNS.format(chinook.pk), json=put)
    assert response.status_code == 200, response.text
    assert response.json() == {"table": "main.Employee", "column": "Title", "sensitive": True,
                               "reason": "HR asked", "source": "staff", "detected_reason": ""}  # fmt: skip
    body = alice_api.get(f"/databases/{chinook.pk}/schema").json()
    names, rows, _ = employee(body)
    assert rows[0][names.index("Title")] == "G***"  # General Manager

    unmark = {"table": "main.Employee", "column": "Email", "sensitive": False}
    assert admin_api.put(COLUMNS.format(chinook.pk), json=unmark).json()["sensitive"] is False
    names, rows, _ = employee(alice_api.get(f"/databases/{chinook.pk}/schema").json())
    assert rows[0][names.index("Email")] == "andrew@chinookcorp.com"

    back = {"table": "main.Employee", "column": "Email", "sensitive": None}
    assert admin_api.put(COLUMNS.format(chinook.pk), json=back).json()["source"] == "detected"
    assert set(SensitiveColumn.objects.values_list("column", flat=True)) == {"Title"}


def test_users_cannot_change_and_bad_calls_change_nothing(alice_api, admin_api, chinook):
    url = COLUMNS.format(chinook.pk)
    good = {"table": "main.Employee", "column": "Title", "sensitive": True}
    assert_error(alice_api.put(url, json=good), 403, "staff")
    assert_error(admin_api.put(url, json={**good, "column": "Nope"}), 400, "No column 'Nope'")
    assert_error(admin_api.put(url, json={**good, "table": "Employee"}), 400, "No table")
    assert_error(admin_api.put(url, json={**good, "sensitive": "maybe"}), 422, "sensitive")
    assert_error(admin_api.put(url, json={"table": "main.Employee", "column": "Title"}), 422)
    assert_error(admin_api.put(url, json={**good, "extra": 1}), 422, "extra")
    assert_error(admin_api.put(url, json={**good, "note": "x" * 301}), 422, "note")
    broken = admin_api.put(url, content=b"{not json", headers={"content-type": "application/json"})
    assert broken.status_code in (400, 422), broken.text
    assert not SensitiveColumn.objects.exists()


def test_query_results_are_not_masked(alice_api, chinook):
    """The database's own grants decide what a query may read; masking is not applied."""
    response = alice_api.post(
        "/tools/execute",
        json={
            "name": "run_sql",
            "target_database": str(chinook.pk),
            "arguments": {"sql": 'SELECT "Email", "Phone" FROM "Employee" ORDER BY "EmployeeId"'},
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["result"]["rows"][0] == ["andrew@chinookcorp.com", "+1 (780) 428-9482"]


def tool(api, connection, name, **arguments):
    response = api.post(
        "/tools/execute",
        json={"name": name, "target_database": str(connection.pk), "arguments": arguments},
    )
    assert response.status_code == 200, response.text
    return response.json()["result"]


def test_profile_column_is_masked_for_users_sample_rows_is_a_query(alice_api, admin_api, chinook):
    args = {"table": "main.Employee", "column": "BirthDate"}
    staff = tool(admin_api, chinook, "profile_column", **args)
    user = tool(alice_api, chinook, "profile_column", **args)
    assert staff["min"].startswith("1947") and user["min"] == "***" and user["max"] == "***"
    assert user["distinct"] == staff["distinct"] == 8  # statistics are not values
    title = tool(alice_api, chinook, "profile_column", table="main.Employee", column="Title")
    assert "General Manager" in [v for v, _ in title["top_values"]]  # not sensitive: as is
    rows = tool(alice_api, chinook, "sample_rows", table="main.Employee", limit=1)
    assert "andrew@chinookcorp.com" in rows["rows"][0]

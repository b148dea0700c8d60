"""/api/v1/reports over real HTTP: create, read, change, run now, runs, delete; the owner or
staff only; bad input is a clear 4xx and changes nothing."""

import pytest

from reports.models import Report

pytestmark = pytest.mark.django_db(transaction=True)

QUESTION = "How many customers are there?"


@pytest.fixture
def created(alice_api, chinook):
    body = {
        "name": "Customers",
        "question": QUESTION,
        "database_ids": [str(chinook.pk)],
        "schedule": "0 8 * * 1-5",
    }
    response = alice_api.post("/reports", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_crud_run_now_and_runs(alice_api, created, chinook):
    assert created["schedule"] == "0 8 * * 1-5" and created["last_status"] is None
    listed = alice_api.get("/reports").json()["reports"]
    assert [r["id"] for r in listed] == [created["id"]]

    changed = alice_api.patch(f"/reports/{created['id']}", json={"schedule": "*/30 * * * *"})
    assert changed.status_code == 200 and changed.json()["schedule"] == "*/30 * * * *"

    ran = alice_api.post(f"/reports/{created['id']}/run")
    assert ran.status_code == 202, ran.text
    run = ran.json()
    assert run["status"] == "ok" and run["trigger"] == "manual"
    assert run["result"]["databases"][0]["rows"] == [[59]]
    assert run["change_text"] == "First run: nothing to compare with yet."
    runs = alice_api.get(f"/reports/{created['id']}/runs").json()["runs"]
    assert [r["id"] for r in runs] == [run["id"]]
    assert alice_api.get(f"/reports/{created['id']}").json()["last_status"] == "ok"

    assert alice_api.delete(f"/reports/{created['id']}").status_code == 204
    assert not Report.objects.exists()


def test_only_the_owner_or_staff(created, bob_api, admin_api):
    assert bob_api.get(f"/reports/{created['id']}").status_code == 404
    assert bob_api.delete(f"/reports/{created['id']}").status_code == 404
    assert bob_api.post(f"/reports/{created['id']}/run").status_code == 404
    assert bob_api.get("/reports").json()["reports"] == []
    assert admin_api.get(f"/reports/{created['id']}").status_code == 200
    assert Report.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"schedule": "every day"}, 400, "five fields"),
        ({"schedule": "99 * * * *"}, 400, "schedule"),
        ({"database_ids": []}, 400, "at least one database"),
        ({"database_ids": ["00000000-0000-0000-0000-000000000000"]}, 400, "no database with id"),
        ({"name": "   "}, 400, "name: must not be empty"),
        ({"group_id": 999999}, 400, "no group with id"),
        ({"owner": "bob"}, 422, "owner"),
    ],
)
def test_bad_input_is_a_clear_4xx_and_changes_nothing(alice_api, created, body, status, says):
    response = alice_api.patch(f"/reports/{created['id']}", json=body)
    assert response.status_code == status, response.text
    assert says in response.json()["detail"]
    report = Report.objects.get()
    assert (report.name, report.schedule) == ("Customers", "0 8 * * 1-5")
    assert report.databases.count() == 1


def test_create_refuses_a_malformed_body(alice_api, chinook):
    response = alice_api.post(
        "/reports",
        json={
            "name": "x",
            "question": QUESTION,
            "database_ids": [str(chinook.pk)],
            "schedule": "0 25 * * *",
        },
    )
    assert response.status_code == 400 and "schedule" in response.json()["detail"]
    assert alice_api.post("/reports", content=b"{not json").status_code in (400, 422)
    assert not Report.objects.exists()

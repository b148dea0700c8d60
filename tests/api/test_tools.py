"""/tools/execute on Chinook SQLite: every tool, and the 400s that name the problem."""

import pytest

from connections import services as registry

from .conftest import assert_error


def run(api, connection, name, **arguments):
    return api.post(
        "/tools/execute",
        json={"name": name, "arguments": arguments, "target_database": str(connection.pk)},
    )


def test_list_tables(alice_api, chinook):
    response = run(alice_api, chinook, "list_tables")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["target_database"] == str(chinook.pk)
    assert {"main.Customer", "main.Track", "main.Invoice"} <= {t["name"] for t in body["result"]}


def test_describe_table(alice_api, chinook):
    result = run(alice_api, chinook, "describe_table", table="customer").json()["result"]
    assert result["name"] == "main.Customer" and result["primary_key"] == ["CustomerId"]
    assert "Email" in [c["name"] for c in result["columns"]]
    assert result["foreign_keys"][0]["referred_table"] == "Employee"


def test_sample_rows(alice_api, chinook):
    result = run(alice_api, chinook, "sample_rows", table="Genre", limit=3).json()["result"]
    assert result["row_count"] == 3 and result["columns"] == ["GenreId", "Name"]


def test_get_schema(alice_api, chinook):
    result = run(alice_api, chinook, "get_schema").json()["result"]
    assert result["dialect"] == "sqlite" and len(result["tables"]) == 11


def test_profile_column(alice_api, chinook):
    result = run(alice_api, chinook, "profile_column", table="Customer", column="Country").json()[
        "result"
    ]
    assert result["column"] == "Country" and result["distinct"] == 24
    assert result["top_values"][0] == ["USA", 13]


def test_run_sql(alice_api, chinook):
    result = run(alice_api, chinook, "run_sql", sql="SELECT COUNT(*) AS n FROM Customer").json()[
        "result"
    ]
    assert result["rows"] == [[59]] and result["columns"] == ["n"]
    capped = run(alice_api, chinook, "run_sql", sql="SELECT * FROM Track", limit=5).json()["result"]
    assert capped["row_count"] == 5 and capped["truncated"] is True


@pytest.mark.parametrize(
    "sql", ["DELETE FROM Customer", "DROP TABLE Track", "SELECT 1; DELETE FROM Customer"]
)
def test_write_sql_is_refused_with_the_guards_reason(alice_api, chinook, sql):
    body = assert_error(run(alice_api, chinook, "run_sql", sql=sql), 400, "guard")
    assert len(body["detail"]) > len("Refused by the SQL guard: ")
    assert run(alice_api, chinook, "run_sql", sql="SELECT COUNT(*) FROM Customer").json()["result"][
        "rows"
    ] == [[59]]


def test_bad_tools_and_arguments_are_400(alice_api, chinook):
    assert_error(run(alice_api, chinook, "drop_everything"), 400, "drop_everything", "list_tables")
    assert_error(run(alice_api, chinook, "describe_table"), 400, "describe_table", "table")
    assert_error(run(alice_api, chinook, "describe_table", table="Nope"), 400, "nope")
    assert_error(run(alice_api, chinook, "sample_rows", table="Genre", limit=0), 400, "limit")
    assert_error(
        run(alice_api, chinook, "profile_column", table="Customer", column="zzz"), 400, "zzz"
    )
    assert_error(run(alice_api, chinook, "list_tables", extra=1), 400, "extra")
    # Tables outside the latest snapshot are refused by the guard, before the database.
    assert_error(
        run(alice_api, chinook, "run_sql", sql="SELECT * FROM NoSuchTable"),
        400,
        "guard",
        "unknown table nosuchtable",
    )
    assert_error(run(alice_api, chinook, "run_sql", sql="SELECT Nope FROM Genre"), 400, "error")


def test_target_resolution(alice_api, alice, chinook):
    no_target = {"name": "list_tables", "arguments": {}}
    assert_error(alice_api.post("/tools/execute", json=no_target), 400, "target_database")
    registry.select_connection(alice, chinook)
    assert alice_api.post("/tools/execute", json=no_target).json()["target_database"] == str(
        chinook.pk
    )
    unknown = {**no_target, "target_database": "00000000-0000-4000-8000-000000000000"}
    assert_error(alice_api.post("/tools/execute", json=unknown), 404)
    assert_error(alice_api.post("/tools/execute", json={**no_target, "target_database": "x"}), 422)


def test_tools_before_extraction(alice_api, make_connection, chinook_sqlite):
    fresh = make_connection(chinook_sqlite.params, name="fresh")
    assert_error(run(alice_api, fresh, "list_tables"), 400, "extract")
    assert run(alice_api, fresh, "run_sql", sql="SELECT 1 AS one").json()["result"]["rows"] == [[1]]


def test_the_tool_and_its_arguments_are_checked_before_the_target(alice_api):
    # No target and nothing selected: the tool's own problem is the one named.
    unknown = alice_api.post("/tools/execute", json={"name": "nope", "arguments": {}})
    assert_error(unknown, 400, "unknown tool 'nope'", "list_tables")
    bad = alice_api.post("/tools/execute", json={"name": "describe_table", "arguments": {}})
    assert_error(bad, 400, "describe_table", "table")

"""/datapoints over real HTTP: list by scope and kind, sync status, sync (staff, confined to
DATAPOINTS_DIR)."""

import pytest

from schemas_app import datapoints

from .conftest import assert_error

METRIC = "kind: metric\nname: revenue\nsql: SUM(orders.total)\n"
NOTE = "kind: table_note\ntable: orders\nnote: One row per order.\n"
TERM = "kind: glossary\nterm: vip\nmeaning: Big customers.\n"


@pytest.fixture
def root(settings, tmp_path):
    settings.DATAPOINTS_DIR = str(tmp_path / "points")
    (tmp_path / "points").mkdir()
    return tmp_path / "points"


@pytest.fixture
def shops(transactional_db, make_connection, chinook_sqlite):
    return (
        make_connection(chinook_sqlite.params, name="Shop One"),
        make_connection(chinook_sqlite.params, name="Shop Two"),
    )


def write(directory, name, text):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(text, encoding="utf-8")
    return directory


def test_list_by_scope_and_kind(alice_api, shops, root):
    one, two = shops
    datapoints.sync_directory(write(root / "a", "m.yaml", METRIC + "---\n" + NOTE), connection=one)
    datapoints.sync_directory(write(root / "b", "t.yaml", TERM), global_scope=True)
    everything = alice_api.get("/datapoints")
    assert everything.status_code == 200, everything.text
    # By kind (glossary, metric, table_note), then name.
    assert [p["name"] for p in everything.json()] == ["vip", "revenue", "orders"]
    mine = alice_api.get("/datapoints", params={"scope": str(one.pk)}).json()
    assert [(p["kind"], p["name"]) for p in mine] == [
        ("metric", "revenue"),
        ("table_note", "orders"),
    ]
    assert mine[0]["connection_id"] == str(one.pk) and mine[0]["scope"] == "connection"
    assert mine[0]["content"] == {"name": "revenue", "sql": "SUM(orders.total)"}
    assert mine[0]["source_file"] == "m.yaml" and mine[0]["source_line"] == 1
    assert alice_api.get("/datapoints", params={"scope": str(two.pk)}).json() == []
    glossary = alice_api.get("/datapoints", params={"scope": "global", "kind": "glossary"}).json()
    assert [p["name"] for p in glossary] == ["vip"] and glossary[0]["connection_id"] is None
    metrics = alice_api.get("/datapoints", params={"kind": "metric", "limit": 1}).json()
    assert [p["name"] for p in metrics] == ["revenue"]
    assert alice_api.get("/datapoints", params={"offset": 2}).json()[0]["name"] == "orders"


def test_list_errors_and_hidden_databases(alice_api, anon_api, shops, root):
    one, _ = shops
    datapoints.sync_directory(write(root / "a", "m.yaml", METRIC), connection=one)
    one.is_active = False
    one.save()
    # An inactive database is hidden from users: 404 by id, absent from the full list.
    assert_error(alice_api.get("/datapoints", params={"scope": str(one.pk)}), 404, "database")
    assert alice_api.get("/datapoints").json() == []
    assert_error(alice_api.get("/datapoints", params={"scope": "nope"}), 404, "database")
    assert_error(alice_api.get("/datapoints", params={"kind": "chart"}), 422, "kind")
    assert_error(anon_api.get("/datapoints"), 401)


def test_sync_from_the_configured_directory_and_its_status(admin_api, alice_api, shops, root):
    one, _ = shops
    status = alice_api.get("/datapoints/sync", params={"scope": str(one.pk)}).json()
    assert status["directory"] == str(root / "shop-one") and status["directory_exists"] is False
    assert status["last_sync_at"] is None and status["errors"] == []
    assert_error(
        admin_api.post("/datapoints/sync", json={"scope": str(one.pk)}), 400, "no directory"
    )
    write(root / "shop-one", "m.yaml", METRIC)
    write(root / "shop-one", "bad.yaml", "kind: metric\nname: margin\n")
    body = admin_api.post("/datapoints/sync", json={"scope": str(one.pk)}).json()
    assert (body["added"], body["updated"], body["removed"], body["unchanged"]) == (1, 0, 0, 0)
    assert body["added_keys"] == ["metric:revenue"] and body["files"] == 2
    assert body["errors"] == [
        {"file": "bad.yaml", "line": 1, "message": "entry 1: a metric needs a non-empty 'sql'"}
    ]
    status = alice_api.get("/datapoints/sync", params={"scope": str(one.pk)}).json()
    assert status["added"] == 1 and status["errors"][0]["file"] == "bad.yaml"
    assert status["last_sync_at"] is not None and status["directory_exists"] is True
    (root / "shop-one" / "m.yaml").unlink()
    again = admin_api.post("/datapoints/sync", json={"scope": str(one.pk), "dry_run": True}).json()
    assert again["dry_run"] is True and again["removed_keys"] == ["metric:revenue"]
    assert again["sync_id"] is None
    assert len(alice_api.get("/datapoints", params={"scope": str(one.pk)}).json()) == 1


def test_sync_a_directory_under_the_root_only(admin_api, shops, root, tmp_path):
    write(root / "shared" / "terms", "t.yaml", TERM)
    write(tmp_path / "outside", "t.yaml", TERM)
    (root / "link").symlink_to(tmp_path / "outside")
    body = admin_api.post(
        "/datapoints/sync", json={"scope": "global", "directory": "shared/terms"}
    ).json()
    assert body["added_keys"] == ["glossary:vip"] and body["directory"] == str(
        root / "shared" / "terms"
    )
    for outside in (str(tmp_path / "outside"), "../outside", "shared/../../outside", "link"):
        response = admin_api.post(
            "/datapoints/sync", json={"scope": "global", "directory": outside}
        )
        assert_error(response, 400, "DATAPOINTS_DIR")
    assert_error(
        admin_api.post("/datapoints/sync", json={"scope": "global", "directory": "x" * 300}),
        400,
        "cannot read the directory",
    )


def test_only_staff_sync(alice_api, anon_api, shops, root):
    write(root / "global", "t.yaml", TERM)
    assert_error(alice_api.post("/datapoints/sync", json={"scope": "global"}), 403, "staff")
    assert_error(anon_api.post("/datapoints/sync", json={"scope": "global"}), 401)
    assert alice_api.get("/datapoints").json() == []
    assert_error(alice_api.get("/datapoints/sync"), 422, "scope")

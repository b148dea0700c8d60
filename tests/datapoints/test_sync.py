"""Parsing, validation, idempotent sync, removal and scoping of DataPoints."""

import pytest

from schemas_app import datapoints
from schemas_app.models import DataPoint, DataPointSync

from .conftest import DEMO_POINTS

pytestmark = pytest.mark.django_db

METRIC = """
- kind: metric
  name: revenue
  sql: SUM(orders.total)
  filter: orders.status IN ('paid', 'shipped')
  tables: [orders]
- kind: glossary
  term: churned
  meaning: No order since 2025.
  filter: customers.id NOT IN (SELECT orders.customer_id FROM orders WHERE orders.order_date >= '2025-01-01')
  tables: [customers]
"""


def test_demo_directory_is_valid_and_sync_is_idempotent(shop):
    first = datapoints.sync_directory(DEMO_POINTS, connection=shop)
    assert first.errors == []
    assert len(first.added) == DataPoint.objects.filter(scope_key=f"connection:{shop.pk}").count()
    assert {"metric:revenue", "glossary:churned", "table_note:orders"} <= set(first.added)
    second = datapoints.sync_directory(DEMO_POINTS, connection=shop)
    assert (second.added, second.updated, second.removed) == ([], [], [])
    assert second.unchanged == len(first.added)
    sync = DataPointSync.objects.get(pk=second.sync_id)
    assert (sync.added, sync.updated, sync.removed) == (0, 0, 0)


def test_changes_are_updates_and_deleted_entries_are_removed(shop, points_dir):
    root = points_dir("a.yaml", METRIC)
    points_dir(
        "notes.json", '[{"kind": "table_note", "table": "orders", "note": "One per order."}]'
    )
    assert len(datapoints.sync_directory(root, connection=shop).added) == 3
    points_dir("a.yaml", METRIC.replace("'paid', 'shipped'", "'shipped'"))
    (root / "notes.json").unlink()
    report = datapoints.sync_directory(root, connection=shop)
    assert report.updated == ["metric:revenue"] and report.added == []
    assert report.removed == ["table_note:orders"]
    revenue = DataPoint.objects.get(scope_key=f"connection:{shop.pk}", key="metric:revenue")
    assert revenue.content["filter"] == "orders.status IN ('shipped')"
    assert not DataPoint.objects.filter(key="table_note:orders").exists()


def test_malformed_files_report_file_and_line_and_others_still_sync(shop, points_dir):
    root = points_dir("good.yaml", METRIC)
    points_dir("broken.yaml", "- kind: metric\n  name: margin\n  sql: [unclosed\n")
    points_dir(
        "invalid.yaml",
        "- kind: metric\n  name: ok\n  sql: SUM(orders.total)\n- kind: metric\n  name: nosql\n",
    )
    points_dir("bad.json", '[\n  {"kind": "glossary",\n   "term": "x"\n  ,}\n]')
    points_dir("wrongkind.yml", "kind: chart\nname: x\n")
    report = datapoints.sync_directory(root, connection=shop)
    errors = {e.file: e for e in report.errors}
    assert set(errors) == {"broken.yaml", "invalid.yaml", "bad.json", "wrongkind.yml"}
    assert errors["broken.yaml"].line == 4 and "invalid YAML" in errors["broken.yaml"].message
    assert errors["invalid.yaml"].line == 4 and "'sql'" in errors["invalid.yaml"].message
    assert str(errors["invalid.yaml"]).startswith("invalid.yaml:4: entry 2:")
    assert errors["bad.json"].line == 4 and "invalid JSON" in errors["bad.json"].message
    assert errors["wrongkind.yml"].line == 1 and "unknown kind" in errors["wrongkind.yml"].message
    # The good file and the valid entry of the half-valid file are synced.
    assert {"metric:revenue", "glossary:churned", "metric:ok"} == set(report.added)
    sync = DataPointSync.objects.get(pk=report.sync_id)
    assert any(e["file"] == "invalid.yaml" and e["line"] == 4 for e in sync.errors)


def test_a_file_with_errors_keeps_its_earlier_points(shop, points_dir):
    root = points_dir("a.yaml", METRIC)
    datapoints.sync_directory(root, connection=shop)
    points_dir("a.yaml", METRIC + "\n- kind: metric\n  name: [oops\n")
    report = datapoints.sync_directory(root, connection=shop)
    assert report.errors and report.removed == []
    assert DataPoint.objects.filter(scope_key=f"connection:{shop.pk}").count() == 2


def test_dry_run_writes_nothing(shop, points_dir):
    root = points_dir("a.yaml", METRIC)
    report = datapoints.sync_directory(root, connection=shop, dry_run=True)
    assert len(report.added) == 2 and "would be added" in report.summary()
    assert not DataPoint.objects.exists() and not DataPointSync.objects.exists()


def test_a_scope_is_required_and_exclusive(shop, points_dir):
    root = points_dir("a.yaml", METRIC)
    with pytest.raises(datapoints.DataPointError, match="scope"):
        datapoints.sync_directory(root)
    with pytest.raises(datapoints.DataPointError, match="not both"):
        datapoints.sync_directory(root, connection=shop, global_scope=True)
    with pytest.raises(datapoints.DataPointError, match="No directory"):
        datapoints.sync_directory(root / "missing", global_scope=True)


def test_scoping_never_bleeds_across_databases(shop, other_shop, points_dir):
    root = points_dir("a.yaml", METRIC)
    shared = points_dir.root.parent / "shared"
    shared.mkdir()
    (shared / "g.yaml").write_text("kind: glossary\nterm: vip\nmeaning: Enterprise customers.\n")
    datapoints.sync_directory(root, connection=shop)
    datapoints.sync_directory(shared, global_scope=True)
    mine = {p.name for p in datapoints.load_candidates(shop)}
    theirs = {p.name for p in datapoints.load_candidates(other_shop)}
    assert mine == {"revenue", "churned", "vip"}
    assert theirs == {"vip"}
    # Syncing the same directory into the other database is a separate scope, not a move.
    report = datapoints.sync_directory(root, connection=other_shop)
    assert len(report.added) == 2 and report.removed == []
    assert {p.name for p in datapoints.load_candidates(shop)} == mine


def test_unscoped_legacy_points_only_when_no_scoped_ones(shop, other_shop, points_dir):
    DataPoint.objects.create(
        kind="table_note",
        key="table_note:orders",
        name="orders",
        content={"table": "orders", "note": "legacy"},
        content_hash="x",
    )
    assert [p.name for p in datapoints.load_candidates(other_shop)] == ["orders"]
    datapoints.sync_directory(points_dir("a.yaml", METRIC), connection=shop)
    assert "orders" not in {p.name for p in datapoints.load_candidates(shop)}
    assert [p.name for p in datapoints.load_candidates(other_shop)] == ["orders"]


def test_bm25_retrieval_ranks_the_relevant_point_first(shop):
    datapoints.sync_directory(DEMO_POINTS, connection=shop)
    candidates = datapoints.load_candidates(shop)
    assert datapoints.retrieve("how many churned customers", candidates)[0].name == "churned"
    assert datapoints.retrieve("revenue by month", candidates)[0].name == "revenue"
    assert datapoints.retrieve("zzz qqq", candidates) == []

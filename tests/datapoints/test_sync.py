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


# --- files that used to crash the whole sync (each is now one file's error, or just works) ---

OK_NOTE = "kind: table_note\ntable: orders\nnote: One row per order.\n"


def _sync_global(root, **kwargs):
    return datapoints.sync_directory(root, global_scope=True, **kwargs)


@pytest.mark.parametrize("dry_run", [True, False])
def test_yaml_dates_stay_text_as_written(points_dir, dry_run):
    root = points_dir("ok.yaml", OK_NOTE)
    points_dir(
        "date.yaml",
        "kind: glossary\nterm: new year orders\nmeaning: Orders on new year day.\n"
        "value: {column: orders.order_date, equals: 2025-01-01}\n",
    )
    report = _sync_global(root, dry_run=dry_run)
    assert report.errors == [] and len(report.added) == 2
    if not dry_run:
        point = DataPoint.objects.get(key="glossary:new-year-orders")
        assert point.content["value"] == {"column": "orders.order_date", "equals": "2025-01-01"}
        assert _sync_global(root).unchanged == 2  # the hash of a date is stable


def test_explicit_timestamps_and_numbers_in_values(points_dir):
    root = points_dir(
        "t.yaml",
        "- kind: glossary\n  term: launch\n  meaning: Launch day.\n"
        "  value: {column: orders.order_date, equals: !!timestamp 2025-01-01}\n"
        "- kind: glossary\n  term: big\n  meaning: Big.\n  value: {column: orders.total, equals: 500}\n",
    )
    report = _sync_global(root)
    assert report.errors == []
    assert DataPoint.objects.get(key="glossary:launch").content["value"]["equals"] == "2025-01-01"
    assert DataPoint.objects.get(key="glossary:big").content["value"]["equals"] == 500


@pytest.mark.parametrize("dry_run", [True, False])
def test_integer_field_names_are_reported_not_a_crash(points_dir, dry_run):
    root = points_dir("ok.yaml", OK_NOTE)
    points_dir("intkey.yaml", "kind: table_note\ntable: x\nnote: y\n1: a\nfoo: b\n")
    points_dir("nested.yaml", "- kind: glossary\n  term: t\n  meaning: m\n  value: {1: a}\n")
    report = _sync_global(root, dry_run=dry_run)
    assert [str(e) for e in report.errors] == [
        "intkey.yaml:1: entry 1: field names must be text; the entry has 1",
        "nested.yaml:1: entry 1: field names must be text; 'value' has 1",
    ]
    assert report.added == ["table_note:orders"]


def test_json_surrogate_escapes(points_dir):
    # A pair is one character (an emoji); a lone half cannot be stored, so it is reported.
    root = points_dir(
        "esc.json", '[{"kind": "table_note", "table": "orders", "note": "a\\/b \\ud83d\\ude00"}]'
    )
    points_dir("lone.json", '[{"kind": "table_note", "table": "x", "note": "bad \\ud83d"}]')
    points_dir("nul.yaml", 'kind: table_note\ntable: "y"\nnote: "a\\0b"\n')
    points_dir(
        "nan.yaml", "kind: glossary\nterm: t\nmeaning: m\nvalue: {column: a.b, equals: .nan}\n"
    )
    report = _sync_global(root)
    assert [str(e) for e in report.errors] == [
        "lone.json:1: entry 1: 'note' contains an invalid character (a lone UTF-16 surrogate)",
        "nan.yaml:1: entry 1: 'value.equals' must be a finite number",
        "nul.yaml:1: entry 1: 'note' contains a NUL character",
    ]
    assert DataPoint.objects.get(key="table_note:orders").content["note"] == "a/b \U0001f600"


def test_non_scalar_values_are_reported(points_dir):
    root = points_dir(
        "a.yaml",
        "- kind: glossary\n  term: t\n  meaning: m\n  value: {column: a.b, equals: [1, 2]}\n"
        "- kind: metric\n  name: m\n  sql: SUM(x)\n  synonyms: [[a]]\n"
        "- kind: metric\n  name: n\n  sql: SUM(x)\n  id: {a: 1}\n",
    )
    report = _sync_global(root)
    assert [str(e) for e in report.errors] == [
        "a.yaml:1: entry 1: 'value.equals' must be a single value (text or a number)",
        "a.yaml:5: entry 2: 'synonyms' must be a single value (text or a number)",
        "a.yaml:9: entry 3: 'id' must be a single value (text or a number)",
    ]


def test_an_unexpected_error_costs_one_entry_and_names_file_and_line(points_dir, monkeypatch):
    # Fault injection: stands in for any bug in validation we have not thought of.
    real = datapoints.validate_item

    def buggy(raw):
        if raw.get("note") == "boom":
            raise TypeError("a bug")
        return real(raw)

    monkeypatch.setattr(datapoints, "validate_item", buggy)
    root = points_dir("ok.yaml", OK_NOTE)
    points_dir(
        "bad.yaml",
        "- kind: table_note\n  table: a\n  note: fine\n- {kind: table_note, table: b, note: boom}\n",
    )
    report = _sync_global(root)
    assert [str(e) for e in report.errors] == ["bad.yaml:4: entry 2: could not be read (TypeError)"]
    assert sorted(report.added) == ["table_note:a", "table_note:orders"]


def test_an_unexpected_error_in_a_file_is_that_files_error(points_dir, monkeypatch):
    real = datapoints.parse_file

    def buggy(path, display):
        if display == "bad.yaml":
            raise RuntimeError("a bug")
        return real(path, display)

    monkeypatch.setattr(datapoints, "parse_file", buggy)
    root = points_dir("ok.yaml", OK_NOTE)
    points_dir("bad.yaml", OK_NOTE)
    report = _sync_global(root)
    assert [str(e) for e in report.errors] == ["bad.yaml: could not be read (RuntimeError)"]
    assert report.added == ["table_note:orders"]


def test_json_indented_with_tabs_and_its_line_numbers(points_dir):
    root = points_dir(
        "tabs.json",
        '[\n\t{\n\t\t"kind": "table_note",\n\t\t"table": "orders",\n\t\t"note": "One per order."\n\t},'
        '\n\t{\n\t\t"kind": "metric",\n\t\t"name": "nosql"\n\t}\n]',
    )
    points_dir("big.json", '{"kind": "table_note", "table": "t", "note": ' + "9" * 5000 + "}")
    report = _sync_global(root)
    assert report.added == ["table_note:orders"]
    assert DataPoint.objects.get(key="table_note:orders").source_line == 2
    big, tabs = (str(e) for e in report.errors)
    assert big.startswith("big.json: invalid JSON: Exceeds the limit")
    assert tabs == "tabs.json:7: entry 2: a metric needs a non-empty 'sql'"


def test_yaml_files_may_hold_several_documents(points_dir):
    root = points_dir(
        "multi.yaml",
        "---\n- kind: table_note\n  table: a\n  note: b\n---\nkind: table_note\ntable: c\nnote: d\n",
    )
    report = _sync_global(root)
    assert report.errors == [] and sorted(report.added) == ["table_note:a", "table_note:c"]
    assert DataPoint.objects.get(key="table_note:c").source_line == 6


def test_configured_directory_never_the_whole_root(shop, settings, tmp_path):
    settings.DATAPOINTS_DIR = str(tmp_path)
    assert datapoints.configured_directory(None) == tmp_path / "global"
    assert datapoints.configured_directory(shop) == tmp_path / "shop"
    shop.name = "!!!"  # slugs to "": the database's id instead of DATAPOINTS_DIR itself
    assert datapoints.configured_directory(shop) == tmp_path / str(shop.pk)

"""Extraction service on a real SQLite Chinook copy: snapshots, status, diffs, failures."""

import shutil
import sqlite3

import pytest

from schemas_app import services
from schemas_app.models import SchemaSnapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def chinook_copy(chinook_sqlite, tmp_path):
    """A private, writable copy so a test can change the schema between extractions."""
    path = tmp_path / "chinook.sqlite3"
    shutil.copy(chinook_sqlite.params.database, path)
    return path


@pytest.fixture
def chinook_connection(make_connection, chinook_sqlite, chinook_copy):
    from dataclasses import replace

    return make_connection(
        replace(chinook_sqlite.params, database=str(chinook_copy)), name="chinook"
    )


def test_extraction_stores_a_typed_snapshot_with_samples(chinook_connection):
    snapshot = services.extract_now(chinook_connection)

    assert snapshot.status == SchemaSnapshot.Status.SUCCEEDED, snapshot.error
    assert snapshot.table_count == 11
    assert snapshot.duration_ms is not None and snapshot.fingerprint
    document = services.snapshot_document(snapshot.pk)
    track = next(t for t in document.tables if t.name == "Track")
    assert [c.name for c in track.columns][:3] == ["TrackId", "Name", "AlbumId"]
    assert len(track.sample_rows) == 2 and track.sample_error == ""
    assert {fk.referred_table for fk in track.foreign_keys} == {"Album", "Genre", "MediaType"}
    status = services.schema_status(chinook_connection)
    assert (status.state, status.label) == ("ready", "schema ready")
    assert status.extracted_at is not None


def test_never_extracted_status(chinook_connection):
    assert services.schema_status(chinook_connection).label == "never extracted"


def test_a_failed_extraction_keeps_the_last_good_snapshot(chinook_connection, chinook_copy):
    good = services.extract_now(chinook_connection)
    chinook_copy.unlink()  # the database disappears

    failed = services.extract_now(chinook_connection)

    assert failed.status == SchemaSnapshot.Status.FAILED
    assert "not found" in failed.error.lower()
    assert services.latest_snapshot(chinook_connection).pk == good.pk
    status = services.schema_status(chinook_connection)
    assert status.state == "failed" and status.label.startswith("failed: ")
    assert status.extracted_at == good.finished_at


def test_diff_against_the_previous_good_snapshot(chinook_connection, chinook_copy):
    services.extract_now(chinook_connection)
    db = sqlite3.connect(chinook_copy)
    db.executescript(
        """
        CREATE TABLE Review (ReviewId INTEGER PRIMARY KEY, TrackId INTEGER REFERENCES Track(TrackId));
        ALTER TABLE Customer ADD COLUMN Loyalty TEXT;
        DROP TABLE PlaylistTrack;
        """
    )
    db.close()

    second = services.extract_now(chinook_connection)
    diff = services.diff_with_previous(second)

    assert diff.tables_added == ["Review"] or diff.tables_added == ["main.Review"]
    assert [t.split(".")[-1] for t in diff.tables_removed] == ["PlaylistTrack"]
    assert [c.split(".", 1)[-1] for c in diff.columns_added][-1].endswith("Loyalty")
    assert not diff.types_changed


def test_diff_reports_type_changes_and_removed_columns_on_the_schema_page(
    alice_client, chinook_connection, chinook_copy
):
    from django.urls import reverse

    services.extract_now(chinook_connection)
    db = sqlite3.connect(chinook_copy)
    db.executescript(
        """
        ALTER TABLE Customer DROP COLUMN Fax;
        PRAGMA foreign_keys = OFF;
        CREATE TABLE MediaType_new (MediaTypeId INTEGER PRIMARY KEY, Name TEXT);
        INSERT INTO MediaType_new SELECT * FROM MediaType;
        DROP TABLE MediaType;
        ALTER TABLE MediaType_new RENAME TO MediaType;
        """
    )
    db.close()

    second = services.extract_now(chinook_connection)
    diff = services.diff_with_previous(second)

    assert diff.columns_removed == ["main.Customer.Fax"]
    assert diff.types_changed == [("main.MediaType.Name", "NVARCHAR(120)", "TEXT")]
    assert not (diff.tables_added or diff.tables_removed or diff.columns_added)
    page = alice_client.get(reverse("schema_page", args=[chinook_connection.pk])).content.decode()
    assert "Changes since the previous snapshot" in page
    assert "− column main.Customer.Fax" in page
    assert "~ main.MediaType.Name: NVARCHAR(120) → TEXT" in page


def test_diff_of_equal_documents_is_empty(chinook_connection):
    first = services.extract_now(chinook_connection)
    second = services.extract_now(chinook_connection)
    assert services.diff_with_previous(second).is_empty
    assert first.fingerprint == second.fingerprint


def test_two_requests_for_one_connection_run_one_extraction(chinook_connection, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # keep it pending: no worker picks it up
    from datachat.celery import app

    app.conf.task_always_eager = False
    try:
        first, created_first = services.request_extraction(chinook_connection)
        second, created_second = services.request_extraction(chinook_connection)
    finally:
        app.conf.task_always_eager = True
    assert created_first and not created_second
    assert first.pk == second.pk
    assert services.claim(first.pk) is True
    assert services.claim(first.pk) is False  # a second worker finds it taken
    with pytest.raises(services.ExtractionBusy):
        services.extract_now(chinook_connection)
    assert SchemaSnapshot.objects.filter(connection=chinook_connection).count() == 1


def test_profiles_give_nulls_distincts_ranges_and_top_values(chinook_connection):
    snapshot = services.extract_now(chinook_connection, with_profile=True)
    assert snapshot.status == SchemaSnapshot.Status.SUCCEEDED, snapshot.error
    profiles = services.snapshot_profiles(snapshot.pk)
    customer = next(v for k, v in profiles.items() if k.endswith("Customer"))
    assert customer["Country"]["distinct"] == 24
    top_country, top_count = customer["Country"]["top_values"][0]
    assert (top_country, top_count) == ("USA", 13)
    assert customer["Company"]["null_fraction"] == pytest.approx(49 / 59, abs=1e-3)
    invoice = next(v for k, v in profiles.items() if k.endswith("Invoice"))
    assert float(invoice["Total"]["min"]) == pytest.approx(0.99)
    assert float(invoice["Total"]["max"]) == pytest.approx(25.86)


def test_a_table_whose_sampling_fails_is_marked_and_the_extraction_succeeds(
    chinook_connection, chinook_copy
):
    db = sqlite3.connect(chinook_copy)
    # A view over a table that no longer exists: listed in the catalog, fails when read.
    db.executescript(
        "CREATE TABLE Doomed (x INTEGER); CREATE VIEW Broken AS SELECT x FROM Doomed; DROP TABLE Doomed;"
    )
    db.close()
    snapshot = services.extract_now(chinook_connection)
    assert snapshot.status == SchemaSnapshot.Status.SUCCEEDED, snapshot.error
    broken = next(t for t in services.snapshot_document(snapshot.pk).tables if t.name == "Broken")
    assert broken.sample_error and broken.sample_rows == []

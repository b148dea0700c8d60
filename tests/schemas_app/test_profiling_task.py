"""Column profiling runs as its own task after a successful extraction, when asked."""

import pytest
from django.urls import reverse

from schemas_app import services
from schemas_app.models import SchemaSnapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def chinook(make_connection, chinook_sqlite):
    return make_connection(chinook_sqlite.params, name="chinook")


def test_extraction_then_profiling_as_two_tasks(chinook, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        snapshot, created = services.request_extraction(chinook, with_profile=True)
    assert created
    # One callback queued the extraction; the extraction task queued the profiling task.
    assert len(callbacks) == 2
    snapshot.refresh_from_db()
    assert snapshot.status == "succeeded" and snapshot.profile_status == "done"
    assert snapshot.profiled_at is not None
    customer = services.snapshot_profiles(snapshot.pk)["main.Customer"]
    assert customer["Country"]["top_values"][0] == ["USA", 13]


def test_the_schema_is_ready_while_profiling_is_pending(chinook, settings):
    snapshot = services.extract_now(chinook)
    SchemaSnapshot.objects.filter(pk=snapshot.pk).update(profile_status="pending")
    status = services.schema_status(chinook)
    assert status.state == "profiling" and status.label == "schema ready · profiling 0%"
    assert services.latest_snapshot(chinook).pk == snapshot.pk  # answering can use it already


def test_profile_button_profiles_the_latest_snapshot_once(
    admin_client, chinook, django_capture_on_commit_callbacks
):
    snapshot = services.extract_now(chinook)
    assert snapshot.profile_status == "" and not services.snapshot_profiles(snapshot.pk)
    url = reverse("schema_profile", args=[chinook.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    snapshot.refresh_from_db()
    assert snapshot.profile_status == "done" and services.snapshot_profiles(snapshot.pk)
    # A second request while one is pending does not start a second run.
    SchemaSnapshot.objects.filter(pk=snapshot.pk).update(profile_status="running")
    assert services.request_profiling(snapshot) is False
    assert services.run_profiling(snapshot.pk).profile_status == "running"  # not claimed


def test_profile_needs_a_snapshot_and_post(alice_client, chinook):
    url = reverse("schema_profile", args=[chinook.pk])
    assert alice_client.get(url).status_code == 405
    assert alice_client.post(url).status_code == 404


def test_profiling_failure_is_recorded_and_the_schema_kept(chinook, chinook_sqlite, tmp_path):
    import shutil

    path = tmp_path / "gone.sqlite3"
    shutil.copy(chinook_sqlite.params.database, path)
    chinook.database = str(path)
    chinook.save()
    snapshot = services.extract_now(chinook)
    path.unlink()
    SchemaSnapshot.objects.filter(pk=snapshot.pk).update(profile_status="pending")
    profiled = services.run_profiling(snapshot.pk)
    assert profiled.status == "succeeded"
    # Each table's failure is recorded in its profile; the snapshot stays good.
    assert profiled.profile_status == "done"
    assert all("_error" in p for p in profiled.profiles.values())

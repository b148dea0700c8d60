"""Per-process caches of parsed documents and profiles must follow what other processes store.

The autouse fixture clears caches before each test only; inside a test nothing clears them,
as in a web process that keeps running while a worker profiles.
"""

import pytest
from django.utils import timezone

from schemas_app import services
from schemas_app.models import SchemaSnapshot
from schemas_app.profiling import profile_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def chinook(make_connection, chinook_sqlite):
    return make_connection(chinook_sqlite.params, name="chinook")


def store_profiles_like_a_worker(snapshot_id: int, profiles: dict) -> None:
    """What run_profiling writes, done here so that no cache of this process is touched."""
    SchemaSnapshot.objects.filter(pk=snapshot_id).update(
        profile_status="done", profiles=profiles, profiled_at=timezone.now(), phase="done"
    )


def test_profiles_stored_after_a_read_while_pending_are_seen(chinook):
    snapshot = services.extract_now(chinook)
    SchemaSnapshot.objects.filter(pk=snapshot.pk).update(profile_status="pending")
    assert services.snapshot_profiles(snapshot.pk) == {}  # read while pending

    engine = chinook.engine()
    profiles = profile_document(engine, services.snapshot_document(snapshot.pk))
    store_profiles_like_a_worker(snapshot.pk, profiles)

    seen = services.snapshot_profiles(snapshot.pk)
    assert seen["main.Customer"]["Country"]["top_values"][0] == ["USA", 13]
    # Cached while unchanged: the same object (the answering index is keyed on identity).
    assert services.snapshot_profiles(snapshot.pk) is seen

    # Profiled again (the button): the new values replace the cached ones.
    redone = {"main.Customer": {"Country": {"distinct": 1}}}
    store_profiles_like_a_worker(snapshot.pk, redone)
    assert services.snapshot_profiles(snapshot.pk) == redone


def test_a_document_read_before_extraction_finished_is_seen_afterwards(chinook):
    snapshot = SchemaSnapshot.objects.create(connection=chinook)
    assert services.claim(snapshot.pk)
    assert services.snapshot_document(snapshot.pk) is None  # read while running

    services.run_extraction(snapshot.pk)

    document = services.snapshot_document(snapshot.pk)
    assert document is not None and document.table("main.Track") is not None
    assert services.snapshot_document(snapshot.pk) is document  # parsed once

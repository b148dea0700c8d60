"""manage.py extract_schema: summaries, --all, exit codes."""

import pytest
from django.core.management import CommandError, call_command

from connections.dialects import ConnectionParams
from schemas_app import services

pytestmark = pytest.mark.django_db


def test_extract_named_connection(make_connection, chinook_sqlite, capsys):
    connection = make_connection(chinook_sqlite.params, name="chinook")
    call_command("extract_schema", "chinook")
    out = capsys.readouterr().out
    assert "chinook: 11 tables" in out
    assert services.latest_snapshot(connection).table_count == 11


def test_extract_by_id_with_profile(make_connection, chinook_sqlite, capsys):
    connection = make_connection(chinook_sqlite.params, name="chinook")
    call_command("extract_schema", str(connection.pk), "--profile")
    snapshot = services.latest_snapshot(connection)
    assert services.snapshot_profiles(snapshot.pk)


def test_all_with_one_failure_exits_non_zero(make_connection, chinook_sqlite, tmp_path, capsys):
    make_connection(chinook_sqlite.params, name="chinook")
    make_connection(
        ConnectionParams(kind="sqlite", database=str(tmp_path / "nope.db")), name="broken"
    )
    with pytest.raises(CommandError, match="1 of 2"):
        call_command("extract_schema", "--all")
    out = capsys.readouterr().out
    assert "chinook: 11 tables" in out and "broken: failed:" in out


def test_unknown_name(capsys):
    with pytest.raises(CommandError, match="No connection named"):
        call_command("extract_schema", "nope")


def test_nothing_named():
    with pytest.raises(CommandError, match="at least one"):
        call_command("extract_schema")


def test_profiles_by_default_and_no_profile_skips(make_connection, chinook_sqlite, capsys):
    connection = make_connection(chinook_sqlite.params, name="chinook")
    call_command("extract_schema", "chinook")
    assert services.latest_snapshot(connection).with_profile
    assert services.snapshot_profiles(services.latest_snapshot(connection).pk)
    call_command("extract_schema", "chinook", "--no-profile")
    assert not services.latest_snapshot(connection).with_profile

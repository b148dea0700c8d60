"""Both spellings of the sync: manage.py datapoints sync, and the `datachat` console script."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from schemas_app.models import DataPoint
from tests.servers import missing as missing_on_machine

from .conftest import DEMO_POINTS, REPO

pytestmark = pytest.mark.django_db


def test_manage_py_sync_by_connection_name_then_idempotent(shop, capsys):
    call_command("datapoints", "sync", "--dir", str(DEMO_POINTS), "--connection-id", "shop")
    out = capsys.readouterr().out
    assert "added: metric:revenue" in out and "0 removed" in out
    count = DataPoint.objects.filter(connection=shop).count()
    assert count >= 5
    call_command("datapoints", "sync", "--dir", str(DEMO_POINTS), "--connection-id", str(shop.pk))
    assert "0 added, 0 updated, 0 removed" in capsys.readouterr().out


def test_manage_py_dry_run_and_errors(shop, points_dir, capsys):
    root = points_dir("bad.yaml", "- kind: metric\n  name: x\n")
    with pytest.raises(CommandError, match="errors"):
        call_command("datapoints", "sync", "--dir", str(root), "--global-scope", "--dry-run")
    assert "bad.yaml:1: entry 1" in capsys.readouterr().err
    with pytest.raises(CommandError, match="did not run"):
        call_command("datapoints", "sync", "--dir", str(root), "--connection-id", "nope")
    assert not DataPoint.objects.exists()


@pytest.mark.parametrize("identify", ["id", "name"])
def test_datachat_dp_sync_into_a_database_then_idempotent(shop, capsys, identify):
    """The `datachat` spelling with a real database, by id and by name (in this process, on
    the test database; the subprocess tests below cover the installed script itself)."""
    from datachat.cli import main

    ident = str(shop.pk) if identify == "id" else shop.name
    sync = ["dp", "sync", "--datapoints-dir", str(DEMO_POINTS), "--connection-id", ident]
    assert main(sync) == 0
    out = capsys.readouterr().out
    added = DataPoint.objects.filter(connection=shop, scope_key=f"connection:{shop.pk}").count()
    assert "added: metric:revenue" in out and f"connection:{shop.pk}: " in out
    assert f"{added} added, 0 updated, 0 removed" in out and added >= 5
    assert not DataPoint.objects.filter(scope_key="global").exists()
    assert main(sync) == 0
    assert (
        f"0 added, 0 updated, 0 removed, {added} unchanged, 0 error(s)" in capsys.readouterr().out
    )
    assert DataPoint.objects.filter(connection=shop).count() == added


def _script_env(tmp_path: Path) -> dict:
    # The script runs in its own process with its own (fresh SQLite) system database.
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'system.sqlite3'}",
        "DATACHAT_DATA_DIR": str(tmp_path),
    }


@pytest.mark.parametrize(
    "command",
    [
        [str(Path(sys.executable).parent / "datachat")],
        [sys.executable, "-m", "datachat.cli"],
    ],
    ids=["console-script", "python-m"],
)
def test_datachat_dp_sync(command, tmp_path):
    if not Path(command[0]).exists():
        missing_on_machine("the datachat script is not installed (pip install -e .)")
    env = _script_env(tmp_path)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0", "--skip-checks"],
        cwd=REPO,
        env=env,
        check=True,
        timeout=120,
    )
    sync = [*command, "dp", "sync", "--datapoints-dir", str(DEMO_POINTS), "--global-scope"]
    first = subprocess.run(sync, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    assert "added: metric:revenue" in first.stdout and "0 removed" in first.stdout
    again = subprocess.run(sync, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "0 added, 0 updated, 0 removed" in again.stdout
    missing = subprocess.run(
        [*command, "dp", "sync", "--datapoints-dir", str(DEMO_POINTS), "--connection-id", "nope"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 2 and "No database with id or name 'nope'" in missing.stderr
    # A real database registered in the script's system database, by id then by name.
    register = (
        "from connections.models import Connection; "
        f"print(Connection.objects.create(name='shop', kind='sqlite', database={str(tmp_path / 'shop.db')!r}).pk)"
    )
    made = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", register],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    shop_id = made.stdout.strip().splitlines()[-1]
    runs = ((shop_id, "added: metric:revenue"), ("shop", "0 added, 0 updated, 0 removed"))
    for ident, expected in runs:
        by_id = [*command, "dp", "sync", "--datapoints-dir", str(DEMO_POINTS)]
        run = subprocess.run(
            [*by_id, "--connection-id", ident],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 0, run.stderr
        assert f"connection:{shop_id}: " in run.stdout and expected in run.stdout
    assert "added: metric:revenue" not in run.stdout  # the second run (by name): idempotent

"""Both spellings of the sync: manage.py datapoints sync, and the `datachat` console script."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from schemas_app.models import DataPoint

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
        pytest.skip("the datachat script is not installed (pip install -e .)")
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

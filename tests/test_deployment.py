"""The deployment files: docker-compose.yml, deploy/Dockerfile, the Makefile and .ci/run.

No container engine runs here, so the compose file is validated with `docker-compose config`
(Debian package `docker-compose`, installed by scripts/ensure-test-services.sh) where present.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
REQUIRED_SERVICES = {
    "web",
    "worker",
    "redis",
    "postgres",
    "demo-postgres",
    "demo-mysql",
    "demo-clickhouse",
    "demo-seed",
}
# Variables the compose file insists on (`${VAR:?...}`); dummy values are enough for `config`.
REQUIRED_ENV = {"SECRET_KEY": "compose-check", "DATABASE_CREDENTIALS_KEY": "compose-check"}


def compose(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose is not installed (Debian package docker-compose)")
    run_env = {k: v for k, v in os.environ.items() if k not in REQUIRED_ENV}
    run_env.update(env if env is not None else REQUIRED_ENV)
    return subprocess.run(
        [binary, "-f", str(COMPOSE_FILE), *args],
        cwd=ROOT,
        env=run_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def declared_services() -> set[str]:
    """Top-level keys under `services:`, read without a YAML library."""
    services, inside = set(), False
    for line in COMPOSE_FILE.read_text().splitlines():
        if re.match(r"^\S", line):
            inside = line.startswith("services:")
        elif inside and (match := re.match(r"^  ([A-Za-z0-9_.-]+):\s*$", line)):
            services.add(match.group(1))
    return services


def test_compose_declares_the_stack():
    assert REQUIRED_SERVICES <= declared_services()


def test_compose_config_is_valid():
    result = compose("config", "-q")
    assert result.returncode == 0, result.stderr


def test_compose_services_as_docker_compose_sees_them():
    result = compose("config", "--services")
    assert result.returncode == 0, result.stderr
    assert REQUIRED_SERVICES <= set(result.stdout.split())


def test_compose_refuses_to_run_without_secrets():
    result = compose("config", "-q", env={})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr or "DATABASE_CREDENTIALS_KEY" in result.stderr


def test_compose_runs_production_settings():
    result = compose("config")
    assert result.returncode == 0, result.stderr
    assert "DEBUG: 'false'" in result.stdout or 'DEBUG: "false"' in result.stdout
    assert "gunicorn datachat.wsgi" in result.stdout
    assert "celery -A datachat worker" in result.stdout
    for target in ("demo-postgres:5432", "demo-mysql:3306", "demo-clickhouse:9000"):
        assert target in result.stdout


def test_dockerfile_serves_gunicorn():
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11", dockerfile, re.M)
    assert "datachat.wsgi" in dockerfile
    assert "dockerfile: deploy/Dockerfile" in COMPOSE_FILE.read_text()


def test_ci_runs_the_whole_suite():
    ci = ROOT / ".ci" / "run"
    assert os.access(ci, os.X_OK)
    text = ci.read_text()
    assert "set -euo pipefail" in text
    assert re.search(r"^\s*(exec\s+)?make test\s*$", text, re.M)


def test_makefile_targets():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("venv", "install", "services", "test", "demo", "lint", "bench"):
        assert re.search(rf"^{target}:", makefile, re.M), target


@pytest.mark.parametrize(
    "script",
    ["scripts/ensure-test-services.sh", "scripts/apt-ensure.sh", "scripts/ensure-build-deps.sh"],
)
def test_shell_scripts_parse(script):
    path = ROOT / script
    assert os.access(path, os.X_OK)
    result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr

"""The deployment files: docker-compose.yml, deploy/Dockerfile, the Makefile and .ci/run.

No container engine runs here, so the compose file is validated with `docker-compose config`
(Debian package `docker-compose`, installed by scripts/ensure-test-services.sh) where present.
"""

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import missing

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
        missing("docker-compose is not installed (Debian package docker-compose)")
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


def test_compose_web_healthcheck_probes_healthz():
    """The web service is healthy when /healthz answers 200; the probe is Python's urllib,
    which the image has (curl is not installed in deploy/Dockerfile)."""
    import yaml

    result = compose("config")
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    check = services["web"]["healthcheck"]
    test = check["test"]
    assert test[0] == "CMD" and test[1:3] == ["python", "-c"]
    assert "urllib.request" in test[3] and "http://127.0.0.1:8000/healthz" in test[3]
    compile(test[3], "healthcheck", "exec")  # valid Python
    assert check["timeout"] and check["interval"] and check["retries"]
    assert "curl" not in (ROOT / "deploy" / "Dockerfile").read_text()
    # Only the web process serves HTTP: the worker and beat get no such probe.
    assert "healthcheck" not in services["worker"] and "healthcheck" not in services["beat"]


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


# What an operator sets in production behind HTTPS (README, Configuration).
HTTPS_ENV = {
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
}


def manage(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """manage.py in a fresh process under production settings (DEBUG off, real secrets), with
    none of this process's own settings variables."""
    from cryptography.fernet import Fernet

    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SECURE_", "SESSION_", "CSRF_", "DATABASE_", "DEBUG", "SECRET_"))
        and k not in ("ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE")
    }
    production = {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_CREDENTIALS_KEY": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "datachat.example.com",
        "DATACHAT_DATA_DIR": str(tmp_path),
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env={**inherited, **production, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **HTTPS_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_names_https_left_off(tmp_path):
    """Without the HTTPS variables, check --deploy says what is missing (opt-in, never silent)."""
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008"):  # HSTS, SSL redirect
        assert warning in result.stderr


def test_https_settings_come_from_the_environment(tmp_path):
    script = (
        "from django.conf import settings as s; print(repr((s.SECURE_PROXY_SSL_HEADER,"
        " s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
        " s.SECURE_HSTS_PRELOAD, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)))"
    )
    result = manage(tmp_path, "shell", "--no-imports", "-c", script, **HTTPS_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr(
        (("HTTP_X_FORWARDED_PROTO", "https"), True, 31536000, True, True, True, True)
    )


def test_a_malformed_proxy_header_fails_at_start(tmp_path):
    result = manage(tmp_path, "check", SECURE_PROXY_SSL_HEADER="https")
    assert result.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER takes a header and a value" in result.stderr

"""Fault tests run the product as an operator does: gunicorn (DEBUG=false) and Celery workers
in their own processes, on this test's system database, with Redis up, down or a dead port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.servers import needs_shared_system_database, system_database_url

ROOT = Path(__file__).resolve().parents[2]
DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebProcess:
    """gunicorn serving datachat.wsgi on a free port; `url`, `output` after stop()."""

    def __init__(self, data_dir: Path, **env: str):
        from tests.conftest import TEST_CREDENTIALS_KEY

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.output = ""
        self._log = data_dir / f"gunicorn-{self.port}.log"
        self._env = {
            **os.environ,
            "DATABASE_URL": system_database_url(),
            "DATABASE_CREDENTIALS_KEY": TEST_CREDENTIALS_KEY,
            "DATACHAT_DATA_DIR": str(data_dir),
            "DEBUG": "false",
            "SECRET_KEY": "reliability-tests-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SCHEMA_REQUEST_COOLDOWN_SECONDS": "0",
            **env,
        }
        self._process = None

    def start(self) -> WebProcess:
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "datachat.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--threads",
                "4",
                "--timeout",
                "120",
                "--graceful-timeout",
                "2",
                "--no-control-socket",  # one fixed path per user otherwise: runs would collide
            ],
            cwd=ROOT,
            env=self._env,
            stdout=self._log.open("w"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise AssertionError(f"gunicorn exited: {self._log.read_text()[-3000:]}")
            try:
                httpx.get(f"{self.url}/login/", timeout=1)
                return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError(f"gunicorn did not start: {self._log.read_text()[-3000:]}")

    def stop(self, sig=signal.SIGTERM) -> None:
        if self._process and self._process.poll() is None:
            self._process.send_signal(sig)
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self.output = self._log.read_text() if self._log.exists() else ""

    def __enter__(self) -> WebProcess:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def signed_in(web: WebProcess, username: str, password: str) -> httpx.Client:
    """An httpx client with a page session (as a browser after the login form)."""
    client = httpx.Client(base_url=web.url, timeout=60, follow_redirects=False)
    client.get("/login/")
    response = client.post(
        "/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        },
        headers={"Referer": f"{web.url}/login/"},
    )
    assert response.status_code == 302, response.text[:2000]
    client.headers["X-CSRFToken"] = client.cookies["csrftoken"]
    client.headers["Referer"] = f"{web.url}/"
    return client


@pytest.fixture
def shared_db(transactional_db):
    needs_shared_system_database()

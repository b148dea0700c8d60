"""Reports run on their own copy of Chinook (SQLite, schema extracted) so a test can change
its rows between runs; mail goes to a real SMTP server (aiosmtpd) on a free loopback port."""

from __future__ import annotations

import shutil
import socket
import time

import pytest

from schemas_app.services import extract_now


@pytest.fixture
def chinook_copy(chinook_sqlite, tmp_path):
    path = tmp_path / "chinook.sqlite3"
    shutil.copy(chinook_sqlite.params.database, path)
    return path


@pytest.fixture
def chinook(make_connection, chinook_sqlite, chinook_copy):
    from dataclasses import replace

    params = replace(chinook_sqlite.params, database=str(chinook_copy))
    connection = make_connection(params, name="chinook")
    extract_now(connection)
    return connection


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        from email import message_from_bytes

        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"

    def wait(self, count: int = 1, seconds: float = 30) -> list:
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.messages


@pytest.fixture
def smtp_server():
    """(inbox, port): a real SMTP server that keeps what it receives."""
    from aiosmtpd.controller import Controller

    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def mail_to(settings, smtp_server):
    inbox, port = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    return inbox

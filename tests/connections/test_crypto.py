"""Encryption at rest, key rotation, and rows no configured key can read."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.db import connection as db
from django.urls import reverse

from connections import crypto
from connections.models import Connection

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
STRANGER_KEY = Fernet.generate_key().decode()  # never configured: its rows are unreadable
SECRET = "Pw-s3cret-at-rest"


@pytest.fixture
def keys(settings):
    """Switch the configured keys mid-test, as an operator would between deploys."""

    def use(value: str) -> None:
        settings.DATABASE_CREDENTIALS_KEY = value
        crypto.reset_key_cache()

    use(OLD_KEY)
    yield use
    crypto.reset_key_cache()


def raw_password(name: str) -> str:
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT password_encrypted FROM connections_connection WHERE name = %s", [name]
        )
        return cursor.fetchone()[0]


def make(name: str, password: str = SECRET) -> Connection:
    return Connection.objects.create(
        name=name,
        kind="postgresql",
        host="db.example.com",
        database="sales",
        username="ann",
        password=password,
    )


@pytest.mark.django_db
def test_raw_column_never_holds_the_plaintext(keys):
    make("sales")
    raw = raw_password("sales")
    assert SECRET not in raw
    assert Fernet(OLD_KEY.encode()).decrypt(raw.encode()).decode() == SECRET
    assert Connection.objects.get(name="sales").password == SECRET


@pytest.mark.django_db
def test_empty_password_is_stored_empty(keys):
    make("open", password="")
    assert raw_password("open") == ""


@pytest.mark.django_db
def test_rotation_moves_every_row_to_the_first_key(keys):
    make("sales")
    make("open", password="")
    keys(f"{NEW_KEY},{OLD_KEY}")
    out = _call_rotate()
    assert "Rotated 1, skipped empty 1, failed 0." in out

    keys(NEW_KEY)  # the old key is gone: the rotated row must still read
    assert Connection.objects.get(name="sales").password == SECRET
    assert Fernet(NEW_KEY.encode()).decrypt(raw_password("sales").encode()).decode() == SECRET


@pytest.mark.django_db
def test_unreadable_row_is_named_left_untouched_and_the_rest_rotated(keys, admin_client):
    keys(STRANGER_KEY)
    make("lost")
    keys(OLD_KEY)
    make("sales")
    lost_before = raw_password("lost")

    keys(f"{NEW_KEY},{OLD_KEY}")
    with pytest.raises(CommandError, match="lost") as excinfo:
        _call_rotate(expect_ok=False)
    assert "sales" not in str(excinfo.value)
    assert raw_password("lost") == lost_before
    keys(NEW_KEY)
    assert Connection.objects.get(name="sales").password == SECRET

    lost = Connection.objects.get(name="lost")
    assert lost.credentials_unreadable
    response = admin_client.get(reverse("admin:connections_connection_changelist"))
    assert response.status_code == 200
    assert "credentials unreadable" in response.text
    assert "sales" in response.text


@pytest.mark.django_db
def test_unreadable_row_change_form_renders_and_saving_keeps_the_token(keys, admin_client):
    keys(STRANGER_KEY)
    lost = make("lost")
    keys(OLD_KEY)
    before = raw_password("lost")
    url = reverse("admin:connections_connection_change", args=[lost.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert before not in response.text

    lost = Connection.objects.get(pk=lost.pk)
    lost.description = "still here"
    lost.save()
    assert raw_password("lost") == before


@pytest.mark.django_db
def test_missing_key_in_production_fails_the_system_check(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = "a-long-random-production-secret-key-0123456789"
    settings.DATABASE_CREDENTIALS_KEY = ""
    with pytest.raises(SystemCheckError, match="datachat.E002"):
        call_command("check")


def _call_rotate(expect_ok: bool = True) -> str:
    out = StringIO()
    try:
        call_command("rotate_credentials_key", stdout=out)
    finally:
        # Counts are written before the CommandError for failed rows.
        if not expect_ok:
            assert "failed 1." in out.getvalue()
    return out.getvalue()


@pytest.mark.django_db
def test_local_default_generates_one_key_file_with_a_warning(settings, tmp_path, caplog):
    settings.DEBUG = True
    settings.DATABASE_CREDENTIALS_KEY = ""
    settings.CREDENTIALS_KEY_FILE = tmp_path / "data" / "credentials.key"
    crypto.reset_key_cache()
    try:
        with caplog.at_level("WARNING", logger="connections.crypto"):
            make("local")
        key = settings.CREDENTIALS_KEY_FILE.read_text().strip()
        assert (settings.CREDENTIALS_KEY_FILE.stat().st_mode & 0o777) == 0o600
        assert "generated a local key" in caplog.text and key not in caplog.text
        assert Fernet(key.encode()).decrypt(raw_password("local").encode()).decode() == SECRET
        # Generated once: later processes reuse the same file (and stay silent).
        caplog.clear()
        crypto.reset_key_cache()
        assert Connection.objects.get(name="local").password == SECRET
        assert settings.CREDENTIALS_KEY_FILE.read_text().strip() == key
        assert "generated" not in caplog.text
    finally:
        crypto.reset_key_cache()

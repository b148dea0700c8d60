from cryptography.fernet import Fernet
from django.test import override_settings

from connections.checks import check_production_secrets

GOOD_SECRET = "a-long-random-production-secret-key-0123456789"
GOOD_KEY = Fernet.generate_key().decode()


def ids(errors):
    return [error.id for error in errors]


@override_settings(DEBUG=False, SECRET_KEY=GOOD_SECRET, DATABASE_CREDENTIALS_KEY=GOOD_KEY)
def test_production_with_everything_set_is_clean():
    assert check_production_secrets(None) == []


@override_settings(DEBUG=False, DATABASE_CREDENTIALS_KEY=GOOD_KEY)
def test_default_secret_key_is_an_error(settings):
    settings.SECRET_KEY = settings.INSECURE_DEFAULT_SECRET_KEY
    assert ids(check_production_secrets(None)) == ["datachat.E001"]


@override_settings(DEBUG=False, SECRET_KEY=GOOD_SECRET, DATABASE_CREDENTIALS_KEY="")
def test_missing_credentials_key_is_an_error():
    assert ids(check_production_secrets(None)) == ["datachat.E002"]


@override_settings(
    DEBUG=False, SECRET_KEY=GOOD_SECRET, DATABASE_CREDENTIALS_KEY=f"{GOOD_KEY},not-a-key"
)
def test_invalid_credentials_key_is_an_error():
    errors = check_production_secrets(None)
    assert ids(errors) == ["datachat.E003"]
    assert "entry 2" in errors[0].msg


@override_settings(DEBUG=True, SECRET_KEY="", DATABASE_CREDENTIALS_KEY="")
def test_local_debug_needs_nothing():
    assert check_production_secrets(None) == []

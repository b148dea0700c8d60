"""Options that look secret (sslpassword, passfile, api_key, ...) are stored encrypted, shown as
a mask, kept when the mask comes back, and still reach the driver."""

import json
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection as db
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from connections import crypto
from connections.dialects import dialect_class, retire_engine
from connections.models import SECRET_MASK, Connection
from tests.servers import PG_PASSWORD_USER

SECRET = "Opt-s3cret-never-shown"


def raw_columns(pk) -> tuple[str, str]:
    """The `options` and `secret_options_encrypted` columns as stored."""
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT options, secret_options_encrypted FROM connections_connection WHERE id = %s",
            [pk.hex if db.vendor == "sqlite" else pk],
        )
        options, secrets = cursor.fetchone()
    return (options if isinstance(options, str) else json.dumps(options)), secrets


def make(**options) -> Connection:
    return Connection.objects.create(
        name="warehouse",
        kind="postgresql",
        host="db.example.com",
        database="dwh",
        username="ann",
        options={"sslmode": "require", **options},
    )


@pytest.mark.django_db
def test_secret_options_are_encrypted_at_rest_and_merged_when_connecting(credentials_key):
    connection = make(sslpassword=SECRET, api_key=SECRET + "2")
    options, secrets = raw_columns(connection.pk)
    assert SECRET not in options and "sslmode" in options
    assert SECRET not in secrets
    assert json.loads(Fernet(credentials_key.encode()).decrypt(secrets.encode())) == {
        "api_key": SECRET + "2",
        "sslpassword": SECRET,
    }
    connection = Connection.objects.get(pk=connection.pk)
    assert connection.options == {"sslmode": "require"}
    assert dict(connection.params().options) == {
        "api_key": SECRET + "2",
        "sslmode": "require",
        "sslpassword": SECRET,
    }
    # Never in a repr (log lines, tracebacks), and scrubbed from driver text.
    assert SECRET not in repr(connection.params())
    engine = dialect_class("postgresql")(connection.params())
    assert SECRET not in engine.scrub(f"could not decrypt key with {SECRET!r}")
    assert connection.masked_options == {
        "sslmode": "require",
        "sslpassword": SECRET_MASK,
        "api_key": SECRET_MASK,
    }


@pytest.mark.django_db
def test_a_secret_option_reaches_the_driver(pg_params, make_connection, tmp_path):
    """libpq reads the password from `passfile`: it connects only if the option got there."""
    user, password = PG_PASSWORD_USER
    passfile = tmp_path / "pgpass"
    params = pg_params(username=user, password="", options={"passfile": str(passfile)})
    passfile.write_text(f"{params.host}:{params.port}:*:{user}:{password}\n")
    passfile.chmod(0o600)
    connection = make_connection(params)
    assert str(passfile) not in raw_columns(connection.pk)[0]
    connection = Connection.objects.get(pk=connection.pk)
    assert connection.options == {} and connection.secret_options == {"passfile": str(passfile)}
    result = connection.engine().test_connection()
    assert result.ok, result.message

    connection.secret_options = {"passfile": str(tmp_path / "missing")}
    connection.save()
    try:
        assert not connection.engine().test_connection().ok
    finally:
        retire_engine(str(connection.id))


def form_data(connection, **overrides):
    data = {
        "name": connection.name,
        "description": "",
        "kind": connection.kind,
        "host": connection.host,
        "port": "",
        "database": connection.database,
        "username": connection.username,
        "password": "",
        "tags": "",
        "color": "#4f46e5",
        "is_active": "on",
        "connection_url": "",
        "skip_test": "on",  # db.example.com is never contacted
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_admin_shows_the_mask_and_keeps_replaces_or_drops_the_secret(admin_client):
    connection = make(sslpassword=SECRET)
    url = reverse("admin:connections_connection_change", args=[connection.pk])
    page = admin_client.get(url).text
    assert SECRET not in page and "sslpassword" in page and SECRET_MASK in page

    def save(options: dict) -> Connection:
        response = admin_client.post(url, form_data(connection, options=json.dumps(options)))
        assert response.status_code == 302, response.context["adminform"].form.errors
        return Connection.objects.get(pk=connection.pk)

    kept = save({"sslmode": "require", "sslpassword": SECRET_MASK})
    assert kept.secret_options == {"sslpassword": SECRET}
    replaced = save({"sslmode": "require", "sslpassword": "new-" + SECRET})
    assert replaced.secret_options == {"sslpassword": "new-" + SECRET}
    assert "new-" + SECRET not in admin_client.get(url).text
    dropped = save({"sslmode": "require"})
    assert dropped.secret_options == {} and dropped.options == {"sslmode": "require"}
    # A secret typed into the URL's query string is encrypted too.
    from_url = admin_client.post(
        url,
        form_data(
            connection,
            options="{}",
            connection_url=f"postgresql://ann@db.example.com/dwh?sslpassword={SECRET}",
        ),
    )
    assert from_url.status_code == 302
    assert SECRET not in raw_columns(connection.pk)[0]
    assert Connection.objects.get(pk=connection.pk).secret_options == {"sslpassword": SECRET}


@pytest.mark.django_db
def test_rotation_re_encrypts_secret_options(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.DATABASE_CREDENTIALS_KEY = old
    crypto.reset_key_cache()
    connection = make(sslpassword=SECRET)
    settings.DATABASE_CREDENTIALS_KEY = f"{new},{old}"
    crypto.reset_key_cache()
    out = StringIO()
    call_command("rotate_credentials_key", stdout=out)
    assert "Rotated 1," in out.getvalue()
    settings.DATABASE_CREDENTIALS_KEY = new
    crypto.reset_key_cache()
    assert Connection.objects.get(pk=connection.pk).secret_options == {"sslpassword": SECRET}


@pytest.mark.django_db(transaction=True)
def test_migration_moves_clear_secret_options_into_the_encrypted_field():
    executor = MigrationExecutor(db)
    before = [("connections", "0002_connection_color_default")]
    after = [("connections", "0003_least_privilege_and_secret_options")]
    executor.migrate(before)
    try:
        old_model = executor.loader.project_state(before).apps.get_model(
            "connections", "Connection"
        )
        row = old_model.objects.create(
            name="legacy",
            kind="postgresql",
            host="db.example.com",
            options={"sslmode": "require", "sslpassword": SECRET, "passfile": "/secret/pgpass"},
        )
        executor = MigrationExecutor(db)  # reload the graph after migrating
        executor.migrate(after)
        options, secrets = raw_columns(row.pk)
        assert SECRET not in options and "/secret/pgpass" not in options
        assert SECRET not in secrets
        # The model as of 0003: today's has columns later migrations add.
        at_0003 = executor.loader.project_state(after).apps.get_model("connections", "Connection")
        migrated = at_0003.objects.get(pk=row.pk)
        assert migrated.options == {"sslmode": "require"}
        assert migrated.secret_options == {"sslpassword": SECRET, "passfile": "/secret/pgpass"}
    finally:
        MigrationExecutor(db).migrate(executor.loader.graph.leaf_nodes())

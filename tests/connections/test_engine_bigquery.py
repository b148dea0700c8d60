"""BigQuery: the parts that need no BigQuery. The real google-cloud-bigquery client and
google-auth's service-account flow run against a scripted HTTP stand-in on loopback
(tests/connections/bigquery_fake.py; no emulator can be built here). README lists what is
untested against BigQuery itself."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from connections.dialects import ConnectionParams, ConnectorError, dialect_class
from connections.dialects.bigquery_support import option_errors, service_account_info
from tests.connections.bigquery_fake import TOKEN, FakeBigQuery


@pytest.fixture(scope="module")
def private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture
def fake():
    server = FakeBigQuery()
    yield server
    server.close()


def key_file(private_key: str, token_uri: str) -> str:
    return json.dumps(
        {
            "type": "service_account",
            "project_id": "acme-analytics",
            "private_key_id": "abc123",
            "private_key": private_key,
            "client_email": "datachat-ro@acme-analytics.iam.gserviceaccount.com",
            "token_uri": token_uri,
        }
    )


@pytest.fixture
def connect(fake, private_key):
    engines = []

    def make(**options):
        params = ConnectionParams(
            kind="bigquery",
            database="shop",
            options=tuple(
                sorted(
                    {
                        "credentials_json": key_file(private_key, fake.url + "/token"),
                        "api_endpoint": fake.url,
                        "location": "EU",
                        **options,
                    }.items()
                )
            ),
        )
        engine = dialect_class("bigquery")(params)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()


def test_a_query_is_dry_run_then_run_under_the_maximum(fake, connect):
    fake.script.bytes_by_sql = {"orders": 52_000}
    fake.script.results = {"orders": ([("n", "INTEGER"), ("city", "STRING")], [["3", "Oslo"]])}
    engine = connect(maximum_bytes_billed=10_000_000)
    result = engine.execute(
        "SELECT COUNT(*) AS n, city FROM orders GROUP BY city", max_rows=10, timeout=5
    )
    assert result.rows == [(3, "Oslo")] and result.columns == ["n", "city"]
    assert result.column_types == ["INTEGER", "STRING"] and result.estimated_bytes == 52_000
    dry, real = fake.inserted_jobs(dry_run=True), fake.inserted_jobs(dry_run=False)
    assert [job["configuration"]["query"]["query"] for job in real] == [
        "SELECT COUNT(*) AS n, city FROM orders GROUP BY city"
    ]
    assert real[0]["configuration"]["query"]["maximumBytesBilled"] == "10000000"
    assert real[0]["configuration"]["query"]["defaultDataset"] == {
        "projectId": "acme-analytics",
        "datasetId": "shop",
    }
    # The privilege probe and the query's own estimate, both dry runs.
    assert any("orders" in job["configuration"]["query"]["query"] for job in dry)
    job_calls = [r for r in fake.requests if "/bigquery/v2/" in r.path]
    assert job_calls and all(r.headers.get("authorization") == f"Bearer {TOKEN}" for r in job_calls)


def test_an_estimate_over_the_maximum_is_refused_before_running(fake, connect):
    fake.script.bytes_by_sql = {"events": 5_000_000_000}
    engine = connect()  # the default maximum: 1 GB
    with pytest.raises(ConnectorError) as info:
        engine.execute("SELECT * FROM events", max_rows=10, timeout=5)
    assert info.value.user_message.startswith(
        "Refused before running: this query would read 5.0 GB, more than the maximum of "
        "1.0 GB per query"
    )
    assert "maximum_bytes_billed" in info.value.user_message
    assert fake.inserted_jobs(dry_run=False) == []  # nothing ran, nothing billed


def test_a_statement_the_dry_run_calls_no_select_is_refused(fake, connect):
    engine = connect()
    with pytest.raises(ConnectorError, match="read-only"):
        engine.execute("DELETE FROM shop.orders WHERE true", max_rows=1, timeout=5)
    assert fake.inserted_jobs(dry_run=False) == []


def test_rows_are_capped(fake, connect):
    fake.script.results = {"many": ([("i", "INTEGER")], [[str(i)] for i in range(50)])}
    result = connect().execute("SELECT i FROM many", max_rows=10, timeout=5)
    assert len(result.rows) == 10 and result.truncated and result.rows[0] == (0,)


def test_a_read_only_account_connects(fake, connect):
    result = connect().test_connection()
    assert result.ok, result.message
    assert result.message == "Connected (BigQuery acme-analytics.shop (EU))."
    assert result.privilege_problems == []


def test_an_account_that_may_create_tables_is_refused(fake, connect):
    fake.script.may_create_tables = True
    result = connect().test_connection()
    assert not result.ok and "can create tables in dataset shop" in result.message
    assert "roles/bigquery.jobUser" in result.message
    engine = connect()
    for _ in range(2):  # refused again on the next call, not only the first
        with pytest.raises(ConnectorError, match="can create tables"):
            engine.execute("SELECT 1", max_rows=1, timeout=5)
    assert fake.inserted_jobs(dry_run=False) == []


def test_schema_from_information_schema(fake, connect):
    fake.script.results = {
        "INFORMATION_SCHEMA.TABLES": (
            [("table_name", "STRING"), ("table_type", "STRING")],
            [["orders", "BASE TABLE"], ["customers", "BASE TABLE"], ["big", "VIEW"]],
        ),
        "INFORMATION_SCHEMA.COLUMNS": (
            [(n, "STRING") for n in ("table_name", "column_name", "p", "is_nullable", "t")],
            [
                ["customers", "id", "1", "NO", "INT64"],
                ["customers", "name", "2", "YES", "STRING"],
                ["orders", "id", "1", "NO", "INT64"],
                ["orders", "customer_id", "2", "YES", "INT64"],
            ],
        ),
        "CONSTRAINT_COLUMN_USAGE": (
            [("table_name", "STRING"), ("column_name", "STRING"), ("c", "STRING")],
            [["customers", "id", "orders_customer"], ["customers", "id", "customers_pk"]],
        ),
        "KEY_COLUMN_USAGE": (
            [(n, "STRING") for n in ("table_name", "column_name", "c", "constraint_type")],
            [
                ["customers", "id", "customers_pk", "PRIMARY KEY"],
                ["orders", "customer_id", "orders_customer", "FOREIGN KEY"],
            ],
        ),
        "TABLE_STORAGE": (
            [("table_name", "STRING"), ("rows", "INTEGER"), ("bytes", "INTEGER")],
            [["orders", "1200", "64000"]],
        ),
    }
    document = connect().introspect()
    assert document.dialect == "bigquery"
    assert [(t.name, t.kind) for t in document.tables] == [
        ("big", "view"),
        ("customers", "table"),
        ("orders", "table"),
    ]
    customers, orders = document.table("shop.customers"), document.table("shop.orders")
    assert customers.primary_key == ["id"] and customers.columns[0].primary_key
    assert [(c.name, c.type, c.nullable) for c in customers.columns] == [
        ("id", "INT64", False),
        ("name", "STRING", True),
    ]
    fk = orders.foreign_keys[0]
    assert (fk.columns, fk.referred_table, fk.referred_columns) == (
        ["customer_id"],
        "customers",
        ["id"],
    )
    assert orders.row_count == 1200 and orders.size_bytes == 64000
    storage = [r for r in fake.requests if "TABLE_STORAGE" in json.dumps(r.body)]
    assert "region-eu" in json.dumps(storage[0].body)


# -- credentials: clear errors, never the secret -----------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ('{"type": "service_account", "private_key": "-----BEGIN', "not valid JSON (line 1"),
        ("[1, 2]", "must be a JSON object"),
        ('{"type": "authorized_user", "client_email": "a"}', '"type" must be "service_account"'),
        ('{"type": "service_account", "client_email": "a@b"}', "lacks private_key, token_uri"),
        ("", "credentials_json is required"),
    ],
)
def test_malformed_credentials_are_named_without_their_content(raw, message):
    with pytest.raises(ConnectorError) as info:
        service_account_info(raw)
    assert message in info.value.user_message
    assert "BEGIN" not in info.value.user_message


def test_an_unreadable_private_key_is_a_clear_error(fake, connect, private_key):
    broken = key_file("-----BEGIN PRIVATE KEY-----\nnot-a-key\n-----END PRIVATE KEY-----\n", "x")
    result = connect(credentials_json=broken).test_connection()
    assert not result.ok
    assert result.message == (
        "credentials_json's private_key could not be read: paste the key file unchanged."
    )


def test_option_errors_name_each_problem(private_key):
    good = {"database": "shop", "credentials_json": key_file(private_key, "https://t")}
    assert option_errors(good) == []
    problems = option_errors(
        {"database": "my shop", "credentials_json": "{", "maximum_bytes_billed": "lots"}
    )
    assert problems == [
        "The database field must be the dataset's name (letters, digits, _).",
        "credentials_json is not valid JSON (line 1, column 2): paste the service account's "
        "key file as it was downloaded.",
        'Set the "project" option to the Google Cloud project id.',
        "maximum_bytes_billed must be a positive number of bytes.",
    ]


def test_a_denied_call_names_the_denial_not_the_key(fake, connect, private_key):
    fake.script.may_create_tables = False

    route = fake.route

    def deny(method, path, body):
        if path == "/token":
            return route(method, path, body)
        return 403, {"error": {"code": 403, "message": "Access Denied: Dataset shop"}}

    fake.route = deny
    engine = connect()
    result = engine.test_connection()
    assert not result.ok and result.message.startswith("Access denied by BigQuery")
    assert "PRIVATE KEY" not in result.message and private_key[40:80] not in result.message


def test_the_client_library_is_not_imported_until_used():
    import subprocess
    import sys

    code = (
        "import os, sys, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
        "'datachat.settings'); django.setup(); from connections.dialects import dialect_class;"
        "from connections.guard import guard_sql; dialect_class('bigquery');"
        "guard_sql('SELECT 1', 'bigquery'); print('google.cloud.bigquery' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- a question end to end: the estimate on the answer, the refusal before running -------------

SCHEMA = {
    "INFORMATION_SCHEMA.TABLES": (
        [("table_name", "STRING"), ("table_type", "STRING")],
        [["orders", "BASE TABLE"]],
    ),
    "INFORMATION_SCHEMA.COLUMNS": (
        [(n, "STRING") for n in ("table_name", "column_name", "p", "is_nullable", "t")],
        [["orders", "id", "1", "NO", "INT64"], ["orders", "total", "2", "YES", "NUMERIC"]],
    ),
    "CONSTRAINT_COLUMN_USAGE": ([(n, "STRING") for n in "abc"], []),
    "KEY_COLUMN_USAGE": ([(n, "STRING") for n in "abcd"], []),
    "COUNT(*)": ([("n", "INTEGER")], [["3"]]),
}


@pytest.fixture
def warehouse(db, fake, private_key, make_connection):
    fake.script.results = dict(SCHEMA)
    params = ConnectionParams(
        kind="bigquery",
        database="shop",
        options=(
            ("api_endpoint", fake.url),
            ("credentials_json", key_file(private_key, fake.url + "/token")),
            ("maximum_bytes_billed", 1_000_000),
        ),
    )
    connection = make_connection(params, name="warehouse", allow_privileged=False)
    from schemas_app.services import extract_now

    assert extract_now(connection).status == "succeeded"
    yield connection
    connection.engine().close()


def test_a_question_carries_its_estimate(fake, warehouse, fake_llm):
    from chat.answering.pipeline import answer_question

    fake.script.bytes_by_sql = {"COUNT(*)": 8_000}
    fake_llm.reply({"sql": "SELECT COUNT(*) AS n FROM orders", "explanation": "3."})
    answer = answer_question(warehouse, "How many orders?")
    assert answer.rows == [(3,)] and answer.estimated_bytes == 8_000
    assert "Google BigQuery" in fake_llm.prompt() and "backticks" in fake_llm.prompt()


def test_a_question_over_the_maximum_is_refused_before_running(fake, warehouse, fake_llm):
    from chat.answering.pipeline import answer_question

    fake.script.bytes_by_sql = {"COUNT(*)": 3_000_000_000}
    fake_llm.reply({"sql": "SELECT COUNT(*) AS n FROM orders", "explanation": "3."})
    fake_llm.reply({"sql": "SELECT COUNT(*) AS n FROM orders", "explanation": "3."})
    fake_llm.reply({"sql": "SELECT COUNT(*) AS n FROM orders", "explanation": "3."})
    before = len(fake.inserted_jobs(dry_run=False))
    answer = answer_question(warehouse, "How many orders?")
    assert not answer.rows and "Refused before running" in answer.attempts[0].error
    assert "3.0 GB, more than the maximum of 1.0 MB" in answer.attempts[0].error
    assert len(fake.inserted_jobs(dry_run=False)) == before  # no query ran


def test_the_chat_shows_the_estimate_with_the_answer(fake, warehouse, fake_llm, admin_user, client):
    from django.urls import reverse

    from chat import conversation, sessions

    fake.script.bytes_by_sql = {"COUNT(*)": 8_000}
    fake_llm.reply({"sql": "SELECT COUNT(*) AS n FROM orders", "explanation": "3."})
    session = sessions.create_session(admin_user, connections=[warehouse])
    reply = conversation.ask(admin_user, session, "How many orders?")
    reply.refresh_from_db()
    client.force_login(admin_user)
    page = client.get(reverse("chat_session", args=[session.pk])).content.decode()
    assert "reads 7.8\xa0KB" in page or "reads 7.8 KB" in page, page[-3000:]


def test_samples_and_profiles_over_the_maximum_are_skipped_with_the_reason(
    fake, private_key, make_connection, db
):
    from schemas_app.services import extract_now, latest_snapshot

    fake.script.results = dict(SCHEMA)
    fake.script.bytes_by_sql = {"orders`": 5_000_000_000}  # every read of the table itself
    params = ConnectionParams(
        kind="bigquery",
        database="shop",
        options=(
            ("api_endpoint", fake.url),
            ("credentials_json", key_file(private_key, fake.url + "/token")),
            ("maximum_bytes_billed", 1_000_000),
        ),
    )
    connection = make_connection(params, name="big", allow_privileged=False)
    try:
        assert extract_now(connection, with_profile=True).status == "succeeded"
        snapshot = latest_snapshot(connection)
        snapshot.refresh_from_db()
    finally:
        connection.engine().close()
    assert snapshot.profile_status == "done"
    refused = "Refused before running: this query would read 5.0 GB"
    assert snapshot.document["tables"][0]["sample_error"].startswith(refused)
    assert snapshot.profiles["shop.orders"]["_error"].startswith(refused)
    assert fake.inserted_jobs(dry_run=False) == [
        job for job in fake.inserted_jobs(dry_run=False) if "INFORMATION_SCHEMA" in str(job)
    ]


def test_errors_are_scrubbed_of_the_key_given_as_an_object(connect, private_key):
    info = json.loads(key_file(private_key, "https://t"))
    engine = connect(credentials_json=info)
    text = f"bad key {info['private_key']} id {info['private_key_id']}"
    assert engine.scrub(text) == "bad key *** id ***"


def test_the_api_answer_carries_the_estimate(fake, warehouse, fake_llm, admin_user):
    from django.test import Client

    from api.models import ApiToken

    fake.script.bytes_by_sql = {"COUNT(*)": 8_000}
    fake_llm.reply({"sql": "SELECT COUNT(*) AS n FROM orders", "explanation": "3."})
    api = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(admin_user, 'tests')[1]}")
    response = api.post(
        "/api/v1/multi-query",
        {"question": "How many orders?", "connection_ids": [str(warehouse.pk)]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    (result,) = response.json()["results"]
    assert result["rows"] == [[3]] and result["estimated_bytes"] == 8_000

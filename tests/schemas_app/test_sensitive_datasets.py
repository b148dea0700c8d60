"""Sensitive-column detection on the real sample databases: the demo shop, Chinook and pagila,
extracted with profiles exactly as a user's database is. Expected columns were read from the
datasets' own scripts (which columns hold e-mails, phones, addresses, birth dates, passwords);
the full found sets are asserted, so a new false positive fails as loudly as a miss."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from connections.dialects.base import ConnectionParams
from schemas_app import detection, services
from schemas_app.models import SchemaSnapshot
from schemas_app.sensitive import column_states
from tests.schemas_app.test_engines import pagila_pg  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def found(connection) -> dict[str, str]:
    services.clear_caches()
    snapshot = services.extract_now(connection, with_profile=True)
    assert snapshot.status == SchemaSnapshot.Status.SUCCEEDED, snapshot.error
    assert snapshot.profile_status == "done", snapshot.profile_error
    assert snapshot.sensitive is not None  # stored at extraction, not worked out later
    states = column_states(connection)
    return {f"{t}.{c}": s.reason for (t, c), s in states.items() if s.sensitive}


def test_demo_shop(make_connection, demo_shop_sqlite):
    connection = make_connection(ConnectionParams(kind="sqlite", database=demo_shop_sqlite))
    assert found(connection) == {
        "main.customers.email": "name: e-mail",
        "main.customers.phone": "name: phone number",
    }


CHINOOK = {  # PostgreSQL spelling; the SQLite script spells them Customer.Email, BirthDate
    "customer.address": "name: address",
    "customer.email": "name: e-mail",
    "customer.fax": "name: phone number",
    "customer.phone": "name: phone number",
    "employee.address": "name: address",
    "employee.birth_date": "name: birth date",
    "employee.email": "name: e-mail",
    "employee.fax": "name: phone number",
    "employee.phone": "name: phone number",
    "invoice.billing_address": "name: address",
}


def test_chinook_sqlite(make_connection, chinook_sqlite):
    connection = make_connection(chinook_sqlite.params)
    spelled = {
        "main."
        + ".".join("".join(p.capitalize() for p in part.split("_")) for part in k.split(".")): v
        for k, v in CHINOOK.items()
    }
    assert found(connection) == spelled


def test_chinook_postgresql(make_connection, chinook_pg):
    connection = make_connection(chinook_pg.params)
    assert found(connection) == {f"public.{k}": v for k, v in CHINOOK.items()}


def test_chinook_values_alone_would_find_emails_and_phones(make_connection, chinook_sqlite):
    """The value patterns on real data: Chinook's e-mails and its phone formats
    ("+55 (12) 3923-5555", "+1 (780) 428-9482") are recognised without the names' help."""
    connection = make_connection(chinook_sqlite.params)
    services.extract_now(connection, with_profile=False)
    document = services.snapshot_document(services.latest_snapshot(connection).pk)
    customer = document.table("main.Customer")
    names = [c.name for c in customer.columns]

    def samples(column):
        return [row[names.index(column)] for row in customer.sample_rows]

    assert detection.value_reason(samples("Email"), "samples") == (
        "values: e-mail addresses in 2/2 samples"
    )
    assert detection.value_reason(samples("Phone"), "samples") == (
        "values: phone numbers in 2/2 samples"
    )
    for column in ("FirstName", "City", "PostalCode", "Country", "SupportRepId"):
        assert detection.value_reason(samples(column), "samples") is None, column


def test_pagila(make_connection, pagila_pg):  # noqa: F811
    connection = make_connection(pagila_pg, name="pagila")
    assert found(connection) == {
        "public.address.address": "name: address",
        "public.address.address2": "name: address",
        "public.address.phone": "name: phone number",
        "public.customer.email": "name: e-mail",
        "public.staff.email": "name: e-mail",
        "public.staff.password": "name: password",
        # the views that show the same columns again
        "public.customer_list.address": "name: address",
        "public.customer_list.phone": "name: phone number",
        "public.staff_list.address": "name: address",
        "public.staff_list.phone": "name: phone number",
    }


def test_profiles_find_what_the_samples_missed(make_connection, tmp_path):
    """The 2 sampled rows hold no contact, the rest do: extraction finds nothing by values,
    profiling (top values) finds the e-mails and the stored detection is updated."""
    import sqlite3

    path = tmp_path / "people.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, contact TEXT, city TEXT)")
        db.executemany(
            "INSERT INTO people VALUES (?, ?, ?)", [(1, None, "Oslo"), (2, None, "Rome")]
        )
        db.executemany(
            "INSERT INTO people VALUES (?, ?, ?)",
            [(i, f"person{i % 5}@example.org", "Oslo") for i in range(3, 40)],
        )
    connection = make_connection(ConnectionParams(kind="sqlite", database=str(path)))
    services.clear_caches()
    snapshot = services.extract_now(connection)  # no profiles
    assert snapshot.sensitive == {}
    services.request_profiling(snapshot)
    snapshot = services.run_profiling(snapshot.pk)
    assert snapshot.profile_status == "done"
    assert snapshot.sensitive == {
        "main.people": {"contact": "values: e-mail addresses in 5/5 profile values"}
    }
    assert column_states(connection)[("main.people", "contact")].sensitive


SPIDER = Path(__file__).resolve().parents[1] / "datasets" / "spider-train" / "databases"


def test_value_patterns_on_spider_train():
    """Over the 133 spider-train databases (their CSV data, first 2 rows per column as the
    extraction samples them), the value patterns flag only a column that really holds phone
    numbers under a name that does not say so; no dates, codes or versions are taken for
    phones, cards or IBANs."""
    flagged = {}
    for path in sorted(SPIDER.glob("*/data/*.csv")):
        with path.open(newline="", errors="replace") as handle:
            rows = list(csv.reader(handle))
        if not rows:
            continue
        header, body = rows[0], rows[1:3]
        for i, column in enumerate(header):
            if detection.name_reason(column, "text"):
                continue
            samples = [row[i] for row in body if i < len(row) and row[i] not in ("", "NULL")]
            reason = detection.value_reason(samples, "samples")
            if reason:
                flagged[f"{path.parts[-3]}.{path.stem}.{column}"] = reason
    assert len(list(SPIDER.iterdir())) >= 130
    assert flagged == {
        "customers_and_addresses.Customer_Contact_Channels.contact_number": (
            "values: phone numbers in 2/2 samples"  # 940.035.6435x0225
        )
    }

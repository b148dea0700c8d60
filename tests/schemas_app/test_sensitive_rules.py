"""The pure half of sensitive columns: name rules, value patterns, masking."""

from __future__ import annotations

import pytest

from connections.dialects.schema import Column, SchemaDocument, Table
from schemas_app import detection
from schemas_app.sensitive import mask_document, mask_profile, mask_rows, mask_value


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("john@example.com", "j***@example.com"),
        ("4111 1111 1111 1111", "***1111"),
        ("4111-1111-1111-1111", "***1111"),
        ("DE89 3704 0044 0532 0130 00", "DE***3000"),
        ("GB82WEST12345698765432", "GB***5432"),
        ("+1 (403) 262-3443", "+***43"),
        ("Jane", "J***"),
        ("ab", "***"),
        ("1962-02-18 00:00:00", "***"),
        ("52000.00", "***"),
        ("14033335568", "***"),
        ("", "***"),
        (None, None),
        (52000, "***"),
        (1234.5, "***"),
        (True, "***"),
    ],
)
def test_mask_value(value, masked):
    assert mask_value(value) == masked


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("email", "e-mail"),
        ("EmailAddress", "e-mail"),
        ("e_mail", "e-mail"),
        ("Phone", "phone number"),
        ("mobileNumber", "phone number"),
        ("Fax", "phone number"),
        ("SSN", "social security number"),
        ("social_security_no", "social security number"),
        ("iban", "bank account"),
        ("AccountNumber", "bank account"),
        ("credit_card", "card number"),
        ("card_number", "card number"),
        ("password", "password"),
        ("password_hash", "password"),
        ("passwd", "password"),
        ("pwd", "password"),
        ("refresh_token", "secret"),
        ("client_secret", "secret"),
        ("api_key", "secret"),
        ("apiKey", "secret"),
        ("address", "address"),
        ("address2", "address"),
        ("BillingAddress", "address"),
        ("street_name", "address"),
        ("BirthDate", "birth date"),
        ("date_of_birth", "birth date"),
        ("dob", "birth date"),
        ("birthday", "birth date"),
        ("salary", "salary"),
    ],
)
def test_name_rules_flag(name, what):
    assert detection.name_reason(name, "varchar") == f"name: {what}"


@pytest.mark.parametrize(
    "name",
    [
        "address_id",  # a foreign key to the address, not the address
        "addressable",
        "email_verified",
        "has_phone",
        "token_expires_at",
        "postal_code",
        "city",
        "first_name",
        "telescope",
        "passage",
        "mailbox_size",
        "last_update",
        "address_type_code",  # a code list of kinds of address
        "date_address_from",
        "max_salary",  # a job grade's range, nobody's pay
        "keyword",
    ],
)
def test_name_rules_leave(name):
    assert detection.name_reason(name, "varchar") is None


def test_boolean_columns_are_not_flagged_by_name():
    assert detection.name_reason("phone", "boolean") is None
    assert detection.name_reason("phone", "tinyint(1)") == "name: phone number"


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        (["a@x.org", "b@y.com"], "values: e-mail addresses in 2/2 samples"),
        (["4111111111111111", "5500 0000 0000 0004"], "values: card numbers in 2/2 samples"),
        ([4111111111111111, 5500000000000004], "values: card numbers in 2/2 samples"),
        (["DE89370400440532013000", "GB82 WEST 1234 5698 7654 32"], "values: IBANs in 2/2 samples"),
        (["+55 (12) 3923-5555", "+1 (780) 428-9482"], "values: phone numbers in 2/2 samples"),
        (["030 1234 5678", "040-555-1234"], "values: phone numbers in 2/2 samples"),
        (["(948)040-1064x387", "915-617-2408 ext. 832"], "values: phone numbers in 2/2 samples"),
        (["792.333.7714", "+41(8)1897032009"], "values: phone numbers in 2/2 samples"),
    ],
)
def test_value_patterns_flag(values, reason):
    assert detection.value_reason(values, "samples") == reason


@pytest.mark.parametrize(
    "values",
    [
        ["4111111111111112", "5500000000000005"],  # Luhn fails
        ["DE89370400440532013001"],  # mod-97 fails
        ["2024-01-31", "2023-12-01"],  # dates
        ["12:30:00"],
        ["1234567", "7654321.5"],  # plain numbers
        ["a@x.org", "not one", "nor this"],  # one in three is not "nearly all"
        [None, None],
        ["Rock", "Jazz"],
        ["444-464 (21)", "465-467 (3)"],  # a fleet series (spider pilot_record), not phones
        ["1.2.3", "10.0.0.1"],  # versions and IP addresses are not phones either
        [True, False],
    ],
)
def test_value_patterns_leave(values):
    assert detection.value_reason(values, "samples") is None


def test_detect_uses_samples_and_profiles_and_names_win():
    table = Table(
        schema="public",
        name="people",
        columns=[Column("id", "int"), Column("contact", "text"), Column("email", "text")],
        sample_rows=[[1, "a@x.org", None], [2, "b@y.org", None]],
    )
    other = Table(schema="public", name="codes", columns=[Column("code", "text")])
    document = SchemaDocument("postgresql", tables=[table, other])
    profiles = {"public.codes": {"code": {"top_values": [["+44 20 7946 0958", 3]]}}}
    assert detection.detect(document, profiles) == {
        "public.people": {
            "contact": "values: e-mail addresses in 2/2 samples",
            "email": "name: e-mail",
        },
        "public.codes": {"code": "values: phone numbers in 1/1 profile values"},
    }


def test_masking_rows_profiles_and_document_copies():
    sensitive = {("public.people", "contact")}
    rows = [(1, "ann@x.org"), (2, None)]
    assert mask_rows("public.people", ["id", "contact"], rows, sensitive) == [
        [1, "a***@x.org"],
        [2, None],
    ]
    assert mask_rows("public.other", ["id", "contact"], rows, sensitive) == [list(r) for r in rows]
    profile = {"distinct": 2, "min": "a", "max": "zed", "top_values": [["ann@x.org", 3]]}
    assert mask_profile(profile) == {
        "distinct": 2,
        "min": "***",
        "max": "z***",
        "top_values": [["a***@x.org", 3]],
    }
    table = Table(schema="public", name="people", columns=[Column("id", "int"),
                  Column("contact", "text")], sample_rows=[[1, "ann@x.org"]])  # fmt: skip
    document = SchemaDocument("postgresql", tables=[table])
    masked = mask_document(document, sensitive)
    assert masked.tables[0].sample_rows == [[1, "a***@x.org"]]
    assert document.tables[0].sample_rows == [[1, "ann@x.org"]]  # the cached one is untouched

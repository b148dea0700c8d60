"""Declared links: checked against both latest snapshots, edited in the admin."""

import pytest
from django.core.exceptions import ValidationError

from federation.models import CrossDatabaseLink


def link(fed, **fields):
    values = {
        "left_connection": fed["shop"],
        "left_table": "fed_customers",
        "left_column": "email",
        "right_connection": fed["crm"],
        "right_table": "fed_orders",
        "right_column": "customer_email",
        **fields,
    }
    return CrossDatabaseLink(**values)


def test_a_valid_link_is_stored_as_the_snapshots_spell_it(fed):
    made = link(fed, left_table="PUBLIC.FED_CUSTOMERS", left_column="Email")
    made.full_clean()
    made.save()
    assert (made.left_table, made.left_column) == ("public.fed_customers", "email")
    assert str(made) == "shop.fed_customers.email <-> crm.fed_orders.customer_email"


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"left_table": "fed_nope"}, "left_table", "Unknown table fed_nope"),
        ({"right_column": "mail"}, "right_table", "has no column 'mail'"),
        ({"right_table": "other.fed_orders"}, "right_table", "Unknown table other.fed_orders"),
    ],
)
def test_a_link_to_something_missing_is_refused(fed, fields, field, words):
    with pytest.raises(ValidationError) as caught:
        link(fed, **fields).full_clean()
    assert words in " ".join(caught.value.message_dict[field])
    assert not CrossDatabaseLink.objects.exists()


def test_a_link_inside_one_database_is_refused(fed):
    with pytest.raises(ValidationError, match="two different databases"):
        link(fed, right_connection=fed["shop"], right_table="fed_customers").full_clean()


def test_admin_add_checks_the_snapshot(fed, admin_client):
    url = "/admin/federation/crossdatabaselink/add/"
    form = {
        "left_connection": fed["shop"].pk,
        "left_table": "fed_customers",
        "left_column": "emial",
        "right_connection": fed["crm"].pk,
        "right_table": "fed_orders",
        "right_column": "customer_email",
        "comment": "",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 200 and b"has no column" in response.content
    assert not CrossDatabaseLink.objects.exists()
    form["left_column"] = "email"
    response = admin_client.post(url, form)
    assert response.status_code == 302
    assert str(CrossDatabaseLink.objects.get()) == (
        "shop.fed_customers.email <-> crm.fed_orders.customer_email"
    )

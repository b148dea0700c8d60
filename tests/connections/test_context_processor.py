"""The selected database is read for the navigation only when a template shows it."""

import pytest
from django.template import engines
from django.test import RequestFactory

from connections.context_processors import selected_database
from connections.models import Connection
from connections.services import select_connection

pytestmark = pytest.mark.django_db


def request_of(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_a_page_that_does_not_show_it_costs_no_query(alice, django_assert_num_queries):
    with django_assert_num_queries(0):
        context = selected_database(request_of(alice))
        engines["django"].from_string("done").render(context)


def test_a_page_that_shows_it_reads_it_once(alice, tmp_path, django_assert_num_queries):
    connection = Connection.objects.create(
        name="Shop", kind="sqlite", database=str(tmp_path / "shop.sqlite3")
    )
    select_connection(alice, connection)
    template = engines["django"].from_string(
        "{% if selected_connection %}{{ selected_connection.name }}"
        "#{{ selected_connection.pk }}{% endif %}"
    )
    with django_assert_num_queries(1):
        page = template.render(selected_database(request_of(alice)))
    assert page == f"Shop#{connection.pk}"


def test_nothing_selected_reads_as_false(alice):
    template = engines["django"].from_string(
        "{% if selected_connection %}yes{% else %}no{% endif %}"
    )
    assert template.render(selected_database(request_of(alice))) == "no"

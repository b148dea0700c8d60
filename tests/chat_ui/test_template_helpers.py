"""Issue 15, templates: one tag for a database's colour dot; confirmations without inline
JavaScript (plain forms say `data-confirm`, static/js/confirm.js asks)."""

import re

import pytest
from django.template import Context, Template
from django.urls import reverse

from chat import sessions

pytestmark = pytest.mark.django_db


def test_color_dot_renders_the_dot():
    html = Template("{% load connection_tags %}{% color_dot color %}").render(
        Context({"color": "#1f77b4"})
    )
    assert html == '<span class="dot" style="background: #1f77b4"></span>'


def test_color_dot_escapes_the_colour():
    html = Template("{% load connection_tags %}{% color_dot color %}").render(
        Context({"color": '"><script>'})
    )
    assert "<script>" not in html


def test_pages_use_the_dot_tag_and_no_inline_confirm(alice, alice_client, chinook):
    session = sessions.create_session(alice, connections=[chinook])
    pages = [
        reverse("chat_session", args=[session.pk]),
        reverse("databases"),
        reverse("database_detail", args=[chinook.pk]),
        reverse("dashboard"),
        reverse("schema_page", args=[chinook.pk]),
    ]
    for url in pages:
        html = alice_client.get(url).content.decode()
        assert f'<span class="dot" style="background: {chinook.color}"></span>' in html, url
        assert not re.search(r"\bon(submit|click)=", html), url
        assert "js/confirm.js" in html, url
    html = alice_client.get(pages[0]).content.decode()
    assert 'data-confirm="Delete this chat and its messages?"' in html

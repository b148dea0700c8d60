"""Example questions on an empty chat (issue 14): written from the schema and DataPoints,
each answered by the built-in engine, one click to ask (the browser test clicks one)."""

import pytest
from django.urls import reverse

from chat import conversation, examples, sessions
from chat.answering import pipeline

pytestmark = pytest.mark.django_db


def test_examples_come_from_the_schema_and_the_engine_answers_each(alice, chinook):
    questions = examples.for_connections([chinook])
    assert 2 <= len(questions) <= examples.MAX_EXAMPLES, questions
    schema = pipeline.load_schema(chinook)
    for question in questions:
        assert examples.answerable(question, schema, chinook.kind), question
    # A refused candidate is never offered.
    assert not examples.answerable("What is the colour of the wind?", schema, chinook.kind)


def test_words_and_plurals():
    assert examples.words("InvoiceLine") == "invoice line"
    assert examples.words("film_category") == "film category"
    assert examples.plural("category") == "categories"
    assert examples.plural("address") == "address"  # already ends in s: left alone
    assert examples.plural("track") == "tracks" and examples.plural("box") == "boxes"


def test_the_empty_chat_offers_them_and_a_chat_with_questions_does_not(
    alice, alice_client, chinook
):
    session = sessions.create_session(alice, connections=[chinook])
    url = reverse("chat_session", args=[session.pk])
    html = alice_client.get(url).content.decode()
    assert 'id="examples"' in html and html.count("data-example=") >= 2
    conversation.ask(alice, session, "How many customers are there?")
    assert 'id="examples"' not in alice_client.get(url).content.decode()


def test_examples_are_of_different_kinds_and_never_self_referencing(chinook):
    document = pipeline.load_schema(chinook).document
    candidates = examples.candidates(document)
    assert "How many employees per employee?" not in candidates  # Employee.ReportsTo
    shown = examples.for_connections([chinook])
    assert any(q.startswith("How many") and " per " not in q for q in shown), shown
    assert any(" per " in q for q in shown) and "Total revenue per country" in shown, shown


REFUSED = "Which invoices did the wind colour?"


def test_a_refusal_offers_questions_this_database_answers_closest_first(
    alice, alice_client, chinook
):
    session = sessions.create_session(alice, connections=[chinook])
    reply = conversation.ask(alice, session, REFUSED)
    reply.refresh_from_db()
    assert reply.result["databases"][0]["refused"], reply.text
    offered = examples.rephrasings(REFUSED, chinook)
    assert 2 <= len(offered) <= 3, offered
    schema = pipeline.load_schema(chinook)
    assert all(examples.answerable(q, schema, chinook.kind) for q in offered), offered
    # One sharing a word with the refused question comes first.
    assert "invoice" in offered[0].lower(), offered
    # Kept with the answer, so a page view does not check them again.
    assert reply.result["databases"][0]["suggestions"] == offered
    html = alice_client.get(reverse("chat_session", args=[session.pk])).content.decode()
    assert "Questions chinook can answer, close to yours:" in html
    for question in offered:
        assert f'data-example="{question}"' in html  # one click asks (chat.js)
    # An unrelated refusal still offers useful questions, not "close to yours".
    assert examples.rephrasings("Why is the sky blue?", chinook)


def test_no_rephrasings_when_another_database_answered(chinook):
    from types import SimpleNamespace

    from chat.templatetags.chat_tags import rephrasings

    refused = {"connection_id": str(chinook.pk), "refused": True, "columns": []}
    answered = {"connection_id": "x", "refused": False, "columns": ["n"], "error": ""}
    # Refused on its own: questions to try.
    alone = SimpleNamespace(pk=1, question=REFUSED, result={"databases": [refused]})
    assert rephrasings(alone, refused)["questions"]
    # Refused while another database answered: the question was about that one, no help needed.
    beside = SimpleNamespace(pk=2, question=REFUSED, result={"databases": [refused, answered]})
    assert rephrasings(beside, refused) == {"questions": [], "related": False}

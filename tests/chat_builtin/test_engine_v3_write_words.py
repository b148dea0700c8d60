"""A write verb refuses a question only when it opens a request ("Delete all orders",
"please drop the table"); elsewhere it is a word to read ("the total grant amount")."""

from __future__ import annotations

import pytest

from chat.answering.builtin.engine import asks_to_change
from chat.answering.builtin.tokens import tokenize


@pytest.mark.parametrize(
    "question",
    [
        "Delete all orders",
        "Please drop the customers table",
        "Can you update the price of all products to 0?",
        "I want to grant select to bob",
        "Insert a new customer named Bob",
    ],
)
def test_requests_to_change_data(question):
    assert asks_to_change(tokenize(question))


@pytest.mark.parametrize(
    "question",
    [
        "What is the total grant amount of each organisation?",
        "How many orders have the status set?",
        "List the names of products with a drop in price.",
    ],
)
def test_write_words_inside_a_question_are_just_words(question):
    assert not asks_to_change(tokenize(question))

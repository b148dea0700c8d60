"""Engine v2 constructs added in session 10 ("either ... or", anti-joins through a verb, ...),
checked on the rows they return (the school database of test_engine_v2_reading)."""

from __future__ import annotations

import pytest

from .test_engine_v2_reading import ask, check, school  # noqa: F401


@pytest.mark.parametrize(
    "question, gold",
    [
        (
            "How many students are in either Paris or Oslo?",
            "SELECT COUNT(*) FROM Student WHERE city IN ('Paris', 'Oslo')",
        ),
        (
            "Show the names of students whose city is either Rome or Oslo.",
            "SELECT name FROM Student WHERE city IN ('Rome', 'Oslo')",
        ),
        (
            "Which students are either from Paris or older than 22? Give their names.",
            "SELECT name FROM Student WHERE city = 'Paris' OR age > 22",
        ),
    ],
)
def test_either_or(school, question, gold):  # noqa: F811
    check(school, question, gold)


@pytest.mark.parametrize(
    "question",
    [
        "How many students are in either Paris?",  # no "or" to go with it
        "Show the names of students either older than 20.",
    ],
)
def test_either_without_or_is_refused(school, question):  # noqa: F811
    generated = ask(school, question)
    assert generated.refused, generated.sql

"""Follow-up questions for the built-in engine: the rewriting itself, then whole conversations
through the pipeline on the demo shop and Chinook (SQLite), where a follow-up must give the
same rows as the question it stands for, asked in full."""

from __future__ import annotations

import pytest

from chat.answering.evaluation import same_rows
from chat.answering.followup import is_followup, resolve_followup
from chat.answering.pipeline import answer_question
from chat.answering.types import Answer, Turn
from connections.dialects import ConnectionParams
from schemas_app.services import extract_now

# -- the rewriting --------------------------------------------------------------------------------

GERMANY_SQL = "SELECT COUNT(*) FROM customers WHERE customers.country = 'Germany'"


@pytest.mark.parametrize(
    ("previous", "question", "expected"),
    [
        # a grouping replaces the previous one
        ("Total revenue by year", "and by country?", "Total revenue by country"),
        ("Total revenue by year", "by country", "Total revenue by country"),
        ("Total revenue by year", "same but per segment", "Total revenue per segment"),
        ("Number of orders per year in 2024", "now per month", "Number of orders in 2024 per month"),
        ("Monthly revenue in 2025", "and by country", "revenue in 2025 by country"),
        ("What is the total revenue?", "and by country?", "What is the total revenue by country"),
        ("Total revenue by year", "and by country in 2024?", "Total revenue by country in 2024"),
        # a top/bottom N limits the previous question, or resizes its ranking
        ("Total revenue by country", "only the top 3", "Total revenue by country, top 3"),
        ("Total revenue by country", "top three", "Total revenue by country, top 3"),
        ("Top 3 customers by revenue", "only the bottom 5", "Bottom 5 customers by revenue"),
        ("The 3 customers who spent least", "top 10", "The 10 customers who spent least"),
        # a filter is added...
        ("Total revenue by year", "what about in 2024?", "Total revenue by year in 2024"),
        ("Total revenue by year", "in 2024?", "Total revenue by year in 2024"),
        ("Total revenue by year", "and for Germany?", "Total revenue by year for Germany"),
        ("Total revenue by year", "for Germany?", "Total revenue by year for Germany"),
        ("Total revenue by year", "only paid orders", "Total revenue by year for paid orders"),
        ("Orders from last year", "only the ones over 500", "Orders from last year over 500"),
        # ...or replaces one of the same kind
        ("Total revenue in 2024", "what about 2023?", "Total revenue in 2023"),
        ("How many orders in 2022?", "and last year?", "How many orders last year"),
        ("Orders over 100 from last year", "and over 500?", "Orders over 500 from last year"),
        ("Show enterprise customers in Germany", "what about France?",
         "Show enterprise customers in France"),
        # an aggregate swaps the previous one
        ("Total revenue by year", "and the average?", "Average revenue by year"),
        # another measure keeps the previous grouping and filters
        ("how many products per category", "and the average price?",
         "average price per category"),
        ("How many customers in Germany per segment", "and the average order total?",
         "average order total in Germany per segment"),
        ("How many orders in 2024 over 500", "what about the total amount?",
         "total amount in 2024 over 500"),
        ("Monthly revenue", "and the average total?", "average total by month"),
    ],
)  # fmt: skip
def test_follow_ups_are_rewritten(previous, question, expected):
    assert resolve_followup(question, [Turn(previous)]) == expected


def test_a_named_value_swaps_only_for_a_value_of_the_same_kind():
    history = [Turn("How many customers are in germany?", GERMANY_SQL)]
    # The SQL says the lower-case "germany" was the value 'Germany': France replaces it.
    assert resolve_followup("and for France?", history) == "How many customers are in France"
    assert (
        resolve_followup("for the United States too", history)
        == "How many customers are in the United States"
    )
    # A lower-case word is another kind of filter: it is added, not swapped.
    assert (
        resolve_followup("and for enterprise?", history)
        == "How many customers are in germany for enterprise"
    )


def test_earlier_follow_ups_are_resolved_first():
    history = [
        Turn("Total revenue by year"),
        Turn("and by country?"),
        Turn("only the top 3"),
    ]
    assert (
        resolve_followup("what about in 2024?", history)
        == "Total revenue by country, top 3 in 2024"
    )


@pytest.mark.parametrize(
    "question",
    [
        "How many products are there?",
        "Top 5 products by revenue",
        "Customers in Germany",
        "Which genre has the most tracks?",
        "and how many orders are there?",  # an opener, but a whole question after it
        "In 2024, how many orders were paid?",
        "Only show customers in Germany",
        "and",
        "",
    ],
)
def test_new_questions_are_left_alone(question):
    assert resolve_followup(question, [Turn("Total revenue by year")]) == question


@pytest.mark.parametrize(
    "question",
    [
        "and by country?",
        "only the top 3",
        "what about 2023?",
        "and for Germany?",
        "in 2024?",
        "by country",
        "now per month",
        "and the average?",
        "and the average price?",
        "what about France?",
        "and over 500?",
        "only the ones over 500",
        "for the United States too",
    ],
)
def test_fragments_read_as_follow_ups(question):
    assert is_followup(question)


@pytest.mark.parametrize(
    "question",
    [
        # whole questions that open with a connective or hold "only"
        "And what is the average age of students?",
        "Also list the names of customers",
        "And the names of all students?",
        "And customers in Germany with more than 3 orders",
        "Only customers with more than 2 orders",
        "Only students older than 20",
        "only paid orders",
        "Students whose age is only 20",
        "Only show customers in Germany",
        # a leading group or filter with the rest of the question after it
        "For each country, the revenue",
        "For each department, the number of employees",
        "In which year were most orders placed?",
        "Top 5 products by revenue",
        "Customers in Germany",
    ],
)
def test_whole_questions_are_not_follow_ups(question):
    assert not is_followup(question)


def test_without_history_nothing_changes():
    assert resolve_followup("and by country?", []) == "and by country?"


def test_a_ranking_keeps_its_measure():
    # "by revenue" is what the ranking is on, not a grouping to replace.
    assert (
        resolve_followup("and by category?", [Turn("Top 5 products by revenue")])
        == "Top 5 products by revenue by category"
    )


# -- whole conversations through the pipeline ---------------------------------------------------


@pytest.fixture
def builtin_engine(settings):
    settings.LLM_MODEL = ""  # the built-in engine, whatever the environment says


@pytest.fixture
def shop(builtin_engine, demo_shop_sqlite, make_connection):
    connection = make_connection(ConnectionParams(kind="sqlite", database=demo_shop_sqlite))
    extract_now(connection, with_profile=True)
    return connection


@pytest.fixture
def chinook(builtin_engine, chinook_sqlite, make_connection):
    connection = make_connection(chinook_sqlite.params, name="chinook")
    extract_now(connection, with_profile=True)
    return connection


def converse(connection, questions: list[str]) -> Answer:
    """Ask the questions in turn, each with the earlier turns as history, as a chat does."""
    history: list[Turn] = []
    for question in questions:
        answer = answer_question(connection, question, history=history)
        history.append(Turn(question, answer.sql or "", answer.text))
    return answer


def assert_same_rows(followup: Answer, full: Answer, ordered: bool = False) -> None:
    for answer in (followup, full):
        assert not answer.refused and not answer.error, (answer.question, answer.text)
        assert answer.rows, answer.question
    assert same_rows(full.rows, followup.rows, ordered=ordered), (followup.sql, full.sql)


SHOP_CONVERSATIONS = [
    (["Total revenue by year", "and by country?"], "Total revenue by country"),
    (["Total revenue by year", "what about in 2024?"], "Total revenue in 2024 by year"),
    (["Total revenue by country", "only the top 3"], "Top 3 countries by revenue"),
    (["Total revenue by year", "and for Germany?"], "Total revenue per year in Germany"),
    (
        ["How many customers are in Germany?", "and for France?"],
        "How many customers are in France?",
    ),
    (["Number of orders per year", "now by status"], "How many orders by status?"),
    (["What is the total revenue?", "and the average?"], "What is the average order value?"),
    (
        ["Total revenue by year", "and by country?", "only the top 3", "what about in 2024?"],
        "Top 3 countries by revenue in 2024",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("conversation", "full"), SHOP_CONVERSATIONS)
def test_shop_follow_ups_answer_like_the_full_question(shop, conversation, full):
    assert_same_rows(converse(shop, conversation), answer_question(shop, full))


@pytest.mark.django_db
def test_a_measure_follow_up_keeps_the_grouping_and_reads_naturally(shop):
    answer = converse(shop, ["how many products per category", "and the average price?"])
    gold = shop.engine().execute(
        "SELECT c.name, ROUND(AVG(p.price), 2) FROM products p "
        "JOIN categories c ON c.id = p.category_id GROUP BY c.id, c.name",
        max_rows=1000,
        timeout=30,
    )
    assert len(gold.rows) > 1 and same_rows(gold.rows, answer.rows, ordered=False), answer.sql
    overall = answer_question(shop, "what is the average price of products?")
    assert overall.text == f"The average price of products is {overall.rows[0][0]:,.2f}."


@pytest.mark.django_db
def test_shop_follow_up_matches_hand_written_sql(shop):
    answer = converse(shop, ["Total revenue by year", "and by country?"])
    gold = shop.engine().execute(
        "SELECT c.country, SUM(o.total) FROM orders o JOIN customers c ON c.id = o.customer_id "
        "GROUP BY c.country",
        max_rows=1000,
        timeout=30,
    )
    assert same_rows(gold.rows, answer.rows, ordered=False)
    # Without the conversation the fragment means something else (customers per country).
    alone = answer_question(shop, "and by country?")
    assert not same_rows(gold.rows, alone.rows, ordered=False)
    answer = converse(shop, ["Total revenue by country", "only the top 3"])
    gold = shop.engine().execute(
        "SELECT c.country, SUM(o.total) AS r FROM orders o JOIN customers c "
        "ON c.id = o.customer_id GROUP BY c.country ORDER BY r DESC LIMIT 3",
        max_rows=1000,
        timeout=30,
    )
    assert same_rows(gold.rows, answer.rows, ordered=True)


@pytest.mark.django_db
def test_an_unrelated_question_is_answered_on_its_own(shop):
    after = converse(shop, ["Total revenue by year", "How many products are there?"])
    alone = answer_question(shop, "How many products are there?")
    assert after.rows == alone.rows and after.sql == alone.sql
    assert after.question == "How many products are there?"  # the user's words are kept


CHINOOK_CONVERSATIONS = [
    (["Revenue per year", "and by country?"], "Total revenue by country"),
    (["Number of tracks per genre", "only the top 3"], "Top 3 genres by number of tracks"),
    (["How many invoices in 2022?", "and 2023?"], "How many invoices in 2023?"),
    (
        ["How many customers are in Brazil?", "what about Germany?"],
        "How many customers in Germany?",
    ),
    (["Revenue per year", "for Germany?"], "Revenue per year in Germany"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("conversation", "full"), CHINOOK_CONVERSATIONS)
def test_chinook_follow_ups_answer_like_the_full_question(chinook, conversation, full):
    assert_same_rows(converse(chinook, conversation), answer_question(chinook, full))


@pytest.mark.django_db
def test_a_whole_question_after_and_is_answered_alone(shop):
    # No conversation: "And" opens a whole question, read as if it were not there.
    plain = answer_question(shop, "How many products are there?")
    opened = answer_question(shop, "And how many products are there?")
    assert not opened.refused and opened.sql == plain.sql
    assert answer_question(shop, "and by country?").refused  # a fragment still is not

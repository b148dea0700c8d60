"""Engine v2, step by step: tokens, mentions, the Interpretation, SQL per dialect, the
restatement and labels — and coverage: changing any content word of an answered question
changes the reading or ends in a refusal, never in the same SQL."""

from __future__ import annotations

import sqlite3

import pytest

from chat.answering.builtin.engine import answer, understand
from chat.answering.builtin.index import lexicon_for, name_words
from chat.answering.builtin.interpretation import Col, Filter, Measure
from chat.answering.builtin.reader import Refusal
from chat.answering.builtin.tokens import tokenize
from chat.answering.evaluation import same_rows

from .test_builtin import _extract


@pytest.fixture(scope="module")
def demo(demo_shop_sqlite, django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return (*_extract(demo_shop_sqlite), demo_shop_sqlite)


@pytest.fixture(scope="module")
def chinook(chinook_sqlite):
    path = chinook_sqlite.params.database
    return (*_extract(path), path)


def ask(schema, question, dialect="sqlite"):
    document, profiles, _ = schema
    return answer(question, document=document, profiles=profiles, dialect=dialect)


def reading(schema, question):
    document, profiles, _ = schema
    return understand(question, lexicon_for(document, profiles)).interpretation


def rows(schema, sql):
    conn = sqlite3.connect(schema[2])
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


# -- tokens and schema words ---------------------------------------------------------------
def test_tokens_keep_spans_fold_and_singularise():
    tokens = tokenize("Names of the Employees older than 56 in 'São Paulo'?")
    assert [t.norm for t in tokens] == [
        "name", "of", "the", "employee", "older", "than", "56", "in", "sao paulo",
    ]  # fmt: skip
    assert tokens[3].start == 13 and tokens[3].end == 22 and tokens[3].text == "Employees"
    assert tokens[6].number == 56 and tokens[-1].kind == "quoted" and tokens[-1].text == "São Paulo"
    assert [t.norm for t in tokenize("the artist's albums")] == ["the", "artist", "'s", "album"]


def test_identifiers_read_as_words_with_abbreviations_spelled_out():
    assert name_words("Num_Employees") == ("number", "employee")
    assert name_words("date_of_birth") == ("date", "birth")
    assert name_words("DeptName") == ("department", "name")


def test_values_link_forgiving_case_accents_plurals_and_one_typo(demo):
    lex = lexicon_for(demo[0], demo[1])
    assert {v.value for v in lex.find_values(("germany",))} == {"Germany"}
    assert {v.value for v in lex.find_values(("germnay",))} == {"Germany"}  # one typo
    assert lex.find_values(("gremlins",)) == []


# -- the interpretation ----------------------------------------------------------------------
def test_comparisons_are_comparisons_not_equalities(demo):
    it = reading(demo, "How many orders above 500?")
    assert it.filters == (Filter(Col("main.orders", "total"), ">", (500,)),)
    it = reading(demo, "products with price at least 20")
    assert it.filters == (Filter(Col("main.products", "price"), ">=", (20,)),)


def test_several_aggregates_and_distinct(demo):
    it = reading(demo, "What is the average and maximum price of products?")
    assert [o.agg for o in it.outputs] == ["avg", "max"]
    it = reading(demo, "What are the different countries of customers?")
    assert it.distinct and [o.column for o in it.outputs] == [Col("main.customers", "country")]
    it = reading(demo, "How many different cities of customers")
    assert it.outputs == (Measure("count", Col("main.customers", "city"), distinct=True),)


def test_ranking_groups_count_the_related_rows(chinook):
    it = reading(chinook, "Top 3 albums by number of tracks")
    assert it.group_rows and it.limit == 3 and it.order[0].desc
    assert it.order[0].measure == Measure("count", None, "main.Track")


def test_what_is_counted_must_be_said(demo):
    for question in ("How many are in Germany?", "How many per country?"):
        with pytest.raises(Refusal):
            reading(demo, question)


def test_words_not_understood_are_named(demo):
    with pytest.raises(Refusal, match="'flurbles'"):
        reading(demo, "How many flurbles are in orders?")
    with pytest.raises(Refusal, match="follow-up"):
        reading(demo, "And by country?")


# -- SQL that answers what was asked --------------------------------------------------------
@pytest.mark.parametrize(
    "question, gold",
    [
        ("How many orders above 20?", "SELECT COUNT(*) FROM orders WHERE total > 20"),
        (
            "What is the average and maximum price of products?",
            "SELECT ROUND(AVG(price), 2), MAX(price) FROM products",
        ),
        (
            "What are the different countries of customers?",
            "SELECT DISTINCT country FROM customers",
        ),
        ("How many different cities of customers", "SELECT COUNT(DISTINCT city) FROM customers"),
        (
            "Top 3 categories by number of products",
            "SELECT c.name, COUNT(*) FROM products p JOIN categories c ON c.id = p.category_id "
            "GROUP BY c.id ORDER BY COUNT(*) DESC LIMIT 3",
        ),
        (
            "How many orders were not shipped",
            "SELECT COUNT(*) FROM orders WHERE status <> 'shipped' OR status IS NULL",
        ),
        # Rows asked for with no column named: their name-like column (reader._finish).
        ("Most expensive product", "SELECT name FROM products ORDER BY price DESC LIMIT 1"),
        (
            "List the name and price of products ordered by price descending",
            "SELECT name, price FROM products ORDER BY price DESC",
        ),
        (
            "Products with price above the average",
            "SELECT name FROM products WHERE price > (SELECT AVG(price) FROM products)",
        ),
        (
            "Customers that have no orders",
            "SELECT c.first_name, c.last_name FROM customers c WHERE NOT EXISTS "
            "(SELECT 1 FROM orders o WHERE o.customer_id = c.id)",
        ),
    ],
)
def test_known_failure_modes_answer_right(demo, question, gold):
    generated = ask(demo, question)
    assert generated.sql, generated.reason
    ordered = "order by" in gold.lower()
    assert same_rows(rows(demo, gold), rows(demo, generated.sql), ordered), generated.sql


def test_restatement_and_labels(demo):
    generated = ask(demo, "How many different cities of customers")
    assert generated.interpretation == "number of distinct city values of customers"
    assert generated.column_labels == ["Number of distinct city values"]
    generated = ask(demo, "How many customers per country?")
    assert generated.column_labels == ["Country", "Number of customers"]
    assert not generated.interpretation.lower().startswith("read as")


def test_restatement_names_the_rows_once(chinook):
    """ "of tracks" after "number of tracks" says nothing twice; a bare column of the subject
    still says whose it is."""
    generated = ask(chinook, "What is the number of tracks for each genre name?")
    assert generated.sql, generated.reason
    assert "tracks of tracks" not in generated.interpretation, generated.interpretation
    assert "number of tracks" in generated.interpretation
    generated = ask(chinook, "What are the names of all artists?")
    assert generated.sql, generated.reason
    assert generated.interpretation.endswith("of artists"), generated.interpretation


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql", "clickhouse"])
def test_sql_renders_for_each_dialect(demo, dialect):
    generated = ask(demo, "Top 3 categories by number of products", dialect)
    assert generated.sql and "LIMIT 3" in generated.sql
    if dialect == "clickhouse":
        assert "toFloat64" in ask(demo, "average price of products", dialect).sql


# -- coverage: every content word counts ---------------------------------------------------
SUPPORTED = [
    "How many orders above 500?",
    "What is the average and maximum price of products?",
    "How many customers are in Germany?",
    "List the name and price of products ordered by price descending",
    "Top 3 categories by number of products",
    "How many customers per country?",
    "Which country has the most customers?",
    "How many orders were not shipped",
]
# Words whose removal leaves an equally complete phrasing of the same question: "the average
# maximum price", "3 categories by number of products", "ordered price descending".
SAME_WITHOUT = {"and", "top", "by"}
SWAPS = {"above": "below", "average": "minimum", "germany": "france", "descending": "ascending"}


def token_is_subject_table(base, tokens, token) -> bool:
    """The token is the subject table's word, so dropping it leaves the same question when
    the subject is the one table holding the columns named (reader._subject_from_columns)."""
    return any(
        m.kind == "table"
        and any(t.qualified_name == base.interpretation.subject for t in m.tables)
        and any(t.start == token.start for t in tokens[m.start : m.end])
        for m in base.mentions
    )


@pytest.mark.parametrize("question", SUPPORTED)
def test_changing_any_content_word_changes_the_reading_or_refuses(demo, question):
    document, profiles, _ = demo
    lex = lexicon_for(document, profiles)
    base = understand(question, lex)
    sql = ask(demo, question).sql
    assert sql
    tokens = tokenize(question)
    content = [t for t in tokens if t.low not in _FUNCTION]
    assert content
    for token in content:
        for replacement in ("", "zorblax", SWAPS.get(token.low)):
            if replacement is None or (replacement == "" and token.low in SAME_WITHOUT):
                continue
            changed = question[: token.start] + replacement + question[token.end :]
            try:
                other = understand(changed, lex).interpretation
            except Refusal:
                continue
            if replacement == "" and token_is_subject_table(base, tokens, token):
                continue  # "the average price (of products)": the columns name the table
            assert other != base.interpretation or replacement == token.low, (changed, other)
            assert ask(demo, changed).sql != sql, changed


from chat.answering.builtin.lexicon import FUNCTION as _FUNCTION  # noqa: E402

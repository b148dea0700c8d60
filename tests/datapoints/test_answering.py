"""DataPoints change answers: the built-in engine applies them, the LLM sees them."""

import pytest

from chat.answering.pipeline import answer_question, load_schema
from schemas_app import datapoints
from schemas_app.models import DataPoint

from .conftest import DEMO_POINTS

pytestmark = pytest.mark.django_db


PAID_OR_SHIPPED = """"orders"."status" IN ('paid', 'shipped')"""


def test_builtin_revenue_by_month_uses_the_metric_only_where_it_is_defined(shop, other_shop):
    before = answer_question(shop, "revenue by month", schema=load_schema(shop))
    assert before.error == "" and "status" not in before.sql
    datapoints.sync_directory(DEMO_POINTS, connection=shop)
    after = answer_question(shop, "revenue by month", schema=load_schema(shop))
    assert after.error == "" and PAID_OR_SHIPPED in after.sql
    assert after.columns == ["month", "revenue"] and len(after.rows) == len(before.rows)
    assert sum(r[1] for r in after.rows) < sum(r[1] for r in before.rows)
    # The other database (same data, no points) still answers the plain way: no bleed.
    elsewhere = answer_question(other_shop, "revenue by month", schema=load_schema(other_shop))
    assert elsewhere.sql == before.sql


def test_a_metric_is_grouped_when_ranking_and_never_inflated_by_joins(shop):
    datapoints.sync_directory(DEMO_POINTS, connection=shop)
    schema = load_schema(shop)
    # Ranking a table by the metric groups by that table (never one scalar for "top 5 ...").
    customers = answer_question(shop, "top 5 customers by revenue", schema=schema)
    assert customers.error == "" and len(customers.rows) == 5, customers.sql
    assert "GROUP BY" in customers.sql and PAID_OR_SHIPPED in customers.sql
    totals = [r[-1] for r in customers.rows]
    assert totals == sorted(totals, reverse=True)
    # Revenue is SUM(orders.total): per product it would count an order once per line, so
    # the engine adds up the line items instead, still only those of paid or shipped orders.
    products = answer_question(shop, "top 5 products by revenue", schema=schema)
    assert products.error == "" and len(products.rows) == 5, products.sql
    assert 'SUM("orders"."total")' not in products.sql and "order_items" in products.sql
    assert PAID_OR_SHIPPED in products.sql
    assert products.columns == ["name", "revenue"] and "paid" in products.text
    engine = shop.engine()
    gold = engine.execute(
        "SELECT p.name, ROUND(SUM(oi.unit_price * oi.quantity), 2) AS r FROM order_items oi "
        "JOIN orders o ON o.id = oi.order_id JOIN products p ON p.id = oi.product_id "
        "WHERE o.status IN ('paid', 'shipped') GROUP BY p.id, p.name ORDER BY r DESC LIMIT 5",
        max_rows=10,
        timeout=30,
    ).rows
    assert [(n, round(v, 2)) for n, v in products.rows] == [(n, round(v, 2)) for n, v in gold]
    # The same for bottom-N and per-group rankings.
    for question in ("bottom 3 categories by revenue", "revenue per category"):
        ranked = answer_question(shop, question, schema=schema)
        assert PAID_OR_SHIPPED in ranked.sql, (question, ranked.sql)
    country = answer_question(shop, "which country has the most revenue", schema=schema)
    assert 'SUM("orders"."total")' in country.sql and '"status" IN' in country.sql


def test_a_table_note_does_not_claim_part_of_a_longer_table_name(shop):
    # notes.json holds a note on "orders": "order items" must still link to order_items.
    datapoints.sync_directory(DEMO_POINTS, connection=shop)
    answer = answer_question(shop, "how many order items are there?", schema=load_schema(shop))
    assert answer.error == "" and not answer.refused, answer.text
    assert "order_items" in answer.sql


def test_builtin_glossary_filter_and_values(shop):
    refused = answer_question(shop, "how many churned customers", schema=load_schema(shop))
    assert refused.refused and "churned" in refused.text
    datapoints.sync_directory(DEMO_POINTS, connection=shop)
    schema = load_schema(shop)
    churned = answer_question(shop, "how many churned customers", schema=schema)
    assert churned.error == "" and "NOT customers.id IN" in churned.sql.replace('"', "")
    assert 0 < churned.rows[0][0] < 500
    returned = answer_question(shop, "how many returned orders", schema=schema)
    assert "'refunded'" in returned.sql and returned.rows[0][0] > 0


def test_global_metric_applies_to_every_database(shop, other_shop, points_dir):
    root = points_dir(
        "m.yaml",
        "kind: metric\nname: turnover\nsql: SUM(orders.total)\nfilter: orders.status = 'shipped'\n",
    )
    datapoints.sync_directory(root, global_scope=True)
    for connection in (shop, other_shop):
        answer = answer_question(connection, "turnover by year", schema=load_schema(connection))
        assert '"orders"."status" = \'shipped\'' in answer.sql and answer.rows


def test_llm_prompt_holds_retrieved_points_of_this_database_only(shop, other_shop, fake_llm):
    datapoints.sync_directory(DEMO_POINTS, connection=shop)
    sql = "SELECT strftime('%Y-%m', order_date) AS month, SUM(total) FROM orders GROUP BY 1"
    fake_llm.reply({"sql": sql, "explanation": "Revenue per month."})
    answer = answer_question(shop, "What was the revenue by month?", schema=load_schema(shop))
    assert answer.error == ""
    prompt = fake_llm.prompt()
    assert "METRIC revenue = SUM(orders.total) WHERE orders.status IN ('paid', 'shipped')" in prompt
    assert "Business definitions" in prompt
    fake_llm.reply({"sql": sql, "explanation": "Revenue per month."})
    answer_question(other_shop, "What was the revenue by month?", schema=load_schema(other_shop))
    assert "METRIC revenue" not in fake_llm.prompt(1)


def test_saved_example_is_used_for_the_same_question(shop, fake_llm, settings):
    settings.LLM_MODEL = ""  # the built-in engine
    sql = "SELECT COUNT(*) AS big_orders FROM orders WHERE total > 500"
    point, created = datapoints.save_example(shop, "How many big orders are there?", sql)
    assert created and point.source == DataPoint.Source.FEEDBACK
    assert datapoints.example_saved(shop.pk, "how many big orders are there")
    answer = answer_question(shop, "how many big orders are there?", schema=load_schema(shop))
    assert answer.error == "" and answer.sql.startswith(sql) and answer.rows[0][0] > 0
    # The LLM gets the verified example in its context.
    settings.LLM_MODEL = "openai/fake-model"
    fake_llm.reply({"sql": sql, "explanation": "Big orders."})
    answer_question(shop, "How many big orders were there?", schema=load_schema(shop))
    assert "VERIFIED EXAMPLE Q: How many big orders are there?" in fake_llm.prompt()
    # A file sync never removes verified examples.
    datapoints.sync_directory(DEMO_POINTS, connection=shop)
    assert DataPoint.objects.filter(pk=point.pk).exists()


def test_embeddings_are_stored_and_blended_with_bm25(shop, fake_llm, settings):
    settings.EMBEDDING_MODEL = "openai/fake-embedding"
    report = datapoints.sync_directory(DEMO_POINTS, connection=shop)
    assert report.errors == []
    stored = DataPoint.objects.filter(scope_key=f"connection:{shop.pk}")
    assert all(
        len(p.embedding) == 64 and p.embedding_model == "openai/fake-embedding" for p in stored
    )
    assert (
        fake_llm.embedding_requests and fake_llm.embedding_requests[0]["model"] == "fake-embedding"
    )
    sent = len(fake_llm.embedding_requests)
    # Idempotent: nothing changed, nothing re-embedded.
    datapoints.sync_directory(DEMO_POINTS, connection=shop)
    assert len(fake_llm.embedding_requests) == sent
    candidates = datapoints.load_candidates(shop)
    assert all(c.embedding for c in candidates)
    # "lapsed" is only a synonym: BM25 finds it, and the question is embedded once.
    ranked = datapoints.retrieve("lapsed shoppers", candidates)
    assert ranked[0].name == "churned"
    assert len(fake_llm.embedding_requests) == sent + 1


def test_embedding_failure_is_reported_and_bm25_still_works(shop, settings):
    settings.EMBEDDING_MODEL = "openai/fake-embedding"
    settings.LLM_API_BASE = "http://127.0.0.1:9/v1"  # nothing listens there
    settings.LLM_TIMEOUT = 2.0
    report = datapoints.sync_directory(DEMO_POINTS, connection=shop)
    assert report.added and any(e.file == "(embeddings)" for e in report.errors)
    ranked = datapoints.retrieve("churned customers", datapoints.load_candidates(shop))
    assert ranked and ranked[0].name == "churned"


def test_embedding_api_base_is_used_instead_of_the_llms(shop, fake_llm, settings):
    assert settings.EMBEDDING_API_BASE == ""  # declared in settings, empty by default
    settings.EMBEDDING_MODEL = "openai/fake-embedding"
    settings.EMBEDDING_API_BASE = settings.LLM_API_BASE  # the fake server
    settings.LLM_API_BASE = "http://127.0.0.1:9/v1"  # nothing listens there
    settings.LLM_TIMEOUT = 2.0
    report = datapoints.sync_directory(DEMO_POINTS, connection=shop)
    assert report.errors == [] and fake_llm.embedding_requests


def test_example_saved_from_feedback_holds_no_row_cap(shop, settings, django_user_model):
    from chat import conversation, feedback
    from chat.models import ChatSession, QueryRun

    settings.LLM_MODEL = ""
    user = django_user_model.objects.create_superuser("saver", password="x")
    session = ChatSession.objects.create(owner=user)
    message = conversation.ask(user, session, "how many customers are in Germany?", only=[shop])
    shown = message.result["databases"][0]["sql"]
    assert shown and "LIMIT" not in shown, shown
    assert QueryRun.objects.get(message=message).sql == shown
    feedback.set_feedback(message, user, "correct")
    [point] = feedback.save_as_example(message, user)
    assert point.content["sql"] == shown


def test_a_verified_example_of_the_engines_own_query_reads_the_same(shop, settings):
    # QA: after "how many customers are in Germany?" was saved as an example (then with our
    # row cap), the same count read "The answer is 58." instead of "There are 58 customers.".
    settings.LLM_MODEL = ""
    schema = load_schema(shop)
    before = answer_question(shop, "how many customers are in Germany?", schema=schema)
    assert before.text.startswith("There are ") and before.text.endswith(
        " customers where country is 'Germany'."
    )
    datapoints.save_example(shop, "how many customers are in Germany?", before.sql + " LIMIT 10001")
    schema = load_schema(shop)
    after = answer_question(shop, "how many customers are in germany", schema=schema)
    assert after.text == before.text and after.sql == before.sql
    # An example with a query of its own still answers with it.
    datapoints.save_example(
        shop, "how many customers are in France?", "SELECT COUNT(*) FROM customers WHERE 0"
    )
    own = answer_question(shop, "how many customers are in France", schema=load_schema(shop))
    assert own.sql.startswith("SELECT COUNT(*) FROM customers WHERE 0") and own.rows == [(0,)]

"""The LLM path on linked databases: one prompt with aliases, both schemas and the links,
and the model's SQL run federated (the scripted model server of tests/chat/fake_llm.py)."""

from chat import conversation, sessions
from chat.models import ChatMessage

PAID = (
    "SELECT c.name, SUM(o.amount) AS total FROM shop.fed_customers c "
    "JOIN crm.fed_orders o ON o.customer_email = c.email WHERE o.status = 'paid' "
    "GROUP BY c.name ORDER BY c.name"
)


def test_linked_chat_gets_one_federated_query(alice, linked, fake_llm):
    session = sessions.create_session(alice, connections=[linked["shop"], linked["crm"]])
    fake_llm.reply({"sql": PAID, "explanation": "Paid order totals per customer."})
    reply = conversation.ask(alice, session, "How much did each customer pay?")

    assert len(fake_llm.requests) == 1
    prompt = fake_llm.prompt()
    assert "Alias shop" in prompt and "Alias crm" in prompt
    assert "fed_customers" in prompt and "fed_orders" in prompt
    assert "shop.fed_customers.email <-> crm.fed_orders.customer_email" in prompt
    assert reply.status == ChatMessage.Status.DONE, reply.text
    (answer,) = reply.result["databases"]
    assert [row[0] for row in answer["rows"]] == ["Ann", "Bob", "Cy"]
    assert [float(row[1]) for row in answer["rows"]] == [15.5, 1.0, 20.0]
    assert answer["sql"] == PAID
    # The plan is shown: each side's pushed-down query and the join.
    assert "Plan:" in answer["text"] and "WHERE `status` = 'paid'" in answer["text"]


def test_a_failed_federated_query_is_corrected(alice, linked, fake_llm):
    session = sessions.create_session(alice, connections=[linked["shop"], linked["crm"]])
    fake_llm.reply({"sql": "SELECT * FROM sales.orders", "explanation": "Orders."})
    fake_llm.reply({"sql": PAID, "explanation": "Paid order totals per customer."})
    reply = conversation.ask(alice, session, "How much did each customer pay?")

    assert len(fake_llm.requests) == 2
    assert "Unknown database alias 'sales'" in fake_llm.prompt(1)
    assert (
        reply.status == ChatMessage.Status.DONE and len(reply.result["databases"][0]["rows"]) == 3
    )


def test_unlinked_databases_are_asked_one_by_one(alice, fed, fake_llm):
    session = sessions.create_session(alice, connections=[fed["shop"], fed["crm"]])
    fake_llm.reply({"refused": True, "reason": "Not about these tables."})
    conversation.ask(alice, session, "How much did each customer pay?")
    assert "Alias shop" not in fake_llm.prompt() and 'Database "Shop"' in fake_llm.prompt()


def test_a_capped_side_is_said_in_the_answer(alice, linked, fake_llm, settings):
    settings.FEDERATION_MAX_ROWS_PER_SIDE = 2
    session = sessions.create_session(alice, connections=[linked["shop"], linked["crm"]])
    fake_llm.reply({"sql": PAID, "explanation": "Paid order totals per customer."})
    reply = conversation.ask(alice, session, "How much did each customer pay?")
    (answer,) = reply.result["databases"]
    assert "row cap of 2 rows per side was hit" in answer["text"]
    assert "incomplete" in answer["text"] and answer["truncated"] is True


def test_a_correction_prompt_hides_values_the_error_quotes(alice, linked, fake_llm):
    """Below `values` (the default here is `profiles`), a row value that a side's database
    quotes in its error goes back to the model as '…', as on the single-database path."""
    bad = (
        "SELECT c.name FROM shop.fed_customers c "
        "JOIN crm.fed_orders o ON o.customer_email = c.email "
        "WHERE CAST(c.name AS INTEGER) > 1"
    )
    session = sessions.create_session(alice, connections=[linked["shop"], linked["crm"]])
    fake_llm.reply({"sql": bad, "explanation": "Customers."})
    fake_llm.reply({"refused": True, "reason": "Cannot."})
    conversation.ask(alice, session, "Which customers have a numeric name?")

    assert len(fake_llm.requests) == 2
    correction = fake_llm.prompt(1)
    assert "That SQL failed with this error" in correction
    # The side's error named a customer ("Ann", "Bob" or "Cy"); none of them may reach the model.
    assert "invalid input syntax" in correction or "Could not convert" in correction, correction
    for name in ("Ann", "Bob", "Cy"):
        assert f'"{name}"' not in correction and f"'{name}'" not in correction

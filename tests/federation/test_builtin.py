"""The built-in engine on linked databases: a merged schema (tables under their alias, the
link as a foreign key) extends its join graph; its SQL runs federated."""

from chat import conversation, sessions
from chat.models import ChatMessage
from federation.merged import merged_document
from federation.models import CrossDatabaseLink
from federation.services import databases_for


def test_the_link_becomes_one_foreign_key(linked):
    databases = [d for _, d in databases_for([linked["shop"], linked["crm"]]).values()]
    document, _ = merged_document(databases, CrossDatabaseLink.objects.all())
    names = {t.qualified_name: t for t in document.tables}
    assert {"shop.fed_customers", "crm.fed_orders"} <= set(names)
    # Orders (more rows) refer to customers; one direction, so one way to join.
    (key,) = names["crm.fed_orders"].foreign_keys
    assert (key.columns, key.referred_schema, key.referred_table) == (
        ["customer_email"],
        "shop",
        "fed_customers",
    )
    assert names["shop.fed_customers"].foreign_keys == []


def test_builtin_engine_joins_across_linked_databases(alice, linked, settings):
    settings.LLM_MODEL = ""
    session = sessions.create_session(alice, connections=[linked["shop"], linked["crm"]])
    reply = conversation.ask(alice, session, "how many fed orders per fed customer name")
    assert reply.status == ChatMessage.Status.DONE, reply.text
    (answer,) = reply.result["databases"]
    assert sorted(map(tuple, answer["rows"])) == [("Ann", 2), ("Bob", 2), ("Cy", 1)]
    assert '"crm"."fed_orders"' in answer["sql"] and '"shop"."fed_customers"' in answer["sql"]
    assert answer["engine"] == "builtin" and "Plan:" in answer["text"]


def test_builtin_on_unlinked_databases_answers_each(alice, fed, settings):
    settings.LLM_MODEL = ""
    session = sessions.create_session(alice, connections=[fed["shop"], fed["crm"]])
    reply = conversation.ask(alice, session, "how many fed customers are there")
    assert len(reply.result["databases"]) == 2


def test_a_link_whose_table_is_gone_is_left_out(linked):
    """A newer snapshot without the table (renamed, dropped): the link joins nothing."""
    CrossDatabaseLink.objects.update(left_table="public.fed_gone")
    databases = [d for _, d in databases_for([linked["shop"], linked["crm"]]).values()]
    document, _ = merged_document(databases, CrossDatabaseLink.objects.all())
    assert all(not t.foreign_keys for t in document.tables)

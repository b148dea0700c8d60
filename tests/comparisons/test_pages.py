"""The comparison and group pages, and groups in the chat's database picker."""

from __future__ import annotations

import pytest

from chat.models import ChatMessage, ChatSession
from chat.sessions import create_session
from connections.models import ConnectionGroup
from schemas_app.services import extract_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def envs(make_connection, cmp_shop, admin_user):
    made = []
    for kind, name in [("postgresql", "env-prod"), ("mysql", "env-copy"), ("sqlite", "env-old")]:
        connection = make_connection(cmp_shop[kind], name=name)
        assert extract_now(connection).status == "succeeded"
        made.append(connection)
    group = ConnectionGroup.objects.create(name="shop envs", created_by=admin_user)
    group.members.set(made)
    return group, made


def test_compare_page(alice_client, admin_client, envs, mysql_copy, make_connection):
    _, (pg, my, _) = envs
    form = alice_client.get("/comparisons/")
    assert form.status_code == 200 and b"env-prod" in form.content
    page = alice_client.get(f"/comparisons/?left={pg.pk}&right={my.pk}").content.decode()
    assert "EQUAL (schema)" in page and "only spelling" in page
    assert alice_client.get(f"/comparisons/?left={pg.pk}&right={my.pk}&data=1").status_code == 403
    same = alice_client.get(f"/comparisons/?left={pg.pk}&right={pg.pk}").content.decode()
    assert "Pick two different databases." in same

    params, conn = mysql_copy
    conn.cursor().execute("DELETE FROM payments WHERE id = 9")
    conn.commit()
    changed = make_connection(params, name="env-changed")
    extract_now(changed)
    page = admin_client.get(f"/comparisons/?left={pg.pk}&right={changed.pk}&data=1")
    html = page.content.decode()
    assert "DIFFERENT (schema and data): payments" in html
    assert "only in env-prod: 9</li>" in html  # the deleted row, by its key
    # the table that differs is listed before the equal ones
    rows = html[html.index("compare-data") :]
    assert rows.index("<td>payments</td>") < rows.index("<td>categories</td>")


def test_group_pages_chat_and_question(alice_client, alice, envs):
    group, (pg, my, old) = envs
    old.is_active = False
    old.save()
    listing = alice_client.get("/groups/").content.decode()
    assert "shop envs" in listing and "env-prod" in listing and "env-old" not in listing
    detail = alice_client.get(f"/groups/{group.pk}/").content.decode()
    assert "Start a chat on this group" in detail and "Compare two members" in detail
    assert alice_client.get("/groups/12345/").status_code == 404

    response = alice_client.post(f"/groups/{group.pk}/chat/")
    session = ChatSession.objects.get(owner=alice)
    assert response.url == f"/chat/{session.pk}/"
    assert [e.connection_id for e in session.databases.order_by("position")] == [my.pk, pg.pk]

    response = alice_client.post(f"/groups/{group.pk}/ask/", {"question": "how many orders?"})
    asked = ChatSession.objects.filter(owner=alice).exclude(pk=session.pk).get()
    assert response.url == f"/chat/{asked.pk}/"
    reply = asked.messages.get(role=ChatMessage.Role.ASSISTANT)
    assert reply.question == "how many orders?" and sorted(reply.databases) == [
        "env-copy",
        "env-prod",
    ]
    refused = alice_client.post(f"/groups/{group.pk}/ask/", {"question": "  "}, follow=True)
    assert "Type a question" in refused.content.decode()
    assert ChatSession.objects.filter(owner=alice).count() == 2  # nothing made for it


def test_the_chat_picker_offers_groups(alice_client, alice, envs):
    group, (pg, my, _) = envs
    session = create_session(alice, connections=[pg])
    page = alice_client.get(f"/chat/{session.pk}/").content.decode()
    assert f'value="group:{group.pk}"' in page
    alice_client.post(f"/chat/{session.pk}/databases/add/", {"connection_id": f"group:{group.pk}"})
    chosen = [e.connection.name for e in session.databases.order_by("position")]
    assert chosen == ["env-copy", "env-old", "env-prod"]
    assert (
        alice_client.post(
            f"/chat/{session.pk}/databases/add/", {"connection_id": "group:999999"}
        ).status_code
        == 404
    )


def test_the_databases_page_offers_groups(alice_client, alice, envs):
    group, (pg, my, old) = envs
    page = alice_client.get("/databases/").content.decode()
    assert f'action="/groups/{group.pk}/chat/"' in page and "shop envs" in page
    for member in (pg, my, old):
        member.is_active = False
        member.save()
    assert "shop envs" not in alice_client.get("/databases/").content.decode()

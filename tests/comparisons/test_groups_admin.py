"""The admin's group pages: list with members, add with the members widget."""

import pytest

from connections.models import ConnectionGroup

pytestmark = pytest.mark.django_db


def test_admin_lists_and_adds_groups(admin_client, admin_user, make_connection, cmp_shop):
    pg = make_connection(cmp_shop["postgresql"], name="pg-prod")
    my = make_connection(cmp_shop["mysql"], name="my-copy")
    page = admin_client.get("/admin/connections/connectiongroup/add/")
    assert page.status_code == 200
    assert b'id="id_members"' in page.content and b"selectfilter" in page.content.lower()

    response = admin_client.post(
        "/admin/connections/connectiongroup/add/",
        {"name": "envs", "description": "", "members": [str(pg.pk), str(my.pk)]},
    )
    assert response.status_code == 302, response.content[:2000]
    group = ConnectionGroup.objects.get(name="envs")
    assert set(group.members.all()) == {pg, my} and group.created_by == admin_user
    listing = admin_client.get("/admin/connections/connectiongroup/").content.decode()
    assert "envs" in listing and "my-copy, pg-prod" in listing

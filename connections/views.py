from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import groups, services


def staff_required(view):
    """403 for signed-in non-staff (login_required, applied outside, handles visitors)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied("Staff only.")
        return view(request, *args, **kwargs)

    return wrapper


@login_required
def database_list(request):
    # Groups above the list: "Ask" on one starts a chat on its active members.
    context = {**_list_context(request), "groups": groups.groups_with_active_members(request.user)}
    return render(request, "connections/database_list.html", context)


@login_required
@require_POST
def select_database(request, connection_id):
    connection = services.get_visible_connection(request.user, connection_id)
    if not connection.is_active:
        # Staff can see inactive databases but nobody can work with one.
        raise Http404("No such database.")
    services.select_connection(request.user, connection)
    if request.htmx:
        return render(request, "connections/database_list.html#list", _list_context(request))
    messages.success(request, f"Selected {connection.name}.")
    return redirect("databases")


@login_required
def database_detail(request, connection_id):
    connection = services.get_visible_connection(request.user, connection_id)
    return render(request, "connections/database_detail.html", {"connection": connection})


@login_required
@staff_required
@require_POST
def test_database(request, connection_id):
    connection = services.get_visible_connection(request.user, connection_id)
    result = services.test_connection(connection)
    if request.htmx:
        return render(
            request,
            "connections/database_detail.html#test_result",
            {"connection": connection, "result": result},
        )
    level = messages.SUCCESS if result.ok else messages.ERROR
    messages.add_message(request, level, f"{connection.name}: {result.message}")
    return redirect("database_detail", connection_id=connection.pk)


@login_required
@staff_required
@require_POST
def set_default_database(request, connection_id):
    connection = services.get_visible_connection(request.user, connection_id)
    services.set_default_connection(connection)
    messages.success(request, f"{connection.name} is now the default database.")
    return redirect("database_detail", connection_id=connection.pk)


def _list_context(request):
    # selected_connection comes from the context processor, evaluated at render time,
    # so it already reflects a selection made by this very request.
    return {"connections": services.visible_connections(request.user)}

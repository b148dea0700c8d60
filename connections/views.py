from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .services import visible_connections


@login_required
def database_list(request):
    return render(request, "connections/database_list.html", {"connections": visible_connections(request.user)})

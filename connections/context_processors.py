from .services import selected_connection


def selected_database(request):
    """Expose the signed-in user's selected database to every page's navigation."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {"selected_connection": selected_connection(user)}

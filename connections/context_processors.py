from django.utils.functional import SimpleLazyObject

from .services import selected_connection


def selected_database(request):
    """Expose the signed-in user's selected database to every page's navigation. Lazy: it is
    read only when a template uses it, so partials such as status polls cost no query."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {"selected_connection": SimpleLazyObject(lambda: selected_connection(user))}

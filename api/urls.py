from django.urls import path

from . import views
from .api import api

# (Not `app_name`: a module-level app_name would namespace every URL of this module.)
api_patterns, api_app, api_namespace = api.urls
for pattern in api_patterns:
    pattern.callback = views.json_method_not_allowed(pattern.callback)

urlpatterns = [
    path("api/v1/", (api_patterns, api_app, api_namespace)),
    path("api/v1/<path:rest>", views.api_not_found),
    path("profile/tokens/", views.tokens_page, name="api_tokens"),
    path("profile/tokens/<int:token_id>/revoke/", views.revoke_token, name="api_token_revoke"),
]

from django.urls import path

from . import views
from .api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("api/v1/<path:rest>", views.api_not_found),
    path("profile/tokens/", views.tokens_page, name="api_tokens"),
    path("profile/tokens/<int:token_id>/revoke/", views.revoke_token, name="api_token_revoke"),
]

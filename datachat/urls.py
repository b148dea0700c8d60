from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from . import health

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="databases", permanent=False)),
    path("healthz", health.healthz, name="healthz"),  # no sign-in: probes and load balancers
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # chat first: its dashboard (schema figures + query figures) replaces schemas_app's.
    path("", include("chat.urls")),
    path("", include("connections.urls")),
    path("", include("schemas_app.urls")),
    path("", include("comparisons.urls")),  # /comparisons/, /groups/
    path("", include("reports.urls")),  # /reports/
    path("", include("api.urls")),  # /api/v1/ and /profile/tokens/
]

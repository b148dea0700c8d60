from django.urls import path

from . import views

# <str:...> rather than <uuid:...>: a malformed id reaches the view and answers the same
# 404 as an unknown one (get_visible_connection handles both).
urlpatterns = [
    path("databases/", views.database_list, name="databases"),
    path("databases/<str:connection_id>/", views.database_detail, name="database_detail"),
    path("databases/<str:connection_id>/select/", views.select_database, name="select_database"),
    path("databases/<str:connection_id>/test/", views.test_database, name="test_database"),
    path(
        "databases/<str:connection_id>/default/",
        views.set_default_database,
        name="set_default_database",
    ),
]

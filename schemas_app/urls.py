from django.urls import path

from . import datapoint_views, views

urlpatterns = [
    path("databases/<str:connection_id>/schema/", views.schema_page, name="schema_page"),
    path("databases/<str:connection_id>/schema/extract/", views.extract, name="schema_extract"),
    path("databases/<str:connection_id>/schema/status/", views.status, name="schema_status"),
    path("databases/<str:connection_id>/schema/profile/", views.profile, name="schema_profile"),
    path("databases/<str:connection_id>/schema/tables/", views.tree_tables, name="schema_tables"),
    path("databases/<str:connection_id>/schema/table/", views.table_detail, name="schema_table"),
    path("databases/<str:connection_id>/schema/search/", views.search, name="schema_search"),
    path(
        "databases/<str:connection_id>/schema/sensitive/",
        views.set_sensitive,
        name="schema_set_sensitive",
    ),
    path("databases/<str:connection_id>/schema/download/", views.download, name="schema_download"),
    path("datapoints/", datapoint_views.datapoints_page, name="datapoints"),
    path("datapoints/sync/", datapoint_views.datapoints_sync, name="datapoints_sync"),
]

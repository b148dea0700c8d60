from django.urls import path

from . import model_log_views, views

urlpatterns = [
    path("chat/", views.chat_home, name="chat"),
    path("chat/new/", views.new_session, name="chat_new"),
    path("chat/<str:session_id>/", views.session_page, name="chat_session"),
    path("chat/<str:session_id>/rename/", views.rename_session, name="chat_rename"),
    path("chat/<str:session_id>/delete/", views.delete_session, name="chat_delete"),
    path("chat/<str:session_id>/ask/", views.ask, name="chat_ask"),
    path("chat/<str:session_id>/databases/add/", views.add_database, name="chat_add_database"),
    path(
        "chat/<str:session_id>/databases/<int:entry_id>/remove/",
        views.remove_database,
        name="chat_remove_database",
    ),
    path("messages/<str:message_id>/", views.message_status, name="chat_message"),
    path("messages/<str:message_id>/run/", views.run_message, name="chat_message_run"),
    path("messages/<str:message_id>/again/", views.run_again, name="chat_message_again"),
    path("messages/<str:message_id>/feedback/", views.feedback, name="chat_message_feedback"),
    path("messages/<str:message_id>/merged/rows/", views.merged_rows, name="chat_merged_rows"),
    path("messages/<str:message_id>/merged/csv/", views.merged_csv, name="chat_merged_csv"),
    path("runs/<str:run_id>/rows/", views.run_rows, name="chat_run_rows"),
    path("runs/<str:run_id>/csv/", views.run_csv, name="chat_run_csv"),
    path(
        "messages/<str:message_id>/model-calls/",
        model_log_views.model_calls,
        name="chat_model_calls",
    ),
    path("model-log/export/", model_log_views.model_log_export, name="chat_model_log_export"),
    path("history/", views.history_page, name="history"),
    path("dashboard/", views.dashboard_page, name="dashboard"),
]

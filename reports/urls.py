from django.urls import path

from . import views

urlpatterns = [
    path("reports/", views.report_list, name="reports"),
    path("reports/new/", views.report_new, name="report_new"),
    path("reports/<str:report_id>/", views.report_detail, name="report_detail"),
    path("reports/<str:report_id>/edit/", views.report_edit, name="report_edit"),
    path("reports/<str:report_id>/delete/", views.report_delete, name="report_delete"),
    path("reports/<str:report_id>/run/", views.report_run, name="report_run"),
]

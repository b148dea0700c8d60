from django.urls import path

from . import views

urlpatterns = [
    path("comparisons/", views.compare_page, name="compare"),
    path("groups/", views.group_list, name="groups"),
    path("groups/<str:group_id>/", views.group_detail, name="group_detail"),
    path("groups/<str:group_id>/chat/", views.group_chat, name="group_chat"),
    path("groups/<str:group_id>/ask/", views.group_ask, name="group_ask"),
]

from django.urls import path

from apps.plays import views

app_name = "plays"
urlpatterns = [
    path("", views.play_list, name="list"),
    path("new/", views.play_create, name="create"),
    path("<int:play_id>/", views.play_detail, name="detail"),
    path("<int:play_id>/edit/", views.play_edit, name="edit"),
    path("<int:play_id>/active/", views.play_active, name="active"),
]

from django.urls import path

from apps.goals import views

app_name = "goals"
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:goal_id>/records/", views.records, name="records"),
    path("scoreboard/records/", views.scoreboard_records, name="scoreboard-records"),
]

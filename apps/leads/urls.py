from django.urls import path

from apps.leads import views

app_name = "sales"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("team/", views.team, name="team"),
    path("leads/<int:lead_id>/", views.lead, name="lead"),
]

from django.urls import path

from apps.campaigns import views

app_name = "marketing"
urlpatterns = [
    path("", views.home, name="home"),
]

from django.urls import path

from apps.scoring import views

app_name = "agreement"
urlpatterns = [
    path("", views.home, name="home"),
    path("sign/", views.sign, name="sign"),
]

from django.urls import path

from apps.intake import views

app_name = "public"
urlpatterns = [
    path("<slug:slug>/", views.public_form, name="form"),
    path("<slug:slug>/thanks/", views.thanks, name="thanks"),
]

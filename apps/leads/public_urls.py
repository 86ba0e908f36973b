from django.urls import path

from apps.leads import public_views

app_name = "public"
urlpatterns = [
    path("<slug:slug>/", public_views.public_form, name="form"),
    path("<slug:slug>/thanks/", public_views.thanks, name="thanks"),
]

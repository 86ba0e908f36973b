from django.urls import path

from apps.abm import views

app_name = "accounts"
urlpatterns = [
    path("", views.account_list, name="list"),
    path("<int:account_id>/", views.account_detail, name="detail"),
    path("<int:account_id>/people/", views.account_people, name="people"),
    path("<int:account_id>/tier/", views.account_tier, name="tier"),
]

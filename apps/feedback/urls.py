from django.urls import path

from apps.feedback import views

app_name = "feedback"
urlpatterns = [
    path("", views.review_page, name="home"),
    path("<int:disqualification_id>/review/", views.review, name="review"),
    path("records/", views.records, name="records"),
]

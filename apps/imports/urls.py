from django.urls import path

from apps.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.import_list, name="list"),
    path("<int:job_id>/", views.import_detail, name="detail"),
    path("<int:job_id>/dry-run/", views.import_dry_run, name="dry-run"),
    path("<int:job_id>/run/", views.import_run, name="run"),
    path("<int:job_id>/discard/", views.import_discard, name="discard"),
    path("<int:job_id>/progress/", views.import_progress, name="progress"),
    path("<int:job_id>/report.csv", views.import_report, name="report"),
    path("<int:job_id>/rejected.csv", views.import_rejected, name="rejected"),
]

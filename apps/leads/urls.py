from django.urls import include, path

from apps.leads import views

app_name = "sales"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("counts/", views.counts, name="counts"),
    path("team/", views.team, name="team"),
    path("team/reps/<int:rep_id>/availability/", views.set_availability, name="availability"),
    path("leads/<int:lead_id>/", views.lead, name="lead"),
    path("leads/<int:lead_id>/claim/", views.claim, name="claim"),
    path("leads/<int:lead_id>/attempts/", views.log_attempt, name="log-attempt"),
    path(
        "leads/<int:lead_id>/steps/<int:step_id>/complete/",
        views.complete_step,
        name="complete-step",
    ),
    path("leads/<int:lead_id>/convert/", views.convert, name="convert"),
    path("leads/<int:lead_id>/disqualify/", views.disqualify, name="disqualify"),
    path("leads/<int:lead_id>/recycle/", views.recycle, name="recycle"),
    path("leads/<int:lead_id>/play/", views.switch_play, name="switch-play"),
    path("leads/<int:lead_id>/buying-role/", views.set_buying_role, name="buying-role"),
    path("leads/<int:lead_id>/reassign/", views.reassign, name="reassign"),
    # The pipeline lives with the opportunities app; its URL names join the `sales` namespace.
    path("pipeline/", include("apps.opportunities.urls")),
]

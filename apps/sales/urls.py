from django.urls import path

from apps.sales.views import calendar, lead, pipeline, pulse, queue, team, today

app_name = "sales"
urlpatterns = [
    # The rep's queue and the team pool
    path("", queue.queue, name="queue"),
    path("counts/", queue.counts, name="counts"),
    path("today/", today.today, name="today"),
    path("calendar/", calendar.calendar, name="calendar"),
    path("pulse/", pulse.pulse, name="pulse"),
    path("leads/<int:lead_id>/claim/", queue.claim, name="claim"),
    # The lead page and its actions
    path("leads/<int:lead_id>/", lead.lead, name="lead"),
    path("leads/<int:lead_id>/attempts/", lead.log_attempt, name="log-attempt"),
    path(
        "leads/<int:lead_id>/steps/<int:step_id>/complete/",
        lead.complete_step,
        name="complete-step",
    ),
    path(
        "leads/<int:lead_id>/steps/<int:step_id>/email/",
        lead.send_step_email,
        name="send-step-email",
    ),
    path("leads/<int:lead_id>/convert/", lead.convert, name="convert"),
    path("leads/<int:lead_id>/disqualify/", lead.disqualify, name="disqualify"),
    path("leads/<int:lead_id>/recycle/", lead.recycle, name="recycle"),
    path("leads/<int:lead_id>/play/", lead.switch_play, name="switch-play"),
    path("leads/<int:lead_id>/buying-role/", lead.set_buying_role, name="buying-role"),
    # The manager's team
    path("team/", team.team, name="team"),
    path("team/reps/<int:rep_id>/availability/", team.set_availability, name="availability"),
    path("leads/<int:lead_id>/reassign/", team.reassign, name="reassign"),
    # The pipeline
    path("pipeline/", pipeline.pipeline, name="pipeline"),
    path("pipeline/<int:opportunity_id>/stage/", pipeline.change_stage, name="change-stage"),
]

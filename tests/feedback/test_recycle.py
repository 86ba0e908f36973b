"""Acknowledge and recycle: marketing agrees with a disqualification and takes the lead back to
nurture, which is not a dispute; an optional re-engage day wakes the lead once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.test import Client
from django.utils import timezone

from apps.core.errors import InvalidTransition
from apps.feedback import selectors
from apps.feedback.models import Disqualification
from apps.feedback.services import (
    RECYCLED,
    disqualify_lead,
    review_disqualification,
    wake_recycled_leads,
)
from apps.leads.models import Lead, LeadEvent
from apps.notifications.models import Notification
from apps.routing import services as routing
from revenue.celery import app
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def dq(pool, policy, rep):  # type: ignore[no-untyped-def]
    lead = factories.LeadFactory(
        status="ready", account=factories.AccountFactory(domain="acme.example")
    )
    routing.claim_lead(lead_id=lead.pk, rep=rep)
    reason = factories.DisqualificationReasonFactory(code="timing", label="Bad timing")
    return disqualify_lead(lead_id=lead.pk, actor=rep, reason_id=reason.pk, note="Next year")


def test_recycling_sends_the_lead_to_nurture_without_counting_a_dispute(  # type: ignore[no-untyped-def]
    dq, marketer, manager
):
    # when
    reviewed = review_disqualification(
        disqualification_id=dq.pk, actor=marketer, decision="recycle", note=""
    )
    # then: the lead left its rep for nurture, and nobody is told of a dispute
    lead = Lead.objects.get(pk=dq.lead_id)
    assert (lead.status, lead.owner_id, lead.sla_state) == ("nurture", None, Lead.SlaState.NONE)
    assert (reviewed.review_status, reviewed.dispute_outcome, reviewed.reengage_on) == (
        "recycled",
        "",
        None,
    )
    assert selectors.review_counts() == {
        "open": 0,
        "acknowledged": 0,
        "recycled": 1,
        "disputed": 0,
    }
    assert not Notification.objects.filter(kind="dispute").exists()
    status = LeadEvent.objects.filter(lead=lead, kind="status").latest("pk")
    assert (status.old_value, status.new_value, status.reason) == (
        "disqualified",
        "nurture",
        RECYCLED,
    )


@pytest.mark.parametrize(
    ("days_ahead", "message"),
    [(0, "after today"), (-3, "after today"), (731, "within two years")],
)
def test_a_re_engage_day_must_be_ahead_and_within_two_years(  # type: ignore[no-untyped-def]
    dq, marketer, days_ahead: int, message: str
):
    day = timezone.localdate() + timedelta(days=days_ahead)
    with pytest.raises(InvalidTransition, match=message) as refused:
        review_disqualification(
            disqualification_id=dq.pk, actor=marketer, decision="recycle", note="", reengage_on=day
        )
    assert refused.value.field == "reengage_on"
    dq.refresh_from_db()
    assert dq.review_status == "open"
    assert Lead.objects.get(pk=dq.lead_id).status == "disqualified"


def test_a_recycled_lead_wakes_once_on_its_day_and_its_marketer_is_told(  # type: ignore[no-untyped-def]
    dq, marketer
):
    # given: recycled to wake in 30 days
    today = timezone.localdate()
    day = today + timedelta(days=30)
    review_disqualification(
        disqualification_id=dq.pk,
        actor=marketer,
        decision="recycle",
        note="Budget opens in Q1",
        reengage_on=day,
    )
    # when / then: nothing the day before
    assert wake_recycled_leads(today=day - timedelta(days=1)) == 0
    # on the day: the lead's history says so and the marketer who recycled it is told
    assert wake_recycled_leads(today=day) == 1
    event = LeadEvent.objects.get(lead_id=dq.lead_id, kind="reengage")
    assert (event.new_value, event.reason) == (day.isoformat(), "recycled after “Bad timing”")
    note = Notification.objects.get(kind="reengage")
    assert note.recipient == marketer
    assert note.lead_id == dq.lead_id
    assert "Budget opens in Q1" in note.body
    # and only once
    assert wake_recycled_leads(today=day + timedelta(days=1)) == 0
    dq.refresh_from_db()
    assert dq.woken_at is not None


def test_only_a_recycled_review_carries_a_re_engage_day(dq, marketer) -> None:  # type: ignore[no-untyped-def]
    reviewed = review_disqualification(
        disqualification_id=dq.pk,
        actor=marketer,
        decision="acknowledge",
        note="Tightened the form",
        reengage_on=date(2099, 1, 1),  # ignored: not recycling
    )
    assert (reviewed.review_status, reviewed.reengage_on) == ("acknowledged", None)


def test_recycle_in_place_on_the_review_page(  # type: ignore[no-untyped-def]
    dq, marketer
):
    client = Client()
    client.force_login(marketer)
    day = timezone.localdate() + timedelta(days=14)
    response = client.post(
        f"/marketing/feedback/{dq.pk}/review/",
        {"decision": "recycle", "action_note": "", "reengage_on": day.isoformat()},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Acknowledged and recycled to nurture" in html
    assert f"wakes {day.day} {day:%b %Y}" in html
    # a bad day names the field, in place
    other = factories.DisqualificationFactory()
    refused = client.post(
        f"/marketing/feedback/{other.pk}/review/",
        {"decision": "recycle", "reengage_on": timezone.localdate().isoformat()},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 422
    assert "Pick a re-engage day after today." in refused.content.decode()
    assert Disqualification.objects.get(pk=other.pk).review_status == "open"


def test_recycle_through_the_api(dq, marketer) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(marketer)
    url = f"/api/v1/disqualifications/{dq.pk}/review/"
    bad = client.post(
        url, {"decision": "recycle", "reengage_on": "2000-01-01"}, content_type="application/json"
    )
    assert bad.status_code == 422
    assert "reengage_on" in bad.content.decode()
    day = timezone.localdate() + timedelta(days=7)
    good = client.post(
        url,
        {"decision": "recycle", "reengage_on": day.isoformat()},
        content_type="application/json",
    )
    assert good.status_code == 200
    assert (good.json()["review_status"], good.json()["reengage_on"]) == (
        "recycled",
        day.isoformat(),
    )


def test_beat_wakes_recycled_leads_daily() -> None:
    entries = {e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    schedule = entries["feedback.wake_recycled_leads"]
    assert isinstance(schedule, crontab)
    assert (len(schedule.hour), len(schedule.minute)) == (1, 1)
    app.loader.import_default_modules()
    assert "feedback.wake_recycled_leads" in app.tasks

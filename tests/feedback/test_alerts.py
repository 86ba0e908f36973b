"""Marketing hears of new disqualifications as it chose on its profile: a notice for each, one
digest a day, or none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.test import Client

from apps.feedback.services import disqualify_lead, send_disqualification_digests
from apps.notifications.models import Notification
from apps.routing import services as routing
from apps.users.models import Role
from tests import factories
from tests.conftest import _user_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketers(db):  # type: ignore[no-untyped-def]
    """One marketer per choice."""
    return {
        alerts: _user_with(Role.MARKETING, f"m-{alerts}", disqualification_alerts=alerts)
        for alerts in ("each", "digest", "off")
    }


def _disqualify(rep, label: str = "Student", note: str = ""):  # type: ignore[no-untyped-def]
    lead = factories.LeadFactory(status="ready", first_name="Dana", last_name="Diaz")
    routing.claim_lead(lead_id=lead.pk, rep=rep)
    reason = factories.DisqualificationReasonFactory(label=label)
    return disqualify_lead(lead_id=lead.pk, actor=rep, reason_id=reason.pk, note=note)


def test_each_disqualification_is_announced_to_the_marketers_who_asked(  # type: ignore[no-untyped-def]
    marketers, rep, pool, policy
):
    # when
    dq = _disqualify(rep, note="Still at university")
    # then: the "each" marketer only, with who, whom, why and the rep's note
    notes = list(Notification.objects.filter(kind="disqualified"))
    assert [n.recipient for n in notes] == [marketers["each"]]
    assert notes[0].lead_id == dq.lead_id
    assert notes[0].title == f"{rep.display_name} disqualified Dana Diaz: Student"
    assert "“Still at university”" in notes[0].body
    assert "/marketing/feedback/" in notes[0].body


def test_the_daily_digest_counts_the_last_24_hours_by_reason_once_a_day(  # type: ignore[no-untyped-def]
    marketers, rep, pool, policy
):
    # given: three disqualifications now, one two days ago
    for label in ("Student", "Student", "Bad timing"):
        _disqualify(rep, label=label)
    old = _disqualify(rep, label="Competitor")
    old.at -= timedelta(days=2)
    old.save()
    now = datetime.now(UTC) + timedelta(minutes=1)
    # when
    sent = send_disqualification_digests(now=now)
    # then: the digest marketer gets one notice; the others none
    assert sent == 1
    digest = Notification.objects.get(kind="dq_digest")
    assert digest.recipient == marketers["digest"]
    assert digest.title == "3 disqualifications in the last 24 hours"
    assert digest.body == (
        "By reason: Student 2, Bad timing 1. 4 wait for your review at /marketing/feedback/."
    )
    # and not twice the same day, whoever runs it again
    assert send_disqualification_digests(now=now + timedelta(hours=3)) == 0
    assert Notification.objects.filter(kind="dq_digest").count() == 1


def test_no_digest_on_a_day_without_disqualifications(marketers) -> None:  # type: ignore[no-untyped-def]
    assert send_disqualification_digests() == 0
    assert not Notification.objects.filter(kind="dq_digest").exists()


def test_a_marketer_picks_how_to_hear_on_the_profile_page(marketer, rep) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(marketer)
    assert "New disqualifications" in client.get("/profile/").content.decode()
    response = client.post(
        "/profile/", {"time_zone": "Europe/Berlin", "disqualification_alerts": "digest"}
    )
    assert response.status_code == 302
    marketer.refresh_from_db()
    assert (marketer.time_zone, marketer.disqualification_alerts) == ("Europe/Berlin", "digest")
    bad = client.post("/profile/", {"time_zone": "UTC", "disqualification_alerts": "hourly"})
    assert bad.status_code == 422
    assert "hourly is not one of the available choices" in bad.content.decode()
    # a rep has no such choice to make
    client.force_login(rep)
    assert "New disqualifications" not in client.get("/profile/").content.decode()


def test_beat_sends_the_digest_every_morning() -> None:
    entries = {e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    schedule = entries["feedback.send_disqualification_digests"]
    assert isinstance(schedule, crontab)
    assert (len(schedule.hour), len(schedule.minute)) == (1, 1)

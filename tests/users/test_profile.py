"""Each user's time zone: a profile setting every page's times follow, with the zone named."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.utils import timezone

from apps.users.models import User
from tests import factories
from tests.sales.conftest import owned_lead

pytestmark = pytest.mark.django_db


def test_a_user_sets_their_time_zone_and_every_page_names_it(sales_client: Client, rep) -> None:  # type: ignore[no-untyped-def]
    # when
    response = sales_client.post("/profile/", {"time_zone": "America/New_York"}, follow=True)

    # then
    rep.refresh_from_db()
    assert rep.time_zone == "America/New_York"
    html = response.content.decode()
    assert "Times are now shown in America/New_York." in html
    assert "Times in America/New_York" in sales_client.get("/accounts/").content.decode()


def test_an_unknown_zone_is_refused_on_its_field(sales_client: Client, rep) -> None:  # type: ignore[no-untyped-def]
    response = sales_client.post("/profile/", {"time_zone": "Mars/Olympus_Mons"})

    assert response.status_code == 422
    assert "time_zone" in response.context["form"].errors
    rep.refresh_from_db()
    assert rep.time_zone == "UTC"


def test_a_lead_page_shows_its_times_in_the_readers_zone(sales_client: Client, rep) -> None:  # type: ignore[no-untyped-def]
    # given a lead assigned at 12:00 UTC, read by a rep in Tokyo (UTC+9, no daylight saving)
    rep.time_zone = "Asia/Tokyo"
    rep.save(update_fields=["time_zone"])
    lead = owned_lead(rep, assigned_at=datetime(2026, 11, 30, 12, 0, tzinfo=UTC))

    html = sales_client.get(f"/sales/leads/{lead.pk}/").content.decode()

    assert "21:00 JST" in html
    assert "12:00 UTC" not in html


def test_the_profile_page_is_for_every_signed_in_user(marketing_client: Client) -> None:
    response = marketing_client.get("/profile/")

    assert response.status_code == 200
    assert 'name="time_zone"' in response.content.decode()


@pytest.mark.parametrize("stored", ["Mars/Base", "../etc", "x" * 64, ""])
def test_a_stored_zone_that_is_no_zone_falls_back_to_the_sites_and_breaks_nothing(
    sales_client: Client, rep, stored: str
) -> None:  # type: ignore[no-untyped-def]
    # given a time zone a raw write put past the validators
    User.objects.filter(pk=rep.pk).update(time_zone=stored)
    rep.refresh_from_db()
    lead = owned_lead(rep)
    reason = factories.DisqualificationReasonFactory(code="spread", label="Spread", min_days=2)

    # then the pages render in the site's zone, and a reason's day rule still counts days
    assert rep.zone == timezone.get_default_timezone()
    assert sales_client.get(f"/sales/leads/{lead.pk}/").status_code == 200
    assert sales_client.get("/sales/today/").status_code == 200
    response = sales_client.post(f"/sales/leads/{lead.pk}/disqualify/", {"reason": reason.pk})
    assert response.status_code == 422
    assert "needs attempts on at least 2 different days" in response.content.decode()

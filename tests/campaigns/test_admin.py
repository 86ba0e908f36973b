"""The campaign admin: spend entries are added inline (spread over the run dates without
dates), refused with the field named, shown read-only once saved and never deleted."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.campaigns.models import Campaign, CampaignSpend
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign() -> Campaign:
    return factories.CampaignFactory(
        name="Webinar series",
        slug="webinar-series",
        starts_on=date(2026, 9, 1),
        ends_on=date(2026, 12, 1),
    )


def change_url(campaign: Campaign) -> str:
    return reverse("admin:campaigns_campaign_change", args=[campaign.pk])


def management(prefix: str, total: int = 0, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def campaign_data(campaign: Campaign, **spend: str) -> dict[str, Any]:
    """The campaign as it stands, with one new spend row (spend-0-*) when given."""
    data: dict[str, Any] = {
        "name": campaign.name,
        "slug": campaign.slug,
        "channel": campaign.channel,
        "quarter": "",
        "is_active": "on",
        "starts_on": campaign.starts_on.isoformat() if campaign.starts_on else "",
        "ends_on": campaign.ends_on.isoformat() if campaign.ends_on else "",
        "budget": str(campaign.budget),
        **management("assets"),
        **management("spend", total=1 if spend else 0),
    }
    data.update({f"spend-0-{name}": value for name, value in spend.items()})
    return data


def test_revops_adds_spend_spread_over_the_run_dates(
    revops_client: Client, campaign, revops
) -> None:  # type: ignore[no-untyped-def]
    # when
    response = revops_client.post(
        change_url(campaign), campaign_data(campaign, amount="9200.00", note="Platform")
    )
    # then
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    entry = CampaignSpend.objects.get()
    assert (entry.starts_on, entry.ends_on, entry.amount, entry.created_by) == (
        date(2026, 9, 1),
        date(2026, 12, 1),
        Decimal("9200.00"),
        revops,
    )
    page = revops_client.get(change_url(campaign)).content.decode()
    assert "9,200.00" in page  # the running total


@pytest.mark.parametrize(
    ("spend", "field"),
    [
        ({"amount": "-5"}, "amount"),
        ({"amount": "5", "starts_on": "2026-08-31", "ends_on": "2026-09-05"}, "starts_on"),
        ({"amount": "5", "starts_on": "2026-11-20", "ends_on": "2026-12-02"}, "ends_on"),
        ({"amount": "5", "starts_on": "2026-11-20", "ends_on": "2026-11-19"}, "ends_on"),
    ],
)
def test_the_admin_refuses_bad_spend_naming_the_field(  # type: ignore[no-untyped-def]
    revops_client: Client, campaign, spend, field
) -> None:
    # when
    response = revops_client.post(change_url(campaign), campaign_data(campaign, **spend))
    # then
    assert response.status_code == 200
    spend_formset = next(
        f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == "spend"
    )
    assert field in spend_formset.errors[0]
    assert not CampaignSpend.objects.exists()


def test_saved_spend_is_read_only_and_never_deleted(revops_client: Client, campaign) -> None:  # type: ignore[no-untyped-def]
    # given
    entry = factories.CampaignSpendFactory(
        campaign=campaign, starts_on=date(2026, 10, 1), ends_on=date(2026, 10, 31), amount=1000
    )
    # when the change page is read
    page = revops_client.get(change_url(campaign)).content.decode()
    # then the entry has no input and no delete box
    assert 'name="spend-0-amount"' not in page
    assert 'name="spend-0-DELETE"' not in page
    # when a tampered POST tries to change and delete it anyway
    data = campaign_data(campaign)
    data.update(management("spend", total=1, initial=1))
    data.update({"spend-0-id": str(entry.pk), "spend-0-amount": "1", "spend-0-DELETE": "on"})
    response = revops_client.post(change_url(campaign), data)
    # then nothing changed
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.amount == Decimal("1000.00")


def test_run_dates_that_leave_spend_outside_are_refused(revops_client: Client, campaign) -> None:  # type: ignore[no-untyped-def]
    factories.CampaignSpendFactory(
        campaign=campaign, starts_on=date(2026, 9, 1), ends_on=date(2026, 9, 30), amount=10
    )
    data = campaign_data(campaign)
    data["starts_on"] = "2026-09-15"
    response = revops_client.post(change_url(campaign), data)
    assert response.status_code == 200
    assert "starts_on" in response.context["adminform"].form.errors
    campaign.refresh_from_db()
    assert campaign.starts_on == date(2026, 9, 1)


def test_campaign_list_shows_the_spend_total_or_a_dash(revops_client: Client, campaign) -> None:  # type: ignore[no-untyped-def]
    factories.CampaignFactory(name="No spend yet")
    factories.CampaignSpendFactory(campaign=campaign, amount=Decimal("1234.5"))
    page = revops_client.get(reverse("admin:campaigns_campaign_changelist")).content.decode()
    assert "1,234.50" in page
    assert "—" in page

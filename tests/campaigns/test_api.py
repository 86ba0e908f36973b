"""/api/v1/campaigns/{id}/spend/: every role reads a campaign's spend, Marketing and RevOps
record it; bad input is a 400 naming the field and writes nothing. Campaigns expose the total."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.campaigns.models import Campaign, CampaignSpend
from apps.campaigns.services import add_spend
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign() -> Campaign:
    return factories.CampaignFactory(
        name="Webinar series", starts_on=date(2026, 9, 1), ends_on=date(2026, 12, 1)
    )


def spend_url(campaign_id: int) -> str:
    return reverse("api:campaign-spend", kwargs={"campaign_id": campaign_id})


def test_marketing_records_spend_spread_over_the_run_dates(
    marketing_api, campaign, marketer
) -> None:  # type: ignore[no-untyped-def]
    # when
    response = marketing_api.post(
        spend_url(campaign.pk), {"amount": "9200.00", "note": "Platform"}, format="json"
    )
    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["starts_on"], body["ends_on"], body["amount"]) == (
        "2026-09-01",
        "2026-12-01",
        "9200.00",
    )
    assert (body["campaign"], body["created_by"]["id"], body["replaced_by"]) == (
        campaign.pk,
        marketer.pk,
        None,
    )
    detail = marketing_api.get(reverse("api:campaign", kwargs={"campaign_id": campaign.pk}))
    assert detail.json()["spend_total"] == "9200.00"
    assert "actual_cost" not in detail.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "-5.00"}, "amount"),
        ({"amount": "5.00", "starts_on": "2026-08-31", "ends_on": "2026-09-30"}, "starts_on"),
        ({"amount": "5.00", "starts_on": "2026-11-01", "ends_on": "2026-12-02"}, "ends_on"),
        ({"amount": "5.00", "starts_on": "2026-11-02", "ends_on": "2026-11-01"}, "ends_on"),
        ({"amount": "5.001"}, "amount"),
        ({}, "amount"),
    ],
)
def test_bad_spend_is_a_400_naming_the_field_and_nothing_is_written(  # type: ignore[no-untyped-def]
    revops_api, campaign, body, field
) -> None:
    # when
    response = revops_api.post(spend_url(campaign.pk), body, format="json")
    # then
    assert response.status_code == 400
    assert field in response.json()
    assert not CampaignSpend.objects.exists()


@pytest.mark.parametrize("client", ["rep_api", "manager_api", "service_api"])
def test_other_roles_read_spend_but_cannot_record_it(request, campaign, marketer, client) -> None:  # type: ignore[no-untyped-def]
    # given
    add_spend(campaign_id=campaign.pk, amount=Decimal("10"), actor=marketer)
    api = request.getfixturevalue(client)
    # when
    refused = api.post(spend_url(campaign.pk), {"amount": "5"}, format="json")
    listed = api.get(spend_url(campaign.pk))
    # then
    assert refused.status_code == 403
    assert listed.status_code == 200
    assert [row["amount"] for row in listed.json()["results"]] == ["10.00"]
    assert CampaignSpend.objects.count() == 1


def test_spend_of_a_missing_campaign_is_a_404(marketing_api) -> None:  # type: ignore[no-untyped-def]
    assert marketing_api.get(spend_url(999_999)).status_code == 404
    assert marketing_api.post(spend_url(999_999), {"amount": "1"}, format="json").status_code == 404


def test_a_correction_replaces_an_entry_and_the_total_follows(marketing_api, campaign) -> None:  # type: ignore[no-untyped-def]
    # given 10,000 keyed instead of 1,000
    wrong = marketing_api.post(spend_url(campaign.pk), {"amount": "10000"}, format="json").json()
    # when
    right = marketing_api.post(
        spend_url(campaign.pk), {"amount": "1000", "replaces": wrong["id"]}, format="json"
    )
    again = marketing_api.post(
        spend_url(campaign.pk), {"amount": "1", "replaces": wrong["id"]}, format="json"
    )
    # then
    assert right.status_code == 201
    assert again.status_code == 400
    assert "replaces" in again.json()
    rows = {row["id"]: row for row in marketing_api.get(spend_url(campaign.pk)).json()["results"]}
    assert rows[wrong["id"]]["replaced_by"] == right.json()["id"]
    detail = marketing_api.get(reverse("api:campaign", kwargs={"campaign_id": campaign.pk}))
    assert detail.json()["spend_total"] == "1000.00"


def test_campaign_list_shows_null_without_spend_and_zero_with_a_zero_entry(  # type: ignore[no-untyped-def]
    rep_api, marketer
) -> None:
    # given
    none = factories.CampaignFactory(slug="none")
    zero = factories.CampaignFactory(slug="zero")
    factories.CampaignSpendFactory(campaign=zero, amount=Decimal("0"))
    # when
    rows = {row["slug"]: row for row in rep_api.get(reverse("api:campaigns")).json()["results"]}
    # then
    assert rows[none.slug]["spend_total"] is None
    assert rows[zero.slug]["spend_total"] == "0.00"


@pytest.mark.parametrize("size", [1, 10])
def test_spend_list_query_count_is_constant(  # type: ignore[no-untyped-def]
    marketing_api, campaign, marketer, size, django_assert_max_num_queries
) -> None:
    for _ in range(size):
        factories.CampaignSpendFactory(
            campaign=campaign, starts_on=date(2026, 10, 1), created_by=marketer
        )
    # token/session user, throttle (cache), the campaign, the page (with who and corrections)
    with django_assert_max_num_queries(3):
        response = marketing_api.get(spend_url(campaign.pk))
    assert len(response.json()["results"]) == size

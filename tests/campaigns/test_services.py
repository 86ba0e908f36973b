"""Recording campaign spend: the rules, refusals that name the field and write nothing, and
corrections that replace a wrong entry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry

from apps.campaigns import services
from apps.campaigns.models import Campaign, CampaignSpend
from apps.campaigns.services import CampaignSpec, InvalidSpend, add_spend, update_campaign
from apps.core.errors import NotAllowed
from tests import factories

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def campaign() -> Campaign:
    return factories.CampaignFactory(
        name="Webinar series", starts_on=date(2026, 9, 1), ends_on=date(2026, 12, 1)
    )


def test_spend_without_dates_is_spread_over_the_run_dates(campaign, marketer) -> None:  # type: ignore[no-untyped-def]
    # when
    entry = add_spend(
        campaign_id=campaign.pk, amount=D("9200.00"), note=" Platform ", actor=marketer
    )
    # then
    entry.refresh_from_db()
    assert (entry.starts_on, entry.ends_on, entry.amount) == (
        date(2026, 9, 1),
        date(2026, 12, 1),
        D("9200.00"),
    )
    assert (entry.note, entry.created_by) == ("Platform", marketer)
    assert LogEntry.objects.get(object_id=str(campaign.pk)).change_message == (
        "Added spend 9,200.00 over 2026-09-01 – 2026-12-01."
    )


def test_spend_with_one_date_is_that_single_day(campaign, revops) -> None:  # type: ignore[no-untyped-def]
    entry = add_spend(
        campaign_id=campaign.pk, amount=D("400"), starts_on=date(2026, 10, 15), actor=revops
    )
    assert (entry.starts_on, entry.ends_on) == (date(2026, 10, 15), date(2026, 10, 15))
    entry = add_spend(
        campaign_id=campaign.pk, amount=D("400"), ends_on=date(2026, 10, 16), actor=revops
    )
    assert (entry.starts_on, entry.ends_on) == (date(2026, 10, 16), date(2026, 10, 16))


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"amount": D("-0.01")}, "amount", "cannot be negative"),
        (
            {"amount": D("10"), "starts_on": date(2026, 8, 31), "ends_on": date(2026, 9, 30)},
            "starts_on",
            "starts on 01 Sep 2026",
        ),
        (
            {"amount": D("10"), "starts_on": date(2026, 11, 1), "ends_on": date(2026, 12, 2)},
            "ends_on",
            "ends on 01 Dec 2026",
        ),
        (
            {"amount": D("10"), "starts_on": date(2026, 11, 2), "ends_on": date(2026, 11, 1)},
            "ends_on",
            "cannot end before it starts",
        ),
        ({"amount": D("10"), "starts_on": date(2027, 1, 5)}, "starts_on", "cannot start after"),
        ({"amount": D("10"), "ends_on": date(2026, 8, 5)}, "ends_on", "cannot start before"),
    ],
)
def test_bad_spend_is_refused_naming_the_field_and_nothing_is_written(  # type: ignore[no-untyped-def]
    campaign, marketer, fields, field, message
) -> None:
    # when
    with pytest.raises(InvalidSpend, match=message) as refusal:
        add_spend(campaign_id=campaign.pk, actor=marketer, **fields)
    # then
    assert refusal.value.field == field
    assert refusal.value.status_code == 400
    assert not CampaignSpend.objects.exists()
    assert not LogEntry.objects.exists()


def test_spend_without_dates_needs_run_dates(marketer) -> None:  # type: ignore[no-untyped-def]
    # given a campaign planned for a quarter but without run dates
    campaign = factories.CampaignFactory(quarter=factories.QuarterFactory())
    # when
    with pytest.raises(InvalidSpend, match="no run dates") as refusal:
        add_spend(campaign_id=campaign.pk, amount=D("100"), actor=marketer)
    # then
    assert refusal.value.field == "starts_on"
    assert not CampaignSpend.objects.exists()
    # and with a period it is recorded anywhere (the campaign has no run dates to leave)
    entry = add_spend(
        campaign_id=campaign.pk,
        amount=D("100"),
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 1, 31),
        actor=marketer,
    )
    assert entry.pk is not None


def test_only_marketing_and_revops_record_spend(campaign, rep, manager, service_user) -> None:  # type: ignore[no-untyped-def]
    for user in (rep, manager, service_user):
        with pytest.raises(NotAllowed):
            add_spend(campaign_id=campaign.pk, amount=D("1"), actor=user)
    assert not CampaignSpend.objects.exists()


def test_a_correction_replaces_the_wrong_entry_once(campaign, marketer) -> None:  # type: ignore[no-untyped-def]
    # given 10,000 keyed instead of 1,000
    wrong = add_spend(campaign_id=campaign.pk, amount=D("10000"), actor=marketer)
    # when
    right = add_spend(
        campaign_id=campaign.pk, amount=D("1000"), replaces_id=wrong.pk, actor=marketer
    )
    # then the wrong entry stays, replaced
    assert right.replaces_id == wrong.pk
    assert CampaignSpend.objects.counting().get() == right
    assert CampaignSpend.objects.count() == 2
    # and it cannot be corrected again, nor can another campaign's entry
    with pytest.raises(InvalidSpend, match="corrected already") as refusal:
        add_spend(campaign_id=campaign.pk, amount=D("1"), replaces_id=wrong.pk, actor=marketer)
    assert refusal.value.field == "replaces"
    other = factories.CampaignSpendFactory()
    with pytest.raises(InvalidSpend, match="of this campaign") as refusal:
        add_spend(campaign_id=campaign.pk, amount=D("1"), replaces_id=other.pk, actor=marketer)
    assert refusal.value.field == "replaces"
    assert CampaignSpend.objects.count() == 3


def test_run_dates_cannot_leave_recorded_spend_outside(campaign, marketer) -> None:  # type: ignore[no-untyped-def]
    # given spend from 1 Sep
    add_spend(
        campaign_id=campaign.pk,
        amount=D("10"),
        starts_on=date(2026, 9, 1),
        ends_on=date(2026, 9, 10),
        actor=marketer,
    )
    spec = CampaignSpec(
        name=campaign.name,
        slug=campaign.slug,
        channel=campaign.channel,
        starts_on=date(2026, 9, 2),
        ends_on=date(2026, 12, 1),
    )
    # when the campaign would start after it
    with pytest.raises(InvalidSpend, match="recorded from 01 Sep 2026") as refusal:
        update_campaign(campaign_id=campaign.pk, actor=marketer, spec=spec)
    # then
    assert refusal.value.field == "starts_on"
    campaign.refresh_from_db()
    assert campaign.starts_on == date(2026, 9, 1)


def test_unknown_campaign_is_refused(marketer) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.InvalidTransition) as refusal:
        add_spend(campaign_id=999_999, amount=D("1"), actor=marketer)
    assert refusal.value.field == "campaign"

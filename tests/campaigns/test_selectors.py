"""Spend in a period: pro rata by day, exact to the cent across adjacent periods, absent
(shown "—") without spend, 0.00 with a zero entry."""

from __future__ import annotations

import random
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from apps.campaigns import selectors
from apps.campaigns.models import Campaign
from apps.campaigns.selectors import spend_between, spend_share_cents
from tests import factories

D = Decimal
Q3 = (date(2026, 7, 1), date(2026, 9, 30))
Q4 = (date(2026, 10, 1), date(2026, 12, 31))


def spend(campaign: Campaign, starts_on: date, ends_on: date, amount: str) -> None:
    factories.CampaignSpendFactory(
        campaign=campaign, starts_on=starts_on, ends_on=ends_on, amount=D(amount)
    )


def naive_cents(amount_cents: int, days: int, share_days: int) -> int:
    """round_half_up(A * days / N) in cents, through Decimal: the obvious formula."""
    exact = D(amount_cents) * share_days / D(days)
    return int(exact.quantize(D(1), rounding=ROUND_HALF_UP))


# --- The rule, without a database ------------------------------------------------------------


def test_the_hand_worked_example_splits_9200_into_3000_and_6200() -> None:
    # given 9,200.00 over 1 Sep - 1 Dec 2026: 30 + 31 + 30 + 1 = 92 days
    amount, days = 920_000, 92
    # when Q3 covers days 1..30 (September) and Q4 days 31..92 (1 Oct - 1 Dec)
    q3 = spend_share_cents(amount_cents=amount, days=days, first_day=1, last_day=30)
    q4 = spend_share_cents(amount_cents=amount, days=days, first_day=31, last_day=92)
    # then 9,200 x 30 / 92 = 3,000.00 and 9,200 x 62 / 92 = 6,200.00
    assert (q3, q4) == (300_000, 620_000)


def test_a_cent_that_cannot_be_split_goes_to_exactly_one_day() -> None:
    # given 100.00 over three days: 33.333... a day
    days = [
        spend_share_cents(amount_cents=10_000, days=3, first_day=k, last_day=k) for k in (1, 2, 3)
    ]
    # then C(1) = 33.33, C(2) = round(66.666...) = 66.67, C(3) = 100.00
    assert days == [3333, 3334, 3333]
    assert sum(days) == 10_000


def test_adjacent_windows_always_add_up_to_the_amount_and_stay_within_a_cent_of_naive() -> None:
    rng = random.Random(20261001)
    for _ in range(2000):
        # given an entry of A cents over N days, cut into consecutive windows at random days
        amount, days = rng.randint(0, 10**9), rng.randint(1, 400)
        cuts = sorted(rng.sample(range(1, days + 1), k=min(days, rng.randint(1, 6))))
        bounds = list(zip([1, *[c + 1 for c in cuts]], [*cuts, days], strict=False))
        bounds = [(a, b) for a, b in bounds if a <= b]
        # when
        shares = [
            spend_share_cents(amount_cents=amount, days=days, first_day=a, last_day=b)
            for a, b in bounds
        ]
        # then: the shares add up exactly; the first equals the naive rounding, every other one
        # is at most a cent from it
        assert sum(shares) == amount
        assert shares[0] == naive_cents(amount, days, bounds[0][1])
        for (a, b), share in zip(bounds, shares, strict=True):
            assert abs(share - naive_cents(amount, days, b - a + 1)) <= 1


# --- spend_between ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_spend_across_the_quarter_boundary_adds_up_to_the_cent() -> None:
    # given 1,000.00 over 29 Sep - 1 Oct (two days in Q3, one in Q4), and 9,200.00 over
    # 1 Sep - 1 Dec
    campaign = factories.CampaignFactory()
    other = factories.CampaignFactory()
    spend(campaign, date(2026, 9, 29), date(2026, 10, 1), "1000.00")
    spend(other, date(2026, 9, 1), date(2026, 12, 1), "9200.00")
    # when
    q3, q4 = spend_between(start=Q3[0], end=Q3[1]), spend_between(start=Q4[0], end=Q4[1])
    # then C(2) = round(666.666...) = 666.67 in Q3, 1,000.00 - 666.67 = 333.33 in Q4
    assert q3 == {campaign.pk: D("666.67"), other.pk: D("3000.00")}
    assert q4 == {campaign.pk: D("333.33"), other.pk: D("6200.00")}
    assert q3[campaign.pk] + q4[campaign.pk] == D("1000.00")
    assert str(q4[other.pk]) == "6200.00"


@pytest.mark.django_db
def test_a_campaign_without_spend_in_the_window_is_absent_and_a_zero_entry_is_zero() -> None:
    # given spend only in Q3, and a zero entry in Q4 for another campaign
    q3_only = factories.CampaignFactory()
    zero = factories.CampaignFactory()
    never = factories.CampaignFactory()
    spend(q3_only, date(2026, 8, 1), date(2026, 8, 31), "500")
    spend(zero, date(2026, 11, 1), date(2026, 11, 1), "0")
    # when
    q4 = spend_between(start=Q4[0], end=Q4[1], campaign_ids=[q3_only.pk, zero.pk, never.pk])
    # then: absent means "no spend recorded" ("—"), present and zero means 0.00
    assert q4 == {zero.pk: D("0.00")}


@pytest.mark.django_db
def test_windows_are_inclusive_and_single_days_count_whole() -> None:
    campaign = factories.CampaignFactory()
    spend(campaign, date(2026, 10, 1), date(2026, 10, 1), "250.00")
    spend(campaign, date(2026, 12, 31), date(2026, 12, 31), "50.00")
    assert spend_between(start=Q4[0], end=Q4[1]) == {campaign.pk: D("300.00")}
    assert spend_between(start=Q3[0], end=Q3[1]) == {}
    assert spend_between(start=date(2026, 12, 31), end=date(2027, 1, 1)) == {
        campaign.pk: D("50.00")
    }


@pytest.mark.django_db
def test_monthly_entries_and_campaign_filter() -> None:
    # given three monthly entries of 1,000.00 for one campaign and 3,000.00 over Q4 for another
    monthly, spread = factories.CampaignFactory(), factories.CampaignFactory()
    spend(monthly, date(2026, 10, 1), date(2026, 10, 31), "1000")
    spend(monthly, date(2026, 11, 1), date(2026, 11, 30), "1000")
    spend(monthly, date(2026, 12, 1), date(2026, 12, 31), "1000")
    spend(spread, *Q4, "3000")
    # when November alone
    november = spend_between(start=date(2026, 11, 1), end=date(2026, 11, 30))
    # then the monthly entry whole; the spread one 30 of 92 days = 978.26
    assert november == {monthly.pk: D("1000.00"), spread.pk: D("978.26")}
    assert spend_between(start=Q4[0], end=Q4[1], campaign_ids=[monthly.pk]) == {
        monthly.pk: D("3000.00")
    }


@pytest.mark.django_db
def test_a_replaced_entry_no_longer_counts() -> None:
    # given 10,000 keyed by mistake, corrected to 1,000
    campaign = factories.CampaignFactory()
    wrong = factories.CampaignSpendFactory(campaign=campaign, amount=D("10000"))
    factories.CampaignSpendFactory(campaign=campaign, replaces=wrong, amount=D("1000"))
    # then
    assert spend_between(start=Q4[0], end=Q4[1]) == {campaign.pk: D("1000.00")}
    assert selectors.with_spend_total(
        Campaign.objects.filter(pk=campaign.pk)
    ).get().spend_total == (D("1000.00"))


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 8])
def test_spend_between_is_one_query(size: int, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    for _ in range(size):
        entry = factories.CampaignSpendFactory()
        factories.CampaignSpendFactory(campaign=entry.campaign, starts_on=date(2026, 9, 1))
    with django_assert_num_queries(1):
        result = spend_between(start=Q4[0], end=Q4[1])
    assert len(result) == size
    with django_assert_num_queries(0):
        assert spend_between(start=Q4[0], end=Q4[1], campaign_ids=[]) == {}


@pytest.mark.django_db
def test_spend_total_is_none_without_entries_and_zero_with_a_zero_entry() -> None:
    none, zero, some = (factories.CampaignFactory() for _ in range(3))
    factories.CampaignSpendFactory(campaign=zero, amount=D("0"))
    factories.CampaignSpendFactory(campaign=some, amount=D("100.10"))
    factories.CampaignSpendFactory(campaign=some, amount=D("0.40"), starts_on=date(2026, 7, 1))
    totals = dict(
        selectors.with_spend_total(Campaign.objects.all()).values_list("pk", "spend_total")
    )
    assert totals == {none.pk: None, zero.pk: D("0.00"), some.pk: D("100.50")}


@pytest.mark.django_db
@pytest.mark.parametrize("size", [2, 10])
def test_quarter_campaigns_carry_total_and_quarter_spend_in_two_queries(
    size: int,
    django_assert_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    # given a campaign spending 9,200 over 1 Sep - 1 Dec, and `size` campaigns without spend
    quarter = factories.QuarterFactory()
    webinars = factories.CampaignFactory(name="A webinars", quarter=quarter)
    spend(webinars, date(2026, 9, 1), date(2026, 12, 1), "9200")
    for _ in range(size):
        factories.CampaignFactory(quarter=quarter)
    # when
    with django_assert_num_queries(2):
        campaigns = selectors.quarter_campaigns(quarter=quarter)
    # then
    first, rest = campaigns[0], campaigns[1:]
    assert (first.spend_total, first.quarter_spend) == (D("9200.00"), D("6200.00"))
    assert all(c.spend_total is None and c.quarter_spend is None for c in rest)
    assert len(campaigns) == size + 1


def test_an_empty_window_of_an_entry_gets_nothing() -> None:
    assert spend_share_cents(amount_cents=100, days=1, first_day=1, last_day=1) == 100
    assert spend_share_cents(amount_cents=100, days=10, first_day=4, last_day=3) == 0


@pytest.mark.django_db
def test_entry_share_is_spend_betweens_share_of_one_entry() -> None:
    # given 9,200.00 over 1 Sep - 1 Dec 2026 (92 days)
    campaign = factories.CampaignFactory()
    spend(campaign, date(2026, 9, 1), date(2026, 12, 1), "9200.00")
    entry = campaign.spend.get()
    # then each window gets what spend_between gives it, and a window it misses gets nothing
    for start, end in (Q3, Q4, (date(2026, 11, 1), date(2026, 11, 30))):
        assert (
            selectors.entry_share(entry, start, end)
            == spend_between(start=start, end=end)[campaign.pk]
        )
    assert selectors.entry_share(entry, *Q3) == D("3000.00")
    assert selectors.entry_share(entry, date(2027, 1, 1), date(2027, 3, 31)) == D("0.00")

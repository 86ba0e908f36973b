"""The demo's campaign spend (apps.demo.plans.plan_campaign_spend and seed_demo): dated
invoices for some campaigns, one entry spread over the run for others, and a webinar series
whose spread spend always crosses into the current quarter, so both quarters carry a part.

(Here rather than in tests/demo because it pins the spend rule: a period's cost is the part
of each entry inside it.)
"""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.campaigns.models import Campaign
from apps.campaigns.selectors import entry_share, spend_between
from apps.demo import catalogue, plans

WEBINAR = "freight-visibility-webinars"
# First, middle and last day of a quarter, and a year end.
DAYS = [date(2026, 10, 1), date(2026, 11, 30), date(2026, 12, 31), date(2027, 1, 2)]


@pytest.mark.parametrize("today", DAYS)
def test_the_webinar_series_spend_is_spread_across_the_quarter_start(today: date) -> None:
    # given
    anchor = plans.anchor_for(today)
    previous, current, _ = plans.plan_quarters(anchor)
    # when
    webinar = [e for e in plans.plan_campaign_spend(anchor) if e.campaign == WEBINAR]
    # then: one entry over the whole run, part in each quarter, adding up to the cent
    (entry,) = webinar
    (demo,) = [c for c in catalogue.CAMPAIGNS if c.slug == WEBINAR]
    starts, ends = plans.campaign_window(demo, anchor)
    assert (entry.starts_on, entry.ends_on) == (starts, ends)
    in_previous = entry_share(entry, previous.starts_on, previous.ends_on)
    in_current = entry_share(entry, current.starts_on, current.ends_on)
    assert in_previous > 0
    assert in_current > 0
    assert in_previous + in_current == entry.amount


@pytest.mark.parametrize("today", DAYS)
def test_planned_spend_is_valid_input_for_add_spend(today: date) -> None:
    # given
    anchor = plans.anchor_for(today)
    windows = {c.slug: plans.campaign_window(c, anchor) for c in catalogue.CAMPAIGNS}
    # when
    entries = plans.plan_campaign_spend(anchor)
    # then: inside the run dates, not negative, recorded before the anchor; invoices only for
    # days already past
    assert {e.campaign for e in entries} <= set(catalogue.CAMPAIGN_SPEND)
    for entry in entries:
        runs_from, runs_to = windows[entry.campaign]
        assert runs_from <= entry.starts_on <= entry.ends_on <= runs_to, entry
        assert entry.amount >= 0
        assert entry.created_at < anchor
        if catalogue.CAMPAIGN_SPEND[entry.campaign][0] == "monthly":
            assert entry.ends_on < today
            assert entry.starts_on.month == entry.ends_on.month


def test_the_dated_invoices_of_a_month_are_in_that_month() -> None:
    # when
    anchor = plans.anchor_for(date(2026, 11, 30))
    invoices = [
        e for e in plans.plan_campaign_spend(anchor) if e.campaign == "search-route-planning"
    ]
    # then: August to November so far, one invoice each, dated to their month
    assert [(e.starts_on, e.ends_on) for e in invoices] == [
        (date(2026, 8, 2), date(2026, 8, 31)),
        (date(2026, 9, 1), date(2026, 9, 30)),
        (date(2026, 10, 1), date(2026, 10, 31)),
        (date(2026, 11, 1), date(2026, 11, 29)),
    ]
    assert invoices[-1].note == "Google Ads invoice, November 2026"


@pytest.mark.django_db
def test_seeded_spend_gives_both_quarters_a_part_and_none_to_the_launch() -> None:
    # given
    anchor = plans.anchor_for(timezone.now().date())
    previous, current, upcoming = plans.plan_quarters(anchor)
    # when
    call_command("seed_demo", "--leads", "0", stdout=StringIO())
    call_command("seed_demo", "--leads", "0", stdout=StringIO())  # a rerun adds no spend
    # then
    webinar = Campaign.objects.get(slug=WEBINAR)
    launch = Campaign.objects.get(slug="analytics-launch")
    assert webinar.spend.count() == 1
    shares = [
        spend_between(start=q.starts_on, end=q.ends_on, campaign_ids=[webinar.pk])
        for q in (previous, current)
    ]
    assert all(share[webinar.pk] > 0 for share in shares)
    assert sum(share[webinar.pk] for share in shares) == webinar.spend.get().amount
    assert not launch.spend.exists()  # shown "—"
    assert (
        spend_between(start=upcoming.starts_on, end=upcoming.ends_on, campaign_ids=[launch.pk])
        == {}
    )

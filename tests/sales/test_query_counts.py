"""The queue and lead pages run the same number of queries at 10 and at 500 leads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.leads.models import Activity, Lead, LeadEvent, Touchpoint
from apps.plays.models import LeadPlayStep
from apps.users.models import User
from tests import factories

pytestmark = pytest.mark.django_db

# session, user, roles, unread badge, the rep's counts (the Today badge's among them), the pool
# count, campaign filter choices, queue page, pool
QUEUE_QUERIES = 9
# 4 for the layout, then lead, journey, attempts, history, play steps, account people,
# opportunities, the rep's counts (with the Today badge's), the pool count; the action forms'
# disqualification reasons and plays are read once per process (core.memo), not per page
LEAD_PAGE_QUERIES = 13


def _bulk_leads(n: int, *, rep: User, account, campaign) -> list[Lead]:  # type: ignore[no-untyped-def]
    """n leads for `rep` and n in the pool, inserted in one statement each."""
    now = timezone.now()
    mine = [
        Lead(
            email=f"bulk{i}@bulk.example",
            first_name="Bulk",
            last_name=f"Lead {i}",
            account=account,
            campaign=campaign,
            status=Lead.Status.READY,
            owner=rep,
            assigned_at=now,
            ready_at=now,
            sla_state=Lead.SlaState.BREACHED if i % 7 == 0 else Lead.SlaState.PENDING,
            sla_due_at=now + timedelta(minutes=i),
            score=i % 100,
        )
        for i in range(n)
    ]
    pooled = [
        Lead(
            email=f"pool{i}@bulk.example",
            last_name=f"Pool {i}",
            account=account,
            campaign=campaign,
            status=Lead.Status.READY,
            ready_at=now,
        )
        for i in range(n)
    ]
    return Lead.objects.bulk_create(mine + pooled, batch_size=500)


@pytest.mark.parametrize("size", [10, 500])
def test_queue_query_count_is_the_same_at_10_and_500_leads(
    sales_client: Client, rep, size: int, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    # given
    _bulk_leads(
        size,
        rep=rep,
        account=factories.AccountFactory(),
        campaign=factories.CampaignFactory(),
    )

    # when
    with django_assert_max_num_queries(QUEUE_QUERIES):
        response = sales_client.get("/sales/")

    # then
    assert response.status_code == 200
    assert len(response.context["queue"]) == min(size, 25)
    assert response.context["counts"]["open"] == size


@pytest.mark.parametrize("size", [10, 500])
def test_filtered_queue_query_count_is_the_same_at_10_and_500_leads(
    sales_client: Client, rep, size: int, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    # given
    campaign = factories.CampaignFactory()
    _bulk_leads(size, rep=rep, account=factories.AccountFactory(), campaign=campaign)

    # when: the campaign filter validates its choice with one more query
    with django_assert_max_num_queries(QUEUE_QUERIES + 1):
        response = sales_client.get(f"/sales/?campaign={campaign.pk}&q=bulk&sla_state=pending")

    # then
    assert response.status_code == 200
    assert len(response.context["queue"]) == min(size - (size + 6) // 7, 25)


@pytest.mark.parametrize("size", [10, 500])
def test_lead_page_query_count_is_the_same_at_10_and_500_leads(
    sales_client: Client,
    rep,
    size: int,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
) -> None:  # type: ignore[no-untyped-def]
    # given: the account has `size` other people; the lead has `size` touches, attempts,
    # events and play steps
    with django_capture_on_commit_callbacks(execute=True):  # as committed: stamps bumped
        account = factories.AccountFactory(owner=rep)
        leads = _bulk_leads(size, rep=rep, account=account, campaign=factories.CampaignFactory())
        lead = leads[0]
        asset = factories.AssetFactory(hand_raiser=True)
        lead_play = factories.LeadPlayFactory(lead=lead)
        now = timezone.now()
        Touchpoint.objects.bulk_create(
            Touchpoint(lead=lead, account=account, kind="download", asset=asset, occurred_at=now)
            for _ in range(size)
        )
        Activity.objects.bulk_create(
            Activity(lead=lead, rep=rep, channel="call", outcome="no_answer", occurred_at=now)
            for _ in range(size)
        )
        LeadEvent.objects.bulk_create(
            LeadEvent(lead=lead, kind=LeadEvent.Kind.SCORE, actor=rep, at=now) for _ in range(size)
        )
        LeadPlayStep.objects.bulk_create(
            LeadPlayStep(
                lead_play=lead_play, order=n, channel="call", title=f"Step {n}", due_at=now
            )
            for n in range(min(size, 30))
        )
        reasons = factories.DisqualificationReasonFactory.create_batch(3)
        plays = factories.PlayFactory.create_batch(3)
        factories.OpportunityFactory(account=account, owner=rep, primary_lead=lead)
    sales_client.get(f"/sales/leads/{lead.pk}/")  # this process reads the reasons and plays

    # when
    with django_assert_max_num_queries(LEAD_PAGE_QUERIES):
        response = sales_client.get(f"/sales/leads/{lead.pk}/")

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "Why they raised a hand" in html
    # and the action forms offer every active reason and play, though none was read for it
    assert all(reason.label in html for reason in reasons)
    assert all(play.name in html for play in plays)

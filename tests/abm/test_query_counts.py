"""The account page runs the same number of queries for a rep at 10 and at 300 people, touches,
deals, renewals and disqualifications."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from apps.abm.selectors import (
    DISQUALIFICATION_LIMIT,
    OPPORTUNITY_LIMIT,
    PEOPLE_PAGE_SIZE,
    RENEWAL_LIMIT,
    TIMELINE_LIMIT,
)
from apps.accounts.models import Account
from apps.feedback.models import Disqualification
from apps.goals.facts import rebuild_lead_facts
from apps.leads import engagement
from apps.leads.models import BuyingRole, Lead, LeadEvent, Touchpoint
from apps.opportunities.models import Opportunity
from apps.service.models import Renewal
from apps.users.models import User
from tests import factories

pytestmark = pytest.mark.django_db

SIZES = [10, 300]

# session, user, roles, account with its owner, people by buying role (one GROUP BY), the
# engagement charts (one GROUP BY), open deals, timeline, renewals, disqualifications, the
# handoff's ready event, which of its engaged people the rep may read, the people page,
# unread badge, Today badge
ACCOUNT_PAGE_QUERIES = 15

_ROLES = list(BuyingRole.values)
_TOPICS = ["Pricing", "Security", "Integrations", "Compliance", "Onboarding", "Reporting", ""]
ENGAGED_LIMIT = 50  # a handoff records at most 50 touches (scoring's engaged_people)


def _account_of(rep: User, n: int) -> tuple[Account, Lead]:
    """A conversation-ready account the rep owns, with n people (every role, every status the
    rep reads) and, across them, n touches in the last 12 weeks on 7 topics, n open deals, n
    renewals and n disqualifications; its best contact's ready event names the first 50."""
    now = timezone.now()
    account = factories.AccountFactory(
        owner=rep,
        tier=Account.Tier.TARGET,
        is_conversation_ready=True,
        ready_since=now - timedelta(hours=1),
        buying_roles_engaged=["decision_maker", "champion"],
    )
    campaign = factories.CampaignFactory()
    assets = [
        factories.AssetFactory(
            name=f"Guide on {topic or 'nothing'}", topic=topic, campaign=campaign
        )
        for topic in _TOPICS
    ]
    people = Lead.objects.bulk_create(
        Lead(
            email=f"person{i}@bulk.example",
            first_name="Person",
            last_name=f"{i:03d}",
            account=account,
            campaign=campaign,
            buying_role=_ROLES[i % len(_ROLES)],
            score=i % 100,
            last_touch_at=now - timedelta(days=i % 70),
            **(
                {"status": Lead.Status.DISQUALIFIED, "disqualified_at": now}
                if i % 4 == 3
                else {"status": Lead.Status.READY, "owner": rep, "assigned_at": now}
            ),
        )
        for i in range(n)
    )
    Touchpoint.objects.bulk_create(
        Touchpoint(
            lead=people[i],
            account=account,
            kind=Touchpoint.Kind.DOWNLOAD,
            campaign=campaign,
            asset=assets[i % len(assets)],
            occurred_at=now - timedelta(days=i % 70, minutes=i),  # inside the 12 weeks charted
        )
        for i in range(n)
    )
    Opportunity.objects.bulk_create(
        Opportunity(
            account=account,
            owner=rep,
            primary_lead=people[i],
            name=f"Deal {i}",
            amount=Decimal(1000 + i),
            stage=Opportunity.Stage.DISCOVERY,
            created_at=now - timedelta(minutes=i),
            expected_close=(now + timedelta(days=30)).date(),
        )
        for i in range(n)
    )
    Renewal.objects.bulk_create(
        Renewal(account=account, due_on=(now + timedelta(days=i)).date(), amount=Decimal(5000))
        for i in range(n)
    )
    reason = factories.DisqualificationReasonFactory()
    Disqualification.objects.bulk_create(
        Disqualification(lead=people[i], rep=rep, reason=reason, at=now - timedelta(minutes=i))
        for i in range(n)
        if people[i].status == Lead.Status.DISQUALIFIED
    )
    best = people[0]
    factories.LeadEventFactory(
        lead=best,
        kind=LeadEvent.Kind.STATUS,
        old_value=Lead.Status.NURTURE,
        new_value=Lead.Status.READY,
        at=now - timedelta(hours=1),
        payload={
            "engaged": [
                {
                    "lead_id": person.pk,
                    "name": person.display_name,
                    "role": person.buying_role,
                    "what": assets[i % len(assets)].name,
                    "at": (now - timedelta(days=i % 70)).isoformat(),
                }
                for i, person in enumerate(people[:ENGAGED_LIMIT])
            ]
        },
    )
    # written behind the services' back: the facts follow, as `rebuild_facts` would
    rebuild_lead_facts([person.pk for person in people])
    engagement.rebuild()
    return account, best


@pytest.mark.parametrize("size", SIZES)
def test_account_page_query_count_is_the_same_at_10_and_300_people(
    sales_client: Client, rep: User, size: int, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    # given
    account, best = _account_of(rep, size)
    disqualified = size // 4

    # when
    with django_assert_max_num_queries(ACCOUNT_PAGE_QUERIES):
        response = sales_client.get(f"/accounts/{account.pk}/")

    # then: counts over everyone, lists capped or paged
    assert response.status_code == 200
    page = response.context["page"]
    assert page.people_total == size
    assert sum(role.people for role in page.roles) == size
    assert len(response.context["people"]) == min(size, PEOPLE_PAGE_SIZE)
    assert page.by_role.total == page.by_topic.total == size
    assert len(page.timeline) == min(size, TIMELINE_LIMIT)
    assert len(page.opportunities) == min(size, OPPORTUNITY_LIMIT)
    assert page.renewals is not None
    assert len(page.renewals) == min(size, RENEWAL_LIMIT)
    assert len(page.disqualifications) == min(disqualified, DISQUALIFICATION_LIMIT)
    assert page.readiness.handed_to == best
    assert len(page.readiness.people) == min(size, ENGAGED_LIMIT)
    html = response.content.decode()
    assert html.count('class="timeline__item"') == min(size, TIMELINE_LIMIT)
    assert html.count('class="engaged__person"') == min(size, ENGAGED_LIMIT)
    assert ("Show more people" in html) == (size > PEOPLE_PAGE_SIZE)

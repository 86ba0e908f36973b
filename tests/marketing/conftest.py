"""A small marketing world with known dates, costs and amounts; every figure of the marketing
pages is computed by hand from it in the tests.

Quarters: 2026-Q3 (1 Jul - 30 Sep) and 2026-Q4 (1 Oct - 31 Dec), windows in UTC.
Campaigns: Webinar (webinar, Q4, cost 1,000), Search (paid search, Q4, cost 3,000), Old ebook
(content, Q3, cost 500: not a Q4 cost). No SLA policy: speed to lead is in plain minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from apps.campaigns.models import Campaign
from apps.core.models import Quarter
from apps.feedback.models import Disqualification, DisqualificationReason
from apps.leads.models import Lead, LeadEvent, Touchpoint
from apps.opportunities.models import Opportunity
from apps.users.models import User
from tests import factories


def at(
    month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, year: int = 2026
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@dataclass
class World:
    q3: Quarter
    q4: Quarter
    webinar: Campaign
    search: Campaign
    ebook: Campaign
    sam: User
    sara: User
    leads: dict[str, Lead]
    opportunities: dict[str, Opportunity]
    no_budget: DisqualificationReason
    student: DisqualificationReason
    disqualifications: dict[str, Disqualification]


def make_lead(
    *,
    created: datetime,
    campaign: Campaign | None = None,
    ready: datetime | None = None,
    responded_after: int | None = None,
    attempts: int = 0,
    **kwargs: Any,
) -> Lead:
    """A lead created at `created`, made ready at `ready` (a status LeadEvent), answered
    `responded_after` minutes later."""
    fields: dict[str, Any] = {"campaign": campaign, "attempt_count": attempts, **kwargs}
    if ready is not None:
        fields["ready_at"] = ready
        fields.setdefault("status", Lead.Status.WORKING if attempts else Lead.Status.READY)
        if responded_after is not None:
            fields["first_response_at"] = ready + timedelta(minutes=responded_after)
    lead = factories.LeadFactory(**fields)
    Lead.objects.filter(pk=lead.pk).update(created_at=created)
    if ready is not None:
        factories.LeadEventFactory(
            lead=lead, kind=LeadEvent.Kind.STATUS, old_value="nurture", new_value="ready", at=ready
        )
    return lead


def touch(lead: Lead, campaign: Campaign | None, when: datetime) -> Touchpoint:
    return factories.TouchpointFactory(
        lead=lead, account=lead.account, campaign=campaign, occurred_at=when
    )


@pytest.fixture
def world(db, rep, other_rep) -> World:  # type: ignore[no-untyped-def]
    q3 = factories.QuarterFactory(
        name="2026-Q3", starts_on=date(2026, 7, 1), ends_on=date(2026, 9, 30)
    )
    q4 = factories.QuarterFactory(
        name="2026-Q4", starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31)
    )
    webinar = factories.CampaignFactory(
        name="Webinar", channel="webinar", quarter=q4, actual_cost=Decimal("1000.00")
    )
    search = factories.CampaignFactory(
        name="Search", channel="paid_search", quarter=q4, actual_cost=Decimal("3000.00")
    )
    ebook = factories.CampaignFactory(
        name="Old ebook", channel="content", quarter=q3, actual_cost=Decimal("500.00")
    )
    x, y, z, w = (factories.AccountFactory(name=n) for n in ("Xeno", "Yarrow", "Zephyr", "Wren"))
    leads = {
        # Webinar: created in Q4 (a1, a2, a3 at the last second), a4 just after the quarter
        "a1": make_lead(
            created=at(10, 5),
            campaign=webinar,
            ready=at(10, 5, 10),
            responded_after=4,
            attempts=2,
            account=x,
            owner=rep,
            assigned_at=at(10, 5, 10),
        ),
        "a2": make_lead(
            created=at(10, 10),
            campaign=webinar,
            ready=at(10, 10, 9),
            responded_after=10,
            attempts=1,
            account=y,
            owner=other_rep,
            assigned_at=at(10, 10, 9),
        ),
        "a3": make_lead(created=at(12, 31, 23, 59, 59), campaign=webinar),
        "a4": make_lead(created=at(1, 1, year=2027), campaign=webinar, ready=at(1, 1, year=2027)),
        # Search: b1 created in Q3, ready at the first second of Q4; b2 ready, never answered
        "b1": make_lead(
            created=at(9, 30, 23, 59),
            campaign=search,
            ready=at(10, 1),
            responded_after=6,
            attempts=1,
            account=z,
            owner=rep,
            assigned_at=at(10, 1),
        ),
        "b2": make_lead(created=at(11, 2), campaign=search, ready=at(11, 2, 12), source="paid"),
        "b3": make_lead(created=at(11, 3), campaign=search),
        # Old ebook (a Q3 campaign) still brings a Q4 lead
        "c1": make_lead(
            created=at(10, 20),
            campaign=ebook,
            ready=at(10, 20, 8),
            responded_after=20,
            attempts=3,
            account=w,
            owner=other_rep,
            assigned_at=at(10, 20, 8),
        ),
        # no campaign
        "n1": make_lead(
            created=at(11, 5),
            ready=at(11, 5),
            responded_after=8,
            attempts=1,
            owner=rep,
            assigned_at=at(11, 5),
        ),
        # other people of the accounts Xeno and Zephyr (journey only)
        "x2": make_lead(created=at(9, 1), account=x),
        "z2": make_lead(created=at(8, 1), account=z),
    }
    a1, b1, x2, z2 = leads["a1"], leads["b1"], leads["x2"], leads["z2"]
    # Xeno's journey before o1 (created 20 Oct): t1 C, t2 A, t3 B, t4 B, t5 A; then two that
    # do not count: a touch without a campaign, and one after the opportunity was created.
    touch(x2, ebook, at(10, 1, 9))
    touch(a1, webinar, at(10, 5, 9))
    touch(a1, None, at(10, 6))
    touch(a1, search, at(10, 8))
    touch(x2, search, at(10, 12))
    touch(a1, webinar, at(10, 18))
    touch(a1, ebook, at(10, 25))
    # Zephyr's journey before o3 (created 15 Sep): t8 B (b1), t9 A (b1), t10 C (z2)
    touch(b1, search, at(9, 1))
    touch(b1, webinar, at(9, 10))
    touch(z2, ebook, at(9, 12))

    opp = factories.OpportunityFactory
    opportunities = {
        "o1": opp(
            account=x,
            primary_lead=a1,
            owner=rep,
            name="Xeno platform",
            amount=Decimal("10000.00"),
            created_at=at(10, 20),
            stage="won",
            closed_at=at(11, 15),
        ),
        "o2": opp(
            account=y,
            primary_lead=leads["a2"],
            owner=other_rep,
            name="Yarrow pilot",
            amount=Decimal("5000.00"),
            created_at=at(11, 1),
            stage="lost",
            closed_at=at(12, 1),
            lost_reason="No budget",
        ),
        "o3": opp(
            account=z,
            primary_lead=b1,
            owner=rep,
            name="Zephyr rollout",
            amount=Decimal("2000.00"),
            created_at=at(9, 15),
            stage="won",
            closed_at=at(10, 1),
        ),
        "o4": opp(
            account=z,
            primary_lead=leads["b2"],
            owner=other_rep,
            name="Zephyr expansion",
            amount=Decimal("7000.00"),
            created_at=at(12, 10),
            stage="proposal",
        ),
        "o5": opp(
            account=w,
            primary_lead=leads["c1"],
            owner=other_rep,
            name="Wren deal",
            amount=Decimal("3333.33"),
            created_at=at(11, 20),
            stage="won",
            closed_at=at(1, 1, year=2027),
        ),
    }
    no_budget = factories.DisqualificationReasonFactory(code="no-budget", label="No budget")
    student = factories.DisqualificationReasonFactory(code="student", label="Student", is_junk=True)
    dq = factories.DisqualificationFactory
    disqualifications = {
        "d1": dq(
            lead=leads["a2"], rep=other_rep, reason=no_budget, at=at(10, 12), note="Froze spend."
        ),
        "d2": dq(lead=leads["b2"], rep=rep, reason=student, at=at(11, 3), attempts_at_time=2),
        "d3": dq(lead=leads["n1"], rep=rep, reason=student, at=at(12, 31, 23, 59, 59)),
        "d4": dq(lead=leads["c1"], rep=rep, reason=no_budget, at=at(9, 20)),
        "d5": dq(lead=leads["a3"], rep=rep, reason=student, at=at(1, 1, year=2027)),
    }
    return World(
        q3,
        q4,
        webinar,
        search,
        ebook,
        rep,
        other_rep,
        leads,
        opportunities,
        no_budget,
        student,
        disqualifications,
    )

"""Today, the pipeline and the team page run the same number of queries at 10 and at 300 rows.

The queue and the lead page are pinned in test_query_counts.py; the account page in
tests/abm/test_query_counts.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from apps.feedback.models import Disqualification
from apps.goals.facts import rebuild_lead_facts
from apps.leads.models import Lead
from apps.opportunities.models import Opportunity
from apps.opportunities.selectors import PER_STAGE
from apps.plays.models import LeadPlay, LeadPlayStep
from apps.sales.selectors import LIST_LIMIT, PAGE_SIZE, TODAY_LIMIT
from apps.users.models import Role, User
from tests import factories

pytestmark = pytest.mark.django_db

SIZES = [10, 300]

# Each page's layout costs 5 (session, user, roles; the navigation's unread badge and Today
# badge, which Sales and Sales managers see); the rest are the page's own.
# session, user, roles, untouched hand-raisers, leads due today, their plays, the plays' due
# steps, the meetings buyers booked (one range of meeting_rep_time_idx), unread badge, Today
# badge
TODAY_QUERIES = 10
# session, user, roles, stage counts, totals and overdue counts, the first cards of every stage
# (one query: each stage's walked in card order from an index), the lost reasons a card
# offers, lost deals by reason, lost deals by campaign and reason, unread badge, Today badge
PIPELINE_QUERIES = 10
# session, user, roles, team counts, reps with their lead counts, open leads page, breached
# leads, disputes, unread badge, Today badge
TEAM_QUERIES = 10


def _rebuild_facts(leads: list[Lead]) -> None:
    """Leads inserted behind the services' back: their facts follow, as `rebuild_facts` would."""
    rebuild_lead_facts([lead.pk for lead in leads])


# --- Today ---------------------------------------------------------------------------------


def _day_of(rep: User, n: int) -> None:
    """n of the rep's leads that need them today (every fifth an untouched hand-raiser, the rest
    worked leads with an overdue play step and one already done), and leads that must not
    show: the rep's lead due in two days, another rep's overdue lead."""
    now = timezone.now()
    play = factories.PlayFactory()
    account = factories.AccountFactory()
    other_rep = factories.UserFactory()

    def worked(i: int, owner: User, due: datetime) -> Lead:
        return Lead(
            email=f"day{owner.pk}-{i}@bulk.example",
            first_name="Day",
            last_name=f"Lead {i}",
            account=account,
            status=Lead.Status.WORKING,
            owner=owner,
            assigned_at=now - timedelta(days=1),
            ready_at=now - timedelta(days=1),
            first_response_at=now - timedelta(days=1),
            sla_state=Lead.SlaState.MET,
            next_action_at=due,
        )

    due = [
        Lead(
            email=f"raiser{i}@bulk.example",
            first_name="Hand",
            last_name=f"Raiser {i}",
            account=account,
            status=Lead.Status.READY,
            ready_reason=Lead.ReadyReason.HAND_RAISER,
            owner=rep,
            assigned_at=now,
            ready_at=now,
            sla_state=Lead.SlaState.PENDING,
            sla_due_at=now + timedelta(minutes=5 + i),
        )
        if i % 5 == 0
        else worked(i, rep, now - timedelta(hours=1, minutes=i))
        for i in range(n)
    ]
    not_today = [
        worked(n, rep, now + timedelta(days=2)),
        worked(n + 1, other_rep, now - timedelta(hours=1)),
    ]
    leads = Lead.objects.bulk_create(due + not_today)
    _rebuild_facts(leads)
    worked_leads = [lead for lead in leads if lead.status == Lead.Status.WORKING]
    lead_plays = LeadPlay.objects.bulk_create(
        LeadPlay(lead=lead, play=play, attached_at=now) for lead in worked_leads
    )
    LeadPlayStep.objects.bulk_create(
        LeadPlayStep(
            lead_play=lead_play,
            order=order,
            channel="call",
            title=title,
            due_at=lead_play.lead.next_action_at,  # type: ignore[arg-type]
            completed_at=now if title == "Done" else None,
            completed_by=rep if title == "Done" else None,
        )
        for lead_play in lead_plays
        for order, title in ((1, "Done"), (2, "Call back"))
    )


@pytest.mark.parametrize("size", SIZES)
def test_today_query_count_is_the_same_at_10_and_300_leads_due(
    sales_client: Client, rep: User, size: int, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    # given
    _day_of(rep, size)

    # when
    with django_assert_max_num_queries(TODAY_QUERIES):
        response = sales_client.get("/sales/today/")

    # then: the list is capped at a queue page's worth; the badge counts them all
    assert response.status_code == 200
    rows = response.context["rows"]
    shown = min(size, TODAY_LIMIT)
    assert len(rows) == shown
    assert sum(row.hand_raiser for row in rows) == min((size + 4) // 5, shown)  # first
    assert all([s.title for s in row.steps] == ["Call back"] for row in rows if not row.hand_raiser)
    assert response.context["today_count"] == size
    html = response.content.decode()
    assert f"{shown} leads to work today" in html
    assert html.count("data-lead-row=") == shown
    # the heading says when the list is the most urgent part of a longer day
    assert (f"the most urgent of {size}" in html) == (size > shown)
    assert ("The rest wait in" in html) == (size > shown)


# --- The pipeline --------------------------------------------------------------------------

_STAGES = list(Opportunity.Stage)


def _stage_of(i: int) -> Opportunity.Stage:
    """Half of the deals in Discovery (so a big pipeline overflows its column), the rest
    spread over every stage."""
    return _STAGES[i % len(_STAGES)] if i % 2 else Opportunity.Stage.DISCOVERY


def _pipeline_of(rep: User, n: int) -> None:
    """n deals of the rep, open and closed in the last 90 days, at 10 accounts, every other
    one with its primary lead; a third of the open ones past their expected close, the lost
    ones for one of two reasons."""
    now = timezone.now()
    accounts = factories.AccountFactory.create_batch(10, owner=rep)
    reasons = [factories.LostReasonFactory(name=n) for n in ("Chose a competitor", "Price")]
    leads = Lead.objects.bulk_create(
        Lead(
            email=f"deal{i}@bulk.example",
            first_name="Deal",
            last_name=f"Lead {i}",
            account=accounts[i % 10],
            status=Lead.Status.CONVERTED,
            converted_at=now,
        )
        for i in range(n)
    )
    stages = [_stage_of(i) for i in range(n)]
    Opportunity.objects.bulk_create(
        Opportunity(
            account=accounts[i % 10],
            owner=rep,
            primary_lead=leads[i] if i % 2 == 0 else None,
            name=f"Deal {i}",
            amount=Decimal(1000 + i),
            stage=stage,
            created_at=now - timedelta(days=10),
            expected_close=(now + timedelta(days=i % 60 - 20)).date(),
            closed_at=now - timedelta(days=1)
            if stage in (Opportunity.Stage.WON, Opportunity.Stage.LOST)
            else None,
            lost_reason=reasons[i % 2] if stage == Opportunity.Stage.LOST else None,
        )
        for i, stage in enumerate(stages)
    )
    _rebuild_facts(leads)  # the won deals' amounts are the leads' facts


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("client_fixture", ["sales_client", "manager_client"])
def test_pipeline_query_count_is_the_same_at_10_and_300_opportunities(
    request: pytest.FixtureRequest,
    client_fixture: str,
    rep: User,
    size: int,
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    # given: the rep's deals, which the rep reads as theirs and a manager as the team's
    # (the cards then name each owner)
    client: Client = request.getfixturevalue(client_fixture)
    _pipeline_of(rep, size)

    # when
    with django_assert_max_num_queries(PIPELINE_QUERIES):
        response = client.get("/sales/pipeline/")

    # then: every stage counts all its deals and shows its first PER_STAGE
    assert response.status_code == 200
    board = response.context["board"]
    per_stage = dict.fromkeys(_STAGES, 0)
    for i in range(size):
        per_stage[_stage_of(i)] += 1
    assert {c.stage: c.count for c in board.columns} == per_stage
    shown = sum(min(n, PER_STAGE) for n in per_stage.values())
    assert sum(len(c.opportunities) for c in board.columns) == shown
    assert board.open_count == sum(
        n for stage, n in per_stage.items() if stage not in ("won", "lost")
    )
    html = response.content.decode()
    assert html.count('<article id="opp-') == shown
    named = shown if client_fixture == "manager_client" else 0
    assert html.count(f"</a> · {rep.display_name}</p>") == named


# --- The team page -------------------------------------------------------------------------


def _team_of(n: int) -> None:
    """n reps in the Sales group and n open team leads (every third breached, every fifth in
    the pool), and n disqualifications marketing disputed."""
    now = timezone.now()
    reps = User.objects.bulk_create(
        User(
            username=f"teamrep{i}",
            first_name="Team",
            last_name=f"Rep {i:03d}",
            email=f"teamrep{i}@revenue-desk.test",
            password="!",
            is_available=i % 4 != 0,
        )
        for i in range(n)
    )
    sales = Group.objects.get_or_create(name=Role.SALES)[0]
    User.groups.through.objects.bulk_create(
        User.groups.through(user_id=rep.pk, group_id=sales.pk) for rep in reps
    )
    account = factories.AccountFactory()
    campaign = factories.CampaignFactory()

    def open_lead(i: int) -> Lead:
        if i % 5 == 0:
            return Lead(
                email=f"teampool{i}@bulk.example",
                last_name=f"Pool {i}",
                account=account,
                campaign=campaign,
                status=Lead.Status.READY,
                ready_at=now,
            )
        breached = i % 3 == 0
        return Lead(
            email=f"teamlead{i}@bulk.example",
            first_name="Team",
            last_name=f"Lead {i}",
            account=account,
            campaign=campaign,
            status=Lead.Status.READY,
            owner=reps[i % n],
            assigned_at=now - timedelta(hours=1),
            ready_at=now - timedelta(hours=1),
            sla_state=Lead.SlaState.BREACHED if breached else Lead.SlaState.PENDING,
            sla_due_at=now + timedelta(minutes=i - n // 2),
            sla_breached_at=now - timedelta(minutes=i) if breached else None,
        )

    disputed = [
        Lead(
            email=f"disputed{i}@bulk.example",
            last_name=f"Disputed {i}",
            account=account,
            status=Lead.Status.NURTURE,
        )
        for i in range(n)
    ]
    leads = Lead.objects.bulk_create([open_lead(i) for i in range(n)] + disputed)
    reason = factories.DisqualificationReasonFactory()
    reviewer = factories.UserFactory()
    Disqualification.objects.bulk_create(
        Disqualification(
            lead=lead,
            rep=reps[i % n],
            reason=reason,
            note="Not a buyer.",
            attempts_at_time=2,
            at=now - timedelta(days=2),
            review_status=Disqualification.Review.DISPUTED,
            reviewer=reviewer,
            reviewed_at=now - timedelta(minutes=i),
            action_note="They downloaded the pricing guide twice.",
            dispute_outcome=Disqualification.DisputeOutcome.NURTURE,
        )
        for i, lead in enumerate(leads[n:])
    )
    _rebuild_facts(leads)


@pytest.mark.parametrize("size", SIZES)
def test_team_page_query_count_is_the_same_at_10_and_300_reps_and_leads(
    manager_client: Client, size: int, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    # given
    _team_of(size)
    pooled = (size + 4) // 5
    breached = len([i for i in range(size) if i % 5 and i % 3 == 0])

    # when
    with django_assert_max_num_queries(TEAM_QUERIES):
        response = manager_client.get("/sales/team/")

    # then: the reps list stops at 200, the open leads are paged, breaches and disputes capped
    assert response.status_code == 200
    counts = response.context["counts"]
    assert (counts["open"], counts["breached"], counts["pool"]) == (size, breached, pooled)
    reps = response.context["reps"]
    assert len(reps) == min(size, 200)
    assert len(response.context["leads"]) == min(size, PAGE_SIZE)
    assert len(response.context["breached"]) == min(breached, LIST_LIMIT)
    assert len(response.context["disputes"]) == min(size, LIST_LIMIT)
    html = response.content.decode()
    assert html.count('<tr id="rep-') == min(size, 200)
    assert html.count('<tr id="team-lead-') == min(size, PAGE_SIZE)
    assert html.count('<li class="dispute">') == min(size, LIST_LIMIT)

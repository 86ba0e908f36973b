"""`manage.py seed_demo`: deterministic, idempotent, consistent demo data."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Count, F
from django.utils import timezone

from apps.accounts.models import Account
from apps.campaigns.models import Asset, Campaign
from apps.core.models import Quarter
from apps.core.quarters import current_quarter
from apps.demo import catalogue, plans
from apps.demo.seed import demo_counts
from apps.feedback.models import Disqualification
from apps.goals.metrics import compute
from apps.goals.models import JointGoal, Metric
from apps.leads.models import Lead, LeadEvent, Touchpoint
from apps.meetings.models import Meeting
from apps.opportunities.models import Opportunity
from apps.plays.models import LeadPlay, Play
from apps.routing import services as routing
from apps.routing.models import PoolMember
from apps.scoring.models import QualificationAgreement
from apps.scoring.services import ready_reason
from apps.service.models import Renewal
from apps.users.models import User

pytestmark = pytest.mark.django_db

LEADS = 60


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _digest(rows: list[tuple[Any, ...]]) -> str:
    return hashlib.sha256(repr(sorted(rows)).encode()).hexdigest()


def _today_plan(seed: int, leads: int) -> plans.DemoPlan:
    return plans.plan_demo(seed=seed, leads=leads, anchor=plans.anchor_for(timezone.now().date()))


def test_seed_demo_run_twice_creates_nothing_the_second_time() -> None:
    # given
    _seed("--leads", str(LEADS))
    before = demo_counts()
    # when
    output = _seed("--leads", str(LEADS))
    # then
    assert demo_counts() == before
    assert "Created: nothing" in output
    assert f"{LEADS} demo leads already existed" in output
    assert before["leads.Lead"] == LEADS
    assert before["leads.Touchpoint"] >= 6 * LEADS


def test_plan_is_a_pure_function_of_seed_leads_and_anchor() -> None:
    # given
    anchor = plans.anchor_for(timezone.now().date())
    # when
    first = plans.plan_demo(seed=7, leads=LEADS, anchor=anchor)
    second = plans.plan_demo(seed=7, leads=LEADS, anchor=anchor)
    other_seed = plans.plan_demo(seed=8, leads=LEADS, anchor=anchor)
    # then
    assert first == second
    assert first.leads != other_seed.leads
    assert len({lead.email for lead in first.leads}) == LEADS


def test_a_lead_is_planned_the_same_whatever_the_chunk() -> None:
    # given
    anchor = plans.anchor_for(timezone.now().date())
    accounts = plans.plan_accounts(seed=7, anchor=anchor)
    # when
    whole = plans.plan_leads(seed=7, anchor=anchor, start=0, stop=40, accounts=accounts)
    halves = plans.plan_leads(
        seed=7, anchor=anchor, start=0, stop=25, accounts=accounts
    ) + plans.plan_leads(seed=7, anchor=anchor, start=25, stop=40, accounts=accounts)
    # then
    assert whole == halves
    assert plans.lead_emails(seed=7, start=0, stop=40, accounts=accounts) == [
        p.email for p in whole
    ]


def test_seeded_database_matches_the_plan() -> None:
    # given
    plan = _today_plan(7, LEADS)
    # when
    _seed("--seed", "7", "--leads", str(LEADS))
    # then
    planned_leads = [
        (p.email, p.status, p.score, p.owner, len(p.touchpoints), len(p.events)) for p in plan.leads
    ]
    # the demo's one booked meeting (writing.write_meeting, after the plan) adds the meeting's
    # touch to its lead, which the plan does not draw
    stored_leads = list(
        Lead.objects.annotate(
            touches=Count("touchpoints", distinct=True) - Count("meetings", distinct=True),
            n_events=Count("events", distinct=True),
        ).values_list("email", "status", "score", "owner__username", "touches", "n_events")
    )
    assert Meeting.objects.count() == 1
    assert _digest(stored_leads) == _digest(planned_leads)
    planned_opps = [
        (o.account, o.owner, o.amount, o.stage, o.type, o.origin)
        for o in [p.opportunity for p in plan.leads if p.opportunity]
        + list(plan.service.expansions)
    ]
    stored_opps = list(
        Opportunity.objects.values_list(
            "account__domain", "owner__username", "amount", "stage", "type", "origin"
        )
    )
    assert _digest(stored_opps) == _digest(planned_opps)
    planned_campaigns = [
        (c.slug, c.channel, *plans.campaign_window(c, plans.anchor_for(timezone.now().date())))
        for c in catalogue.CAMPAIGNS
    ]
    stored_campaigns = list(Campaign.objects.values_list("slug", "channel", "starts_on", "ends_on"))
    assert _digest(stored_campaigns) == _digest(planned_campaigns)


def test_a_larger_run_adds_only_the_missing_leads() -> None:
    # given
    _seed("--leads", "30")
    first_thirty = set(Lead.objects.values_list("pk", "email", "updated_at"))
    # when
    _seed("--leads", str(LEADS))
    # then
    assert Lead.objects.count() == LEADS
    assert first_thirty <= set(Lead.objects.values_list("pk", "email", "updated_at"))


def test_if_empty_seeds_an_empty_database_and_skips_a_seeded_one() -> None:
    # given
    _seed("--if-empty", "--leads", "20")
    assert Lead.objects.count() == 20
    # when
    output = _seed("--if-empty", "--leads", str(LEADS))
    # then
    assert "nothing to do" in output
    assert Lead.objects.count() == 20


@pytest.mark.parametrize(
    ("username", "roles", "is_staff"),
    [
        ("rita", {"RevOps"}, True),
        ("max", {"Sales manager"}, False),
        ("sam", {"Sales"}, False),
        ("sara", {"Sales"}, False),
        ("mia", {"Marketing"}, False),
        ("sid", {"Service"}, False),
    ],
)
def test_demo_users_sign_in_with_password_demo_and_hold_their_role(
    client: Any, username: str, roles: set[str], is_staff: bool
) -> None:
    # given
    _seed("--leads", "0")
    # when
    response = client.post("/login/", {"username": username, "password": "demo"})
    # then
    user = User.objects.get(username=username)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert set(user.groups.values_list("name", flat=True)) == roles
    assert user.is_staff is is_staff
    assert user.first_name
    assert user.last_name
    assert user.email


def test_configuration_is_complete() -> None:
    # when
    _seed("--leads", "0")
    # then
    assert Quarter.objects.count() == 3
    per_quarter = Counter(JointGoal.objects.values_list("quarter__name", flat=True))
    assert all(5 <= n <= 10 for n in per_quarter.values())  # the current quarter: 9 + ABM
    assert len(per_quarter) == 3
    agreement = QualificationAgreement.objects.in_force()
    assert agreement is not None
    assert agreement.version == 1
    assert agreement.marketing_signer.username == "mia"
    assert agreement.sales_signer.username == "max"
    assert Asset.objects.filter(hand_raiser=True, is_public_form=True).exists()
    assert Play.objects.filter(is_default=True).count() == 1
    assert Play.objects.filter(is_account_play=True).exists()
    assert (
        Account.objects.filter(lifecycle="customer", became_customer_at__isnull=False).count() >= 8
    )
    assert set(Renewal.objects.values_list("outcome", flat=True)) == {
        "pending",
        "renewed",
        "churned",
    }


def test_every_status_review_state_and_opportunity_stage_appears() -> None:
    # when
    _seed("--leads", str(LEADS))
    # then
    assert set(Lead.objects.values_list("status", flat=True)) == {s.value for s in Lead.Status}
    assert set(Lead.objects.values_list("sla_state", flat=True)) == {s.value for s in Lead.SlaState}
    assert set(Opportunity.objects.values_list("stage", flat=True)) == {
        s.value for s in Opportunity.Stage
    }
    assert set(Opportunity.objects.values_list("type", flat=True)) == {"new", "expansion"}
    assert set(Disqualification.objects.values_list("review_status", flat=True)) == {
        "open",
        "acknowledged",
        "disputed",
    }
    assert Lead.objects.in_pool().exists()
    assert Lead.objects.filter(account__isnull=True).exists() or LEADS < 20


def test_seeded_leads_keep_the_state_invariants() -> None:
    # when
    _seed("--leads", str(LEADS))
    # then
    working = Lead.objects.filter(status="working")
    assert not working.filter(owner__isnull=True).exists()
    assert not working.filter(first_response_at__isnull=True).exists()
    assert not Lead.objects.filter(status="nurture", owner__isnull=False).exists()
    assert not Lead.objects.filter(sla_state="pending", sla_due_at__isnull=True).exists()
    attempts = dict(Lead.objects.annotate(n=Count("activities")).values_list("pk", "n"))
    assert attempts == dict(Lead.objects.values_list("pk", "attempt_count"))
    assert (
        not Touchpoint.objects.exclude(account_id=F("lead__account_id"))
        .filter(account__isnull=False)
        .exists()
    )
    assert not Touchpoint.objects.filter(account__isnull=True, lead__account__isnull=False).exists()
    first_kinds: dict[int, str] = {}
    for lead_id, kind in LeadEvent.objects.order_by("lead_id", "at", "pk").values_list(
        "lead_id", "kind"
    ):
        first_kinds.setdefault(lead_id, kind)
    assert set(first_kinds) == set(Lead.objects.values_list("pk", flat=True))
    assert set(first_kinds.values()) == {"created"}
    routed = Lead.objects.filter(assigned_at__isnull=False)
    assert LeadPlay.objects.count() == routed.count()
    # a running clock and the play's first step come due together, as at a live hand-off
    running = Lead.objects.filter(sla_state="pending", lead_play__isnull=False)
    assert running.exists()
    for lead in running.prefetch_related("lead_play__steps"):
        first = min(lead.lead_play.steps.all(), key=lambda step: step.order)
        assert first.due_at == lead.sla_due_at
    assert not Disqualification.objects.filter(
        attempts_at_time__lt=F("reason__min_attempts")
    ).exists()
    assert not Disqualification.objects.filter(reason__note_required=True, note="").exists()
    for lead in Lead.objects.filter(account__isnull=False).select_related("account")[:20]:
        assert lead.email.endswith("@" + lead.account.domain)


def test_leads_wait_in_the_held_queue_of_a_pool_whose_reps_are_all_at_capacity() -> None:
    # when
    _seed("--leads", str(LEADS))
    # then the agreement throttles, and six leads ready on score wait in one pool's held queue
    agreement = QualificationAgreement.objects.in_force()
    assert agreement is not None
    assert agreement.hold_when_full
    queue = routing.held_queue()
    assert len(queue) == len(catalogue.HELD_LEADS) == 6
    pools = {pool_id for pool_id, _ in queue}
    assert len(pools) == 1
    (pool_id,) = pools
    assert pool_id is not None
    # ... whose reps (and the held leads' account owners, if any) are all at capacity
    reps = {m.rep for m in PoolMember.objects.filter(rule_id=pool_id).select_related("rep")}
    reps |= {lead.account.owner for _, lead in queue if lead.account and lead.account.owner}
    assert reps
    for rep in reps:
        assert Lead.objects.open().filter(owner=rep).count() >= rep.capacity, rep.username
    # held as routing holds them: no owner, no clock, ready on score, the hold event naming the pool
    for _, lead in queue:
        assert lead.owner_id is None
        assert lead.sla_due_at is None
        assert lead.ready_reason == Lead.ReadyReason.SCORE
        assert lead.score >= agreement.score_threshold
        hold = LeadEvent.objects.get(lead=lead, kind="status", new_value="held")
        assert (hold.old_value, hold.at, hold.payload["pool_id"]) == (
            "nurture",
            lead.held_at,
            pool_id,
        )
    assert len({lead.score for _, lead in queue}) == len(queue)  # a visible release order
    assert [lead.held_at for _, lead in queue] != sorted(lead.held_at for _, lead in queue)
    # none expired yet, the longest held within a day of it; the sweep leaves them all waiting
    now = timezone.now()
    longest = min(lead.held_at for _, lead in queue)
    expiry = timedelta(hours=agreement.hold_expiry_hours)
    assert now < longest + expiry < now + timedelta(hours=25)
    assert routing.expire_held(now=now) == 0
    assert routing.release_held(now=now) == 0
    assert Lead.objects.held().count() == len(queue)
    # and two leads went back to nurture this quarter, held too long: the goal metric shows them
    quarter = current_quarter(today=timezone.now().date())
    assert quarter is not None
    assert compute(Metric.HELD_TOO_LONG, quarter).value == len(catalogue.HELD_TOO_LONG) == 2
    # as the sweep sends them back: a rescore alone does not make them ready again
    for event in LeadEvent.objects.filter(reason=routing.HELD_TOO_LONG).select_related("lead"):
        assert event.lead.status == Lead.Status.NURTURE
        assert event.lead.held_returned_at == event.at
        assert ready_reason(lead=event.lead, agreement=agreement, hand_raiser=False) == ""

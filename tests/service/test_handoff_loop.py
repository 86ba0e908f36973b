"""The expansion and referral loop (issue 16): a lead Service hands over gets the play made
for its source, outranking the hand-raiser's; converted and won, the deal is service-sourced,
counts on the performance page's Service line and, for an expansion, as expansion revenue."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from apps.accounts.models import Account
from apps.core.quarters import calendar_quarter
from apps.goals import metrics
from apps.opportunities.models import Opportunity
from apps.opportunities.services import change_stage, convert_lead
from apps.plays.models import LeadPlay
from apps.service import services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def plays(db):  # type: ignore[no-untyped-def]
    """The hand-raiser play (no criteria, priority 200) and one play per service source."""
    made = {
        "hand-raiser": factories.PlayFactory(name="Hand-raiser", priority=200),
        "expansion": factories.PlayFactory(name="Expansion", priority=250, source="expansion"),
        "referral": factories.PlayFactory(name="Referral", priority=240, source="referral"),
        "default": factories.PlayFactory(name="Qualify", is_default=True),
    }
    for play in made.values():
        factories.PlayStepFactory(play=play, order=1)
    return made


@pytest.fixture
def customer(rep):  # type: ignore[no-untyped-def]
    return factories.AccountFactory(
        name="Acme", domain="acme.example", lifecycle=Account.Lifecycle.CUSTOMER, owner=rep
    )


def _hand_over(service_user, customer, kind: str, email: str):  # type: ignore[no-untyped-def]
    return services.hand_to_sales(
        account_id=customer.pk,
        actor=service_user,
        kind=kind,
        email=email,
        first_name="Dana",
        last_name="Lee",
        title="VP Operations",
        note="Wants more.",
    ).lead


@pytest.mark.parametrize(
    ("kind", "email", "play"),
    [
        pytest.param("expansion", "dana@acme.example", "Expansion", id="expansion"),
        pytest.param("referral", "ravi@globex.example", "Referral", id="referral"),
    ],
)
def test_a_service_hand_off_gets_the_play_of_its_source(  # type: ignore[no-untyped-def]
    service_user,
    customer,
    agreement,
    policy,
    pool,
    plays,
    django_capture_on_commit_callbacks,
    kind,
    email,
    play,
):
    with django_capture_on_commit_callbacks(execute=True):
        lead = _hand_over(service_user, customer, kind, email)
    attached = LeadPlay.objects.select_related("play").get(lead=lead)
    assert attached.play.name == play


def test_a_won_expansion_is_service_sourced_and_expansion_revenue(  # type: ignore[no-untyped-def]
    service_user, customer, agreement, policy, pool, rep, plays, django_capture_on_commit_callbacks
):
    # given: an expansion lead handed over, routed to the account owner, converted
    with django_capture_on_commit_callbacks(execute=True):
        lead = _hand_over(service_user, customer, "expansion", "dana@acme.example")
    deal = convert_lead(lead_id=lead.pk, actor=rep, name="Acme: two more teams", amount="18000")
    assert (deal.origin, deal.type) == (Opportunity.Origin.SERVICE, Opportunity.Type.EXPANSION)
    # when it is won
    change_stage(opportunity_id=deal.pk, actor=rep, stage="won")
    # then the quarter's Service line and expansion revenue count it, and nothing else does
    quarter = calendar_quarter(timezone.localdate())
    service = next(r for r in metrics.revenue_by_origin(quarter) if r.key == "service")
    assert (service.won_deals, service.won_revenue) == (1, Decimal("18000.00"))
    assert metrics.expansion_revenue(quarter).value == Decimal("18000.00")
    marketing = next(r for r in metrics.revenue_by_origin(quarter) if r.key == "marketing")
    assert marketing.won_revenue == Decimal("0.00")

"""A new lead is matched, given its buying role and scored before its one INSERT (no UPDATE and
no read of its touches afterwards): the values must be what rescore_lead computes from the
records, for any title, touch, asset weight, age, country and account."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from apps.intake.services import IntakeData, intake_lead
from apps.leads.models import Lead, LeadEvent, LeadFacts, Touchpoint
from apps.scoring import services as scoring
from apps.scoring.models import BuyingRoleRule, QualificationAgreement, ScoringRule
from tests import factories

pytestmark = pytest.mark.django_db

_emails = itertools.count()
TITLES = ["", "Chief Executive Officer", "Director of IT", "Data Analyst", "Intern", "VP Sales"]
DOMAINS = ["known.example", "fresh-{n}.example", "gmail.com"]


@pytest.fixture
def rules(agreement: QualificationAgreement) -> QualificationAgreement:
    for order, (keyword, role) in enumerate(
        [("chief", "decision_maker"), ("director", "champion"), ("analyst", "user")]
    ):
        BuyingRoleRule.objects.create(keyword=keyword, role=role, order=order)
    for attribute, value, points in [
        (ScoringRule.Attribute.TITLE_KEYWORD, "director", 15),
        (ScoringRule.Attribute.BUYING_ROLE, "decision_maker", 20),
        (ScoringRule.Attribute.EMPLOYEES_AT_LEAST, "500", 10),
        (ScoringRule.Attribute.INDUSTRY, "software", 5),
        (ScoringRule.Attribute.COUNTRY, "DE", 7),
        (ScoringRule.Attribute.SOURCE, "partner", -4),
    ]:
        ScoringRule.objects.create(
            name=f"{attribute} {value}", attribute=attribute, value=value, points=points
        )
    factories.AccountFactory(
        domain="known.example", employees=800, industry="Software", country="DE"
    )
    return agreement


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    title=st.sampled_from(TITLES),
    domain=st.sampled_from(DOMAINS),
    kind=st.sampled_from(Touchpoint.Kind.values),
    weight=st.one_of(st.none(), st.integers(min_value=0, max_value=40)),
    # the API takes touches from 5 minutes ahead (clock skew) back to the year 2000
    age_minutes=st.integers(min_value=-5, max_value=60 * 24 * 120),
    country=st.sampled_from(["", "de", "US"]),
    source=st.sampled_from(Lead.Source.values),
    half_life=st.integers(min_value=1, max_value=90),
)
@example(  # a touch dated in 2000 with the heaviest weight, and one 5 minutes ahead
    title="Director of IT",
    domain="known.example",
    kind="meeting",
    weight=40,
    age_minutes=60 * 24 * 365 * 27,
    country="",
    source="web_form",
    half_life=1,
)
@example(
    title="",
    domain="gmail.com",
    kind="page_view",
    weight=None,
    age_minutes=-5,
    country="US",
    source="api",
    half_life=90,
)
def test_a_new_leads_scores_are_what_rescoring_it_computes(  # type: ignore[no-untyped-def]
    rules, title, domain, kind, weight, age_minutes, country, source, half_life
) -> None:
    rules.engagement_half_life_days = half_life
    rules.save(update_fields=["engagement_half_life_days"])
    n = next(_emails)
    now = timezone.now()
    asset = None if weight is None else factories.AssetFactory(engagement_weight=weight)
    # when a new email arrives
    lead = intake_lead(
        data=IntakeData(
            email=f"p{n}@{domain.format(n=n)}",
            title=title,
            country=country,
            source=source,
            kind=kind,
            asset=asset,
            occurred_at=now - timedelta(minutes=age_minutes),
        ),
        now=now,
    ).lead
    written = Lead.objects.select_related("account").get(pk=lead.pk)
    kept = (written.buying_role, written.fit_score, written.engagement_score, written.score)
    # then rescoring it from its records changes nothing
    in_force = QualificationAgreement.objects.in_force(now)
    change = scoring.rescore_lead(lead=written, agreement=in_force, now=now)
    assert change.old_score == change.new_score
    assert (
        scoring.infer_buying_role(title),
        written.fit_score,
        written.engagement_score,
        written.score,
    ) == kept
    assert (written.account is not None) is (domain != "gmail.com")


def test_a_new_lead_has_its_created_touch_and_band_events_in_order_and_its_facts(
    rules: QualificationAgreement,
) -> None:
    asset = factories.AssetFactory(engagement_weight=40)
    now = timezone.now()
    lead = intake_lead(
        data=IntakeData(
            email="ceo@known.example", title="Chief Executive Officer", asset=asset, kind="download"
        ),
        now=now,
    ).lead
    events = list(
        LeadEvent.objects.filter(lead=lead)
        .order_by("pk")
        .values_list("kind", "reason", "old_value", "new_value", "payload")
    )
    touch = Touchpoint.objects.get(lead=lead)
    # fit: decision maker 20 + 800 employees 10 + software 5 + DE (the account's) 7 = 42;
    # engagement 40 just now: 82, hot, over the agreement's 60: ready after its first events
    assert lead.score == 82
    assert [kind for kind, *_ in events] == ["created", "touchpoint", "score", "status"]
    assert events[:3] == [
        ("created", "intake via api", "", "ceo@known.example", {}),
        ("touchpoint", "intake", "", "download", {"touchpoint": touch.pk, "asset": asset.slug}),
        ("score", "rescored", "", "hot", {"old_score": 0, "new_score": 82}),
    ]
    facts = LeadFacts.objects.get(lead=lead)
    assert (facts.created_at, facts.source_campaign_id) == (lead.created_at, asset.campaign_id)

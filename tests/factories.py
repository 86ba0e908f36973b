"""factory-boy factories for every record tests build."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from apps.accounts.models import Account
from apps.campaigns.models import Asset, Campaign
from apps.feedback.models import DisqualificationReason
from apps.goals.models import JointGoal, Quarter
from apps.leads.models import Activity, Lead, Touchpoint
from apps.opportunities.models import Opportunity
from apps.plays.models import Play, PlayStep
from apps.routing.models import PoolMember, RoutingRule, SlaPolicy
from apps.scoring.models import QualificationAgreement
from apps.service.models import ChurnReason, Renewal
from apps.users.models import User


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@revenue-desk.test")
    password = factory.django.Password("demo")


class AccountFactory(DjangoModelFactory[Account]):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Company {n}")
    domain = factory.Sequence(lambda n: f"company{n}.example")
    industry = "Software"
    employees = 250
    country = "US"


class QuarterFactory(DjangoModelFactory[Quarter]):
    class Meta:
        model = Quarter
        django_get_or_create = ("name",)

    name = "2026-Q4"
    starts_on = date(2026, 10, 1)
    ends_on = date(2026, 12, 31)


class CampaignFactory(DjangoModelFactory[Campaign]):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    slug = factory.Sequence(lambda n: f"campaign-{n}")
    channel = Campaign.Channel.PAID_SEARCH
    budget = Decimal("10000")
    actual_cost = Decimal("8000")


class AssetFactory(DjangoModelFactory[Asset]):
    class Meta:
        model = Asset

    slug = factory.Sequence(lambda n: f"asset-{n}")
    name = factory.Sequence(lambda n: f"Asset {n}")
    campaign = factory.SubFactory(CampaignFactory)
    kind = Asset.Kind.WHITEPAPER
    intent_note = "Researching the problem."
    engagement_weight = 10


class LeadFactory(DjangoModelFactory[Lead]):
    class Meta:
        model = Lead

    email = factory.Sequence(lambda n: f"buyer{n}@company.example")
    first_name = "Pat"
    last_name = factory.Sequence(lambda n: f"Buyer{n}")
    title = "Head of Operations"


class TouchpointFactory(DjangoModelFactory[Touchpoint]):
    class Meta:
        model = Touchpoint

    lead = factory.SubFactory(LeadFactory)
    account = factory.LazyAttribute(lambda o: o.lead.account)
    kind = Touchpoint.Kind.PAGE_VIEW
    occurred_at = factory.LazyFunction(timezone.now)


class ActivityFactory(DjangoModelFactory[Activity]):
    class Meta:
        model = Activity

    lead = factory.SubFactory(LeadFactory)
    rep = factory.SubFactory(UserFactory)
    channel = "call"
    outcome = Activity.Outcome.NO_ANSWER
    occurred_at = factory.LazyFunction(timezone.now)


class AgreementFactory(DjangoModelFactory[QualificationAgreement]):
    class Meta:
        model = QualificationAgreement

    version = factory.Sequence(lambda n: n + 1)
    score_threshold = 60
    effective_from = factory.LazyFunction(lambda: timezone.now() - timedelta(days=365))


class SlaPolicyFactory(DjangoModelFactory[SlaPolicy]):
    class Meta:
        model = SlaPolicy

    name = "Default"
    first_response_minutes = 5


class RoutingRuleFactory(DjangoModelFactory[RoutingRule]):
    class Meta:
        model = RoutingRule

    name = factory.Sequence(lambda n: f"Rule {n}")


class PoolMemberFactory(DjangoModelFactory[PoolMember]):
    class Meta:
        model = PoolMember

    rule = factory.SubFactory(RoutingRuleFactory)
    rep = factory.SubFactory(UserFactory)


class PlayFactory(DjangoModelFactory[Play]):
    class Meta:
        model = Play

    name = factory.Sequence(lambda n: f"Play {n}")
    talk_track = "Open with what they downloaded."


class PlayStepFactory(DjangoModelFactory[PlayStep]):
    class Meta:
        model = PlayStep

    play = factory.SubFactory(PlayFactory)
    order = factory.Sequence(lambda n: n + 1)
    channel = "call"
    due_offset_minutes = 5
    title = "First call"


class DisqualificationReasonFactory(DjangoModelFactory[DisqualificationReason]):
    class Meta:
        model = DisqualificationReason
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"reason-{n}")
    label = factory.Sequence(lambda n: f"Reason {n}")


class OpportunityFactory(DjangoModelFactory[Opportunity]):
    class Meta:
        model = Opportunity

    account = factory.SubFactory(AccountFactory)
    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Deal {n}")
    amount = Decimal("12000")
    created_at = factory.LazyFunction(timezone.now)


class ChurnReasonFactory(DjangoModelFactory[ChurnReason]):
    class Meta:
        model = ChurnReason
        django_get_or_create = ("code",)

    code = "price"
    label = "Price"


class RenewalFactory(DjangoModelFactory[Renewal]):
    class Meta:
        model = Renewal

    account = factory.SubFactory(AccountFactory)
    due_on = date(2026, 11, 30)
    amount = Decimal("24000")


class JointGoalFactory(DjangoModelFactory[JointGoal]):
    class Meta:
        model = JointGoal

    quarter = factory.SubFactory(QuarterFactory)
    metric = "sales_ready_leads"
    target = Decimal("100")
    team_marketing = True
    team_sales = True

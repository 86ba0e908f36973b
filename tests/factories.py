"""factory-boy factories for every record tests build."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from apps.accounts.models import Account
from apps.campaigns.models import Asset, Campaign, CampaignSpend
from apps.core.models import Quarter
from apps.feedback.models import Disqualification, DisqualificationReason
from apps.goals.facts import rebuild_lead_facts
from apps.goals.models import GoalSnapshot, JointGoal
from apps.intake.models import IdempotencyRecord, IntakeSource
from apps.leads.engagement import touches_written
from apps.leads.models import Activity, Lead, LeadEvent, Touchpoint
from apps.notifications.models import Notification, TeamChannel
from apps.opportunities.attribution import credit_deal, touch_arrived
from apps.opportunities.models import LostReason, Opportunity
from apps.plays.models import LeadPlay, LeadPlayStep, Play, PlayStep
from apps.routing.models import Holiday, PoolMember, RoutingRule, SlaPolicy
from apps.scoring.models import BuyingRoleRule, QualificationAgreement, ScoringRule
from apps.service.models import ChurnReason, HealthCheck, Renewal, VoiceNote
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


class CampaignSpendFactory(DjangoModelFactory[CampaignSpend]):
    """Spend of 8,000.00 over Q4 2026 unless told otherwise."""

    class Meta:
        model = CampaignSpend

    campaign = factory.SubFactory(CampaignFactory)
    starts_on = date(2026, 10, 1)
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + timedelta(days=91))
    amount = Decimal("8000.00")


class AssetFactory(DjangoModelFactory[Asset]):
    class Meta:
        model = Asset

    slug = factory.Sequence(lambda n: f"asset-{n}")
    name = factory.Sequence(lambda n: f"Asset {n}")
    campaign = factory.SubFactory(CampaignFactory)
    kind = Asset.Kind.WHITEPAPER
    intent_note = "Researching the problem."
    engagement_weight = 10


class _KeepsFacts:
    """Records built here bypass the services, so their lead's facts are rebuilt from the
    records after each one, as `rebuild_facts` would (the services keep them incrementally)."""

    @classmethod
    def _facts_of(cls, obj: object) -> int | None:
        raise NotImplementedError

    @classmethod
    def _credit(cls, obj: object) -> None:
        """Won deals' campaign credits the record changes (none by default)."""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        obj = super()._create(model_class, *args, **kwargs)  # type: ignore[misc]
        lead_id = cls._facts_of(obj)
        if lead_id is not None:
            rebuild_lead_facts([lead_id])
        cls._credit(obj)
        return obj


class LeadFactory(_KeepsFacts, DjangoModelFactory[Lead]):
    class Meta:
        model = Lead

    email = factory.Sequence(lambda n: f"buyer{n}@company.example")
    first_name = "Pat"
    last_name = factory.Sequence(lambda n: f"Buyer{n}")
    title = "Head of Operations"

    @classmethod
    def _facts_of(cls, obj: Lead) -> int | None:  # type: ignore[override]
        return obj.pk


class TouchpointFactory(_KeepsFacts, DjangoModelFactory[Touchpoint]):
    class Meta:
        model = Touchpoint

    lead = factory.SubFactory(LeadFactory)
    account = factory.LazyAttribute(lambda o: o.lead.account)
    kind = Touchpoint.Kind.PAGE_VIEW
    occurred_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _facts_of(cls, obj: Touchpoint) -> int | None:  # type: ignore[override]
        return obj.lead_id

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        """The account's weekly touches count it, as every service writing a touch does."""
        obj = super()._create(model_class, *args, **kwargs)
        touches_written([(obj.account_id, obj.occurred_at, obj.lead.buying_role, obj.asset_id)])
        return obj

    @classmethod
    def _credit(cls, obj: Touchpoint) -> None:  # type: ignore[override]
        if obj.campaign_id is not None:
            touch_arrived(
                account_id=obj.lead.account_id, lead_id=obj.lead_id, occurred_at=obj.occurred_at
            )


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


class LostReasonFactory(DjangoModelFactory[LostReason]):
    class Meta:
        model = LostReason
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Lost reason {n}")
    order = factory.Sequence(lambda n: 100 + n)


class OpportunityFactory(_KeepsFacts, DjangoModelFactory[Opportunity]):
    class Meta:
        model = Opportunity

    account = factory.SubFactory(AccountFactory)
    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Deal {n}")
    amount = Decimal("12000")
    created_at = factory.LazyFunction(timezone.now)
    stage = Opportunity.Stage.DISCOVERY
    # the database wants a reason on every lost deal (and only there); name one when it matters
    lost_reason = factory.Maybe(
        factory.LazyAttribute(lambda o: o.stage == Opportunity.Stage.LOST),
        yes_declaration=factory.SubFactory(LostReasonFactory),
        no_declaration=None,
    )

    @classmethod
    def _facts_of(cls, obj: Opportunity) -> int | None:  # type: ignore[override]
        return obj.primary_lead_id

    @classmethod
    def _credit(cls, obj: Opportunity) -> None:  # type: ignore[override]
        credit_deal(obj)


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


class HolidayFactory(DjangoModelFactory[Holiday]):
    class Meta:
        model = Holiday

    policy = factory.SubFactory(SlaPolicyFactory)
    date = date(2026, 12, 25)
    name = "Christmas Day"


class ScoringRuleFactory(DjangoModelFactory[ScoringRule]):
    class Meta:
        model = ScoringRule

    name = factory.Sequence(lambda n: f"Title keyword {n}")
    attribute = ScoringRule.Attribute.TITLE_KEYWORD
    value = factory.Sequence(lambda n: f"keyword{n}")
    points = 10


class BuyingRoleRuleFactory(DjangoModelFactory[BuyingRoleRule]):
    class Meta:
        model = BuyingRoleRule

    keyword = factory.Sequence(lambda n: f"chief{n}")
    role = "decision_maker"


class LeadEventFactory(_KeepsFacts, DjangoModelFactory[LeadEvent]):
    class Meta:
        model = LeadEvent

    lead = factory.SubFactory(LeadFactory)
    kind = LeadEvent.Kind.CREATED
    reason = "intake"
    at = factory.LazyFunction(timezone.now)

    @classmethod
    def _facts_of(cls, obj: LeadEvent) -> int | None:  # type: ignore[override]
        """A ready event enters the lead into its quarter's cohort (CohortEntry)."""
        return obj.lead_id if obj.kind == LeadEvent.Kind.STATUS else None


class IntakeSourceFactory(DjangoModelFactory[IntakeSource]):
    class Meta:
        model = IntakeSource

    name = factory.Sequence(lambda n: f"Website {n}")
    slug = factory.Sequence(lambda n: f"website-{n}")
    key_prefix = factory.Sequence(lambda n: f"pfx{n:05d}")
    key_hash = factory.Sequence(lambda n: f"{n:064x}")
    webhook_secret = "current-webhook-secret"


class IdempotencyRecordFactory(DjangoModelFactory[IdempotencyRecord]):
    class Meta:
        model = IdempotencyRecord

    scope = "website:intake"
    key = factory.Sequence(lambda n: f"key-{n}")
    request_hash = "0" * 64
    state = IdempotencyRecord.State.DONE
    status_code = 201
    response_body = factory.LazyFunction(lambda: {"id": 1})


class DisqualificationFactory(_KeepsFacts, DjangoModelFactory[Disqualification]):
    class Meta:
        model = Disqualification

    lead = factory.SubFactory(LeadFactory)
    rep = factory.SubFactory(UserFactory)
    reason = factory.SubFactory(DisqualificationReasonFactory)
    at = factory.LazyFunction(timezone.now)

    @classmethod
    def _facts_of(cls, obj: Disqualification) -> int | None:  # type: ignore[override]
        return obj.lead_id


class HealthCheckFactory(DjangoModelFactory[HealthCheck]):
    class Meta:
        model = HealthCheck

    account = factory.SubFactory(AccountFactory)
    health = "green"
    set_by = factory.SubFactory(UserFactory)
    at = factory.LazyFunction(timezone.now)


class VoiceNoteFactory(DjangoModelFactory[VoiceNote]):
    class Meta:
        model = VoiceNote

    account = factory.SubFactory(AccountFactory)
    author = factory.SubFactory(UserFactory)
    quote = "Onboarding took us two weeks longer than promised."
    tags = factory.LazyFunction(lambda: ["onboarding"])


class NotificationFactory(DjangoModelFactory[Notification]):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = Notification.Kind.LEAD_ASSIGNED
    title = "New lead assigned"


class TeamChannelFactory(DjangoModelFactory[TeamChannel]):
    class Meta:
        model = TeamChannel
        django_get_or_create = ("team",)

    team = "Sales"
    webhook_url = "https://hooks.example.test/sales"


class GoalSnapshotFactory(DjangoModelFactory[GoalSnapshot]):
    class Meta:
        model = GoalSnapshot

    goal = factory.SubFactory(JointGoalFactory)
    on = date(2026, 10, 15)
    actual = Decimal("42")


class LeadPlayFactory(DjangoModelFactory[LeadPlay]):
    class Meta:
        model = LeadPlay

    lead = factory.SubFactory(LeadFactory)
    play = factory.SubFactory(PlayFactory)
    attached_at = factory.LazyFunction(timezone.now)


class LeadPlayStepFactory(DjangoModelFactory[LeadPlayStep]):
    class Meta:
        model = LeadPlayStep

    lead_play = factory.SubFactory(LeadPlayFactory)
    order = factory.Sequence(lambda n: n + 1)
    channel = "call"
    title = "First call"
    due_at = factory.LazyFunction(timezone.now)

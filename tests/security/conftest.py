"""One world for the security tests: every kind of record, built once per module.

The records live in an outer transaction opened for the module (as Django's TestCase does for
setUpTestData); each test runs in a savepoint inside it (pytest-django's `django_db`), so an
action a test performs is rolled back before the next one and the whole world is rolled back
at the end of the module. Nothing is committed, nothing leaks into other test modules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import get_resolver, reverse
from django.utils import timezone

from apps.core.permission_matrix import DEFAULT_OBJECTS, Rule
from apps.meetings import links
from apps.meetings.models import Meeting
from tests import factories

# Sara's attempt notes: the object-level test asserts sam never reads this through any route.
SECRET_NOTE = "sara-private-note-7f3a91: budget is 40k, champion leaving in March"
# Each page is read plainly and as an htmx request (which answers with a partial).
NO_HTMX_AND_HTMX: tuple[dict[str, str], ...] = ({}, {"HX-Request": "true"})
USERNAMES = {
    "Sales": "sam",
    "Sales manager": "max",
    "Marketing": "mia",
    "Service": "sid",
    "RevOps": "rita",
}


@dataclass
class World:
    users: dict[str, Any]
    objects: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)

    def user_for(self, role: str) -> Any | None:
        return None if role == "anonymous" else self.users[USERNAMES[role]]


def _quarter_for(today: date) -> Any:
    quarter = (today.month - 1) // 3
    starts = date(today.year, quarter * 3 + 1, 1)
    ends = (
        date(today.year + 1, 1, 1) if quarter == 3 else date(today.year, quarter * 3 + 4, 1)
    ) - timedelta(days=1)
    return factories.QuarterFactory(
        name=f"{today.year}-Q{quarter + 1}", starts_on=starts, ends_on=ends
    )


def _user(username: str, role: str, **kwargs: Any) -> Any:
    user: Any = factories.UserFactory(
        username=username, first_name=username.title(), last_name="Test", **kwargs
    )
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def build_world() -> World:
    """Every record a URL of the matrix can point at, plus the context its pages show."""
    from apps.accounts.models import Account
    from apps.campaigns.models import Asset
    from apps.feedback.models import Disqualification
    from apps.imports.models import ImportJob, ImportRejection
    from apps.leads.models import Activity, Lead, LeadEvent, Touchpoint
    from apps.opportunities.models import Opportunity
    from apps.service.models import Renewal

    now = timezone.now()
    today = timezone.localdate()
    sam = _user("sam", "Sales")
    sara = _user("sara", "Sales")
    users = {
        "sam": sam,
        "sara": sara,
        "max": _user("max", "Sales manager"),
        "mia": _user("mia", "Marketing"),
        "sid": _user("sid", "Service"),
        "rita": _user("rita", "RevOps", is_staff=True),
    }
    quarter = _quarter_for(today)
    factories.AgreementFactory(
        version=1,
        marketing_signer=users["mia"],
        marketing_signed_at=now,
        sales_signer=users["max"],
        sales_signed_at=now,
    )
    policy = factories.SlaPolicyFactory(first_response_minutes=5)
    factories.HolidayFactory(policy=policy, date=today + timedelta(days=60))
    rule = factories.RoutingRuleFactory(name="Everyone", order=1)
    factories.PoolMemberFactory(rule=rule, rep=sam)
    factories.PoolMemberFactory(rule=rule, rep=sara)
    factories.ScoringRuleFactory()
    factories.BuyingRoleRuleFactory()
    factories.TeamChannelFactory()

    campaign = factories.CampaignFactory(
        name="Spring webinar", slug="spring-webinar", quarter=quarter, goal="Fill the pipeline"
    )
    asset = factories.AssetFactory(
        slug="demo-request",
        name="Book a demo",
        campaign=campaign,
        kind=Asset.Kind.DEMO_REQUEST,
        hand_raiser=True,
        is_public_form=True,
        engagement_weight=20,
    )
    whitepaper = factories.AssetFactory(slug="guide", name="Guide", campaign=campaign)

    account = factories.AccountFactory(name="Sam Corp", domain="samcorp.example", owner=sam)
    sara_account = factories.AccountFactory(name="Sara Corp", domain="saracorp.example", owner=sara)
    customer = factories.AccountFactory(
        name="Customer Corp",
        domain="customer.example",
        owner=sara,
        lifecycle=Account.Lifecycle.CUSTOMER,
    )

    def lead(email: str, acct: Any, owner: Any, status: str, **kw: Any) -> Any:
        return factories.LeadFactory(
            email=email,
            account=acct,
            owner=owner,
            status=status,
            assigned_at=now - timedelta(hours=1) if owner else None,
            ready_at=now - timedelta(hours=1),
            campaign=campaign,
            company_name=acct.name,
            **kw,
        )

    sam_lead = lead("ana@samcorp.example", account, sam, Lead.Status.WORKING)
    other_lead = lead("bob@saracorp.example", sara_account, sara, Lead.Status.WORKING)
    visible_other = lead("cat@samcorp.example", account, sara, Lead.Status.WORKING)
    customer_lead = lead("dan@customer.example", customer, sara, Lead.Status.WORKING)
    pool_lead = lead("eve@saracorp.example", sara_account, None, Lead.Status.READY)
    dq_lead = lead("fay@samcorp.example", account, sam, Lead.Status.DISQUALIFIED)
    all_leads = [sam_lead, other_lead, visible_other, customer_lead, pool_lead, dq_lead]
    for item in all_leads:
        factories.TouchpointFactory(
            lead=item,
            account=item.account,
            kind=Touchpoint.Kind.FORM_SUBMIT,
            asset=asset,
            campaign=campaign,
            metadata={"page": "/pricing"},
        )
        factories.TouchpointFactory(lead=item, account=item.account, asset=whitepaper)
        factories.LeadEventFactory(lead=item, kind=LeadEvent.Kind.CREATED, reason="intake")
    factories.ActivityFactory(lead=sam_lead, rep=sam, note="sam's own call note")
    for item in (other_lead, visible_other, customer_lead):
        factories.ActivityFactory(
            lead=item, rep=sara, note=SECRET_NOTE, outcome=Activity.Outcome.CONNECTED
        )

    play = factories.PlayFactory(name="Demo follow-up", is_default=True)
    factories.PlayStepFactory(play=play, order=1, title="Call within 5 minutes")
    lead_play = factories.LeadPlayFactory(lead=sam_lead, play=play, match_reason="default")
    step = factories.LeadPlayStepFactory(lead_play=lead_play, order=1, title="Call now")

    reason = factories.DisqualificationReasonFactory(
        code="no-budget", label="No budget", use="both"
    )
    disqualification = factories.DisqualificationFactory(
        lead=dq_lead, rep=sam, reason=reason, note="No budget this year"
    )
    disputed_lead = lead("gus@samcorp.example", account, sam, Lead.Status.WORKING)
    factories.DisqualificationFactory(
        lead=disputed_lead,
        rep=sam,
        reason=reason,
        note="Student",
        review_status=Disqualification.Review.DISPUTED,
        reviewer=users["mia"],
        reviewed_at=now,
        action_note="They are a buyer",
        dispute_outcome="ready",
    )

    opportunity = factories.OpportunityFactory(
        account=account, owner=sam, primary_lead=sam_lead, name="Sam Corp platform"
    )
    other_opportunity = factories.OpportunityFactory(
        account=customer,
        owner=sara,
        name="Customer expansion",
        stage=Opportunity.Stage.WON,
        closed_at=now,
    )
    churn_reason = factories.ChurnReasonFactory()
    renewal = factories.RenewalFactory(account=customer, due_on=quarter.ends_on)
    churned = factories.AccountFactory(
        name="Gone Corp", domain="gone.example", lifecycle=Account.Lifecycle.CHURNED
    )
    factories.RenewalFactory(
        account=churned,
        due_on=quarter.starts_on + timedelta(days=3),
        outcome=Renewal.Outcome.CHURNED,
        churn_reason=churn_reason,
        churn_note="Went with a competitor",
        closed_at=now,
    )
    factories.HealthCheckFactory(account=customer, set_by=users["sid"], note="Happy")
    factories.VoiceNoteFactory(account=customer, author=users["sid"], context="QBR")

    goal = factories.JointGoalFactory(quarter=quarter, name="Ready leads")
    factories.GoalSnapshotFactory(goal=goal, on=quarter.starts_on)
    for user in users.values():
        factories.NotificationFactory(recipient=user, title="New lead assigned", body="Ana")

    source = factories.IntakeSourceFactory(name="Website", slug="website")
    job = ImportJob.objects.create(
        created_by=users["mia"],
        source_path="/tmp/leads.csv",
        original_name="leads.csv",
        header=["email", "first_name"],
        mapping={"email": "email", "first_name": "first_name"},
        status=ImportJob.Status.CHECKED,
    )
    job.report.save("report.csv", ContentFile(b"row,result\n2,created\n"), save=True)
    ImportRejection.objects.create(
        job=job, row_number=3, email="bad", reason="Not an email", values=["bad", "Al"]
    )

    booked_at = timezone.now()
    meeting = Meeting.objects.create(
        uid="world-meeting@revenue-desk",
        lead=sam_lead,
        rep=sam,
        starts_at=booked_at + timedelta(days=2),
        ends_at=booked_at + timedelta(days=2, minutes=30),
        buyer_time_zone="Europe/Berlin",
        asset=asset,
        raised_at=booked_at,
        booked_at=booked_at,
    )

    objects = {
        "booking_link": links.booking_token(
            lead_id=sam_lead.pk, asset_id=asset.pk, raised_at=booked_at
        ),
        "meeting_link": links.meeting_token(meeting.uid),
        "lead": sam_lead,
        "other_lead": other_lead,
        "visible_other_lead": visible_other,
        "customer_lead": customer_lead,
        "pool_lead": pool_lead,
        "step": step,
        "rep": sam,
        "account": account,
        "sara_account": sara_account,
        "customer_account": customer,
        "campaign": campaign,
        "asset": whitepaper,
        "public_form": asset,
        "play": play,
        "disqualification": disqualification,
        "reason": reason,
        "opportunity": opportunity,
        "other_opportunity": other_opportunity,
        "renewal": renewal,
        "goal": goal,
        "import_job": job,
        "intake_source": source,
        "unknown_api_path": "v1/nothing-here/",
    }
    return World(users=users, objects=objects)


@contextmanager
def world_in_transaction(
    django_db_blocker: Any, build: Callable[[], World] = build_world
) -> Iterator[World]:
    """Build a world inside a transaction that is rolled back when the block ends."""
    with django_db_blocker.unblock():
        fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
        fast.enable()
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            fast.disable()


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """The module's records, inside a transaction rolled back when the module is done."""
    with world_in_transaction(django_db_blocker) as built:
        yield built


def kwargs_of(url_name: str) -> set[str]:
    """The keyword arguments a (namespaced) URL name takes."""
    resolver = get_resolver()
    *namespaces, name = url_name.split(":")
    for namespace in namespaces:
        resolver = resolver.namespace_dict[namespace][1]
    names: set[str] = set()
    for possibility in resolver.reverse_dict.getlist(name):
        for _, params in possibility[0]:
            names.update(params)
    return names


def url_for(rule: Rule, world: World) -> str:
    """The rule's URL with its keyword arguments pointing at the world's records."""
    name = rule.url_name
    kwarg_names = kwargs_of(name)
    kwargs: dict[str, Any] = {}
    for kwarg in sorted(kwarg_names):
        key = rule.objects.get(kwarg, DEFAULT_OBJECTS[kwarg])
        value = world.objects[key]
        if kwarg == "slug":
            value = value.slug
        elif hasattr(value, "pk"):
            value = value.pk
        kwargs[kwarg] = value
    url = reverse(name, kwargs=kwargs)
    if rule.query:
        query = {
            k: (str(world.objects[v[1:]].pk) if v.startswith("@") else v)
            for k, v in rule.query.items()
        }
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def client_for(world: World, role: str, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    user = world.user_for(role)
    if user is not None:
        client.force_login(user)
    return client


def body_of(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)

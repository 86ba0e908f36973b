"""`seed_demo`'s entry points: seed the demo data, and say what is in the database.

Three jobs in three modules: `catalogue` holds the fixed demo data, `plans` decides every
row as plain data (a pure function of seed, size and day), `writing` stores a plan. This
module runs them: configuration, accounts and the service side in one transaction, then
the leads chunk by chunk, each chunk planned only for the emails not yet stored and written
in its own transaction. Running it twice therefore creates nothing twice, and a killed run
resumes where it stopped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, datetime

from django.db import connection, models, transaction

from apps.accounts.models import Account
from apps.campaigns.models import Asset, Campaign, CampaignSpend
from apps.core.models import Quarter
from apps.demo import writing
from apps.demo.catalogue import DEFAULT_LEADS, DEFAULT_SEED, DEMO_USERNAMES
from apps.demo.plans import (
    AccountPlan,
    Calendar,
    anchor_for,
    lead_emails,
    plan_accounts,
    plan_leads,
    plan_service,
)
from apps.feedback.models import Disqualification, DisqualificationReason
from apps.goals.facts import rebuild_all
from apps.goals.models import GoalSnapshot, JointGoal
from apps.goals.services import rebuild_goal_history
from apps.intake.models import IntakeSource
from apps.leads.models import (
    Activity,
    CohortCell,
    CohortEntry,
    Lead,
    LeadEvent,
    LeadFacts,
    Touchpoint,
)
from apps.notifications.models import Notification
from apps.opportunities.models import CampaignCredit, Opportunity
from apps.plays.models import LeadPlay, LeadPlayStep, Play, PlayStep
from apps.routing.models import PoolMember, RoutingRule, SlaPolicy
from apps.scoring.models import BuyingRoleRule, QualificationAgreement, ScoringRule
from apps.service.models import ChurnReason, HealthCheck, Renewal, VoiceNote
from apps.users.models import User

CHUNK_SIZE = 5000

# What seed_demo writes in bulk (COPY or bulk_create) and the facts rebuilt from it. A bulk
# load leaves these tables without planner statistics until autovacuum gets to them, and a
# planner that guesses row counts picks different plans than the live database would.
BULK_LOADED: tuple[type[models.Model], ...] = (
    Account,
    CampaignSpend,
    Renewal,
    HealthCheck,
    VoiceNote,
    Lead,
    Touchpoint,
    Activity,
    LeadEvent,
    Disqualification,
    Opportunity,
    LeadPlay,
    LeadPlayStep,
    Notification,
    LeadFacts,
    CohortEntry,
    CohortCell,
    CampaignCredit,
    GoalSnapshot,
)


def demo_users_exist() -> bool:
    return User.objects.filter(username__in=DEMO_USERNAMES).count() == len(DEMO_USERNAMES)


def seed_demo(
    *,
    seed: int = DEFAULT_SEED,
    leads: int = DEFAULT_LEADS,
    today: date,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[str], None] | None = None,
) -> writing.SeedResult:
    """Create the demo users, configuration and `leads` leads with their history. Safe to run twice."""
    anchor = anchor_for(today)
    result = writing.SeedResult()
    accounts = plan_accounts(seed=seed, anchor=anchor)
    with transaction.atomic():
        refs = writing.write_configuration(anchor=anchor, leads=leads, result=result)
        refs.accounts = writing.write_accounts(accounts, result)
        writing.write_service(
            plan_service(seed=seed, anchor=anchor, accounts=accounts), refs, result
        )
    pool_counts = _seed_leads(
        seed=seed,
        leads=leads,
        anchor=anchor,
        accounts=accounts,
        refs=refs,
        chunk_size=chunk_size,
        result=result,
        say=progress or (lambda _msg: None),
    )
    if result.created["leads.Lead"]:
        with transaction.atomic():
            writing.write_rollups(refs=refs, anchor=anchor, pool_counts=pool_counts, result=result)
            writing.write_meeting(anchor=anchor, result=result)
        # bulk writes bypass the services that keep the reports' facts: rebuild them, set-wise
        (progress or (lambda _msg: None))("facts the reports read…")
        rebuild_all()
    rebuild_goal_history(today=today)  # a snapshot per elapsed day: the goals' charts have a line
    if result.skipped_leads:
        result.messages.append(
            f"{result.skipped_leads} demo leads already existed; left them as they are."
        )
    analyze_tables(BULK_LOADED)
    return result


def analyze_tables(model_classes: Sequence[type[models.Model]]) -> None:
    """Refresh the planner statistics of these models' tables (`ANALYZE`, which PostgreSQL and
    SQLite both have), so the first queries after a bulk load are planned on real row counts."""
    quote = connection.ops.quote_name
    tables = [quote(model_class._meta.db_table) for model_class in model_classes]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {', '.join(tables)}")
        elif connection.vendor == "sqlite":  # SQLite's ANALYZE takes one table at a time
            for table in tables:
                cursor.execute(f"ANALYZE {table}")


def _seed_leads(
    *,
    seed: int,
    leads: int,
    anchor: datetime,
    accounts: Sequence[AccountPlan],
    refs: writing.Refs,
    chunk_size: int,
    result: writing.SeedResult,
    say: Callable[[str], None],
) -> Counter[tuple[str, str]]:
    """Plan and write the leads whose emails are not stored yet; return leads per routing pool."""
    calendar = Calendar.build(anchor)
    pool_counts: Counter[tuple[str, str]] = Counter()
    for start in range(0, leads, chunk_size):
        stop = min(leads, start + chunk_size)
        emails = lead_emails(seed=seed, start=start, stop=stop, accounts=accounts)
        existing = set(Lead.objects.filter(email__in=emails).values_list("email", flat=True))
        result.skipped_leads += len(existing)
        if len(existing) == len(emails):
            continue
        plans = [
            p
            for p in plan_leads(
                seed=seed,
                anchor=anchor,
                start=start,
                stop=stop,
                accounts=accounts,
                calendar=calendar,
            )
            if p.email not in existing
        ]
        with transaction.atomic():
            writing.write_leads(plans, refs, result)
        pool_counts.update((p.routing_rule, p.owner) for p in plans if p.routing_rule and p.owner)
        say(f"leads {stop}/{leads}")
    return pool_counts


def demo_counts() -> dict[str, int]:
    """Rows per model, for the command's summary."""
    tracked: tuple[type[models.Model], ...] = (
        User,
        Quarter,
        JointGoal,
        SlaPolicy,
        RoutingRule,
        PoolMember,
        QualificationAgreement,
        ScoringRule,
        BuyingRoleRule,
        DisqualificationReason,
        ChurnReason,
        Campaign,
        CampaignSpend,
        Asset,
        Play,
        PlayStep,
        IntakeSource,
        Account,
        Lead,
        Touchpoint,
        Activity,
        LeadEvent,
        LeadPlay,
        LeadPlayStep,
        Disqualification,
        Opportunity,
        Renewal,
        HealthCheck,
        VoiceNote,
        Notification,
    )
    return {m._meta.label: m._default_manager.count() for m in tracked}

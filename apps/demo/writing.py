"""Writing a demo plan to the database.

Configuration and users are created with get_or_create on natural keys, and accounts and
the service side are inserted only where missing, so rerunning them creates nothing twice.
Leads come one chunk at a time inside the caller's transaction (the caller passes only
leads whose email is not stored yet): the leads and their plays with bulk_create, because
the rows hanging off them need their keys, everything else with `_insert_rows` (COPY on
PostgreSQL). Planned timestamps are stored as planned: demo history lies in the past.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.db import connection, models
from django.db.models import Count, Min, Sum
from psycopg.types.json import Jsonb

from apps.accounts.models import Account
from apps.campaigns.models import Asset, Campaign, CampaignSpend
from apps.core.models import Quarter
from apps.demo.catalogue import (
    ASSETS,
    BUYING_ROLE_RULES,
    CAMPAIGNS,
    CHURN_REASONS,
    DEFAULT_LEADS,
    DEMO_INTAKE_KEY,
    DEMO_PASSWORD,
    DEMO_USERNAMES,
    DEMO_USERS,
    DQ_REASONS,
    EMEA,
    GOALS,
    HALF_LIFE_DAYS,
    HELD_POOL,
    HOLD_EXPIRY_HOURS,
    NORTH_AMERICA,
    PLAYS,
    QUARTER_GOALS,
    REASON_RULES,
    RECYCLE_REASONS,
    REPS,
    SCORE_THRESHOLD,
    SCORING_RULES,
)
from apps.demo.plans import (
    LOST_REASON_NAMES,
    AccountPlan,
    LeadPlan,
    LeadPlayPlan,
    OpportunityPlan,
    ServicePlan,
    campaign_window,
    plan_campaign_spend,
    plan_quarters,
)
from apps.feedback.models import Disqualification, DisqualificationReason
from apps.goals.models import JointGoal, Metric
from apps.intake.keys import hash_api_key
from apps.intake.models import IntakeSource
from apps.leads.models import Activity, Lead, LeadEvent, Touchpoint
from apps.meetings.models import Meeting
from apps.notifications.models import Notification
from apps.opportunities.models import LostReason, Opportunity
from apps.plays.models import LeadPlay, LeadPlayStep, Play, PlayStep
from apps.routing.models import PoolMember, RoutingRule, SlaPolicy
from apps.scoring.models import BuyingRoleRule, QualificationAgreement, ScoringRule
from apps.service.models import ChurnReason, HealthCheck, Renewal, VoiceNote
from apps.users.models import User

BATCH_SIZE = 2000


@dataclass
class Refs:
    """Natural key -> primary key, for the writer."""

    users: dict[str, int]
    accounts: dict[str, int]
    campaigns: dict[str, int]
    assets: dict[str, int]
    plays: dict[str, int]
    reasons: dict[str, int]
    churn_reasons: dict[str, int]
    agreement: int
    lost_reasons: dict[str, int] = field(default_factory=dict)  # name -> id
    rules: dict[str, int] = field(default_factory=dict)  # routing rule name -> id


@dataclass
class SeedResult:
    created: Counter[str] = field(default_factory=Counter)
    skipped_leads: int = 0
    messages: list[str] = field(default_factory=list)


@contextmanager
def _historic_timestamps(*model_classes: type[models.Model]) -> Iterator[None]:
    """Let bulk_create store the planned created_at/updated_at instead of now().

    auto_now/auto_now_add overwrite the value in pre_save even in bulk_create; demo history
    needs past timestamps, so the flags are switched off for the duration of the insert and
    restored afterwards (the command is the only code running in its process).
    """
    switched = []
    for model_class in model_classes:
        for f in model_class._meta.concrete_fields:
            if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
                switched.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in switched:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _note(result: SeedResult, label: str, created: bool) -> None:
    if created:
        result.created[label] += 1


# --- Configuration: get_or_create on natural keys -----------------------------------------


def write_configuration(*, anchor: datetime, leads: int, result: SeedResult) -> Refs:
    """Get or create the demo users and every configuration record; return their keys."""
    users = _write_users(result)
    quarters = _write_quarters(anchor, result)
    campaigns = _write_campaigns(anchor, quarters, users["mia"], result)
    _write_goals(anchor=anchor, leads=leads, quarters=quarters, campaigns=campaigns, result=result)
    rules = _write_routing(users, result)
    agreement = _write_scoring(anchor, users, result)
    reasons = _write_disqualification_reasons(result)
    churn = _write_churn_reasons(result)
    lost = _write_lost_reasons(result)
    assets = _write_assets(campaigns, result)
    plays = _write_plays(assets, campaigns, result)
    _write_intake_source(result)
    return Refs(
        users={u: users[u].pk for u in users},
        accounts={},
        campaigns={s: c.pk for s, c in campaigns.items()},
        assets={s: a.pk for s, a in assets.items()},
        plays=plays,
        reasons={c: r.pk for c, r in reasons.items()},
        churn_reasons={c: r.pk for c, r in churn.items()},
        agreement=agreement.pk,
        rules=rules,
        lost_reasons=lost,
    )


def _write_users(result: SeedResult) -> dict[str, User]:
    """Write the six demo users, password 'demo' for new ones, each in its role groups."""
    users: dict[str, User] = {}
    for spec in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": f"{spec.username}@revenue-desk.example",
                "is_staff": spec.is_staff,
                "capacity": spec.capacity,
                "routing_weight": spec.routing_weight,
                "time_zone": spec.time_zone,
                "work_start": spec.work_start,
                "work_end": spec.work_end,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        user.groups.add(*[Group.objects.get_or_create(name=role)[0] for role in spec.roles])
        _note(result, "users.User", created)
        users[spec.username] = user
    return users


def _write_quarters(anchor: datetime, result: SeedResult) -> dict[str, Quarter]:
    """Write the previous, current and next quarter."""
    quarters = {}
    for q in plan_quarters(anchor):
        quarters[q.name], created = Quarter.objects.get_or_create(
            name=q.name, defaults={"starts_on": q.starts_on, "ends_on": q.ends_on}
        )
        _note(result, "goals.Quarter", created)
    return quarters


def _write_campaigns(
    anchor: datetime, quarters: dict[str, Quarter], marketer: User, result: SeedResult
) -> dict[str, Campaign]:
    """Write the campaigns, each in the quarter it starts in, and the spend of each new one
    (recorded by the marketer, mia)."""
    campaigns: dict[str, Campaign] = {}
    quarter_plans = plan_quarters(anchor)
    created_slugs = set()
    for c in CAMPAIGNS:
        starts, ends = campaign_window(c, anchor)
        quarter = next(
            (quarters[q.name] for q in quarter_plans if q.starts_on <= starts <= q.ends_on), None
        )
        campaigns[c.slug], created = Campaign.objects.get_or_create(
            slug=c.slug,
            defaults={
                "name": c.name,
                "channel": c.channel,
                "quarter": quarter,
                "budget": Decimal(c.budget),
                "starts_on": starts,
                "ends_on": ends,
                "goal": c.goal,
                "message": c.message,
                "call_to_action": c.call_to_action,
                "sequence": c.sequence,
                "is_active": ends >= anchor.date(),
            },
        )
        _note(result, "campaigns.Campaign", created)
        if created:
            created_slugs.add(c.slug)
    # Spend is append-only, so it is written with its campaign only: a rerun adds nothing.
    entries = [
        CampaignSpend(
            campaign=campaigns[p.campaign],
            starts_on=p.starts_on,
            ends_on=p.ends_on,
            amount=p.amount,
            note=p.note,
            created_by=marketer,
            created_at=p.created_at,
        )
        for p in plan_campaign_spend(anchor)
        if p.campaign in created_slugs
    ]
    with _historic_timestamps(CampaignSpend):
        CampaignSpend.objects.bulk_create(entries)
    result.created["campaigns.CampaignSpend"] += len(entries)
    return campaigns


def _write_goals(
    *,
    anchor: datetime,
    leads: int,
    quarters: dict[str, Quarter],
    campaigns: dict[str, Campaign],
    result: SeedResult,
) -> None:
    """Write each quarter's joint goals, scaled to the run size, and one segmented ABM goal."""
    quarter_plans = plan_quarters(anchor)
    for i, (metric, name, target, scales, lower, teams) in enumerate(GOALS):
        for q_index, q in enumerate(quarter_plans):
            if i not in QUARTER_GOALS[q_index]:
                continue
            goal_target = target * leads / DEFAULT_LEADS if scales else target
            _, created = JointGoal.objects.get_or_create(
                quarter=quarters[q.name],
                metric=metric,
                defaults={
                    "name": name,
                    "target": Decimal(max(1, round(goal_target))),
                    "lower_is_better": lower,
                    "team_marketing": teams[0],
                    "team_sales": teams[1],
                    "team_service": teams[2],
                },
            )
            _note(result, "goals.JointGoal", created)
    # One segmented goal: the ABM campaign's sales-ready leads at target accounts this quarter.
    _, created = JointGoal.objects.get_or_create(
        quarter=quarters[quarter_plans[1].name],
        metric=Metric.READY_TO_OPPORTUNITY,
        segment_campaign=campaigns["abm-target-accounts"],
        defaults={
            "name": "ABM: ready → opportunity at target accounts",
            "target": Decimal(30),
            "team_marketing": True,
            "team_sales": True,
            "segment_tier": "target",
        },
    )
    _note(result, "goals.JointGoal", created)


def _write_routing(users: dict[str, User], result: SeedResult) -> dict[str, int]:
    """Write the SLA policy (active unless another one is) and the routing rules with pools;
    return the rules' ids by name."""
    _, created = SlaPolicy.objects.get_or_create(
        name="Inbound: 5 minutes in business hours",
        defaults={
            "is_active": not SlaPolicy.objects.filter(is_active=True).exists(),
            "first_response_minutes": 5,
            "business_hours_only": True,
            "time_zone": "Europe/Berlin",
            "work_days": "0,1,2,3,4",
            "day_start": time(9, 0),
            "day_end": time(17, 0),
            "escalate_after_minutes": 10,
            "reassign_after_minutes": 30,
        },
    )
    _note(result, "routing.SlaPolicy", created)
    rules: dict[str, int] = {}
    for order, name, countries, reps in (
        (10, "EMEA", ",".join(EMEA), ("sam",)),
        (20, "North America", ",".join(NORTH_AMERICA), ("sara",)),
        (100, "Everywhere else", "", REPS),
    ):
        rule, created = RoutingRule.objects.get_or_create(
            name=name, defaults={"order": order, "countries": countries}
        )
        _note(result, "routing.RoutingRule", created)
        rules[name] = rule.pk
        for rep in reps:
            _, created = PoolMember.objects.get_or_create(rule=rule, rep=users[rep])
            _note(result, "routing.PoolMember", created)
    return rules


def _write_scoring(
    anchor: datetime, users: dict[str, User], result: SeedResult
) -> QualificationAgreement:
    """Write the signed qualification agreement, the scoring rules and the buying-role rules."""
    agreement, created = QualificationAgreement.objects.get_or_create(
        version=1,
        defaults={
            "score_threshold": SCORE_THRESHOLD,
            "hand_raiser_ready": True,
            "engagement_half_life_days": HALF_LIFE_DAYS,
            "account_min_roles": 3,
            "account_window_days": 30,
            "account_score_threshold": 150,
            # the throttle: a lead ready on score waits while its pool is full (Sam's EMEA is)
            "hold_when_full": True,
            "hold_expiry_hours": HOLD_EXPIRY_HOURS,
            "effective_from": anchor - timedelta(days=150),
            "marketing_signer": users["mia"],
            "marketing_signed_at": anchor - timedelta(days=152, hours=-10),
            "sales_signer": users["max"],
            "sales_signed_at": anchor - timedelta(days=151, hours=-15),
            "notes": "Ready = demo or contact-sales request, or fit + engagement of 60, or 3 buying roles "
            "engaged at one account within 30 days with an account score of 150. A lead ready on "
            f"score waits while its pool is full, for {HOLD_EXPIRY_HOURS} hours at most.",
        },
    )
    _note(result, "scoring.QualificationAgreement", created)
    for name, attribute, value, points in SCORING_RULES:
        _, created = ScoringRule.objects.get_or_create(
            attribute=attribute, value=value, defaults={"name": name, "points": points}
        )
        _note(result, "scoring.ScoringRule", created)
    for keyword, role, order in BUYING_ROLE_RULES:
        _, created = BuyingRoleRule.objects.get_or_create(
            keyword=keyword, defaults={"role": role, "order": order}
        )
        _note(result, "scoring.BuyingRoleRule", created)
    return agreement


def _write_disqualification_reasons(result: SeedResult) -> dict[str, DisqualificationReason]:
    """Write the disqualification reasons."""
    reasons = {}
    for code, label, min_attempts, note_required, junk, description in DQ_REASONS:
        reasons[code], created = DisqualificationReason.objects.get_or_create(
            code=code,
            defaults={
                "label": label,
                "min_attempts": min_attempts,
                "note_required": note_required,
                "is_junk": junk,
                "description": description,
                **REASON_RULES.get(code, {}),
            },
        )
        _note(result, "feedback.DisqualificationReason", created)
    for code, label, min_attempts, note_required, description in RECYCLE_REASONS:
        reasons[code], created = DisqualificationReason.objects.get_or_create(
            code=code,
            defaults={
                "label": label,
                "min_attempts": min_attempts,
                "note_required": note_required,
                "description": description,
                "use": DisqualificationReason.Use.RECYCLE,
            },
        )
        _note(result, "feedback.DisqualificationReason", created)
    return reasons


def _write_churn_reasons(result: SeedResult) -> dict[str, ChurnReason]:
    """Write the churn reasons."""
    churn = {}
    for code, label in CHURN_REASONS:
        churn[code], created = ChurnReason.objects.get_or_create(
            code=code, defaults={"label": label}
        )
        _note(result, "service.ChurnReason", created)
    return churn


def _write_lost_reasons(result: SeedResult) -> dict[str, int]:
    """The lost reasons the planned deals give: the default list's, which migrations write on
    every install; any missing (renamed in the admin, say) is added at the end of the list."""
    ids = {}
    for name in LOST_REASON_NAMES:
        reason, created = LostReason.objects.get_or_create(
            name__iexact=name, defaults={"name": name, "order": 1000}
        )
        ids[name] = reason.pk
        _note(result, "opportunities.LostReason", created)
    return ids


def _write_assets(campaigns: dict[str, Campaign], result: SeedResult) -> dict[str, Asset]:
    """Write the assets, each linked to its campaign if it has one."""
    assets = {}
    for a in ASSETS:
        assets[a.slug], created = Asset.objects.get_or_create(
            slug=a.slug,
            defaults={
                "name": a.name,
                "campaign": campaigns[a.campaign] if a.campaign else None,
                "kind": a.kind,
                "topic": a.topic,
                "url": f"https://www.revenue-desk.example/{a.slug}/",
                "intent_note": a.intent_note,
                "engagement_weight": a.weight,
                "hand_raiser": a.hand_raiser,
                "is_public_form": a.is_public_form,
                "offers_booking": a.offers_booking,
            },
        )
        _note(result, "campaigns.Asset", created)
    return assets


def _write_plays(
    assets: dict[str, Asset], campaigns: dict[str, Campaign], result: SeedResult
) -> dict[str, int]:
    """Write the plays with their steps and triggers; the default only if none is active yet."""
    plays = {}
    default_taken = Play.objects.filter(is_default=True, is_active=True).exists()
    for (
        name,
        priority,
        is_default,
        account_play,
        tier,
        role,
        min_score,
        match_assets,
        match_campaigns,
        talk,
        steps,
        source,
    ) in PLAYS:
        play, created = Play.objects.get_or_create(
            name=name,
            defaults={
                "priority": priority,
                "is_default": is_default and not default_taken,
                "is_account_play": account_play,
                "account_tier": tier,
                "buying_role": role,
                "min_score": min_score,
                "talk_track": talk,
                "source": source,
            },
        )
        _note(result, "plays.Play", created)
        if created:
            play.match_assets.set([assets[s] for s in match_assets])
            play.match_campaigns.set([campaigns[s] for s in match_campaigns])
        for order, (channel, offset, title, template) in enumerate(steps, start=1):
            _, created = PlayStep.objects.get_or_create(
                play=play,
                order=order,
                defaults={
                    "channel": channel,
                    "due_offset_minutes": offset,
                    "title": title,
                    "template": template,
                },
            )
            _note(result, "plays.PlayStep", created)
        plays[name] = play.pk
    return plays


def _write_intake_source(result: SeedResult) -> None:
    """Write the website's intake source with the documented demo API key."""
    key = DEMO_INTAKE_KEY
    _, created = IntakeSource.objects.get_or_create(
        slug="website",
        defaults={
            "name": "Website",
            "key_prefix": key[:8],
            "key_hash": hash_api_key(key),
            "default_source": Lead.Source.WEB_FORM,
        },
    )
    _note(result, "leads.IntakeSource", created)


# --- Accounts and the service side: inserted where missing --------------------------------


def write_accounts(plans: Sequence[AccountPlan], result: SeedResult) -> dict[str, int]:
    """Insert the accounts not there yet; return every demo account's id by domain."""
    ids = dict(
        Account.objects.filter(domain__in=[p.domain for p in plans]).values_list("domain", "pk")
    )
    users = dict(User.objects.filter(username__in=DEMO_USERNAMES).values_list("username", "pk"))
    new = [
        Account(
            name=p.name,
            domain=p.domain,
            industry=p.industry,
            employees=p.employees,
            country=p.country,
            tier=p.tier,
            owner_id=users.get(p.owner) if p.owner else None,
            lifecycle=p.lifecycle,
            health=p.health,
            became_customer_at=p.became_customer_at,
            created_at=p.created_at,
            updated_at=p.became_customer_at or p.created_at,
        )
        for p in plans
        if p.domain not in ids
    ]
    with _historic_timestamps(Account):
        Account.objects.bulk_create(new)
    result.created["accounts.Account"] += len(new)
    ids.update({a.domain: a.pk for a in new})
    return ids


def write_service(plan: ServicePlan, refs: Refs, result: SeedResult) -> None:
    """Per account, each kind of service record is seeded only if the account has none yet."""
    acc = refs.accounts
    has_renewals = set(
        Renewal.objects.filter(account_id__in=acc.values()).values_list("account_id", flat=True)
    )
    has_checks = set(
        HealthCheck.objects.filter(account_id__in=acc.values()).values_list("account_id", flat=True)
    )
    has_notes = set(
        VoiceNote.objects.filter(account_id__in=acc.values()).values_list("account_id", flat=True)
    )
    has_expansion = set(
        Opportunity.objects.filter(account_id__in=acc.values(), origin="service").values_list(
            "account_id", flat=True
        )
    )
    sid = refs.users["sid"]
    renewals = [
        Renewal(
            account_id=acc[r.account],
            due_on=r.due_on,
            amount=r.amount,
            outcome=r.outcome,
            renewed_amount=r.renewed_amount,
            churn_reason_id=refs.churn_reasons[r.churn_reason] if r.churn_reason else None,
            churn_note=r.churn_note,
            closed_at=r.closed_at,
            closed_by_id=sid if r.closed_at else None,
            created_at=datetime.combine(r.due_on, time(8), tzinfo=UTC) - timedelta(days=90),
            updated_at=r.closed_at
            or datetime.combine(r.due_on, time(8), tzinfo=UTC) - timedelta(days=90),
        )
        for r in plan.renewals
        if acc[r.account] not in has_renewals
    ]
    checks = [
        HealthCheck(account_id=acc[h.account], health=h.health, note=h.note, set_by_id=sid, at=h.at)
        for h in plan.health_checks
        if acc[h.account] not in has_checks
    ]
    notes = [
        VoiceNote(
            account_id=acc[v.account],
            author_id=sid,
            quote=v.quote,
            tags=list(v.tags),
            context=v.context,
            created_at=v.created_at,
            updated_at=v.created_at,
        )
        for v in plan.voice_notes
        if acc[v.account] not in has_notes
    ]
    with _historic_timestamps(Renewal, VoiceNote):
        Renewal.objects.bulk_create(renewals)
        HealthCheck.objects.bulk_create(checks)
        VoiceNote.objects.bulk_create(notes)
    result.created["service.Renewal"] += len(renewals)
    result.created["service.HealthCheck"] += len(checks)
    result.created["service.VoiceNote"] += len(notes)
    result.created["opportunities.Opportunity"] += _insert_rows(
        Opportunity,
        OPPORTUNITY_COLUMNS,
        [
            _opportunity_row(o, refs, None)
            for o in plan.expansions
            if acc[o.account] not in has_expansion
        ],
    )


OPPORTUNITY_COLUMNS = (
    "account_id",
    "primary_lead_id",
    "owner_id",
    "name",
    "amount",
    "stage",
    "type",
    "origin",
    "created_at",
    "updated_at",
    "expected_close",
    "closed_at",
    "lost_reason_id",
    "lost_details",
)


def _opportunity_row(o: OpportunityPlan, refs: Refs, lead_id: int | None) -> tuple[Any, ...]:
    return (
        refs.accounts[o.account],
        lead_id,
        refs.users[o.owner],
        o.name,
        o.amount,
        o.stage,
        o.type,
        o.origin,
        o.created_at,
        o.closed_at or o.created_at,
        o.expected_close,
        o.closed_at,
        refs.lost_reasons[o.lost_reason] if o.lost_reason else None,
        o.lost_details,
    )


def _insert_rows(
    model_class: type[models.Model], columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> int:
    """Bulk-insert rows whose primary keys nobody needs back; returns the number inserted.

    On PostgreSQL this is COPY: for a million touchpoints, bulk_create spends most of its
    time preparing and quoting each value in Python (Django 5.2's UNNEST arrays under
    psycopg's client-side binding), and COPY, PostgreSQL's documented bulk-load path, makes
    `--leads 100000` about twice as fast. Elsewhere it is bulk_create. Either way no
    signals are sent and auto_now fields take the planned values.
    """
    if not rows:
        return 0
    fields = {f.attname: f for f in model_class._meta.concrete_fields}
    if connection.vendor == "postgresql":
        json_at = [i for i, c in enumerate(columns) if isinstance(fields[c], models.JSONField)]
        quote = connection.ops.quote_name
        names = ", ".join(quote(fields[c].get_attname_column()[1] or c) for c in columns)
        statement = f"COPY {quote(model_class._meta.db_table)} ({names}) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                if json_at:
                    values = list(row)
                    for i in json_at:
                        values[i] = Jsonb(values[i])
                    row = tuple(values)
                copy.write_row(row)
        return len(rows)
    with _historic_timestamps(model_class):
        model_class._default_manager.bulk_create(
            [model_class(**dict(zip(columns, row, strict=True))) for row in rows],
            batch_size=BATCH_SIZE,
        )
    return len(rows)


# --- Leads: one chunk at a time -------------------------------------------------------------

_Pairs = Sequence[tuple[Lead, LeadPlan]]
_WithPlay = Sequence[tuple[Lead, LeadPlan, LeadPlayPlan]]


def write_leads(plans: Sequence[LeadPlan], refs: Refs, result: SeedResult) -> None:
    """Insert one chunk of planned leads and everything hanging off them. Caller holds a transaction."""
    leads = _insert_leads(plans, refs)
    pairs = list(zip(leads, plans, strict=True))
    count = result.created
    count["leads.Lead"] += len(leads)
    count["leads.Touchpoint"] += _insert_touchpoints(pairs, refs)
    count["leads.Activity"] += _insert_activities(pairs, refs)
    count["opportunities.Opportunity"] += _insert_rows(
        Opportunity,
        OPPORTUNITY_COLUMNS,
        [_opportunity_row(p.opportunity, refs, lead.pk) for lead, p in pairs if p.opportunity],
    )
    count["leads.LeadEvent"] += _insert_events(pairs, refs)
    count["feedback.Disqualification"] += _insert_disqualifications(pairs, refs)
    with_play = [(lead, p, p.play) for lead, p in pairs if p.play]
    lead_plays = _insert_lead_plays(with_play, refs)
    count["plays.LeadPlay"] += len(lead_plays)
    count["plays.LeadPlayStep"] += _insert_play_steps(lead_plays, with_play, refs)


def _user_id(refs: Refs, username: str | None) -> int | None:
    return refs.users[username] if username else None


def _insert_leads(plans: Sequence[LeadPlan], refs: Refs) -> list[Lead]:
    """Write the chunk's leads with bulk_create, which sets their primary keys."""
    accounts, campaigns = refs.accounts, refs.campaigns
    leads = [
        Lead(
            email=p.email,
            first_name=p.first_name,
            last_name=p.last_name,
            title=p.title,
            buying_role=p.buying_role,
            phone=p.phone,
            country=p.country,
            company_name=p.company_name,
            account_id=accounts[p.account] if p.account else None,
            source=p.source,
            campaign_id=campaigns[p.campaign] if p.campaign else None,
            fit_score=p.fit_score,
            engagement_score=p.engagement_score,
            score=p.score,
            status=p.status,
            owner_id=_user_id(refs, p.owner),
            assignment_version=p.assignment_version,
            assigned_at=p.assigned_at,
            ready_at=p.ready_at,
            ready_agreement_id=refs.agreement if p.ready_at or p.was_held else None,
            ready_reason=p.ready_reason,
            pooled_at=p.pooled_at,
            held_at=p.held_at,
            held_returned_at=p.held_returned_at,
            first_response_at=p.first_response_at,
            sla_due_at=p.sla_due_at,
            next_action_at=p.next_action_at,
            sla_state=p.sla_state,
            sla_breached_at=p.sla_breached_at,
            breached_owner_id=_user_id(refs, p.breached_owner),
            escalated_at=p.escalated_at,
            attempt_count=p.attempt_count,
            last_touch_at=p.last_touch_at,
            converted_at=p.converted_at,
            disqualified_at=p.disqualified_at,
            created_at=p.created_at,
            updated_at=p.updated_at,
        )
        for p in plans
    ]
    with _historic_timestamps(Lead):
        Lead.objects.bulk_create(leads, batch_size=BATCH_SIZE)
    return leads


def _insert_touchpoints(pairs: _Pairs, refs: Refs) -> int:
    """Write every touch of the chunk's journeys, credited to the lead's account."""
    campaigns, assets = refs.campaigns, refs.assets
    return _insert_rows(
        Touchpoint,
        (
            "lead_id",
            "account_id",
            "kind",
            "campaign_id",
            "asset_id",
            "occurred_at",
            "metadata",
            "created_at",
        ),
        [
            (
                lead.pk,
                lead.account_id,
                t.kind,
                campaigns[t.campaign] if t.campaign else None,
                assets[t.asset] if t.asset else None,
                t.occurred_at,
                t.metadata,
                t.occurred_at,
            )
            for lead, p in pairs
            for t in p.touchpoints
        ],
    )


def _insert_activities(pairs: _Pairs, refs: Refs) -> int:
    """Write every attempt the owners logged."""
    return _insert_rows(
        Activity,
        ("lead_id", "rep_id", "channel", "outcome", "note", "occurred_at", "created_at"),
        [
            (
                lead.pk,
                _user_id(refs, p.activity_rep),
                a.channel,
                a.outcome,
                a.note,
                a.occurred_at,
                a.occurred_at,
            )
            for lead, p in pairs
            for a in p.activities
        ],
    )


def _event_payload(kind: str, old: str, new: str, payload: dict[str, Any], refs: Refs) -> Any:
    """The payload as the services write it: owner events carry the old and new owner ids, the
    throttle's hold its pool's rule id (planned by name)."""
    users = refs.users
    if kind == "owner":
        return {**payload, "old_owner_id": users.get(old), "new_owner_id": users.get(new)}
    if isinstance(payload.get("pool_id"), str):
        return {**payload, "pool_id": refs.rules[payload["pool_id"]]}
    return payload


def _insert_events(pairs: _Pairs, refs: Refs) -> int:
    """Write the leads' histories (payloads as _event_payload makes them)."""
    return _insert_rows(
        LeadEvent,
        ("lead_id", "kind", "actor_id", "reason", "old_value", "new_value", "payload", "at"),
        [
            (
                lead.pk,
                e.kind,
                _user_id(refs, e.actor),
                e.reason,
                e.old_value,
                e.new_value,
                _event_payload(e.kind, e.old_value, e.new_value, e.payload, refs),
                e.at,
            )
            for lead, p in pairs
            for e in p.events
        ],
    )


def _insert_disqualifications(pairs: _Pairs, refs: Refs) -> int:
    """Write the disqualifications with their review by marketing."""
    return _insert_rows(
        Disqualification,
        (
            "lead_id",
            "rep_id",
            "reason_id",
            "note",
            "attempts_at_time",
            "at",
            "review_status",
            "reviewer_id",
            "action_note",
            "reviewed_at",
            "dispute_outcome",
        ),
        [
            (
                lead.pk,
                _user_id(refs, p.activity_rep),
                refs.reasons[d.reason],
                d.note,
                d.attempts,
                d.at,
                d.review_status,
                _user_id(refs, d.reviewer),
                d.action_note,
                d.reviewed_at,
                d.dispute_outcome,
            )
            for lead, p in pairs
            if (d := p.disqualification)
        ],
    )


def _insert_lead_plays(with_play: _WithPlay, refs: Refs) -> list[LeadPlay]:
    """Write the play attached to each routed lead, with bulk_create for the step rows' keys."""
    lead_plays = [
        LeadPlay(
            lead_id=lead.pk,
            play_id=refs.plays[play.play],
            attached_at=play.attached_at,
            match_reason=play.match_reason,
        )
        for lead, _, play in with_play
    ]
    LeadPlay.objects.bulk_create(lead_plays, batch_size=BATCH_SIZE)
    return lead_plays


def _insert_play_steps(lead_plays: Sequence[LeadPlay], with_play: _WithPlay, refs: Refs) -> int:
    """Write the attached plays' steps, ticked by the owner where the work got that far."""
    return _insert_rows(
        LeadPlayStep,
        (
            "lead_play_id",
            "order",
            "channel",
            "title",
            "template",
            "due_at",
            "completed_at",
            "completed_by_id",
        ),
        [
            (
                lead_play.pk,
                s.order,
                s.channel,
                s.title,
                s.template,
                s.due_at,
                s.completed_at,
                _user_id(refs, p.activity_rep) if s.completed_at else None,
            )
            for lead_play, (_, p, play) in zip(lead_plays, with_play, strict=True)
            for s in play.steps
        ],
    )


# --- Roll-ups over all leads ----------------------------------------------------------------


def write_rollups(
    *, refs: Refs, anchor: datetime, pool_counts: Counter[tuple[str, str]], result: SeedResult
) -> None:
    """Roll-ups that depend on all leads: account scores, new customers, pool counters, the full
    pool of the held queue, notifications."""
    _roll_up_accounts(refs, anchor)
    rules = dict(RoutingRule.objects.values_list("name", "pk"))
    for (rule, rep), count in pool_counts.items():
        PoolMember.objects.filter(rule_id=rules.get(rule), rep_id=refs.users[rep]).update(
            assigned=models.F("assigned") + count
        )
    _fill_held_pool(rules[HELD_POOL])
    _write_notifications(refs, anchor, result)


def _fill_held_pool(rule_id: int) -> None:
    """Put the throttle to work: every rep of the held leads' pool is at capacity, so the sweep
    leaves them waiting until a rep closes a lead. A rep keeps the catalogue's capacity when he
    already works that many open leads (the default run and larger ones); in a smaller run it
    is lowered to the open leads he works, never below one (a rep working none has room)."""
    rep_ids = PoolMember.objects.filter(rule_id=rule_id).values_list("rep_id", flat=True)
    working = dict(
        Lead.objects.open()
        .filter(owner_id__in=rep_ids)
        .values("owner_id")
        .annotate(n=Count("pk"))
        .values_list("owner_id", "n")
    )
    for rep_id in rep_ids:
        full = max(1, working.get(rep_id, 0))
        User.objects.filter(pk=rep_id, capacity__gt=full).update(capacity=full)


def _roll_up_accounts(refs: Refs, anchor: datetime) -> None:
    """Write each account's engagement, buying roles, readiness, and customer status if it won."""
    account_ids = list(refs.accounts.values())
    totals = dict(
        Lead.objects.filter(account_id__in=account_ids)
        .values("account_id")
        .annotate(s=Sum("engagement_score"))
        .values_list("account_id", "s")
    )
    roles: dict[int, set[str]] = {}
    for account_id, role in (
        Lead.objects.filter(
            account_id__in=account_ids, last_touch_at__gte=anchor - timedelta(days=30)
        )
        .exclude(buying_role="unknown")
        .values_list("account_id", "buying_role")
        .distinct()
    ):
        roles.setdefault(account_id, set()).add(role)
    won = dict(
        Opportunity.objects.filter(account_id__in=account_ids, stage="won", type="new")
        .values("account_id")
        .annotate(first=Min("closed_at"))
        .values_list("account_id", "first")
    )
    changed = []
    for account in Account.objects.filter(pk__in=account_ids):
        account.engagement_score = round(totals.get(account.pk) or 0.0, 2)
        account.buying_roles_engaged = sorted(roles.get(account.pk, set()))
        ready = len(account.buying_roles_engaged) >= 3 and account.engagement_score >= 150
        account.is_conversation_ready = ready
        account.ready_since = account.ready_since or (anchor - timedelta(days=2) if ready else None)
        if account.pk in won and account.lifecycle == "prospect":
            account.lifecycle = "customer"
            account.became_customer_at = won[account.pk]
            account.health = account.health or "green"
        changed.append(account)
    Account.objects.bulk_update(
        changed,
        [
            "engagement_score",
            "buying_roles_engaged",
            "is_conversation_ready",
            "ready_since",
            "lifecycle",
            "became_customer_at",
            "health",
        ],
    )


def _write_notifications(refs: Refs, anchor: datetime, result: SeedResult) -> None:
    """Write Sam's and Max's first notifications (new leads, an SLA breach), unless they have any."""
    sam, max_ = refs.users["sam"], refs.users["max"]
    if Notification.objects.filter(recipient_id__in=[sam, max_]).exists():
        return
    pending = list(
        Lead.objects.filter(owner_id=sam, sla_state="pending").order_by("-ready_at", "pk")[:2]
    )
    breached = (
        Lead.objects.filter(owner_id=sam, sla_state="breached").order_by("-ready_at", "pk").first()
    )
    notes = [
        Notification(
            recipient_id=sam,
            kind=Notification.Kind.LEAD_ASSIGNED,
            lead=lead,
            title=f"New lead: {lead.display_name}",
            body=f"{lead.title} at {lead.company_name}.",
            created_at=lead.assigned_at,
        )
        for lead in pending
    ]
    if breached:
        notes.append(
            Notification(
                recipient_id=max_,
                kind=Notification.Kind.SLA_ESCALATION,
                lead=breached,
                title=f"SLA breached: {breached.display_name} (Sam Novak)",
                body="No first response within 5 minutes.",
                created_at=breached.sla_due_at,
            )
        )
        notes.append(
            Notification(
                recipient_id=sam,
                kind=Notification.Kind.SLA_ESCALATION,
                lead=breached,
                title=f"Overdue: {breached.display_name}",
                body="Your manager was notified.",
                created_at=breached.sla_due_at,
                read_at=breached.first_response_at,
            )
        )
    notes.append(
        Notification(
            recipient_id=sam,
            kind=Notification.Kind.CAPACITY,
            title="You are close to your capacity",
            body="Routing skips reps at capacity; close or hand back leads you cannot work.",
            created_at=anchor - timedelta(hours=3),
        )
    )
    with _historic_timestamps(Notification):
        Notification.objects.bulk_create(notes)
    result.created["notifications.Notification"] += len(notes)


def write_meeting(*, anchor: datetime, result: SeedResult) -> None:
    """One meeting a buyer booked from the demo-request form minutes after the hand-raise, with
    the lead's rep (sam's lead where there is one), on the next weekday at 10:00 in the rep's
    zone: the lead page and Today show it."""
    touches = (
        Touchpoint.objects.filter(
            lead__status__in=[Lead.Status.WORKING, Lead.Status.READY],
            lead__owner__isnull=False,
            lead__is_archived=False,
            asset__offers_booking=True,
        )
        .select_related("lead", "lead__owner", "asset")
        .order_by("lead_id", "pk")
    )
    # sam's, where the demo has one (however few leads it seeds), else any rep's
    touch = touches.filter(lead__owner__username="sam").first() or touches.first()
    if touch is None or Meeting.objects.filter(lead_id=touch.lead_id).exists():
        return
    rep = touch.lead.owner
    day = anchor.astimezone(rep.zone).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    starts = datetime.combine(day, time(10), tzinfo=rep.zone)
    booked = touch.occurred_at + timedelta(minutes=3)
    Meeting.objects.create(
        uid=f"demo-{touch.lead_id}@revenue-desk",
        lead=touch.lead,
        rep=rep,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=30),
        buyer_time_zone="Europe/London",
        asset=touch.asset,
        raised_at=touch.occurred_at,
        booked_at=booked,
    )
    Touchpoint.objects.create(
        lead=touch.lead,
        account_id=touch.lead.account_id,
        kind=Touchpoint.Kind.MEETING,
        occurred_at=booked,
        metadata={"meeting": f"demo-{touch.lead_id}@revenue-desk", "booked_by": "buyer"},
    )
    _note(result, "meetings.Meeting", True)

"""Reads for the /accounts/ pages: the accounts list and the account page with its buying group.

Every figure on the account page is aggregated or capped in the database, so the page runs the
same number of queries for an account of 5 people as for one of 500. What a user sees of the
people (names, touchpoints, disqualifications) goes through `Lead.objects.visible_to(user)`;
account-level figures (engagement by role and topic, the ready flag) are the account's own data,
which every role reads.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from math import ceil, log10

from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.accounts import services as account_services
from apps.accounts.models import Account
from apps.campaigns.models import Asset
from apps.core.lookups import AmongIds, AmongSubquery
from apps.feedback.models import Disqualification
from apps.leads.models import (
    BUYING_ROLE_ORDER,
    BUYING_ROLE_RANK,
    NAME_FIELDS,
    AccountWeek,
    BuyingRole,
    Lead,
    LeadEvent,
    Touchpoint,
)
from apps.leads.querysets import open_lead_q, sees_whole_account
from apps.opportunities.models import Opportunity
from apps.scoring.models import QualificationAgreement
from apps.scoring.services import engaged_people
from apps.service.models import Renewal
from apps.service.selectors import RENEWAL_READERS
from apps.users.models import Role, User
from apps.users.roles import has_role, roles_of

# The first 50 people (the buying group first) on the account page, the rest on "Show more":
# a hundred rows were a third of the page's rendering for the few a rep reads first.
PEOPLE_PAGE_SIZE = 50
# Keyset order of the people table: the buying group's weight first, then score, then id.
PEOPLE_KEYS = ("role_rank", "neg_score", "pk")
# a user who reads more of an account's people than this pages through the account's index,
# skipping the rest, instead of fetching theirs by id (account_people)
WALK_INDEX_FROM = 1_000
TIMELINE_LIMIT = 30
OPPORTUNITY_LIMIT = 20
RENEWAL_LIMIT = 10
DISQUALIFICATION_LIMIT = 20
CHART_WEEKS = 12
TOPIC_SERIES = 5  # the busiest topics get a colour each; the rest add up to "Other topics"
NO_TOPIC = "No topic"
OTHER_TOPICS = "Other topics"
# The SVG's coordinate box: the plot leaves room for the y ticks on the left, weeks below.
CHART_WIDTH, CHART_HEIGHT = 640, 220
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 40, 632, 12, 190

ROLE_LABELS: dict[str, str] = dict(BuyingRole.choices)
OPEN_STAGES = (
    Opportunity.Stage.DISCOVERY,
    Opportunity.Stage.DEMO,
    Opportunity.Stage.PROPOSAL,
    Opportunity.Stage.NEGOTIATION,
)


# --- The list ----------------------------------------------------------------------------


def account_list(
    *, search: str = "", tier: str = "", lifecycle: str = "", ready: bool | None = None
) -> QuerySet[Account]:
    """Accounts not archived with their lead count, filtered; the caller pages it by (name, pk)."""
    queryset = Account.objects.filter(is_archived=False)
    search = search.strip()
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(domain__icontains=search.lower()))
    if tier:
        queryset = queryset.filter(tier=tier)
    if lifecycle:
        queryset = queryset.filter(lifecycle=lifecycle)
    if ready is not None:
        queryset = queryset.filter(is_conversation_ready=ready)
    return queryset.select_related("owner").annotate(
        lead_count=Count("leads", filter=Q(leads__is_archived=False))
    )


# --- The account page --------------------------------------------------------------------


@dataclass(frozen=True)
class RoleCount:
    role: str
    label: str
    people: int
    open: int


@dataclass(frozen=True)
class EngagedTouch:
    what: str
    at: datetime | None


@dataclass(frozen=True)
class EngagedPerson:
    lead_id: int
    name: str
    role: str
    role_label: str
    touches: list[EngagedTouch]


@dataclass(frozen=True)
class Readiness:
    """Why the account is conversation-ready: who engaged, where and when."""

    ready_since: datetime | None
    handed_to: Lead | None
    people: list[EngagedPerson]
    hidden_people: int
    recomputed: bool


@dataclass(frozen=True)
class ChartSegment:
    label: str
    value: int
    color: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class ChartColumn:
    week: date
    total: int
    label_x: float
    segments: list[ChartSegment]


@dataclass(frozen=True)
class ChartSeries:
    key: str
    label: str
    color: int
    values: list[int]
    total: int


@dataclass(frozen=True)
class ChartTick:
    value: int
    y: float


@dataclass(frozen=True)
class Chart:
    """A stacked weekly bar chart, laid out here so the template only draws rectangles."""

    slug: str
    title: str
    weeks: list[date]
    series: list[ChartSeries]
    columns: list[ChartColumn]
    ticks: list[ChartTick]
    week_totals: list[int]
    total: int
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    plot_left: int = PLOT_LEFT
    plot_right: int = PLOT_RIGHT
    plot_top: int = PLOT_TOP
    plot_bottom: int = PLOT_BOTTOM


@dataclass(frozen=True)
class AccountPage:
    account: Account
    people_total: int
    roles: list[RoleCount]
    timeline: list[Touchpoint]
    by_role: Chart
    by_topic: Chart
    opportunities: list[Opportunity]
    renewals: list[Renewal] | None
    disqualifications: list[Disqualification]
    readiness: Readiness | None
    can_edit_tier: bool
    readable: ReadablePeople  # whom the user reads here: the people table pages through them
    roles_engaged: list[str] = field(default_factory=list)
    opportunity_total: Decimal = field(default=Decimal("0"))


def account_for(*, account_id: int) -> Account:
    """The account with its owner, or 404."""
    return get_object_or_404(Account.objects.select_related("owner"), pk=account_id)


def _visible_people(user: User, account: Account) -> QuerySet[Lead]:
    return Lead.objects.active().visible_at(user, account)


def account_people(
    *, user: User, account: Account, readable: ReadablePeople | None = None
) -> QuerySet[Lead]:
    """The people of the account the user may read, for keyset paging on PEOPLE_KEYS:
    decision makers first, then champions, influencers, users, unknown; by score inside.

    A user who reads the whole account, or many of its people, pages through the account's
    people index in this order (lead_account_rank_idx), skipping those they may not read. One
    who reads a few gets theirs by id (ReadablePeople), sorted: walking the account's index, a
    rep who reads 48 of 4,290 people fetched every one of them to find their own. By id, a rep
    who reads 13,686 of 42,290 had every lead scanned and 13,686 sorted (43 ms at 100k leads,
    ten times that at 1M); walking the index, 68 entries for a page of 51 (0.4 ms)."""
    if readable is None:
        readable = readable_people(user=user, account=account)
    people = (
        Lead.objects.filter(AmongIds("pk", readable.active))
        if readable.by_id
        else _visible_people(user, account)
    )
    return people.select_related("owner").annotate(
        role_rank=BUYING_ROLE_RANK, neg_score=-F("score")
    )


def account_page(*, user: User, account_id: int, now: datetime | None = None) -> AccountPage:
    """Everything the account page shows apart from the paged people table."""
    now = now or timezone.now()
    account = account_for(account_id=account_id)
    roles = role_counts(user=user, account=account)
    by_role, by_topic = engagement_charts(account_id=account.pk, now=now)
    opportunities = open_opportunities(user=user, account_id=account.pk)
    readable = readable_people(user=user, account=account)
    return AccountPage(
        account=account,
        people_total=sum(r.people for r in roles),
        roles=roles,
        timeline=account_timeline(user=user, account=account, readable=readable),
        by_role=by_role,
        by_topic=by_topic,
        opportunities=opportunities,
        opportunity_total=sum((o.amount for o in opportunities), Decimal("0")),
        renewals=(
            account_renewals(account_id=account.pk) if has_role(user, *RENEWAL_READERS) else None
        ),
        disqualifications=account_disqualifications(user=user, account=account, readable=readable),
        readiness=account_readiness(user=user, account=account, now=now),
        can_edit_tier=has_role(user, *account_services.TIER_EDITORS),
        readable=readable,
        roles_engaged=[
            ROLE_LABELS.get(str(role), str(role)) for role in account.buying_roles_engaged or []
        ],
    )


def role_counts(*, user: User, account: Account) -> list[RoleCount]:
    """People per buying role (and how many of them are open with sales), one GROUP BY."""
    rows = (
        _visible_people(user, account)
        .order_by()
        .values("buying_role")
        .annotate(
            people=Count("pk"),
            open=Count("pk", filter=open_lead_q()),
        )
    )
    counted = {row["buying_role"]: row for row in rows}
    return [
        RoleCount(
            role=role,
            label=ROLE_LABELS[role],
            people=counted[role]["people"],
            open=counted[role]["open"],
        )
        for role in BUYING_ROLE_ORDER
        if role in counted
    ]


@dataclass(frozen=True)
class ReadablePeople:
    """Whom a user may read at an account: everyone; many of its people (`many`); or a few,
    listed by id (`people`, archived included; `active`, not archived).

    A user who reads a few of an account's people (a rep: theirs and the pool's) gets the
    account's lists by those people's ids, read once: joined to the people instead, the planner
    guesses the share of the account's rows the user sees from the account's size and the
    user's share of all leads, and at a million leads walked every disqualification newest
    first looking for a rep's few (a second). One who reads more than WALK_INDEX_FROM is not
    listed: sending thousands of ids cost more than the lists they filter, and with that many
    people the account's rows in order reach a page of theirs early."""

    everyone: bool
    people: list[int] = field(default_factory=list)
    active: list[int] = field(default_factory=list)
    # reads more than WALK_INDEX_FROM of them: the lists are not read, the account's own
    # indexes are walked with the user's filter instead (a page's worth is found early)
    many: bool = False

    @property
    def by_id(self) -> bool:
        """Whether the account's lists are read by these people's ids."""
        return not (self.everyone or self.many)


def readable_people(*, user: User, account: Account) -> ReadablePeople:
    if sees_whole_account(user, account):
        return ReadablePeople(everyone=True)
    rows = list(
        Lead.objects.visible_at(user, account)
        .order_by()
        .values_list("pk", "is_archived")[: WALK_INDEX_FROM + 1]
    )
    if len(rows) > WALK_INDEX_FROM:
        return ReadablePeople(everyone=False, many=True)
    return ReadablePeople(
        everyone=False,
        people=[pk for pk, _ in rows],
        active=[pk for pk, archived in rows if not archived],
    )


def account_timeline(
    *,
    user: User,
    account: Account,
    limit: int = TIMELINE_LIMIT,
    readable: ReadablePeople | None = None,
) -> list[Touchpoint]:
    """The newest touchpoints of the account's people the user may read, with asset and campaign,
    from the account's touches in time order (touch_account_time_idx); a user who reads a few
    of its people gets theirs by id (ReadablePeople)."""
    if readable is None:
        readable = readable_people(user=user, account=account)
    touches = (
        Touchpoint.objects.filter(account_id=account.pk)
        .select_related("lead", "asset", "campaign")
        # of the lead, what the row shows and the filter below reads
        .only(
            "kind",
            "occurred_at",
            "asset",
            "campaign",
            *(f"lead__{name}" for name in NAME_FIELDS),
            "lead__buying_role",
            "lead__account_id",
            "lead__is_archived",
        )
        .order_by("-occurred_at", "-pk")
    )
    if readable.by_id:
        return list(touches.filter(AmongIds("lead_id", readable.active))[:limit])
    if readable.many:
        # a good share of the account's touches are theirs: its touches in time order, each
        # kept if its person is one the user reads
        visible = _visible_people(user, account).filter(pk=OuterRef("lead_id"))
        return list(touches.filter(Exists(visible))[:limit])
    # Nearly all of the account's newest touches are then visible (those of its people not
    # archived), but the planner, taking the people's account for independent of the touch's,
    # sorts all their touches to find them; so the newest twice `limit` are read in time order
    # and filtered here, and only when too few of them pass, the exact semi-join.
    batch = list(touches[: 2 * limit])
    kept = [t for t in batch if t.lead.account_id == account.pk and not t.lead.is_archived]
    if len(kept) >= limit or len(batch) < 2 * limit:
        return kept[:limit]
    visible = _visible_people(user, account).filter(pk=OuterRef("lead_id"))
    return list(touches.filter(Exists(visible))[:limit])


def open_opportunities(*, user: User, account_id: int) -> list[Opportunity]:
    """Open deals of the account; a rep without a broader role reads their own deals and all
    deals of accounts they own (the SPEC: opportunities "own" for Sales)."""
    queryset = Opportunity.objects.filter(account_id=account_id, stage__in=OPEN_STAGES)
    roles = roles_of(user)
    if not roles & {Role.SALES_MANAGER, Role.MARKETING, Role.SERVICE, Role.REVOPS}:
        queryset = queryset.filter(Q(owner=user) | Q(account__owner=user))
    return list(queryset.select_related("owner").order_by("-created_at", "-pk")[:OPPORTUNITY_LIMIT])


def account_renewals(*, account_id: int) -> list[Renewal]:
    """The account's renewals, latest due first."""
    return list(
        Renewal.objects.filter(account_id=account_id)
        .select_related("churn_reason")
        .order_by("-due_on", "-pk")[:RENEWAL_LIMIT]
    )


def account_disqualifications(
    *, user: User, account: Account, readable: ReadablePeople | None = None
) -> list[Disqualification]:
    """Disqualifications of the account's people the user may read, newest first (of a few
    people, theirs by id: ReadablePeople)."""
    if readable is None:
        readable = readable_people(user=user, account=account)
    dqs = Disqualification.objects.select_related("lead", "reason", "rep").only(
        "at", "review_status", "reason", "rep", *(f"lead__{name}" for name in NAME_FIELDS)
    )
    if readable.by_id:
        # their disqualifications found by lead first (AmongSubquery), then ordered: asked
        # for the newest 20 among a few people's, PostgreSQL walked every disqualification
        # newest first (281k at 1M leads, 188 ms) when those people had none
        theirs = Disqualification.objects.filter(AmongIds("lead_id", readable.people))
        dqs = dqs.filter(AmongSubquery("pk", theirs.values("pk")))
    elif readable.everyone:
        dqs = dqs.filter(lead__account_id=account.pk)
    else:
        dqs = dqs.filter(lead__in=Lead.objects.visible_at(user, account))
    return list(dqs.order_by("-at", "-pk")[:DISQUALIFICATION_LIMIT])


# --- Readiness -----------------------------------------------------------------------


def account_readiness(*, user: User, account: Account, now: datetime) -> Readiness | None:
    """For a conversation-ready account: who engaged, where and when. Read from the payload the
    handoff recorded on its best contact's ready event; recomputed from the touchpoints inside
    the agreement's window when no such event exists (the best contact was already with sales)."""
    if not account.is_conversation_ready:
        return None
    events = LeadEvent.objects.filter(
        lead__account_id=account.pk,
        kind=LeadEvent.Kind.STATUS,
        new_value=Lead.Status.READY,
        payload__has_key="engaged",
    )
    if account.ready_since is not None:
        events = events.filter(at__gte=account.ready_since - timedelta(minutes=1))
    event = events.select_related("lead__owner").order_by("-at", "-pk").first()
    recomputed = event is None
    if event is not None:
        raw = event.payload.get("engaged") or []
    else:
        agreement = QualificationAgreement.objects.in_force(now)
        days = agreement.account_window_days if agreement is not None else 30
        raw = engaged_people(account_id=account.pk, since=now - timedelta(days=days))
    rows = [r for r in raw if isinstance(r, dict) and isinstance(r.get("lead_id"), int)]
    lead_ids = {r["lead_id"] for r in rows} | ({event.lead_id} if event else set())
    visible = set(
        Lead.objects.visible_to(user).filter(pk__in=lead_ids).values_list("pk", flat=True)
    )
    people: dict[int, EngagedPerson] = {}
    for row in rows:
        lead_id = row["lead_id"]
        if lead_id not in visible:
            continue
        role = str(row.get("role") or BuyingRole.UNKNOWN)
        person = people.setdefault(
            lead_id,
            EngagedPerson(
                lead_id=lead_id,
                name=str(row.get("name", "")),
                role=role,
                role_label=ROLE_LABELS.get(role, role),
                touches=[],
            ),
        )
        person.touches.append(
            EngagedTouch(what=str(row.get("what", "")), at=parse_datetime(str(row.get("at", ""))))
        )
    hidden = len({r["lead_id"] for r in rows} - visible)
    handed_to = event.lead if event is not None and event.lead_id in visible else None
    return Readiness(
        ready_since=account.ready_since,
        handed_to=handed_to,
        people=list(people.values()),
        hidden_people=hidden,
        recomputed=recomputed,
    )


# --- Engagement charts ---------------------------------------------------------------


def chart_weeks(*, now: datetime, weeks: int = CHART_WEEKS) -> list[date]:
    """The Mondays of the last `weeks` weeks, oldest first, ending with this week's."""
    today = timezone.localtime(now).date()
    this_monday = today - timedelta(days=today.weekday())
    return [this_monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def engagement_charts(*, account_id: int, now: datetime) -> tuple[Chart, Chart]:
    """Touchpoints per week by the buying role of the person and by the asset's topic, read
    from the account's weekly touch counts (AccountWeek: one index range of a few hundred rows,
    whatever the number of touches), each row's topic from its asset."""
    weeks = chart_weeks(now=now)
    rows = (
        AccountWeek.objects.filter(account_id=account_id, week__gte=weeks[0], touches__gt=0)
        .annotate(
            topic=Subquery(Asset.objects.filter(pk=OuterRef("asset_key")).values("topic")[:1])
        )
        .values_list("week", "buying_role", "topic", "touches")
    )
    by_role: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    by_topic: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for week, role, topic, touches in rows:
        by_role[role or BuyingRole.UNKNOWN][week] += touches
        by_topic[(topic or "").strip() or NO_TOPIC][week] += touches
    role_series = [
        (role, ROLE_LABELS[role], by_role[role]) for role in BUYING_ROLE_ORDER if role in by_role
    ]
    return (
        build_chart(
            slug="role",
            title="Engagement by buying role",
            weeks=weeks,
            series=role_series,
            colors={role: index for index, role in enumerate(BUYING_ROLE_ORDER)},
        ),
        build_chart(
            slug="topic", title="Engagement by topic", weeks=weeks, series=_topic_series(by_topic)
        ),
    )


def _topic_series(
    by_topic: dict[str, dict[date, int]],
) -> list[tuple[str, str, dict[date, int]]]:
    ranked = sorted(by_topic, key=lambda t: (t == NO_TOPIC, -sum(by_topic[t].values()), t))
    series = [(topic, topic, by_topic[topic]) for topic in ranked[:TOPIC_SERIES]]
    rest = ranked[TOPIC_SERIES:]
    if rest:
        other: dict[date, int] = defaultdict(int)
        for topic in rest:
            for week, value in by_topic[topic].items():
                other[week] += value
        series.append((OTHER_TOPICS, OTHER_TOPICS, other))
    return series


def _nice_ceiling(value: int) -> int:
    """The smallest 1, 2, 4, 6 or 8 times a power of ten at or above `value` (at least 4), so
    the middle tick (half of it) is a whole number too."""
    if value <= 4:
        return 4
    magnitude: int = 10 ** int(log10(value))
    for step in (1, 2, 4, 6, 8, 10):
        if step * magnitude >= value:
            return step * magnitude
    return int(ceil(value))


def build_chart(
    *,
    slug: str,
    title: str,
    weeks: list[date],
    series: list[tuple[str, str, dict[date, int]]],
    colors: dict[str, int] | None = None,
) -> Chart:
    """Lay out stacked bars: one column per week, one segment per series with touches."""
    chart_series = [
        ChartSeries(
            key=key,
            label=label,
            color=(colors or {}).get(key, index),
            values=[values.get(week, 0) for week in weeks],
            total=sum(values.get(week, 0) for week in weeks),
        )
        for index, (key, label, values) in enumerate(series)
    ]
    week_totals = [sum(s.values[i] for s in chart_series) for i in range(len(weeks))]
    top = _nice_ceiling(max(week_totals, default=0))
    plot_height = PLOT_BOTTOM - PLOT_TOP
    slot = (PLOT_RIGHT - PLOT_LEFT) / max(len(weeks), 1)
    bar_width = round(slot * 0.62, 2)
    columns = []
    for i, week in enumerate(weeks):
        x = round(PLOT_LEFT + i * slot + (slot - bar_width) / 2, 2)
        y = float(PLOT_BOTTOM)
        segments = []
        for s in chart_series:
            value = s.values[i]
            if not value:
                continue
            height = round(value / top * plot_height, 2)
            y = round(y - height, 2)
            segments.append(
                ChartSegment(
                    label=s.label,
                    value=value,
                    color=s.color,
                    x=x,
                    y=y,
                    width=bar_width,
                    height=height,
                )
            )
        columns.append(
            ChartColumn(
                week=week,
                total=week_totals[i],
                label_x=round(x + bar_width / 2, 2),
                segments=segments,
            )
        )
    ticks = [
        ChartTick(value=value, y=round(PLOT_BOTTOM - value / top * plot_height, 2))
        for value in (0, top // 2, top)
    ]
    return Chart(
        slug=slug,
        title=title,
        weeks=weeks,
        series=chart_series,
        columns=columns,
        ticks=ticks,
        week_totals=week_totals,
        total=sum(week_totals),
    )

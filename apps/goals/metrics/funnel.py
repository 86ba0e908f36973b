"""Lead-side metrics: the sales-ready cohort, speed to lead, SLA, follow-up, disqualifications."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from django.db import connection
from django.db.models import Avg, Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.expressions import Case, F, When

from apps.campaigns.models import Asset
from apps.feedback.models import Disqualification, DisqualificationCell, DisqualificationReason
from apps.goals.metrics.base import (
    ALL,
    AVERAGE_PLACES,
    BY_REP,
    MetricValue,
    Segment,
    Speed,
    Unit,
    cohort,
    cohort_figures,
    cohort_read,
    known_by,
    lead_segment_q,
    median,
    p90,
    percent,
    quantize,
    rounded,
    shared,
    window,
)
from apps.goals.models import Metric
from apps.leads.models import Lead, LeadEvent, Touchpoint
from apps.routing.services import HELD_TOO_LONG

if TYPE_CHECKING:
    from apps.core.models import Quarter

JUNK_SHARE = "junk_share"  # marketing's scoreboard figure; not a goal metric
JUNK_SHARE_LABEL = "Junk share (%)"
BreakdownBy = Literal["reason", "campaign", "asset", "source", "rep"]
BREAKDOWNS: tuple[BreakdownBy, ...] = ("reason", "campaign", "asset", "source", "rep")


def _value(metric: str, unit: Unit, value: Decimal | None) -> MetricValue:
    label = JUNK_SHARE_LABEL if metric == JUNK_SHARE else Metric(metric).label
    return MetricValue(metric=metric, label=label, unit=unit, value=value)


def rep_key() -> Case:
    """The rep a cohort lead counts for: the breached owner when the SLA was breached (the
    rep who let it slip keeps the breach after a reassignment), otherwise the owner."""
    return Case(
        When(
            sla_state=Lead.SlaState.BREACHED, breached_owner__isnull=False, then=F("breached_owner")
        ),
        default=F("owner"),
    )


# --- Sales-ready leads ---


def sales_ready_leads(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> MetricValue:
    """Sales-ready leads (count): DISTINCT leads with a LeadEvent(kind="status",
    new_value="ready") whose `at` falls in [starts_on 00:00 UTC, ends_on + 1 day 00:00 UTC).
    A lead ready twice in the quarter counts once. Segment: lead campaign, source, country
    (the account's when the lead's is blank) and account tier. Drill-down: those leads."""
    count = cohort_figures(quarter, segment, as_of=as_of).total
    return _value(Metric.SALES_READY_LEADS, "count", Decimal(count))


# --- Speed to lead ---


def speed_minutes(
    quarter: Quarter, segment: Segment | None, *, as_of: datetime | None = None
) -> list[float]:
    """Working minutes from ready_at to first_response_at of each lead of a segment of the
    cohort (or of the cohort as of a past moment) that has both: the response time its
    transaction recorded in the SLA calendar (LeadFacts)."""

    def read() -> list[float]:
        rows = speed_drilldown(quarter, segment, as_of=as_of).values_list(
            "facts__response_minutes", flat=True
        )
        return [minutes for minutes in rows if minutes is not None]

    return shared(("speed", quarter.pk, segment, as_of), read)


def speed(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> Speed:
    """The median and the p90 of speed_minutes(): the whole cohort as it stands is the cohort
    read's (cohort_read, which never reads every answered lead's minutes), a segment or a past
    moment from the minutes themselves."""
    if segment is None and as_of is None:
        return cohort_read(quarter, BY_REP).speed(*ALL)  # the goal sheet's read
    minutes = speed_minutes(quarter, segment, as_of=as_of)
    return Speed(median=median(minutes), p90=p90(minutes))


def speed_drilldown(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> QuerySet[Lead]:
    """Cohort leads with a ready time and a first response (answered before `as_of`, if given)."""
    return cohort(quarter, segment, as_of=as_of).filter(
        Q(ready_at__isnull=False, first_response_at__isnull=False)
        & known_by("first_response_at", as_of)
    )


def speed_to_lead_median(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> MetricValue:
    """Speed to lead, median (minutes): statistics.median over cohort leads with
    first_response_at set of the minutes from ready_at to first_response_at, counted in working
    minutes of the SLA policy active when the lead was answered (plain minutes when there is no
    policy or it has no business hours; LeadFacts.response_minutes, re-timed by
    `rebuild_facts`); 1 decimal. None when no cohort lead has been answered."""
    value = speed(quarter, segment, as_of=as_of).median
    return _value(Metric.SPEED_TO_LEAD_MEDIAN, "minutes", rounded(value, "minutes"))


def speed_to_lead_p90(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> MetricValue:
    """Speed to lead, p90 (minutes): nearest-rank 90th percentile, sorted(values)[ceil(0.9 n)
    - 1], of the same working minutes as the median; 1 decimal. None when no data."""
    value = speed(quarter, segment, as_of=as_of).p90
    return _value(Metric.SPEED_TO_LEAD_P90, "minutes", rounded(value, "minutes"))


# --- SLA compliance, follow-up, ready to opportunity (one aggregate over the cohort) ---


def sla_compliance(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> MetricValue:
    """SLA first-response compliance (%): cohort leads with sla_state "met" / (met + breached)
    * 100. Pending and clock-less leads are not settled and do not count. None when no cohort
    lead is settled."""
    figures = cohort_figures(quarter, segment, as_of=as_of)
    value = percent(figures.met, figures.met + figures.breached)
    return _value(Metric.SLA_COMPLIANCE, "percent", value)


def sla_drilldown(quarter: Quarter, segment: Segment | None = None) -> QuerySet[Lead]:
    return cohort(quarter, segment).filter(
        sla_state__in=[Lead.SlaState.MET, Lead.SlaState.BREACHED]
    )


def follow_up_rate(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> MetricValue:
    """Follow-up rate (%): cohort leads with attempt_count > 0 / cohort size * 100. None for an
    empty cohort."""
    figures = cohort_figures(quarter, segment, as_of=as_of)
    return _value(Metric.FOLLOW_UP_RATE, "percent", percent(figures.followed, figures.total))


def ready_to_opportunity(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> MetricValue:
    """Conversion ready -> opportunity (%): cohort leads that are the primary_lead of at least
    one opportunity (created at any time) / cohort size * 100. None for an empty cohort."""
    figures = cohort_figures(quarter, segment, as_of=as_of)
    value = percent(figures.converted, figures.total)
    return _value(Metric.READY_TO_OPPORTUNITY, "percent", value)


# --- Disqualifications ---


def disqualifications(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> QuerySet[Disqualification]:
    """Disqualifications with `at` in the quarter window (before `as_of`, if given), segment
    applied through their lead."""
    start, end = window(quarter, as_of)
    return Disqualification.objects.filter(
        Q(at__gte=start, at__lt=end) & lead_segment_q(segment, prefix="lead__")
    )


@dataclass(frozen=True)
class DqTally:
    """One rep's disqualifications in a quarter: how many, how many for a junk reason, and the
    attempts made before them added up."""

    n: int
    junk: int
    attempts: int


def disqualification_tallies(quarter: Quarter) -> dict[int, DqTally]:
    """The quarter's disqualifications (every one, no segment, as they stand now) per rep who
    made them, read once per shared_reads() block: the scoreboard's rows and the goal sheet's
    disqualification rate, junk share and attempts. On PostgreSQL summed from the quarter's
    days' cells (DisqualificationCell, which the disqualifications' triggers keep); elsewhere
    from the disqualifications' covering index (dq_at_idx). Junk is the reason's is_junk now,
    as the drill-down filters it."""

    def read() -> dict[int, DqTally]:
        junk_reasons = DisqualificationReason.objects.filter(is_junk=True).values("pk")
        if connection.vendor == "postgresql":
            rows = (
                DisqualificationCell.objects.filter(
                    day__gte=quarter.starts_on, day__lte=quarter.ends_on
                )
                .values("rep_id")
                .annotate(
                    dqs=Sum("n"),
                    junk=Sum("n", filter=Q(reason_id__in=junk_reasons)),
                    tried=Sum("attempts"),
                )
            )
        else:
            rows = (
                disqualifications(quarter)
                .values("rep_id")
                .annotate(  # counting `at` (never null), so dq_at_idx alone answers
                    dqs=Count("at"),
                    junk=Count("at", filter=Q(reason_id__in=junk_reasons)),
                    tried=Sum("attempts_at_time"),
                )
            )
        return {
            row["rep_id"]: DqTally(n=row["dqs"], junk=row["junk"] or 0, attempts=row["tried"])
            for row in rows.order_by()
            if row["dqs"]
        }

    return shared(("disqualification_tallies", quarter.starts_on), read)


def _dq_totals(quarter: Quarter) -> DqTally:
    tallies = disqualification_tallies(quarter).values()
    return DqTally(
        n=sum(t.n for t in tallies),
        junk=sum(t.junk for t in tallies),
        attempts=sum(t.attempts for t in tallies),
    )


def attempts_before_dq(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> MetricValue:
    """Attempts before disqualification (count, 1 decimal): mean of attempts_at_time over the
    disqualifications with `at` in the quarter. None when there were none."""
    if segment is None and as_of is None:
        totals = _dq_totals(quarter)
        average = Decimal(totals.attempts) / totals.n if totals.n else None
    else:
        dqs = disqualifications(quarter, segment, as_of=as_of)
        average = dqs.aggregate(mean=Avg("attempts_at_time"))["mean"]
    return _value(Metric.ATTEMPTS_BEFORE_DQ, "count", quantize(average, AVERAGE_PLACES))


def disqualification_rate(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> MetricValue:
    """Disqualification rate (%): disqualifications with `at` in the quarter / sales-ready leads
    of the quarter * 100 (both with the segment). The numerator is not limited to the cohort:
    a lead ready last quarter and disqualified in this one counts here, so the rate may exceed
    100. None when there are no sales-ready leads."""
    if segment is None and as_of is None:
        count = _dq_totals(quarter).n
    else:
        count = disqualifications(quarter, segment, as_of=as_of).count()
    ready = cohort_figures(quarter, segment, as_of=as_of).total
    return _value(Metric.DISQUALIFICATION_RATE, "percent", percent(count, ready))


def junk_share(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> MetricValue:
    """Junk share (%), marketing's "share of leads sales called junk": disqualifications in the
    quarter whose reason.is_junk / sales-ready leads of the quarter * 100. None when there are
    no sales-ready leads."""
    if segment is None and as_of is None:
        count = _dq_totals(quarter).junk
    else:
        dqs = disqualifications(quarter, segment, as_of=as_of)
        count = dqs.filter(reason__is_junk=True).count()
    ready = cohort_figures(quarter, segment, as_of=as_of).total
    return _value(JUNK_SHARE, "percent", percent(count, ready))


# --- The throttle: leads the held queue sent back ---


def held_too_long_events(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> QuerySet[LeadEvent]:
    """The status events held -> nurture with the reason "held too long" (routing's
    expire_held: a lead waited in the held queue longer than the agreement allows) whose `at`
    is in the quarter window (before `as_of`, if given), segment applied through their lead.
    Leads the queue sent back to make room ("held queue full") are not among them."""
    start, end = window(quarter, as_of)
    return LeadEvent.objects.filter(
        Q(
            kind=LeadEvent.Kind.STATUS,
            old_value=Lead.Status.HELD,
            new_value=Lead.Status.NURTURE,
            reason=HELD_TOO_LONG,
            at__gte=start,
            at__lt=end,
        )
        & lead_segment_q(segment, prefix="lead__")
    )


def held_too_long_leads(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> QuerySet[Lead]:
    """The leads of held_too_long_events: what the drill-down lists, one row per lead."""
    events = held_too_long_events(quarter, segment, as_of=as_of)
    return Lead.objects.filter(pk__in=events.values("lead_id"))


def held_too_long(
    quarter: Quarter, segment: Segment | None = None, *, as_of: datetime | None = None
) -> MetricValue:
    """Leads held too long (count, lower is better): DISTINCT leads sent back from the held
    queue to nurture with the reason "held too long" in the quarter window (the held -> nurture
    status events with that reason and `at` in the window). A lead sent back twice in the
    quarter counts once, as a lead ready twice counts once among the sales-ready leads, so the
    figure equals the leads its drill-down lists. Segment: lead campaign, source, country and
    account tier, as for sales-ready leads. Drill-down: those leads."""
    count = held_too_long_leads(quarter, segment, as_of=as_of).count()
    return _value(Metric.HELD_TOO_LONG, "count", Decimal(count))


@dataclass(frozen=True)
class BreakdownRow:
    """One group of a disqualification breakdown.

    count: disqualifications in the quarter in this group. share: count / all of the quarter's
    disqualifications * 100. rate: the group's disqualification rate, count / the group's
    sales-ready leads * 100 (for "reason", whose groups do not split leads, / all sales-ready
    leads, so the reason rates add up to the disqualification rate). None on a zero denominator.
    """

    key: Any
    label: str
    count: int
    share: Decimal | None
    rate: Decimal | None


def _first_asset(lead_ref: str) -> Subquery:
    """The lead's first-touch asset: its earliest touchpoint that has an asset."""
    return Subquery(
        Touchpoint.objects.filter(lead=OuterRef(lead_ref), asset__isnull=False)
        .order_by("occurred_at", "pk")
        .values("asset_id")[:1]
    )


def rep_label(first: str | None, last: str | None, username: str | None) -> str:
    """User.display_name from the columns a values() read brings back."""
    return f"{first or ''} {last or ''}".strip() or (username or "")


def disqualification_breakdown(
    quarter: Quarter, by: BreakdownBy = "reason", segment: Segment | None = None
) -> list[BreakdownRow]:
    """The quarter's disqualifications grouped by reason, campaign (the lead's source campaign:
    its first campaign touch), asset (the
    lead's first-touch asset: its earliest touchpoint with an asset), source (the lead's) or
    rep (who disqualified), with counts, shares and rates (see BreakdownRow), most first.
    Leads without a campaign or first-touch asset form a group keyed None. Three queries: the
    grouped disqualifications, the grouped cohort, and labels where the group is an asset."""
    if by not in BREAKDOWNS:
        raise ValueError(f"Unknown breakdown {by!r}; use one of {', '.join(BREAKDOWNS)}.")
    dqs = disqualifications(quarter, segment)
    leads = cohort(quarter, segment)
    labels: dict[Any, str] = {}
    grouped: QuerySet[Any, Any]
    group_sizes: dict[Any, int] | None
    if by == "reason":
        grouped = dqs.values(key=F("reason_id"), name=F("reason__label"))
        group_sizes = None
    elif by == "campaign":
        grouped = dqs.values(
            key=F("lead__facts__source_campaign_id"), name=F("lead__facts__source_campaign__name")
        )
        group_sizes = _sizes(leads.values(key=F("facts__source_campaign_id")))
    elif by == "source":
        grouped = dqs.values(key=F("lead__source"))
        labels = {str(value): str(label) for value, label in Lead.Source.choices}
        group_sizes = _sizes(leads.values(key=F("source")))
    elif by == "asset":
        grouped = dqs.annotate(key=_first_asset("lead_id")).values("key")
        group_sizes = _sizes(leads.annotate(key=_first_asset("pk")).values("key"))
    else:
        grouped = dqs.values(
            key=F("rep_id"),
            first=F("rep__first_name"),
            last=F("rep__last_name"),
            username=F("rep__username"),
        )
        group_sizes = _sizes(leads.annotate(key=rep_key()).values("key"))
    rows: list[Any] = list(grouped.annotate(n=Count("pk")).order_by("-n", "key"))
    total = sum(row["n"] for row in rows)
    if by == "asset":
        ids = [row["key"] for row in rows if row["key"] is not None]
        labels = dict(Asset.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    ready_total = sum(group_sizes.values()) if group_sizes is not None else leads.count()
    result = []
    for row in rows:
        key = row["key"]
        if by == "rep":
            label = rep_label(row["first"], row["last"], row["username"])
        else:
            label = row.get("name") or labels.get(key) or (str(key) if key is not None else "—")
        denominator = group_sizes.get(key, 0) if group_sizes is not None else ready_total
        result.append(
            BreakdownRow(
                key=key,
                label=label,
                count=row["n"],
                share=percent(row["n"], total),
                rate=percent(row["n"], denominator),
            )
        )
    return result


def _sizes(values: QuerySet[Any, Any]) -> dict[Any, int]:
    return {row["key"]: row["n"] for row in values.annotate(n=Count("pk")).order_by()}

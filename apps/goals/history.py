"""Goal history: what each goal's actual was on every elapsed day of its quarter.

The snapshot of day D is the goal's metric for the quarter to date as the records stood at the
end of D: compute(metric, quarter, segment, as_of=end_of_day(D)), where the day ends at
00:00 UTC of D + 1 (the quarter window's UTC days). The nightly job (services.snapshot_goals)
and the rebuild (services.rebuild_goal_history) both take it from goal_actual() below, so a
rebuilt day equals the nightly snapshot of that day, and today's equals the live actual.

"As the records stood" uses the time each record carries; every metric shares its formula with
the live figure, `as_of` only leaves out what was not yet stamped:
- exact from the event log and stamped rows: sales-ready leads (LeadEvent ready `at`),
  disqualifications and their rate, junk share and attempts (Disqualification.at), ready →
  opportunity (Opportunity.created_at), pipeline created, win rate, opportunity → won, revenue
  won, expansion revenue and sales cycle (created_at, closed_at: won and lost are final),
  gross revenue retention (Renewal.created_at, closed_at: outcomes are final), leads held too
  long (the LeadEvent held -> nurture `at`), the form-to-meeting rate and minutes (the form
  submit's occurred_at, the meeting's raised_at and booked_at; a cancellation does not undo a
  booking);
- from the lead's current answer, counted from its stamp: speed to lead (first_response_at),
  SLA compliance (met from first_response_at, breached from sla_breached_at), follow-up
  (attempt_count > 0 and an Activity that occurred before D's end). An answer or clock later
  wiped by a new hand-off (a recycled lead ready again, a disputed disqualification) is not
  seen on the earlier days; a backdated attempt counts from the time it says it happened;
- not versioned at all: campaign spend (the cost metrics divide the spend recorded now), an
  opportunity amount edited in the admin, whether a form offers booking, and the segment
  fields (source campaign, source, country, tier), which are read as they are now.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from apps.core.models import Quarter
from apps.goals.metrics import Segment, compute, shared_reads
from apps.goals.models import JointGoal

DAY = timedelta(days=1)


def end_of_day(day: date) -> datetime:
    """00:00 UTC after `day`: the moment a day's snapshot reads the records at."""
    return datetime.combine(day + DAY, time.min, tzinfo=UTC)


def elapsed_days(quarter: Quarter, today: date) -> list[date]:
    """The quarter's days from its first to today, both included (all of them once it has
    ended, none before it starts)."""
    last = min(quarter.ends_on, today)
    return [quarter.starts_on + DAY * n for n in range((last - quarter.starts_on).days + 1)]


def goal_actual(goal: JointGoal, *, quarter: Quarter, on: date) -> Decimal | None:
    """The goal's actual on day `on` of `quarter` (the goal's): its metric for the quarter to
    date as of the end of that day. None when the metric has nothing to divide by yet."""
    value = compute(goal.metric, quarter, Segment.from_goal(goal), as_of=end_of_day(on))
    return value.value


def quarter_history(
    quarter: Quarter, goals: list[JointGoal], *, today: date
) -> dict[tuple[int, date], Decimal | None]:
    """Each goal's actual on each elapsed day of the quarter, keyed (goal id, day). A few
    aggregate queries per day and cohort (goals of one cohort share them), none per record."""
    with shared_reads():
        return {
            (goal.pk, day): goal_actual(goal, quarter=quarter, on=day)
            for day in elapsed_days(quarter, today)
            for goal in goals
        }

"""The reads /goals/ and /marketing/performance/ share come from covering indexes alone, never
from the rows of those tables: the quarter's cohort, from its cells and its speed index, and a
tier segment of it (without the leads) from cohort_entry_quarter_idx, the quarter's deals by
their own copy of their primary lead's source campaign (no facts read), and the scoreboard's
disqualifications by rep from dq_at_idx (on PostgreSQL, over committed rows VACUUM marks
all-visible as autovacuum would; the plan is priced as in tests/sales/test_query_plans.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from apps.bench.bench import recording_statements
from apps.core.models import Quarter
from apps.feedback.models import Disqualification
from apps.goals import metrics
from apps.goals.metrics.base import (
    ALL,
    BY_CAMPAIGN,
    BY_REP,
    NO_SPEED,
    Segment,
    Speed,
    cohort_figures,
    cohort_read,
)
from apps.goals.models import Metric
from apps.leads.models import CohortEntry, Lead, LeadFacts
from apps.opportunities.models import Opportunity
from tests import factories
from tests.fixtures.plans import plan

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

Q4 = date(2026, 10, 1)
Q3 = date(2026, 7, 1)


def _leads(count: int) -> list[Lead]:
    return Lead.objects.bulk_create(
        Lead(email=f"p{i}@plans.example", first_name="Pat", last_name=f"P{i}") for i in range(count)
    )


def _vacuum(*tables: str) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def test_the_quarters_cohort_is_read_from_its_cells_and_one_speed_bucket_per_figure() -> None:
    # given 2026-Q4's cohort: 200 leads of rep A from the webinar (every other one followed up,
    # every fourth met its clock, the first 100 answered in i minutes) and 100 of rep B with
    # no campaign (every tenth converted), and 300 leads in 2026-Q3's cohort
    quarter = factories.QuarterFactory()
    rep_a, rep_b = factories.UserFactory(), factories.UserFactory()
    webinar = factories.CampaignFactory()
    leads = _leads(600)
    entries = [
        CohortEntry(
            lead=lead,
            quarter_starts_on=Q4,
            ready_on=date(2026, 11, 2),
            rep_id=rep_a.pk if i < 200 else rep_b.pk,
            source_campaign_id=webinar.pk if i < 200 else None,
            attempted=i < 200 and i % 2 == 0,
            converted=i >= 200 and i % 10 == 0,
            sla_state="met" if i < 200 and i % 4 == 0 else "pending",
            response_minutes=float(i) if i < 100 else None,
        )
        for i, lead in enumerate(leads[:300])
    ]
    entries += [
        CohortEntry(lead=lead, quarter_starts_on=Q3, ready_on=date(2026, 8, 3), rep_id=rep_a.pk)
        for lead in leads[300:]
    ]
    CohortEntry.objects.bulk_create(entries)
    _vacuum("leads_cohortentry", "leads_cohortcell")
    # when the cohort is read
    with recording_statements() as statements:
        cohort = cohort_read(quarter)
    # then each group carries its counts
    webinar_group = cohort.groups[(rep_a.pk, webinar.pk)]
    assert (
        webinar_group.total,
        webinar_group.followed,
        webinar_group.converted,
        webinar_group.met,
        webinar_group.breached,
    ) == (200, 100, 0, 50, 0)
    no_campaign = cohort.groups[(rep_b.pk, None)]
    assert (no_campaign.total, no_campaign.followed, no_campaign.converted) == (100, 0, 10)
    assert set(cohort.groups) == {(rep_a.pk, webinar.pk), (rep_b.pk, None)}
    # and the answered minutes 0..99 have the median (49 + 50) / 2 and the p90
    # sorted[ceil(90) - 1] = 89, for the webinar, its channel, rep A and the whole cohort alike
    expected = Speed(median=49.5, p90=89.0)
    for key in (
        ALL,
        ("rep", rep_a.pk),
        ("campaign", webinar.pk),
        ("channel", webinar.channel),
    ):
        assert cohort.speed(*key) == expected, key
    assert cohort.speed("rep", rep_b.pk) == cohort.speed("campaign", None) == NO_SPEED
    # and in one statement the counts come from the quarter's cells and each value from its
    # speed bucket's entries in the speed index alone, never from the entries' table
    [(sql, params)] = statements
    shown = plan(sql, params)
    assert "Index Only Scan using cohort_entry_speed_idx" in shown, shown
    assert "cohort_entry_quarter_idx" not in shown, shown
    assert "cohort_cell_quarter_idx" in shown, shown
    # and so do the goal sheet's read (the reps' sets) and the performance page's (the
    # campaigns' and channels')
    for sets in (BY_REP, BY_CAMPAIGN):
        with recording_statements() as statements:
            part = cohort_read(quarter, sets)
        assert part.speed(*ALL) == expected, sets
        [(sql, params)] = statements
        shown = plan(sql, params)
        assert "Index Only Scan using cohort_entry_speed_idx" in shown, (sets, shown)
        assert "cohort_entry_quarter_idx" not in shown, (sets, shown)
        assert "cohort_cell_quarter_idx" in shown, (sets, shown)


def test_the_quarters_deals_are_grouped_by_their_own_source_campaign(rep: Any) -> None:
    # given 4,000 leads, the first 40 sourced by the webinar, and 60 deals created on 2 Nov
    # 2026 worth 1,000 each: the first 40 of those leads' (each carrying its lead's source
    # campaign, as the writing transactions keep it) and 20 of leads with no campaign
    quarter: Quarter = factories.QuarterFactory()
    webinar = factories.CampaignFactory(quarter=quarter)
    leads = _leads(4000)
    LeadFacts.objects.bulk_create(
        LeadFacts(lead=lead, source_campaign=webinar if i < 40 else None)
        for i, lead in enumerate(leads)
    )
    account = factories.AccountFactory()
    created = datetime(2026, 11, 2, 10, tzinfo=UTC)
    Opportunity.objects.bulk_create(
        Opportunity(
            account=account,
            owner=rep,
            primary_lead=lead,
            source_campaign=webinar if i < 40 else None,
            name=f"Deal {i}",
            amount=Decimal(1000),
            created_at=created,
        )
        for i, lead in enumerate(leads[:60])
    )
    _vacuum("leads_leadfacts", "opportunities_opportunity")
    # when the performance table is computed for 2026-Q4
    with recording_statements() as statements:
        table = metrics.campaign_performance(quarter, "first_touch")
    # then the webinar has its 40 deals and 40,000 of pipeline, and the 20 others are on the
    # "No campaign" line
    [row] = [row for row in table.campaigns if row.key == webinar.pk]
    assert (row.opportunities, row.pipeline) == (40, Decimal(40000))
    assert (table.no_campaign.opportunities, table.no_campaign.pipeline) == (20, Decimal(20000))
    # and the deals are grouped by their own copy: no facts row is read (at 100k leads the
    # join hashed all of them, 58 ms, where the deals alone take 11)
    [(sql, params)] = [
        (s, p) for s, p in statements if 'AS "pipeline"' in s and "source_campaign_id" in s
    ]
    shown = plan(sql, params)
    assert "leads_leadfacts" not in shown, shown
    assert "Join" not in shown, shown


def test_the_scoreboards_disqualifications_are_summed_from_the_quarters_days_cells(
    rep: Any,
) -> None:
    # given 2026-Q4's cohort of 60 leads and the 30 of them rep made disqualify in November,
    # 12 for a junk reason with 2 attempts each and 18 for another with 1, and 300
    # disqualifications in August
    quarter = factories.QuarterFactory()
    junk = factories.DisqualificationReasonFactory(code="spam", is_junk=True)
    budget = factories.DisqualificationReasonFactory(code="no_budget", is_junk=False)
    leads = _leads(360)
    CohortEntry.objects.bulk_create(
        CohortEntry(lead=lead, quarter_starts_on=Q4, ready_on=date(2026, 11, 2), rep_id=rep.pk)
        for lead in leads[:60]
    )
    Disqualification.objects.bulk_create(
        [
            Disqualification(
                lead=lead,
                rep=rep,
                reason=junk if i < 12 else budget,
                attempts_at_time=2 if i < 12 else 1,
                at=datetime(2026, 11, 3, 9, tzinfo=UTC),
            )
            for i, lead in enumerate(leads[:30])
        ]
        + [
            Disqualification(
                lead=lead, rep=rep, reason=budget, at=datetime(2026, 8, 3, 9, tzinfo=UTC)
            )
            for lead in leads[60:]
        ]
    )
    _vacuum("feedback_disqualification")
    # when the scoreboard is computed for 2026-Q4
    with recording_statements() as statements:
        board = metrics.sla_scoreboard(quarter)
    # then marketing's side reads 30 / 60 = 50.0 % disqualified, 12 / 60 = 20.0 % junk, and
    # the rep's attempts before disqualification (12 x 2 + 18 x 1) / 30 = 1.4
    marketing = {figure.metric: figure.value for figure in board.marketing}
    assert marketing[Metric.DISQUALIFICATION_RATE] == Decimal("50.0")
    assert marketing[metrics.JUNK_SHARE] == Decimal("20.0")
    [rep_row] = board.reps
    sales = {figure.metric: figure.value for figure in rep_row.figures}
    assert sales[Metric.ATTEMPTS_BEFORE_DQ] == Decimal("1.4")
    # and the quarter's disqualifications are summed from its days' cells in one statement
    # (two cells here: 3 Nov, the rep, each reason), the disqualifications themselves not read
    [(sql, params)] = [(s, p) for s, p in statements if "feedback_disqualification" in s]
    shown = plan(sql, params)
    assert "feedback_disqualificationcell" in shown, shown
    assert "on feedback_disqualification " not in shown, shown
    assert "dq_at_idx" not in shown, shown


def test_a_tier_segment_of_the_cohort_is_counted_without_reading_the_leads() -> None:
    # given 2026-Q4's cohort of 300 webinar leads, 100 at a target account (40 of them
    # followed up) and 200 at a standard one, and 200 leads of no campaign at the target
    quarter = factories.QuarterFactory()
    webinar = factories.CampaignFactory()
    target = factories.AccountFactory(tier="target")
    standard = factories.AccountFactory(tier="standard")
    leads = _leads(500)
    account_of = [target if i < 100 or i >= 300 else standard for i in range(500)]
    for lead, account in zip(leads, account_of, strict=True):
        lead.account = account
    Lead.objects.bulk_update(leads, ["account"])
    CohortEntry.objects.bulk_create(
        CohortEntry(
            lead=lead,
            quarter_starts_on=Q4,
            ready_on=date(2026, 11, 2),
            source_campaign_id=webinar.pk if i < 300 else None,
            account_id=account_of[i].pk,
            attempted=i < 40,
        )
        for i, lead in enumerate(leads)
    )
    _vacuum("leads_cohortentry", "leads_lead", "accounts_account")
    # when the figures of the webinar's target-account segment are read
    with recording_statements() as statements:
        figures = cohort_figures(quarter, Segment(campaign_id=webinar.pk, tier="target"))
    # then they count the 100 leads, 40 followed up
    assert (figures.total, figures.followed) == (100, 40)
    # and from the quarter's index and the accounts alone, never the leads
    [(sql, params)] = [(s, p) for s, p in statements if "leads_cohortentry" in s]
    shown = plan(sql, params)
    assert "Index Only Scan using cohort_entry_quarter_idx" in shown, shown
    assert "leads_lead" not in shown, shown

"""The lead flow's counts over leads (open load, backlog, the window's answers and archivings)
are read from two indexes alone, never from the leads' rows: at 100k leads the table read of
both sets (an OR of two bitmaps) took 23-38 ms of /goals/ and /marketing/performance/ (on
PostgreSQL; the plan is priced as in tests/sales/test_query_plans.py). The inflow by source
campaign names each campaign once per group: joined to each of the window's 32k moves, the
name doubled the statement's time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from apps.bench.bench import recording_statements
from apps.leads.models import Lead, LeadEvent
from apps.routing.capacity import lead_flow
from tests import factories
from tests.fixtures.plans import plan, scan_loops

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

NOW = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)
BEFORE = NOW - timedelta(days=20)  # before the 14-day window
INSIDE = NOW - timedelta(days=3)


def test_the_lead_flows_counts_are_read_from_indexes_alone(rep: Any) -> None:
    # given 3 ready leads nobody answered, 2 working leads answered in the window, 1 converted
    # lead answered in it, 1 working lead answered before it, and 1 ready lead archived in it
    for _ in range(3):
        factories.LeadFactory(status=Lead.Status.READY, ready_at=BEFORE)
    for status, answered in (
        (Lead.Status.WORKING, INSIDE),
        (Lead.Status.WORKING, INSIDE),
        (Lead.Status.CONVERTED, INSIDE),
        (Lead.Status.WORKING, BEFORE),
    ):
        factories.LeadFactory(
            status=status,
            owner=rep,
            assigned_at=BEFORE,
            ready_at=BEFORE,
            first_response_at=answered,
        )
    factories.LeadFactory(
        status=Lead.Status.READY, ready_at=BEFORE, is_archived=True, archived_at=INSIDE
    )
    # when the flow is computed
    with recording_statements() as statements:
        flow = lead_flow(now=NOW, days=14)
    # then the open load is 3 ready + 3 working = 6 (the archived lead is not open), the
    # backlog the 3 unanswered, 3 leads were answered in the window (2 working, 1 converted),
    # and the backlog when the window opened was those 3 and the archived one: 4
    assert (flow.open_load, flow.backlog, flow.answered, flow.backlog_at_start) == (6, 3, 3, 4)
    # and the open set and the window's answers each come from an index alone
    [(sql, params)] = [(s, p) for s, p in statements if "leads_lead" in s]
    shown = plan(sql, params)
    assert "Index Only Scan using lead_status_created_idx" in shown, shown
    assert "Index Only Scan using lead_first_response_idx" in shown, shown
    assert "Heap Scan" not in shown, shown


def test_the_inflow_names_each_campaign_once_per_group_not_per_move(rep: Any) -> None:
    # given 30 leads made ready in the window from the webinar (each with its source touch),
    # 10 from paid search and 5 with no campaign
    campaigns = {
        "Spring webinar": factories.CampaignFactory(name="Spring webinar"),
        "Paid search": factories.CampaignFactory(name="Paid search"),
    }
    for name, count in (("Spring webinar", 30), ("Paid search", 10), (None, 5)):
        for _ in range(count):
            lead = factories.LeadFactory(status=Lead.Status.READY, ready_at=INSIDE)
            if name is not None:
                factories.TouchpointFactory(lead=lead, campaign=campaigns[name], occurred_at=INSIDE)
            factories.LeadEventFactory(
                lead=lead,
                kind=LeadEvent.Kind.STATUS,
                old_value=Lead.Status.NURTURE,
                new_value=Lead.Status.READY,
                at=INSIDE,
            )
    # when the flow is computed
    with recording_statements() as statements:
        flow = lead_flow(now=NOW, days=14)
    # then the top campaigns carry their names and counts (30 / 14 = 2.1 and 10 / 14 = 0.7 a
    # day), and the leads with none read "No campaign"
    assert [(row.name, row.ready, str(row.per_day)) for row in flow.top_campaigns] == [
        ("Spring webinar", 30, "2.1"),
        ("Paid search", 10, "0.7"),
        ("No campaign", 5, "0.4"),
    ]
    # and the moves are counted without joining the campaigns: a campaign's name is looked up
    # once per group (3 lookups), not carried through the 45 moves
    [(sql, params)] = [(s, p) for s, p in statements if "leads_statusmove" in s]
    assert " JOIN " not in sql, sql
    loops = scan_loops(sql, params)
    assert loops["leads_statusmove"] == 1, loops
    assert loops["campaigns_campaign"] <= 3, loops

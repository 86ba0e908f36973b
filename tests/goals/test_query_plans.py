"""The booking card's hand-raises per form read each form's submits in the quarter from
touch_form_asset_idx (one index range per form), never every touch a form ever had: a join
that grew with each form's history of page views and earlier quarters' submits (on PostgreSQL;
the plan is priced as in tests/sales/test_query_plans.py). The form-to-meeting rate reads the
quarter's form meetings once, not once per hand-raise touch."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from apps.bench.bench import recording_statements
from apps.goals import metrics
from apps.goals.models import Metric
from apps.leads.models import Touchpoint
from tests import factories
from tests.fixtures.booking import at, build_booking_world
from tests.fixtures.plans import plan, scan_loops

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_the_booking_card_counts_each_forms_quarter_from_its_index(rep: Any) -> None:
    # given the hand-worked booking year, and 300 page views of "Demo request" in the quarter
    booking = build_booking_world(rep)
    lead = factories.LeadFactory()
    Touchpoint.objects.bulk_create(
        Touchpoint(
            lead=lead,
            kind=Touchpoint.Kind.PAGE_VIEW,
            asset=booking.demo,
            occurred_at=at(10, 1 + i % 28),
        )
        for i in range(300)
    )
    # when the card is computed for 2026-Q4
    with recording_statements() as statements:
        card = metrics.booking_performance(booking.q4)
    # then each form counts its own hand-raise leads of the quarter (tests/fixtures/booking.py:
    # Demo request l1, l2, l3; Webinar booking l1; Contact sales l4 twice and l5; Book a call
    # l9; the page views and l6's Q3 submit do not count)
    assert {row.label: row.hand_raises for row in card.forms} == {
        "Book a call": 1,
        "Contact sales": 2,
        "Demo request": 3,
        "Webinar booking": 1,
    }
    # and the forms' counts come from the partial index of form submits
    sql, params = next((s, p) for s, p in statements if "campaigns_asset" in s.split("WHERE")[0])
    shown = plan(sql, params)
    assert "touch_form_asset_idx" in shown
    assert "leads_touchpoint_asset_id" not in shown


def test_the_form_to_meeting_rate_reads_the_quarters_form_meetings_once(rep: Any) -> None:
    # given the hand-worked booking year (2026-Q4: l1, l2, l3, l4, l5 and l9 raised a hand on
    # a booking form, all but l3 booked from one: 5 / 6), and 40 more Demo request submits of
    # l1 in the quarter (each its own hand-raise touch, the same lead)
    booking = build_booking_world(rep)
    Touchpoint.objects.bulk_create(
        Touchpoint(
            lead=booking.leads["l1"],
            kind=Touchpoint.Kind.FORM_SUBMIT,
            asset=booking.demo,
            occurred_at=at(11, 1 + i % 28, 9),
        )
        for i in range(40)
    )
    # when the rate is computed for 2026-Q4
    with recording_statements() as statements:
        rate = metrics.compute(Metric.FORM_TO_MEETING_RATE, booking.q4)
    # then each lead counts once: 5 of 6 = 83.3 %
    assert rate.value == Decimal("83.3")
    # and the meetings are read once for the statement, not probed per hand-raise touch
    [(sql, params)] = [(s, p) for s, p in statements if "meetings_meeting" in s]
    loops = scan_loops(sql, params)
    assert loops["leads_touchpoint"] >= 1
    assert loops["meetings_meeting"] == 1, loops

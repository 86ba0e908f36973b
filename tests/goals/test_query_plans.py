"""The booking card's hand-raises per form read each form's submits in the quarter from
touch_form_asset_idx (one index range per form), never every touch a form ever had: a join
that grew with each form's history of page views and earlier quarters' submits (on PostgreSQL;
the plan is priced as in tests/sales/test_query_plans.py)."""

from __future__ import annotations

from typing import Any

import pytest

from apps.bench.bench import recording_statements
from apps.goals import metrics
from apps.leads.models import Touchpoint
from tests import factories
from tests.fixtures.booking import at, build_booking_world
from tests.fixtures.plans import plan

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

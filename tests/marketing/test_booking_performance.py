"""/marketing/performance/'s card "Booked at the hand-raise": hand-raises on booking forms, the
meetings booked from them, the form-to-meeting rate and the median minutes, by campaign and by
booking form, each figure linked to its records (issue 18, item 6).

The quarter is 2026-Q4 of the hand-worked booking year (tests/fixtures/booking.py). By hand:

By booking form (name order; "Pricing question" offers no booking and is not listed):
- Book a call (no campaign): l9 = 1 hand-raise, booked 1 (45 min): 100.0 %, 45.0 min;
- Contact sales (Search): l4 (twice: once), l5 = 2, booked 2: l4's first meeting 120 (20 Nov,
  not the 5 of 1 Dec), l5's 0.5: 100.0 %, median (0.5 + 120) / 2 = 60.25 → 60.3 min;
- Demo request (Webinar): l1, l2, l3 = 3 (l6 is Q3's, l10 only viewed the page), booked l1
  (12), l2 (30.25, cancelled later) = 2; l3's meeting was not from a form: 66.7 %,
  (12 + 30.25) / 2 = 21.125 → 21.1 min;
- Webinar booking (Webinar): l1 = 1, booked 1 (4 min): 100.0 %, 4.0 min.
By campaign (name order, no campaign last):
- Search: l4, l5 = 2, booked 2: 100.0 %, 60.3 min;
- Webinar: l1 (on two forms: once), l2, l3 = 3, booked l1 (its first Webinar meeting: Demo
  request's 12, booked before Webinar booking's 4) and l2 = 2: 66.7 %, 21.1 min;
- No campaign: l9: 1, 1, 100.0 %, 45.0 min.
Total (the goal metrics): 6 hand-raises (l1, l2, l3, l4, l5, l9), 5 booked: 83.3 %, median of
0.5, 12, 30.25, 45, 120 = 30.25 → 30.3 min. The lines do not add up to the total (l1 is on two
forms), as the card says.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.campaigns.models import Asset
from apps.goals import metrics
from apps.goals.metrics import BookingRow, Segment
from apps.goals.models import Metric
from tests import factories
from tests.drilldown import assert_same, figure_links, read_drill
from tests.fixtures.booking import BookingWorld, at, build_booking_world, form, meeting, submit

pytestmark = pytest.mark.django_db

D = Decimal
RECORDS = "/marketing/performance/records/"
PAGE = "/marketing/performance/?quarter=2026-Q4&model=w_shaped"
KINDS = {
    "booking_hand_raises": "count",
    "booking_booked": "count",
    "booking_rate": "rate",
    "booking_minutes": "wait",
}


@pytest.fixture
def booking(rep: Any) -> BookingWorld:
    return build_booking_world(rep)


def line(row: BookingRow) -> tuple[Any, ...]:
    return (row.label, row.hand_raises, row.booked, row.rate, row.minutes)


def lead_names(booking: BookingWorld, records: Any) -> set[str]:
    by_pk = {lead.pk: name for name, lead in booking.leads.items()}
    return {by_pk[record.pk] for record in records}


# --- The figures ---------------------------------------------------------------------------------


def test_the_card_figures_are_the_hand_worked_ones(booking: BookingWorld) -> None:
    # when
    card = metrics.booking_performance(booking.q4)

    # then
    assert [line(row) for row in card.forms] == [
        ("Book a call", 1, 1, D("100.0"), D("45.0")),
        ("Contact sales", 2, 2, D("100.0"), D("60.3")),
        ("Demo request", 3, 2, D("66.7"), D("21.1")),
        ("Webinar booking", 1, 1, D("100.0"), D("4.0")),
    ]
    assert [row.campaign for row in card.forms] == ["No campaign", "Search", "Webinar", "Webinar"]
    assert [line(row) for row in card.campaigns] == [
        ("Search", 2, 2, D("100.0"), D("60.3")),
        ("Webinar", 3, 2, D("66.7"), D("21.1")),
        ("No campaign", 1, 1, D("100.0"), D("45.0")),
    ]
    assert line(card.total) == ("All booking forms", 6, 5, D("83.3"), D("30.3"))


def test_the_total_and_each_campaign_equal_the_goal_metrics(booking: BookingWorld) -> None:
    # when
    card = metrics.booking_performance(booking.q4)

    # then the total is the unsegmented goal metric, a campaign line the campaign's segment
    rate, minutes = Metric.FORM_TO_MEETING_RATE, Metric.FORM_TO_MEETING_MINUTES
    assert card.total.rate == metrics.compute(rate, booking.q4).value
    assert card.total.minutes == metrics.compute(minutes, booking.q4).value
    for row in card.campaigns:
        if row.key is None:
            continue
        segment = Segment(campaign_id=row.key)
        assert row.rate == metrics.compute(rate, booking.q4, segment).value
        assert row.minutes == metrics.compute(minutes, booking.q4, segment).value


def test_other_quarters_count_their_own_hand_raises(booking: BookingWorld) -> None:
    # then Q3 is l6's (raised 30 Sep 23:59:59, 61 s to book), Q1 l7's (no meeting)
    q3, q1 = metrics.booking_performance(booking.q3), metrics.booking_performance(booking.q1)
    assert line(q3.total) == ("All booking forms", 1, 1, D("100.0"), D("1.0"))
    assert line(q1.total) == ("All booking forms", 1, 0, D("0.0"), None)
    assert line(metrics.booking_performance(booking.q2).total)[1:] == (0, 0, None, None)


# --- On the page, and the records behind each figure ---------------------------------------------


def test_every_booking_figure_links_to_records_that_add_up_to_it(
    marketing_client: Client, booking: BookingWorld
) -> None:
    # given the page
    response = marketing_client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    links = [link for link in figure_links(page, RECORDS) if link.query["figure"] in KINDS]

    # then the card shows both tables and their totals: 4 figures for 4 forms, 3 campaign lines
    # and the total twice
    assert "Booked at the hand-raise" in page
    assert len(links) == 4 * (4 + 3 + 2)
    lines = {
        (link.query.get("booking_asset"), link.query.get("booking_campaign")) for link in links
    }
    forms = {
        str(a.pk) for a in (booking.call, booking.contact, booking.demo, booking.webinar_booking)
    }
    campaigns = {str(booking.webinar.pk), str(booking.search.pk), "none"}
    assert lines == {(f, None) for f in forms} | {(None, c) for c in campaigns} | {(None, None)}

    # when each is followed, then its records add up to the figure it showed
    for link in dict.fromkeys(links):
        assert (link.query["quarter"], link.query["model"]) == ("2026-Q4", "w_shaped")
        drill = read_drill(marketing_client, link.href)
        assert_same(KINDS[link.query["figure"]], link.number, drill, link.href)


def test_a_forms_rate_lists_its_hand_raises_and_booked_leads(
    marketing_client: Client, booking: BookingWorld
) -> None:
    # when: Demo request's rate, denominator first
    base = f"{RECORDS}?quarter=2026-Q4&model=w_shaped&figure=booking_rate"
    base += f"&booking_asset={booking.demo.pk}"
    denominator = read_drill(marketing_client, base)
    numerator = read_drill(marketing_client, base + "&part=numerator")

    # then
    assert denominator.value_text == "66.7%"
    assert denominator.parts == {"numerator": (2, None), "denominator": (3, None)}
    assert lead_names(booking, denominator.records) == {"l1", "l2", "l3"}
    assert lead_names(booking, numerator.records) == {"l1", "l2"}


def test_the_no_campaign_line_lists_the_meetings_of_forms_without_a_campaign(
    marketing_client: Client, booking: BookingWorld
) -> None:
    # when
    response = marketing_client.get(
        f"{RECORDS}?quarter=2026-Q4&model=w_shaped&figure=booking_minutes&booking_campaign=none"
    )

    # then l9's meeting from "Book a call"
    drill = response.context["drill"]
    assert response.status_code == 200
    assert (drill.title, drill.value_text, drill.kind) == (
        "No campaign · Minutes from form to meeting, median",
        "45.0 min",
        "meeting",
    )
    assert [m.pk for m in drill.page] == [booking.meetings["l9"].pk]


def test_the_total_minutes_list_each_first_meeting_fastest_first(
    marketing_client: Client, booking: BookingWorld
) -> None:
    response = marketing_client.get(
        f"{RECORDS}?quarter=2026-Q4&model=w_shaped&figure=booking_minutes"
    )
    drill = response.context["drill"]
    assert drill.title == "All booking forms · Minutes from form to meeting, median"
    assert [round(m.wait_minutes, 2) for m in drill.page] == [0.5, 12.0, 30.25, 45.0, 120.0]
    assert "fastest first" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "figure=booking_rate&booking_asset=abc",
        "figure=booking_rate&booking_campaign=abc",
        "figure=booking_rate&booking_asset=999999",
        "figure=booking_rate&campaign=none",
        "figure=booking_rate&channel=webinar",
        "figure=booking_rate&origin=sales",
        "figure=ready&booking_asset={demo}",
        "figure=won_revenue&booking_campaign=none",
    ],
)
def test_a_figure_and_line_the_card_does_not_have_is_not_found(
    marketing_client: Client, booking: BookingWorld, query: str
) -> None:
    url = f"{RECORDS}?quarter=2026-Q4&model=w_shaped&{query.format(demo=booking.demo.pk)}"
    assert marketing_client.get(url).status_code == 404


def test_without_a_form_that_offers_booking_the_card_says_so(
    marketing_client: Client, booking: BookingWorld
) -> None:
    # given every form stops offering booking
    Asset.objects.update(offers_booking=False)

    # when
    response = marketing_client.get(PAGE)

    # then no figures, an explanation instead
    page = response.content.decode()
    assert response.context["booking"].offered is False
    assert "No form offers booking." in page
    assert not [link for link in figure_links(page, RECORDS) if link.query["figure"] in KINDS]


def grow(booking: BookingWorld, rep: Any, size: int) -> None:
    """`size` more booking forms, each on a campaign of its own, with a hand-raise and a
    meeting booked from it."""
    for n in range(size):
        asset = form(f"Form {n}", factories.CampaignFactory(quarter=booking.q4))
        lead = factories.LeadFactory(owner=rep, assigned_at=at(9, 1))
        submit(lead, asset, at(12, 2 + n, 9))  # meetings 3-8 Dec: no other then (rep's calendar)
        meeting(lead, asset, at(12, 2 + n, 9), at(12, 2 + n, 9, 10 + n), rep=rep)


@pytest.mark.parametrize("size", [1, 6])
def test_the_card_costs_the_same_queries_at_any_size(
    marketing_client: Client, booking: BookingWorld, rep: Any, size: int
) -> None:
    # given
    grow(booking, rep, size)

    # when / then: booking_performance's four queries (the forms with their hand-raises, the
    # hand-raises per campaign and in all, the quarter's form meetings), whatever the size
    with CaptureQueriesContext(connection) as queries:
        card = metrics.booking_performance(booking.q4)
    assert len(queries) == 4
    assert len(card.forms) == 4 + size
    assert card.total.hand_raises == 6 + size


@pytest.mark.parametrize("size", [1, 6])
def test_the_page_with_the_card_keeps_its_query_count(
    marketing_client: Client,
    booking: BookingWorld,
    rep: Any,
    size: int,
    django_assert_max_num_queries: Any,
) -> None:
    # given
    grow(booking, rep, size)

    # when / then: the pin of tests/marketing/test_views.py (21 before the card, 4 for it)
    with django_assert_max_num_queries(25):
        response = marketing_client.get(PAGE)
    assert len(response.context["booking"].forms) == 4 + size

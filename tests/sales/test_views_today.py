"""Today: the rep's due and overdue steps and callbacks, and unanswered hand-raisers, in one list
whose count the navigation shows on every page; the day ends at midnight where the rep is."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.leads.models import Lead
from apps.plays.services import refresh_next_action
from apps.sales import selectors
from tests import factories
from tests.sales.conftest import owned_lead

pytestmark = pytest.mark.django_db

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def _working(rep, name: str, *steps: tuple[str, datetime]) -> Lead:  # type: ignore[no-untyped-def]
    """A lead the rep is working, with open play steps due at the given times."""
    lead = owned_lead(
        rep,
        first_name=name,
        last_name="Lead",
        status=Lead.Status.WORKING,
        sla_state=Lead.SlaState.MET,
        first_response_at=timezone.now() - timedelta(days=1),
    )
    lead_play = factories.LeadPlayFactory(lead=lead)
    for order, (title, due) in enumerate(steps, start=1):
        factories.LeadPlayStepFactory(lead_play=lead_play, order=order, title=title, due_at=due)
    refresh_next_action(lead=lead)
    return lead


def _hand_raiser(rep, name: str, **kwargs) -> Lead:  # type: ignore[no-untyped-def]
    return owned_lead(
        rep,
        first_name=name,
        last_name="Raiser",
        ready_reason=Lead.ReadyReason.HAND_RAISER,
        **kwargs,
    )


def test_today_is_due_and_overdue_steps_and_unanswered_hand_raisers_hand_raisers_first(
    rep, other_rep
) -> None:  # type: ignore[no-untyped-def]
    # given, at 10:00 in Tokyo
    now = datetime(2026, 11, 30, 10, 0, tzinfo=TOKYO)
    _working(rep, "Overdue", ("Call back", now - timedelta(hours=20)))
    _working(rep, "Later", ("Send case study", now + timedelta(hours=5)))
    _working(rep, "Tomorrow", ("Second call", now + timedelta(hours=15)))  # 01:00 tomorrow
    _hand_raiser(rep, "Fresh")
    _hand_raiser(rep, "Answered", first_response_at=now, status=Lead.Status.WORKING)
    _hand_raiser(other_rep, "Theirs")
    closed = _working(rep, "Closed", ("Call", now - timedelta(hours=1)))
    Lead.objects.filter(pk=closed.pk).update(status=Lead.Status.DISQUALIFIED)

    # when sam reads his day in his zone
    with timezone.override(TOKYO):
        rows = selectors.today_list(rep=rep, now=now)
        count = selectors.today_count(rep=rep, now=now)
        # (the queue and lead pages read the badge with their counts: the same rule)
        counted_with_the_queue = selectors.queue_counts(rep=rep, now=now)["today"]

    # then: the unanswered hand-raiser, then the steps by due time; nothing due tomorrow,
    # nothing answered, nobody else's and nothing closed
    assert [row.lead.first_name for row in rows] == ["Fresh", "Overdue", "Later"]
    assert [step.title for step in rows[1].steps] == ["Call back"]
    assert count == counted_with_the_queue == 3


def test_the_day_ends_at_midnight_where_the_rep_is(rep) -> None:  # type: ignore[no-untyped-def]
    # given a step due at 23:30 in Tokyo, which is 14:30 UTC the same day
    now = datetime(2026, 11, 30, 10, 0, tzinfo=TOKYO)
    _working(rep, "Late", ("Evening call", datetime(2026, 11, 30, 23, 30, tzinfo=TOKYO)))

    # then it is due today for a rep in Tokyo, and not for one in Honolulu, whose day ended
    # (Honolulu is 15:00 on the 29th; 14:30 UTC on the 30th is 04:30 on the 30th there)
    with timezone.override(TOKYO):
        assert selectors.today_count(rep=rep, now=now) == 1
    with timezone.override(zoneinfo.ZoneInfo("Pacific/Honolulu")):
        assert selectors.today_count(rep=rep, now=now) == 0


def test_the_today_page_lists_the_day_with_times_in_the_reps_zone(
    sales_client: Client, rep, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    rep.time_zone = "Asia/Tokyo"
    rep.save(update_fields=["time_zone"])
    due = timezone.now() - timedelta(minutes=30)
    _working(rep, "Overdue", ("Call back", due))
    _hand_raiser(rep, "Fresh")

    with django_assert_max_num_queries(12):
        response = sales_client.get("/sales/today/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "2 leads to work today" in html
    assert "Hand-raiser, unanswered" in html
    assert f"{timezone.localtime(due, TOKYO):%H:%M} JST" in html
    assert "Times in Asia/Tokyo" in html


def test_an_empty_day_says_so(sales_client: Client) -> None:
    html = sales_client.get("/sales/today/").content.decode()

    assert "Nothing due today." in html


def test_the_navigation_counts_today_on_every_page(sales_client: Client, rep) -> None:  # type: ignore[no-untyped-def]
    _hand_raiser(rep, "Fresh")
    _hand_raiser(rep, "Second")

    html = sales_client.get("/accounts/").content.decode()

    assert (
        '<span class="count-badge" id="today-count" data-live-count="today"><span data-count>2</span>'
        '<span class="visually-hidden"> to do today</span></span>'
    ) in html


def test_the_today_badge_is_there_but_hidden_when_nothing_is_due(sales_client: Client) -> None:
    html = sales_client.get("/sales/").content.decode()

    assert '<span class="count-badge" id="today-count" data-live-count="today" hidden>' in html


def test_other_roles_have_no_today(marketing_client: Client) -> None:
    assert marketing_client.get("/sales/today/").status_code == 403
    assert 'id="today-count"' not in marketing_client.get("/accounts/").content.decode()


def test_the_limit_never_cuts_off_an_unanswered_hand_raiser(rep) -> None:  # type: ignore[no-untyped-def]
    # given two overdue steps and a hand-raiser whose first step is due tomorrow
    now = timezone.now()
    _working(rep, "First", ("Call", now - timedelta(hours=2)))
    _working(rep, "Second", ("Call", now - timedelta(hours=1)))
    raiser = _hand_raiser(rep, "Fresh")
    factories.LeadPlayStepFactory(
        lead_play=factories.LeadPlayFactory(lead=raiser), order=1, due_at=now + timedelta(days=2)
    )
    refresh_next_action(lead=raiser)

    # when the list holds only two
    rows = selectors.today_list(rep=rep, now=now, limit=2)

    # then the hand-raiser is one of them, first, as the page shows hand-raisers
    assert [row.lead.first_name for row in rows] == ["Fresh", "First"]

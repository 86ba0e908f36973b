"""The held queue, visible to both teams (issue 20): the summary per source campaign and per pool,
marketing's landing page, the manager's team page and the held lead's own page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.leads.models import Lead, LeadEvent
from apps.routing import held, services
from apps.scoring.services import mark_ready
from tests import factories
from tests.browser import sign_in
from tests.fixtures.throttle import HELD_AT, score_ready

pytestmark = pytest.mark.django_db

NOW = HELD_AT
HTMX = {"HX-Request": "true"}


# --- Helpers (as tests/routing/test_throttle.py builds held leads: through the real service) ---


@pytest.fixture
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    """The wall clock, set by the test: events are written at timezone.now(), pages read it."""

    class Clock:
        at = NOW

        def set(self, at: datetime) -> None:
            self.at = at

    moment = Clock()
    monkeypatch.setattr(timezone, "now", lambda: moment.at)
    return moment


def _held(agreement, clock, *, at, campaign=None, **fields):  # type: ignore[no-untyped-def]
    """A lead held at `at` (its hold event written then too), credited to `campaign`."""
    clock.set(at)
    lead = factories.LeadFactory(score=fields.pop("score", 70), **fields)
    if campaign is not None:
        factories.TouchpointFactory(lead=lead, campaign=campaign, occurred_at=at)
    with transaction.atomic():
        locked = Lead.objects.select_for_update().get(pk=lead.pk)
        mark_ready(
            lead=locked, agreement=agreement, reason=Lead.ReadyReason.SCORE, actor=None, now=at
        )
    lead.refresh_from_db()
    assert lead.status == Lead.Status.HELD
    return lead


def _expire(clock, *, at: datetime) -> None:
    """The sweep's expiry pass at `at` (its "held too long" events written then)."""
    clock.set(at)
    assert services.expire_held(now=at) == 1


def _rows(html: str, table_heading: str) -> list[str]:
    """The body rows of the table whose first column is `table_heading`, as their cells' text."""
    table = html[html.index(f'<th scope="col">{table_heading}</th>') :]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


@dataclass
class World:
    webinar: object
    search: object
    everyone: object
    dach: object
    first: Lead  # held 10 h (Everyone, webinar)
    second: Lead  # held 2 h (Everyone, webinar)
    third: Lead  # held 1 h (Everyone, no campaign)
    german: Lead  # held 4 h (DACH, search)


@pytest.fixture
def world(throttling, full_pool, other_rep, clock):  # type: ignore[no-untyped-def]
    """The hand-worked example.

    Pools: Everyone (the `pool` fixture) and DACH (country "de", first), both at capacity.
    Held now: 10 h, 2 h and 1 h in Everyone (webinar, webinar, no campaign), 4 h in DACH
    (search). Held too long: a webinar lead in DACH 3 days ago (in the 14-day window) and a
    webinar lead in Everyone 20 days ago (outside it).
    """
    dach = factories.RoutingRuleFactory(name="DACH", order=0, countries="de")
    factories.PoolMemberFactory(rule=dach, rep=other_rep)
    webinar = factories.CampaignFactory(name="Spring webinar")
    search = factories.CampaignFactory(name="Brand search")
    # expired outside the window, then inside it (each alone in the queue when it expires)
    _held(throttling, clock, at=NOW - timedelta(days=20, hours=25), campaign=webinar)
    _expire(clock, at=NOW - timedelta(days=20))
    _held(throttling, clock, at=NOW - timedelta(days=3, hours=25), campaign=webinar, country="de")
    _expire(clock, at=NOW - timedelta(days=3))
    # held now (same score: release order is the longest held first)
    first = _held(throttling, clock, at=NOW - timedelta(hours=10), campaign=webinar)
    second = _held(throttling, clock, at=NOW - timedelta(hours=2), campaign=webinar)
    third = _held(throttling, clock, at=NOW - timedelta(hours=1))
    german = _held(throttling, clock, at=NOW - timedelta(hours=4), campaign=search, country="de")
    clock.set(NOW)
    return World(webinar, search, full_pool, dach, first, second, third, german)


# --- The selector ------------------------------------------------------------------------------


def test_held_summary_works_out_the_hand_worked_example(world: World) -> None:
    # when
    summary = held.held_summary(now=NOW, days=14)

    # then: four held now, the oldest 10 h; one expiry in the window (the 20-day-old one is not)
    assert summary.total == 4
    assert summary.oldest_held_at == NOW - timedelta(hours=10)
    assert summary.oldest_wait_hours == Decimal("10.0")
    assert summary.expiries == 1
    assert not summary.is_empty
    # per pool: Everyone 1, 2, 10 h -> median 2.0, p90 at ceil(0.9*3)-1 = 2 -> 10.0
    assert [
        (r.name, r.held, r.wait_median_hours, r.wait_p90_hours, r.expiries) for r in summary.by_pool
    ] == [
        ("Everyone", 3, Decimal("2.0"), Decimal("10.0"), 0),
        ("DACH", 1, Decimal("4.0"), Decimal("4.0"), 1),  # the expiry's hold event named DACH
    ]
    # per campaign: webinar 2, 10 h -> median (2+10)/2 = 6.0, p90 at ceil(1.8)-1 = 1 -> 10.0
    assert [
        (r.name, r.held, r.wait_median_hours, r.wait_p90_hours, r.expiries)
        for r in summary.by_campaign
    ] == [
        ("Spring webinar", 2, Decimal("6.0"), Decimal("10.0"), 1),
        ("Brand search", 1, Decimal("4.0"), Decimal("4.0"), 0),
        ("No campaign", 1, Decimal("1.0"), Decimal("1.0"), 0),
    ]
    assert [r.key for r in summary.by_pool] == [world.everyone.pk, world.dach.pk]


def test_held_summary_counts_expiries_of_a_wider_window(world: World) -> None:
    summary = held.held_summary(now=NOW, days=30)

    assert summary.expiries == 2
    assert {r.name: r.expiries for r in summary.by_pool} == {"Everyone": 1, "DACH": 1}
    assert {r.name: r.expiries for r in summary.by_campaign}["Spring webinar"] == 2


def test_a_lead_sent_back_because_the_queue_was_full_is_not_an_expiry(
    throttling, full_pool, clock
) -> None:  # type: ignore[no-untyped-def]
    for score in (80, 75, 70):
        _held(throttling, clock, at=NOW - timedelta(hours=1), score=score)
    clock.set(NOW - timedelta(minutes=30))
    score_ready(throttling, score=61, at=NOW - timedelta(minutes=30))  # ranks last: sent back

    summary = held.held_summary(now=NOW)

    assert (summary.total, summary.expiries) == (3, 0)


def test_marketings_review_loop_lists_the_leads_held_too_long(
    marketing_client: Client, world: World, throttling, clock
) -> None:  # type: ignore[no-untyped-def]
    # given: besides the world's two expiries (3 and 20 days ago), a lead the full queue sent back
    for score in (80, 75):
        _held(throttling, clock, at=NOW - timedelta(hours=1), score=score)
    clock.set(NOW - timedelta(minutes=30))
    full = score_ready(throttling, score=61, at=NOW - timedelta(minutes=30))
    assert full.status == Lead.Status.NURTURE
    clock.set(NOW)

    # when
    html = marketing_client.get("/marketing/feedback/").content.decode()

    # then: both expiries of the last 30 days, newest first, each held 25 h; not the full-queue one
    section = html[html.index('id="held-too-long"') :]
    section = section[: section.index("</section>")]
    rows = _rows(section, "Lead")
    assert len(rows) == 2
    assert all(" Spring webinar 70 25.0 " in f" {row} " for row in rows)
    assert full.display_name not in section
    newest = LeadEvent.objects.filter(reason=services.HELD_TOO_LONG).latest("at").lead
    assert rows[0].startswith(newest.display_name)


def test_the_review_loop_says_when_nothing_was_held_too_long(
    marketing_client: Client, throttling, full_pool
) -> None:  # type: ignore[no-untyped-def]
    html = marketing_client.get("/marketing/feedback/").content.decode()

    assert "No lead waited too long in the held queue." in html


def test_nothing_held_and_nothing_expired_is_empty(throttling, full_pool) -> None:  # type: ignore[no-untyped-def]
    summary = held.held_summary(now=NOW)

    assert summary.is_empty
    assert (summary.total, summary.oldest_wait_hours, summary.by_pool) == (0, None, ())


@pytest.mark.parametrize(
    ("hours", "median", "p90"),
    [
        ([1], "1.0", "1.0"),
        ([10, 1, 2], "2.0", "10.0"),
        ([1, 2, 3, 4], "2.5", "4.0"),  # ceil(3.6)-1 = 3
        (list(range(1, 11)), "5.5", "9.0"),  # ceil(9.0)-1 = 8: the 9th of 10
        ([0.25, 0.3], "0.3", "0.3"),  # half up: 0.275 -> 0.3
    ],
)
def test_wait_median_and_p90_nearest_rank(hours: list[float], median: str, p90: str) -> None:
    waits = [Decimal(str(h)) for h in hours]

    assert held.wait_median(waits) == Decimal(median)
    assert held.wait_p90(waits) == Decimal(p90)


def test_held_summary_runs_a_constant_number_of_queries(
    world: World, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    # rules, held leads, their source campaigns, the window's expiries, the pools' names
    with django_assert_num_queries(5):
        held.held_summary(now=NOW)


def test_held_position_is_the_place_in_the_pools_release_order(
    world: World, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    # rules, held leads, the pool's name
    with django_assert_num_queries(3):
        position = held.held_position(lead=world.second)

    assert position == held.HeldPosition(
        position=2, of=3, pool_name="Everyone", held_at=NOW - timedelta(hours=2)
    )
    assert held.held_position(lead=world.german) == held.HeldPosition(
        position=1, of=1, pool_name="DACH", held_at=NOW - timedelta(hours=4)
    )


def test_held_position_of_a_lead_not_held_is_none_without_a_query(
    django_assert_num_queries,
) -> None:  # type: ignore[no-untyped-def]
    lead = factories.LeadFactory(status=Lead.Status.NURTURE)

    with django_assert_num_queries(0):
        assert held.held_position(lead=lead) is None


# --- Marketing's landing page ---------------------------------------------------------------


def test_marketing_landing_page_loads_the_held_queue_in_place(
    marketing_client: Client, world: World
) -> None:
    page = marketing_client.get("/marketing/")

    assert page.status_code == 200
    html = page.content.decode()
    # a placeholder next to the lead flow, which htmx swaps for the panel; a link without JS
    assert 'id="held-queue" hx-get="/marketing/?held=1" hx-trigger="load"' in html
    assert html.index('id="lead-flow"') < html.index('id="held-queue"')
    assert 'href="/marketing/?held=1"' in html


def test_marketing_sees_the_held_queue_per_campaign(marketing_client: Client, world: World) -> None:
    # when: the panel as htmx loads it, and the whole page without JavaScript
    panel = marketing_client.get("/marketing/?held=1", headers=HTMX)
    plain = marketing_client.get("/marketing/?held=1")

    # then
    for response in (panel, plain):
        assert response.status_code == 200
        html = response.content.decode()
        assert "Held queue" in html
        assert _rows(html, "Campaign") == [
            "Spring webinar 2 6.0 10.0 1",
            "Brand search 1 4.0 4.0 0",
            "No campaign 1 1.0 1.0 0",
        ]
        assert "<dt>Held now</dt><dd>4</dd>" in html
        assert "<dt>Oldest wait (h)</dt><dd>10.0</dd>" in html
        assert "<dt>Held too long, 14 days</dt><dd>1</dd>" in html
    assert "<html" not in panel.content.decode()
    assert "Campaigns and feedback" in plain.content.decode()


def test_marketing_held_queue_says_what_holding_is_when_nothing_is_held(
    marketing_client: Client, throttling, full_pool
) -> None:  # type: ignore[no-untyped-def]
    response = marketing_client.get("/marketing/?held=1", headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing is held:" in html
    assert "its routing pool is at capacity" in html
    assert "<table" not in html


@pytest.mark.parametrize("pools", [1, 4])
def test_marketing_held_panel_query_count_is_constant(
    marketing_client: Client,
    throttling,
    full_pool,
    other_rep,
    clock,
    pools: int,
    django_assert_max_num_queries,
) -> None:  # type: ignore[no-untyped-def]
    # given: `pools` full pools, each with three held leads of their own campaigns and an expiry
    for n in range(pools):
        rule = factories.RoutingRuleFactory(name=f"Pool {n}", order=0, countries=f"c{n}")
        factories.PoolMemberFactory(rule=rule, rep=other_rep)
        _held(throttling, clock, at=NOW - timedelta(hours=30), country=f"c{n}")
        _expire(clock, at=NOW - timedelta(hours=5))
        for hours in (1, 2, 3):
            _held(
                throttling,
                clock,
                at=NOW - timedelta(hours=hours),
                country=f"c{n}",
                campaign=factories.CampaignFactory(),
            )
    clock.set(NOW)

    # when: session, user, roles, the unread badge (a context processor), the summary's five
    with django_assert_max_num_queries(9):
        response = marketing_client.get("/marketing/?held=1", headers=HTMX)

    # then
    assert len(_rows(response.content.decode(), "Campaign")) == 3 * pools + 1


# --- The manager's team page ------------------------------------------------------------------


def test_team_page_loads_the_held_queue_in_place(manager_client: Client, world: World) -> None:
    page = manager_client.get("/sales/team/")

    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="team-held" hx-get="/sales/team/?held=1" hx-trigger="load"' in html
    assert "Everyone" not in html  # the panel's figures are not read with the page


def test_manager_sees_the_held_queue_per_pool(manager_client: Client, world: World) -> None:
    panel = manager_client.get("/sales/team/?held=1", headers=HTMX | {"HX-Target": "team-held"})
    plain = manager_client.get("/sales/team/?held=1")

    for response in (panel, plain):
        assert response.status_code == 200
        html = response.content.decode()
        assert _rows(html, "Pool") == ["Everyone 3 2.0 10.0 0", "DACH 1 4.0 4.0 1"]
        assert "<dt>Held now</dt><dd>4</dd>" in html
        assert "<dt>Oldest wait (h)</dt><dd>10.0</dd>" in html
    panel_html = panel.content.decode()
    assert panel_html.lstrip().startswith('<section id="team-held"')
    assert 'hx-trigger="lead-changed from:body, every 60s"' in panel_html  # refreshes itself
    assert 'id="team-reps"' in plain.content.decode()


def test_team_held_queue_is_empty_when_nothing_is_held(
    manager_client: Client, throttling, full_pool
) -> None:  # type: ignore[no-untyped-def]
    response = manager_client.get("/sales/team/?held=1", headers=HTMX | {"HX-Target": "team-held"})

    assert response.status_code == 200
    assert "Nothing is held:" in response.content.decode()


@pytest.mark.parametrize("pools", [1, 4])
def test_team_held_panel_query_count_is_constant(
    manager_client: Client,
    throttling,
    full_pool,
    other_rep,
    clock,
    pools: int,
    django_assert_max_num_queries,
) -> None:  # type: ignore[no-untyped-def]
    for n in range(pools):
        rule = factories.RoutingRuleFactory(name=f"Pool {n}", order=0, countries=f"c{n}")
        factories.PoolMemberFactory(rule=rule, rep=other_rep)
        _held(throttling, clock, at=NOW - timedelta(hours=30), country=f"c{n}")
        _expire(clock, at=NOW - timedelta(hours=5))
        for hours in (1, 2, 3):
            _held(throttling, clock, at=NOW - timedelta(hours=hours), country=f"c{n}")
    clock.set(NOW)

    # session, user, roles, the summary's five, the unread and Today badges
    with django_assert_max_num_queries(10):
        response = manager_client.get(
            "/sales/team/?held=1", headers=HTMX | {"HX-Target": "team-held"}
        )

    assert len(_rows(response.content.decode(), "Pool")) == pools


def test_only_sales_managers_and_revops_read_the_team_held_queue(
    sales_client: Client, world: World
) -> None:
    response = sales_client.get("/sales/team/?held=1", headers=HTMX | {"HX-Target": "team-held"})

    assert response.status_code == 403


# --- The held lead's page ---------------------------------------------------------------------


@pytest.mark.parametrize("who", ["manager_client", "marketing_client"])
def test_a_held_leads_page_says_where_it_stands(
    request: pytest.FixtureRequest, world: World, who: str
) -> None:
    client: Client = request.getfixturevalue(who)

    response = client.get(f"/sales/leads/{world.second.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Held: position 2 of 3 in Everyone" in html
    assert "held since" in html
    held_at = timezone.localtime(NOW - timedelta(hours=2))
    assert f'<time datetime="{held_at.isoformat()}"' in html
    assert '<span class="badge badge--status-held">Held</span>' in html
    assert (
        '<span class="fact__label">Owner</span><span class="fact__value">Held queue</span>' in html
    )


def test_a_lead_not_held_has_no_held_line(manager_client: Client, world: World, rep) -> None:  # type: ignore[no-untyped-def]
    lead = factories.LeadFactory(status=Lead.Status.WORKING, owner=rep, assigned_at=NOW)

    response = manager_client.get(f"/sales/leads/{lead.pk}/")

    assert response.status_code == 200
    assert "Held: position" not in response.content.decode()


# --- In a real browser ----------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_landing_page_swaps_the_held_queue_in_next_to_the_lead_flow(
    page: Page, live_server, world: World
) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1400, "height": 1000})

    sign_in(page, live_server.url, "mia", "Campaigns and feedback")

    panel = page.locator("#held-queue")
    expect(panel).to_contain_text("Held queue")
    expect(panel.get_by_role("row", name=re.compile("Spring webinar"))).to_contain_text("6.0")
    expect(page.locator("#lead-flow")).to_contain_text("Lead flow vs sales capacity")
    page.screenshot(path="/tmp/rd-mkt-held.png", full_page=True)

"""The rep's queue: filters, search, keyset pages, counts, the pool, htmx regions, speed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.models import Account
from apps.campaigns.models import Campaign
from apps.leads.models import Lead
from apps.users.models import User
from tests import factories
from tests.drilldown import forged_cursor
from tests.fixtures.leads import make_owned_lead, make_pool_lead
from tests.sales.conftest import htmx, owned_lead, pool_lead

pytestmark = pytest.mark.django_db


def _names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [lead.display_name for lead in response.context["queue"]]


def test_queue_order_is_running_clocks_then_untouched_by_score_then_working(
    sales_client: Client, rep
) -> None:  # type: ignore[no-untyped-def]
    # given (SPEC "Queue order") two running clocks, two untouched leads whose clock is settled
    # (breached, unanswered), and two working leads, one with a step due sooner
    now = timezone.now()
    owned_lead(rep, first_name="Later", last_name="Clock", sla_due_at=now + timedelta(hours=2))
    owned_lead(rep, first_name="Sooner", last_name="Clock", sla_due_at=now + timedelta(minutes=3))
    for name, score in (("Cool", 20), ("Hot", 80)):
        owned_lead(
            rep,
            first_name=name,
            last_name="Breached",
            score=score,
            sla_state=Lead.SlaState.BREACHED,
            sla_due_at=now - timedelta(hours=5),
        )
    for name, due in (("Friday", now + timedelta(days=3)), ("Tomorrow", now + timedelta(days=1))):
        owned_lead(
            rep,
            first_name=name,
            last_name="Working",
            status=Lead.Status.WORKING,
            sla_state=Lead.SlaState.MET,
            sla_due_at=now - timedelta(hours=1),
            next_action_at=due,
        )

    # when
    response = sales_client.get("/sales/")

    # then a settled clock (even a breach) never outranks a running one
    assert _names(response) == [
        "Sooner Clock",
        "Later Clock",
        "Hot Breached",
        "Cool Breached",
        "Tomorrow Working",
        "Friday Working",
    ]
    html = response.content.decode()
    assert 'data-due="' in html  # live countdown
    assert "js/countdown.js" in html


def test_running_clocks_due_at_the_same_moment_put_the_best_lead_first(
    sales_client: Client, rep
) -> None:  # type: ignore[no-untyped-def]
    # given night-time leads, all due at opening time: an old score-20 lead and a new demo request
    opening = timezone.now() + timedelta(hours=8)
    owned_lead(rep, first_name="Old", last_name="Lead", score=20, sla_due_at=opening)
    owned_lead(rep, first_name="Demo", last_name="Request", score=95, sla_due_at=opening)

    # then the hand-raiser is on top, not behind everything that arrived before it
    assert _names(sales_client.get("/sales/")) == ["Demo Request", "Old Lead"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=working", ["Wanda Working"]),
        ("sla_state=breached", ["Bea Breached"]),
        ("sla_state=none", []),
        ("tier=target", ["Tara Target"]),
        ("score_band=hot", ["Hugo Hot"]),
        ("score_band=cold", ["Wanda Working", "Tara Target", "Bea Breached"]),
        ("q=globex", ["Tara Target"]),
        ("q=hugo+hot", ["Hugo Hot"]),
        ("q=wanda@", ["Wanda Working"]),
        ("q=Initech", ["Bea Breached"]),
    ],
)
def test_queue_filters_and_search(
    sales_client: Client, rep: User, query: str, expected: list[str]
) -> None:
    # given
    now = timezone.now()
    owned_lead(
        rep,
        first_name="Wanda",
        last_name="Working",
        email="wanda@example.org",
        status=Lead.Status.WORKING,
        sla_state=Lead.SlaState.MET,
        sla_due_at=now + timedelta(minutes=1),
    )
    owned_lead(
        rep,
        first_name="Tara",
        last_name="Target",
        account=factories.AccountFactory(name="Globex", tier=Account.Tier.TARGET),
        sla_due_at=now + timedelta(minutes=2),
    )
    owned_lead(
        rep, first_name="Hugo", last_name="Hot", score=75, sla_due_at=now + timedelta(minutes=3)
    )
    owned_lead(
        rep,
        first_name="Bea",
        last_name="Breached",
        company_name="Initech",
        account=None,
        sla_state=Lead.SlaState.BREACHED,
        sla_due_at=now + timedelta(minutes=4),
    )

    # when
    response = sales_client.get(f"/sales/?{query}")

    # then
    assert sorted(_names(response)) == sorted(expected)


def test_queue_filters_by_campaign(sales_client: Client, rep) -> None:  # type: ignore[no-untyped-def]
    # given
    webinar: Campaign = factories.CampaignFactory(name="Ops webinar")
    owned_lead(rep, first_name="Cam", last_name="Paign", campaign=webinar)
    owned_lead(rep, first_name="No", last_name="Campaign")

    # when
    response = sales_client.get(f"/sales/?campaign={webinar.pk}")

    # then
    assert _names(response) == ["Cam Paign"]
    assert "Ops webinar" in response.content.decode()


def test_filtered_queue_with_no_match_says_so(sales_client: Client, rep) -> None:  # type: ignore[no-untyped-def]
    # given
    owned_lead(rep)

    # when
    response = sales_client.get("/sales/?q=nobody-by-this-name")

    # then
    assert b"No open leads match these filters." in response.content


def test_nonsense_filters_are_ignored_not_a_500(sales_client: Client, rep) -> None:  # type: ignore[no-untyped-def]
    # given
    owned_lead(rep)

    # when
    response = sales_client.get(
        "/sales/?campaign=abc&status=<b>&score_band=x&after=%%%&q=" + "x" * 500
    )

    # then
    assert response.status_code == 200
    assert b"Some filters were not understood" in response.content


def test_queue_pages_with_a_cursor_and_keeps_filters(sales_client: Client, rep) -> None:  # type: ignore[no-untyped-def]
    # given
    now = timezone.now()
    for n in range(30):
        owned_lead(
            rep,
            first_name="Lead",
            last_name=f"{n:02d}",
            status=Lead.Status.WORKING,
            sla_due_at=now + timedelta(minutes=n + 1),
        )
    owned_lead(rep, first_name="Ready", last_name="One")

    # when
    first = sales_client.get("/sales/?status=working")
    cursor = first.context["queue"].next_cursor
    second = sales_client.get(f"/sales/?status=working&after={cursor}")

    # then
    assert _names(first) == [f"Lead {n:02d}" for n in range(25)]
    assert _names(second) == [f"Lead {n:02d}" for n in range(25, 30)]
    assert second.context["queue"].next_cursor is None
    assert "status=working&amp;after=" in first.content.decode()


@pytest.mark.parametrize(
    "values",
    [
        ["abc", None, 0, 1],  # a word where the queue keeps a bucket number
        [0, "not a time", 0, 1],
        [0, None, 0, 10**30],  # an id beyond the column's range
        [{"a": 1}, None, 0, 1],
    ],
)
def test_a_forged_cursor_is_a_page_that_does_not_exist(
    sales_client: Client, rep, values: list[object]
) -> None:  # type: ignore[no-untyped-def]
    # given a cursor the queue never gave out
    owned_lead(rep)
    cursor = forged_cursor(*values)

    # when
    response = sales_client.get(f"/sales/?after={cursor}")

    # then a 404, not a database error
    assert response.status_code == 404


def test_queue_counts_per_state_at_the_top(sales_client: Client, rep, other_rep) -> None:  # type: ignore[no-untyped-def]
    # given
    owned_lead(rep)
    owned_lead(rep, status=Lead.Status.WORKING, sla_state=Lead.SlaState.MET)
    owned_lead(rep, sla_state=Lead.SlaState.BREACHED)
    owned_lead(other_rep)
    pool_lead()

    # when
    response = sales_client.get("/sales/")

    # then
    assert response.context["counts"] == {
        "open": 3,
        "ready": 2,
        "working": 1,
        "pending": 1,
        "breached": 1,
        "pool": 1,
        "today": 0,  # no step or callback due, no hand-raiser
    }
    assert 'href="/sales/?sla_state=breached"' in response.content.decode()


def test_counts_region_refreshes_itself(sales_client: Client, rep) -> None:  # type: ignore[no-untyped-def]
    # given
    owned_lead(rep)

    # when
    big = sales_client.get("/sales/counts/", headers=htmx("queue-counts"))
    strip = sales_client.get("/sales/counts/", headers=htmx("counts-strip"))

    # then
    assert big.content.decode().lstrip().startswith('<section id="queue-counts"')
    assert 'hx-trigger="lead-changed from:body' in big.content.decode()
    assert strip.content.decode().lstrip().startswith('<p id="counts-strip"')


@pytest.mark.parametrize("target", ["queue-list", "pool-list"])
def test_queue_regions_answer_htmx_with_their_partial(
    sales_client: Client, rep, target: str
) -> None:  # type: ignore[no-untyped-def]
    # given
    owned_lead(rep)
    pool_lead()

    # when
    response = sales_client.get("/sales/", headers=htmx(target))

    # then
    html = response.content.decode()
    assert html.lstrip().startswith(f'<div id="{target}"') or html.lstrip().startswith(
        f'<section id="{target}"'
    )
    assert "<html" not in html


def test_pool_rows_offer_a_claim_button(sales_client: Client) -> None:
    # given
    lead = pool_lead(first_name="Polly", last_name="Pool")

    # when
    html = sales_client.get("/sales/").content.decode()

    # then
    assert f'hx-post="/sales/leads/{lead.pk}/claim/"' in html
    assert f'action="/sales/leads/{lead.pk}/claim/"' in html


def test_empty_queue_points_to_the_pool_when_it_has_leads(sales_client: Client) -> None:
    # given
    pool_lead()

    # when
    html = sales_client.get("/sales/").content.decode()

    # then
    assert "Your queue is clear." in html
    assert "claim one to start its clock" in html


@pytest.mark.parametrize("client_fixture", ["marketing_client", "service_client"])
def test_counts_are_for_sales_only(request: pytest.FixtureRequest, client_fixture: str) -> None:
    # given
    client = request.getfixturevalue(client_fixture)

    # when
    response = client.get("/sales/counts/")

    # then
    assert response.status_code == 403


def test_queue_lists_my_open_leads_running_clocks_first_and_the_team_pool(
    sales_client: Client, rep, other_rep
) -> None:  # type: ignore[no-untyped-def]
    # given
    account = factories.AccountFactory(name="Northwind Traders")
    campaign = factories.CampaignFactory(name="Q4 Ops Webinar")
    later = make_owned_lead(
        rep, first_name="Lena", last_name="Later", account=account, campaign=campaign
    )
    breached = make_owned_lead(
        rep,
        first_name="Bo",
        last_name="Breached",
        sla_state=Lead.SlaState.BREACHED,
        sla_due_at=timezone.now() + timedelta(hours=1),
        sla_breached_at=timezone.now(),
    )
    make_owned_lead(other_rep, first_name="Olga", last_name="Others")
    make_pool_lead(first_name="Polly", last_name="Pool")
    factories.LeadFactory(first_name="Nina", last_name="Nurture", owner=None)

    # when
    response = sales_client.get("/sales/")

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lena Later" in html
    assert "Northwind Traders" in html
    assert "Q4 Ops Webinar" in html
    assert html.index("Lena Later") < html.index("Bo Breached")
    assert f'href="/sales/leads/{later.pk}/"' in html
    assert f'href="/sales/leads/{breached.pk}/"' in html
    assert "Polly Pool" in html
    assert "Olga Others" not in html
    assert "Nina Nurture" not in html
    counts = response.context["counts"]
    assert counts == {
        "open": 2,
        "ready": 2,
        "working": 0,
        "pending": 1,
        "breached": 1,
        "pool": 1,
        "today": 0,  # nothing due, no hand-raiser
    }


def test_queue_empty_state_says_what_happens_next(sales_client: Client) -> None:
    # when
    response = sales_client.get("/sales/")

    # then
    assert b"Your queue is clear." in response.content
    assert b"The pool is empty." in response.content


def test_queue_answers_htmx_with_the_region_only(sales_client: Client, rep) -> None:  # type: ignore[no-untyped-def]
    # given
    make_owned_lead(rep, first_name="Hana", last_name="Htmx")

    # when
    response = sales_client.get("/sales/", headers={"HX-Request": "true"})

    # then
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="queue-region"')
    assert "Hana Htmx" in html
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("client_fixture", ["marketing_client", "service_client", "revops_client"])
def test_queue_is_forbidden_to_roles_outside_sales(
    request: pytest.FixtureRequest, client_fixture: str
) -> None:
    # given
    client = request.getfixturevalue(client_fixture)

    # when
    response = client.get("/sales/")

    # then
    assert response.status_code == 403
    assert b"This page is not part of your role" in response.content


@pytest.mark.parametrize("size", [3, 30])
def test_queue_query_count_does_not_grow_with_leads(
    sales_client: Client,
    rep,
    size: int,
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    # given
    campaign = factories.CampaignFactory()
    for _ in range(size):
        make_owned_lead(rep, account=factories.AccountFactory(), campaign=campaign)
        make_pool_lead(account=factories.AccountFactory(), campaign=campaign)

    # when
    # session, user, roles, unread badge, the rep's counts (the Today badge's among them), the
    # pool count, campaign filter choices, queue, pool
    with django_assert_max_num_queries(9):
        response = sales_client.get("/sales/")

    # then (the queue is keyset-paginated, 25 to a page)
    assert len(response.context["queue"]) == min(size, 25)


def test_claiming_another_reps_lead_shows_nothing_of_it(other_rep, rep) -> None:  # type: ignore[no-untyped-def]
    # given sam's lead, held for an hour (not a race sara just lost)
    lead = owned_lead(
        rep, first_name="Ana", last_name="Secret", title="CFO of Secrets", company_name="Hidden Co"
    )
    Lead.objects.filter(pk=lead.pk).update(assigned_at=timezone.now() - timedelta(hours=1))
    sara = Client()
    sara.force_login(other_rep)

    # when sara posts a claim on it as the pool row would, under htmx
    response = sara.post(f"/sales/leads/{lead.pk}/claim/", headers=htmx(f"pool-lead-{lead.pk}"))

    # then it is a 404, as on the lead page, and nothing of the lead is in the answer
    assert response.status_code == 404
    body = response.content.decode()
    assert "Secret" not in body
    assert "CFO" not in body
    assert "Hidden Co" not in body


def test_losing_a_claim_race_says_so_without_the_leads_details(other_rep, rep) -> None:  # type: ignore[no-untyped-def]
    # given a pool lead sam claimed a moment ago
    lead = pool_lead(first_name="Ana", last_name="Race", title="VP Racing", company_name="Race Co")
    sam = Client()
    sam.force_login(rep)
    assert sam.post(f"/sales/leads/{lead.pk}/claim/").status_code == 302
    sara = Client()
    sara.force_login(other_rep)

    # when sara's claim from the pool row arrives second
    response = sara.post(f"/sales/leads/{lead.pk}/claim/", headers=htmx(f"pool-lead-{lead.pk}"))

    # then she hears someone else claimed it (409), and no detail of the lead
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else claimed this lead" in body
    assert f'id="pool-lead-{lead.pk}"' in body
    assert "Race" not in body
    assert "VP Racing" not in body

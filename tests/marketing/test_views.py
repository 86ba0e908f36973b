"""The marketing pages: figures on the page, permissions, in-place review, CSV, query counts."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone

from apps.campaigns.models import Asset, Campaign, CampaignSpend
from apps.core.models import Quarter
from apps.feedback.models import Disqualification
from apps.leads.models import Lead, LeadEvent
from apps.routing.capacity import CampaignInflow, lead_flow
from tests import factories
from tests.fixtures.leads import make_owned_lead
from tests.fixtures.marketing import World, at, make_lead

pytestmark = pytest.mark.django_db


def _csv(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


# --- Performance ---------------------------------------------------------------------------


def test_performance_page_shows_the_figures(marketing_client: Client, world: World) -> None:
    # when
    response = marketing_client.get("/marketing/performance/?quarter=2026-Q4&model=linear")
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "Campaign funnel and money" in html
    # under linear attribution Webinar is credited 4,666.67: ROI (4,666.67 - 1,000) / 1,000 =
    # 366.7 %; Search 4,666.67 against 3,000: 55.6 %
    for figure in ("15,000.00", "366.7%", "55.6%", "666.67", "25,333.33", "4,666.67", "2,666.66"):
        assert figure in html, figure
    assert 'role="img"' in html
    assert "<title" in html
    assert "Lead flow vs sales capacity" in html
    assert response.context["attribution"].model == "linear"


def test_a_large_roi_is_shown_with_thousands_separators() -> None:
    # given: a campaign credited 4,666.67 on a spend of 1.00: ROI (4,666.67 - 1.00) / 1.00 =
    # 466,567.0 %
    row = SimpleNamespace(
        won_revenue=Decimal("4666.67"),
        influenced_revenue=Decimal("4666.67"),
        attributed_revenue=Decimal("4666.67"),
        cost=Decimal("1.00"),
        cost_per_ready_lead=Decimal("0.50"),
        cost_per_won_deal=Decimal("1.00"),
        roi=Decimal("466567.0"),
    )
    # when its money cells are drawn
    html = render_to_string(
        "marketing/performance.html#perf-cells",
        {"row": row, "part": "money", "records_href": "/marketing/performance/records/?q=1"},
    )
    # then
    assert "466,567.0%" in html
    assert "466567.0%" not in html


def test_performance_csv_matches_the_table_and_is_neutralised(
    marketing_client: Client, world: World
) -> None:
    # given: a campaign whose name a spreadsheet would run as a formula
    Campaign.objects.filter(pk=world.webinar.pk).update(name='=HYPERLINK("http://x","Webinar")')
    # when
    rows = _csv(
        marketing_client.get("/marketing/performance/?quarter=2026-Q4&format=csv&table=campaigns")
    )
    # then
    assert rows[0][:4] == ["Name", "Channel", "Leads", "Sales-ready leads"]
    webinar = next(row for row in rows if "HYPERLINK" in row[0])
    assert webinar[0].startswith("'=")
    assert webinar[2:4] == ["3", "2"]
    assert webinar[-1] == "520.0"  # W-shaped, the default: (6,200 - 1,000) / 1,000
    assert rows[-1][0] == "All leads"
    assert rows[-1][-1] == "200.0"
    # the other tables
    funnel = _csv(
        marketing_client.get("/marketing/performance/?quarter=2026-Q4&format=csv&table=funnel")
    )
    assert funnel == [
        ["Step", "Count"],
        ["Leads", "7"],
        ["Sales-ready", "6"],
        ["Opportunities", "4"],
        ["Won", "2"],
    ]
    credit = _csv(
        marketing_client.get(
            "/marketing/performance/?quarter=2026-Q4&format=csv&table=attribution&model=w_shaped"
        )
    )
    assert credit[1][:2] == ["Webinar", "6200.00"] or credit[1][1] == "6200.00"
    assert [row[1] for row in credit[1:4]] == ["6200.00", "3600.00", "2200.00"]


def test_attribution_model_switch_answers_the_region_under_htmx(
    marketing_client: Client, world: World
) -> None:
    response = marketing_client.get(
        "/marketing/performance/?quarter=2026-Q4&model=first_touch",
        headers={"HX-Request": "true", "HX-Target": "attribution"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="attribution"')
    assert "First touch" in html
    assert "10,000.00" in html


@pytest.mark.parametrize("size", [1, 6])
def test_performance_query_count_is_constant(
    marketing_client: Client, world: World, size: int, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    # given: `size` more campaigns, each with a ready lead, a touch and a won deal
    for n in range(size):
        campaign = factories.CampaignFactory(quarter=world.q4)
        account = factories.AccountFactory()
        lead = make_lead(created=at(10, 3), campaign=campaign, ready=at(10, 3), account=account)
        factories.TouchpointFactory(lead=lead, campaign=campaign, occurred_at=at(10, 2))
        factories.OpportunityFactory(
            account=account,
            primary_lead=lead,
            owner=world.sam,
            amount=Decimal(100 + n),
            created_at=at(10, 4),
            stage="won",
            closed_at=at(10, 9),
        )
    # when: session, user, roles, badge, quarters, 8 table (leads, the cohort with its speeds,
    # created, closed, influenced, the model's credits, spend, campaigns), 2 attribution,
    # 4 lead flow, 2 by origin (created, won), 4 booked at the hand-raise (the booking forms
    # with their hand-raises, hand-raises per campaign and in all, the quarter's form meetings;
    # tests/marketing/test_booking_performance.py grows that card's data)
    with django_assert_max_num_queries(25):
        response = marketing_client.get("/marketing/performance/?quarter=2026-Q4")
    # then
    assert len(response.context["performance"].campaigns) == 3 + size


def test_performance_lists_the_ten_largest_deals_and_the_csv_has_them_all(
    marketing_client: Client, world: World
) -> None:
    # given: 12 more Q4 wins of 1,001 to 1,012 beside the world's 10,000 and 2,000
    account = factories.AccountFactory(name="Many wins")
    for n in range(1, 13):
        factories.OpportunityFactory(
            account=account,
            owner=world.sam,
            name=f"Win {n:02d}",
            amount=Decimal(1000 + n),
            created_at=at(10, 4),
            stage="won",
            closed_at=at(10, 9),
        )
    # when
    response = marketing_client.get("/marketing/performance/?quarter=2026-Q4")
    rows = _csv(
        marketing_client.get("/marketing/performance/?quarter=2026-Q4&format=csv&table=deals")
    )
    # then: 10,000, 2,000, then 1,012 down to 1,005; the page says how many it left out
    listed = [deal.name for deal in response.context["attribution"].largest_deals]
    assert listed == ["Xeno platform", "Zephyr rollout"] + [
        f"Win {n:02d}" for n in range(12, 4, -1)
    ]
    html = response.content.decode()
    assert "The 10 largest of" in html
    assert "14 deals won in 2026-Q4" in html
    assert "Win 04" not in html
    assert len(rows) == 1 + 14


@pytest.mark.parametrize("client_fixture", ["sales_client", "service_client"])
def test_performance_is_forbidden_to_sales_and_service(
    request: pytest.FixtureRequest, client_fixture: str
) -> None:
    response = request.getfixturevalue(client_fixture).get("/marketing/performance/")
    assert response.status_code == 403


# --- Lead flow ---------------------------------------------------------------------------


def test_landing_page_loads_the_lead_flow_in_place(marketing_client: Client) -> None:
    # when
    page = marketing_client.get("/marketing/").content.decode()
    panel = marketing_client.get("/marketing/lead-flow/", headers={"HX-Request": "true"})
    plain = marketing_client.get("/marketing/lead-flow/")
    # then
    assert 'hx-get="/marketing/lead-flow/"' in page
    assert panel.content.decode().lstrip().startswith("{#") is False
    assert 'id="lead-flow"' in panel.content.decode()
    assert "<strong>Keeping up:</strong> 0 ready leads a day arrive" in panel.content.decode()
    assert "<html" in plain.content.decode()


def test_lead_flow_panel_says_falling_behind_when_the_backlog_grows(
    marketing_client: Client, rep
) -> None:  # type: ignore[no-untyped-def]
    # given: a lead made ready three days ago and still unanswered: the backlog grew 0 -> 1
    ready = timezone.now() - timedelta(days=3)
    lead = factories.LeadFactory(status=Lead.Status.READY, ready_at=ready)
    factories.LeadEventFactory(
        lead=lead, kind=LeadEvent.Kind.STATUS, old_value="nurture", new_value="ready", at=ready
    )
    # when
    panel = marketing_client.get("/marketing/lead-flow/", headers={"HX-Request": "true"})
    # then: 1 / 14 = 0.07 a day arrive, none answered; sam's 25 slots, 1 taken, fill at
    # 1 / 14 a day: 24 / (1 / 14) * 24 = 8064 hours
    html = panel.content.decode()
    assert (
        "<strong>Falling behind:</strong> 0.1 ready leads a day arrive, 0 are answered; the "
        "unanswered backlog grew from 0 to 1. Reps&#x27; capacity is full in 8,064 hours at this "
        "pace." in html
    )
    assert "Hours until capacity is full</dt><dd>8,064.0</dd>" in html  # thousands separated
    assert "Hours to breach" not in html
    assert "Capacity warning" not in html  # 8064 hours is beyond the 72-hour horizon


def test_lead_flow_names_its_biggest_sources_with_thousands_separated(db) -> None:  # type: ignore[no-untyped-def]
    # given a flow whose biggest source brought 5,712 ready leads in 14 days (408 a day)
    flow = dataclasses.replace(
        lead_flow(),
        top_campaigns=(
            CampaignInflow(1, "Paid search", 5712, Decimal("408.0")),
            CampaignInflow(None, "No campaign", 1250, Decimal("1289.3")),
        ),
    )
    # when the panel is drawn
    html = render_to_string("components.html#lead-flow", {"flow": flow})
    # then its counts read like the cards beside them
    assert "Paid search (5,712, 408.0/day), No campaign (1,250, 1,289.3/day)." in html


# --- Campaigns ---------------------------------------------------------------------------


def test_marketing_creates_a_campaign_and_an_asset(marketing_client: Client, world: World) -> None:
    # when
    response = marketing_client.post(
        "/marketing/campaigns/new/",
        {
            "name": "Spring launch",
            "slug": "spring-launch",
            "channel": "email",
            "quarter": world.q4.pk,
            "budget": "2500.00",
            "starts_on": "2026-10-01",
            "ends_on": "2026-10-31",
            "goal": "40 sales-ready leads",
            "message": "Close the quarter in days",
            "call_to_action": "Book a demo",
            "sequence": "Invite\nReminder",
            "is_active": "on",
        },
    )
    # then
    assert response.status_code == 302
    campaign = Campaign.objects.get(slug="spring-launch")
    assert (campaign.budget, campaign.call_to_action) == (Decimal("2500.00"), "Book a demo")
    response = marketing_client.post(
        f"/marketing/campaigns/{campaign.pk}/assets/new/",
        {
            "name": "Launch demo form",
            "slug": "launch-demo",
            "kind": "demo_request",
            "topic": "close",
            "intent_note": "Wants to talk now.",
            "engagement_weight": "20",
            "hand_raiser": "on",
            "is_public_form": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    asset = Asset.objects.get(slug="launch-demo")
    assert (asset.campaign_id, asset.hand_raiser, asset.is_public_form) == (campaign.pk, True, True)
    page = marketing_client.get("/marketing/campaigns/").content.decode()
    assert "Wants to talk now." in page
    assert "Close the quarter in days" in page


def test_campaign_validation_names_the_fields(marketing_client: Client, world: World) -> None:
    response = marketing_client.post(
        f"/marketing/campaigns/{world.webinar.pk}/edit/",
        {
            "name": "",
            "slug": world.search.slug,
            "channel": "webinar",
            "budget": "-5",
            "starts_on": "2026-11-01",
            "ends_on": "2026-10-01",
        },
    )
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert set(errors) >= {"name", "slug", "budget", "ends_on"}


def test_asset_weight_over_100_is_refused(marketing_client: Client, world: World) -> None:
    asset = factories.AssetFactory(campaign=world.webinar)
    response = marketing_client.post(
        f"/marketing/assets/{asset.pk}/edit/",
        {"name": "X", "slug": asset.slug, "kind": "page", "engagement_weight": "101"},
    )
    assert response.status_code == 422
    assert "engagement_weight" in response.context["form"].errors


def test_sales_reads_campaigns_but_cannot_edit(sales_client: Client, world: World) -> None:
    page = sales_client.get("/marketing/campaigns/")
    assert page.status_code == 200
    assert "Webinar" in page.content.decode()
    assert "Edit brief" not in page.content.decode()
    assert sales_client.get(f"/marketing/campaigns/{world.webinar.pk}/edit/").status_code == 403
    assert sales_client.post("/marketing/campaigns/new/", {"name": "x"}).status_code == 403


# --- Campaign spend ------------------------------------------------------------------------


def test_campaigns_page_shows_spend_or_a_dash(marketing_client: Client, world: World) -> None:
    # given a campaign without spend and one with a zero entry
    factories.CampaignFactory(name="Unfunded", slug="unfunded")
    zero = factories.CampaignFactory(name="Free webinar", slug="free-webinar")
    factories.CampaignSpendFactory(campaign=zero, amount=Decimal("0"))
    # when
    response = marketing_client.get("/marketing/campaigns/")
    # then
    html = response.content.decode()
    campaigns = {c.name: c for c in response.context["campaigns"]}
    assert campaigns["Unfunded"].spend_total is None
    assert campaigns["Free webinar"].spend_total == Decimal("0.00")
    assert campaigns["Search"].spend_total == Decimal("3000.00")
    assert "— no spend recorded" in html
    assert "0.00 recorded" in html
    assert "3,000.00 recorded" in html
    assert f'id="campaign-spend-{world.search.pk}"' in html


@pytest.mark.parametrize("size", [2, 10])
def test_campaigns_page_query_count_is_constant(
    marketing_client: Client,
    world: World,
    size: int,
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    # given `size` more campaigns, each with an asset and two spend entries, one corrected
    for _ in range(size):
        entry = factories.CampaignSpendFactory(created_by=world.sam)
        factories.CampaignSpendFactory(campaign=entry.campaign, replaces=entry)
        factories.AssetFactory(campaign=entry.campaign)
    # when: session, user, roles, badge; campaigns with their spend total, their assets,
    # their spend entries (with who recorded them and corrections); standalone assets
    with django_assert_max_num_queries(8):
        response = marketing_client.get("/marketing/campaigns/")
    # then
    assert len(response.context["campaigns"]) == 3 + size


def test_marketing_records_spend_in_place(
    marketing_client: Client,
    world: World,
    marketer,  # type: ignore[no-untyped-def]
) -> None:
    # given the webinar has run dates
    Campaign.objects.filter(pk=world.webinar.pk).update(
        starts_on=date(2026, 9, 1), ends_on=date(2026, 12, 31)
    )
    # when
    response = marketing_client.post(
        f"/marketing/campaigns/{world.webinar.pk}/spend/",
        {"amount": "250.00", "starts_on": "2026-09-15", "ends_on": "", "note": "Speaker fee"},
        headers={"HX-Request": "true"},
    )
    # then the spend region comes back with the new total (1,000 + 250)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(
        f'<section class="campaign__spend" id="campaign-spend-{world.webinar.pk}"'
    )
    assert "1,250.00 recorded" in html
    assert "Speaker fee" in html
    entry = CampaignSpend.objects.get(note="Speaker fee")
    assert (entry.starts_on, entry.ends_on, entry.created_by) == (
        date(2026, 9, 15),
        date(2026, 9, 15),
        marketer,
    )


def test_spend_without_htmx_redirects_back_to_the_campaign(
    marketing_client: Client, world: World
) -> None:
    response = marketing_client.post(
        f"/marketing/campaigns/{world.ebook.pk}/spend/",
        {"amount": "10", "starts_on": "2026-07-01", "ends_on": "2026-07-31"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/marketing/campaigns/#campaign-spend-{world.ebook.pk}"


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"amount": "-5", "starts_on": "2026-10-01"}, "amount", 400),
        ({"amount": "5", "starts_on": "2026-08-31", "ends_on": "2026-09-05"}, "starts_on", 400),
        ({"amount": "5", "starts_on": "2026-12-01", "ends_on": "2027-01-01"}, "ends_on", 400),
        ({"amount": "", "starts_on": "2026-10-01"}, "amount", 422),
    ],
)
def test_bad_spend_is_refused_next_to_the_field_and_nothing_is_written(
    marketing_client: Client, world: World, body: dict[str, str], field: str, status: int
) -> None:
    # given the webinar runs 1 Sep - 31 Dec
    Campaign.objects.filter(pk=world.webinar.pk).update(
        starts_on=date(2026, 9, 1), ends_on=date(2026, 12, 31)
    )
    before = CampaignSpend.objects.count()
    url = f"/marketing/campaigns/{world.webinar.pk}/spend/"
    # when, in place and as a plain form post
    in_place = marketing_client.post(url, body, headers={"HX-Request": "true"})
    plain = marketing_client.post(url, body)
    # then: the form comes back with the error next to its field, and nothing is written
    error_id = {"amount": "amount", "starts_on": "starts", "ends_on": "ends"}[field]
    assert in_place.status_code == status
    assert in_place["X-Refused"] == "1"
    assert f'id="spend-{error_id}-error-{world.webinar.pk}"' in in_place.content.decode()
    assert plain.status_code == status
    assert field in plain.context["failed_form"].errors
    assert f'id="spend-{error_id}-error-{world.webinar.pk}"' in plain.content.decode()
    assert CampaignSpend.objects.count() == before


def test_spend_without_dates_needs_the_campaign_run_dates(
    marketing_client: Client, world: World
) -> None:
    response = marketing_client.post(
        f"/marketing/campaigns/{world.webinar.pk}/spend/",
        {"amount": "5"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert "no run dates" in response.content.decode()
    assert f'id="spend-starts-error-{world.webinar.pk}"' in response.content.decode()


def test_only_marketing_and_revops_record_spend(sales_client: Client, world: World) -> None:
    url = f"/marketing/campaigns/{world.webinar.pk}/spend/"
    assert sales_client.post(url, {"amount": "5", "starts_on": "2026-10-01"}).status_code == 403
    assert "Record spend" not in sales_client.get("/marketing/campaigns/").content.decode()


def test_performance_shows_a_dash_for_a_campaign_without_spend_in_the_quarter(
    marketing_client: Client, world: World
) -> None:
    # when: the Q3 ebook has no Q4 spend
    response = marketing_client.get("/marketing/performance/?quarter=2026-Q4")
    # then
    ebook = next(r for r in response.context["performance"].campaigns if r.label == "Old ebook")
    assert (ebook.cost, ebook.cost_per_ready_lead, ebook.roi) == (None, None, None)
    assert 'title="No spend recorded">—</span>' in response.content.decode()
    assert response.context["performance"].total.cost == Decimal("4000.00")


def test_landing_page_shows_spend_and_the_quarter_share(
    marketing_client: Client,
    this_quarter: Quarter,  # type: ignore[no-untyped-def]
) -> None:
    # given one campaign whose spend reaches back into the previous quarter, one without spend
    spread = factories.CampaignFactory(name="Spread", quarter=this_quarter, budget=Decimal("100"))
    factories.CampaignFactory(name="Unfunded", quarter=this_quarter)
    factories.CampaignSpendFactory(
        campaign=spread,
        starts_on=this_quarter.starts_on - timedelta(days=10),
        ends_on=this_quarter.starts_on + timedelta(days=9),
        amount=Decimal("2000"),
    )
    # when
    response = marketing_client.get("/marketing/")
    # then: 2,000 in all (over budget), 1,000 of it (10 of 20 days) in this quarter
    rows = {c.name: c for c in response.context["campaigns"]}
    assert (rows["Spread"].spend_total, rows["Spread"].quarter_spend) == (
        Decimal("2000.00"),
        Decimal("1000.00"),
    )
    assert (rows["Unfunded"].spend_total, rows["Unfunded"].quarter_spend) == (None, None)
    html = response.content.decode()
    assert 'text-danger">2,000</td>' in html
    assert f'title="No spend recorded in {this_quarter.name}">—' in html


def test_campaign_service_refuses_sales(rep, world: World) -> None:
    from apps.campaigns import services
    from apps.core.errors import NotAllowed

    with pytest.raises(NotAllowed):
        services.create_campaign(
            actor=rep, spec=services.CampaignSpec(name="x", slug="x", channel="email")
        )


# --- Feedback ----------------------------------------------------------------------------


def test_feedback_shows_open_items_with_journey_and_attempts(
    marketing_client: Client, world: World
) -> None:
    # given: a journey touch with an asset and an attempt with a note on a2 (d1)
    asset = factories.AssetFactory(
        campaign=world.webinar, name="Ops webinar replay", intent_note="Learning, not buying."
    )
    factories.TouchpointFactory(
        lead=world.leads["a2"], campaign=world.webinar, asset=asset, occurred_at=at(10, 9)
    )
    factories.ActivityFactory(
        lead=world.leads["a2"],
        rep=world.sara,
        note="Asked for a call in Q2.",
        occurred_at=at(10, 11),
    )
    # when
    response = marketing_client.get("/marketing/feedback/?quarter=2026-Q4")
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ops webinar replay" in html
    assert "Learning, not buying." in html
    assert "Asked for a call in Q2." in html
    assert "Froze spend." in html
    # Marketing is never offered sales actions
    for sales_action in (
        "Log attempt",
        "Disqualify",
        "Reassign",
        "/attempts/",
        "/disqualify/",
        "/reassign/",
    ):
        assert sales_action not in html
    # analytics: Student 2 (33.3%), No budget 1 (16.7%) beside Q3's No budget 1
    analytics = response.context["breakdown"]
    assert [(r.label, r.count, r.rate, r.previous_count, r.trend) for r in analytics] == [
        ("Student", 2, Decimal("33.3"), 0, "new"),
        ("No budget", 1, Decimal("16.7"), 1, "flat"),
    ]
    assert (
        f"/marketing/feedback/records/?quarter=2026-Q4&amp;by=reason&amp;key={world.student.pk}"
        in html
    )


def test_breakdown_by_campaign_with_records_links(marketing_client: Client, world: World) -> None:
    response = marketing_client.get("/marketing/feedback/?quarter=2026-Q4&by=campaign")
    rows = {(r.label, r.count, r.rate) for r in response.context["breakdown"]}
    # d1 Webinar (1 / 2 ready), d2 Search (1 / 2), d3 no campaign (1 / 1: n1)
    assert rows == {
        ("Webinar", 1, Decimal("50.0")),
        ("Search", 1, Decimal("50.0")),
        ("—", 1, Decimal("100.0")),
        ("Old ebook", 0, None),  # only in Q3 (d4): listed after, with 0 this quarter
    }
    records = marketing_client.get(
        "/marketing/feedback/records/?quarter=2026-Q4&by=campaign&key=none"
    )
    assert records.context["total"] == 1
    assert [dq.pk for dq in records.context["rows"]] == [world.disqualifications["d3"].pk]
    by_reason = marketing_client.get(
        f"/marketing/feedback/records/?quarter=2026-Q4&by=reason&key={world.student.pk}"
    )
    assert {dq.pk for dq in by_reason.context["rows"]} == {
        world.disqualifications["d2"].pk,
        world.disqualifications["d3"].pk,
    }
    assert marketing_client.get("/marketing/feedback/records/?by=rep&key=abc").status_code == 404


def test_reasons_csv_is_neutralised(marketing_client: Client, world: World) -> None:
    world.student.label = "@SUM(A1:A9)"
    world.student.save()
    rows = _csv(
        marketing_client.get("/marketing/feedback/?quarter=2026-Q4&format=csv&table=reasons")
    )
    assert rows[0][0] == "Reason"
    assert rows[0][1] == "2026-10-01"
    assert len(rows[0]) == 16
    assert rows[1][0] == "'@SUM(A1:A9)"
    assert rows[1][5] == "1"
    assert rows[1][14] == "1"
    assert rows[1][-1] == "2"
    assert rows[-1][0] == "All reasons"
    assert rows[-1][-1] == "3"
    breakdown = _csv(
        marketing_client.get(
            "/marketing/feedback/?quarter=2026-Q4&format=csv&table=breakdown&by=reason"
        )
    )
    assert breakdown[1][:4] == ["'@SUM(A1:A9)", "2", "66.7", "33.3"]


def test_acknowledge_in_place_with_htmx(marketing_client: Client, world: World) -> None:
    dq = world.disqualifications["d1"]
    response = marketing_client.post(
        f"/marketing/feedback/{dq.pk}/review/",
        {"decision": "acknowledge", "action_note": "Paused the student-heavy ad set"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(
        f'<article class="card review-item review-item--done" id="review-item-{dq.pk}"'
    )
    assert "Paused the student-heavy ad set" in html
    dq.refresh_from_db()
    assert dq.review_status == Disqualification.Review.ACKNOWLEDGED


def test_dispute_as_plain_post_sends_the_lead_back(marketing_client: Client, world: World) -> None:
    dq = world.disqualifications["d2"]
    Lead.objects.filter(pk=dq.lead_id).update(status=Lead.Status.DISQUALIFIED)
    response = marketing_client.post(
        f"/marketing/feedback/{dq.pk}/review/",
        {"decision": "dispute-nurture", "action_note": "They asked for pricing twice."},
    )
    assert response.status_code == 302
    dq.refresh_from_db()
    assert (dq.review_status, dq.dispute_outcome) == ("disputed", "nurture")
    assert Lead.objects.get(pk=dq.lead_id).status == Lead.Status.NURTURE


def test_a_review_without_a_note_names_the_field(marketing_client: Client, world: World) -> None:
    dq = world.disqualifications["d1"]
    response = marketing_client.post(
        f"/marketing/feedback/{dq.pk}/review/",
        {"decision": "acknowledge", "action_note": " "},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert response["X-Refused"] == "1"
    assert "Say what marketing will change." in response.content.decode()


def test_a_second_review_is_a_polite_conflict(
    marketing_client: Client, revops, world: World
) -> None:
    from apps.feedback.services import review_disqualification

    dq = world.disqualifications["d1"]
    review_disqualification(
        disqualification_id=dq.pk, actor=revops, decision="acknowledge", note="Fixed the form."
    )
    response = marketing_client.post(
        f"/marketing/feedback/{dq.pk}/review/",
        {"decision": "acknowledge", "action_note": "Me too"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "already acknowledged" in html
    assert "Fixed the form." in html
    assert "Rita RevOps" in html
    plain = marketing_client.post(
        f"/marketing/feedback/{dq.pk}/review/", {"decision": "acknowledge", "action_note": "Me too"}
    )
    assert plain.status_code == 409


@pytest.mark.parametrize("client_fixture", ["sales_client", "manager_client", "service_client"])
def test_feedback_is_for_marketing_and_revops(
    request: pytest.FixtureRequest, client_fixture: str, world: World
) -> None:
    client = request.getfixturevalue(client_fixture)
    assert client.get("/marketing/feedback/").status_code == 403
    dq = world.disqualifications["d1"]
    assert (
        client.post(
            f"/marketing/feedback/{dq.pk}/review/", {"decision": "acknowledge", "action_note": "x"}
        ).status_code
        == 403
    )


@pytest.mark.parametrize("size", [2, 12])
def test_feedback_query_count_is_constant(
    marketing_client: Client, world: World, size: int, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    for n in range(size):
        lead = make_lead(
            created=at(10, 3),
            campaign=world.webinar,
            ready=at(10, 3),
            account=factories.AccountFactory(),
        )
        factories.TouchpointFactory(
            lead=lead,
            campaign=world.webinar,
            asset=factories.AssetFactory(campaign=world.webinar),
            occurred_at=at(10, 2),
        )
        factories.ActivityFactory(
            lead=lead, rep=world.sam, occurred_at=at(10, 4), note=f"Attempt {n}"
        )
        factories.DisqualificationFactory(
            lead=lead, rep=world.sam, reason=world.no_budget, at=at(10, 5)
        )
    # session, user, roles, badge; queue 1 + 3 prefetches and its count; the filters' reasons,
    # campaigns and reps; counts; the leads held too long; quarters; previous; two breakdowns
    # (2 each); reasons over time
    with django_assert_max_num_queries(20):
        response = marketing_client.get("/marketing/feedback/?quarter=2026-Q4")
    assert len(response.context["items"]) == size + 5 - 0


@pytest.fixture
def this_quarter() -> Quarter:
    today = timezone.localdate()
    start_month = 3 * ((today.month - 1) // 3) + 1
    starts = date(today.year, start_month, 1)
    next_start = (
        date(today.year + 1, 1, 1) if start_month == 10 else date(today.year, start_month + 3, 1)
    )
    ends = next_start - timedelta(days=1)
    return Quarter.objects.create(
        name=f"{today.year}-Q{(start_month - 1) // 3 + 1}", starts_on=starts, ends_on=ends
    )


def test_marketing_shows_quarter_campaigns_with_counts_and_open_disqualifications(
    marketing_client: Client,
    rep,
    this_quarter: Quarter,  # type: ignore[no-untyped-def]
) -> None:
    # given
    webinar = factories.CampaignFactory(
        name="Ops Webinar", quarter=this_quarter, budget=Decimal("5000")
    )
    factories.CampaignFactory(name="Old Campaign", quarter=None)
    factories.LeadFactory(campaign=webinar)
    make_owned_lead(rep, campaign=webinar)
    dq_lead = factories.LeadFactory(
        first_name="Dee", last_name="Quinn", campaign=webinar, status="disqualified"
    )
    reason = factories.DisqualificationReasonFactory(label="No budget")
    Disqualification.objects.create(
        lead=dq_lead, rep=rep, reason=reason, note="They froze spend.", at=timezone.now()
    )

    # when
    response = marketing_client.get("/marketing/")

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ops Webinar" in html
    assert "Old Campaign" not in html
    assert "Dee Quinn" in html
    assert "No budget" in html
    campaign = response.context["campaigns"][0]
    assert (campaign.lead_count, campaign.ready_count) == (3, 1)


@pytest.mark.parametrize("client_fixture", ["sales_client", "manager_client", "service_client"])
def test_marketing_is_forbidden_to_other_roles(
    request: pytest.FixtureRequest, client_fixture: str
) -> None:
    # when
    response = request.getfixturevalue(client_fixture).get("/marketing/")

    # then
    assert response.status_code == 403


def test_revops_reads_marketing(revops_client: Client) -> None:
    # when
    response = revops_client.get("/marketing/")

    # then
    assert response.status_code == 200
    assert b"No quarters are configured." in response.content


@pytest.mark.parametrize("size", [3, 30])
def test_marketing_query_count_does_not_grow(
    marketing_client: Client,
    rep,
    this_quarter: Quarter,
    size: int,
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    # given
    reason = factories.DisqualificationReasonFactory()
    for _ in range(size):
        campaign = factories.CampaignFactory(quarter=this_quarter)
        factories.CampaignSpendFactory(
            campaign=campaign, starts_on=this_quarter.starts_on, ends_on=this_quarter.ends_on
        )
        lead = factories.LeadFactory(campaign=campaign, account=factories.AccountFactory())
        Disqualification.objects.create(lead=lead, rep=rep, reason=reason, at=timezone.now())

    # when
    # session, user, roles, unread badge, quarters, campaigns with counts and spend total,
    # their spend in the quarter, disqualifications
    with django_assert_max_num_queries(8):
        response = marketing_client.get("/marketing/")

    # then
    assert len(response.context["campaigns"]) == size

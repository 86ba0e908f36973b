"""The marketer's lead list (/marketing/leads/, issue 16): filters by status, source campaign,
score band, account tier and created range; keyset pages newest first; held leads' places in
their queue; an export of exactly the filtered rows (Excel-friendly on request, formula-safe);
each user's saved views."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.models import Account
from apps.leads.models import Lead
from apps.marketing import selectors
from apps.users.models import SavedView, User
from tests import factories
from tests.fixtures.throttle import score_ready

pytestmark = pytest.mark.django_db

URL = "/marketing/leads/"


def _created(lead: Lead, when: datetime) -> Lead:
    Lead.objects.filter(pk=lead.pk).update(created_at=when)
    lead.refresh_from_db()
    return lead


@pytest.fixture
def leads(db):  # type: ignore[no-untyped-def]
    """Five leads, created a day apart (1-5 Nov), with their source campaigns from a first
    campaign touch: Ana (webinar, hot 80, target account), Ben (webinar, warm 40), Cy (search,
    cold 10, ready), Di (no campaign, hot 75, target account), Ed (search, warm 35, nurture)."""
    webinar = factories.CampaignFactory(name="Spring webinar")
    search = factories.CampaignFactory(name="Brand search")
    target = factories.AccountFactory(name="Target Corp", tier=Account.Tier.TARGET)
    specs = [
        ("Ana", webinar, 80, target, Lead.Status.NURTURE),
        ("Ben", webinar, 40, None, Lead.Status.NURTURE),
        ("Cy", search, 10, None, Lead.Status.READY),
        ("Di", None, 75, target, Lead.Status.NURTURE),
        ("Ed", search, 35, None, Lead.Status.NURTURE),
    ]
    made = {}
    for day, (name, campaign, score, account, status) in enumerate(specs, start=1):
        lead = factories.LeadFactory(
            first_name=name, last_name="Buyer", score=score, account=account, status=status
        )
        if campaign is not None:
            factories.TouchpointFactory(lead=lead, campaign=campaign)
        made[name] = _created(lead, datetime(2026, 11, day, 12, tzinfo=UTC))
    return made


def _names(response) -> list[str]:  # type: ignore[no-untyped-def]
    listing = response.context["listing"]
    return [row.lead.first_name for row in listing.rows]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("", ["Ed", "Di", "Cy", "Ben", "Ana"], id="all-newest-first"),
        pytest.param("status=ready", ["Cy"], id="status"),
        pytest.param("source_campaign=@webinar", ["Ben", "Ana"], id="source-campaign"),
        pytest.param("source_campaign=none", ["Di"], id="no-source-campaign"),
        pytest.param("score_band=hot", ["Di", "Ana"], id="hot"),
        pytest.param("score_band=warm", ["Ed", "Ben"], id="warm"),
        pytest.param("tier=target", ["Di", "Ana"], id="tier"),
        pytest.param(
            "created_from=2026-11-02&created_to=2026-11-04", ["Di", "Cy", "Ben"], id="range"
        ),
        pytest.param("q=di buyer", ["Di"], id="search"),
        pytest.param("score_band=hot&source_campaign=@webinar", ["Ana"], id="combined"),
    ],
)
def test_the_filters_select_exactly_the_leads_they_name(
    marketing_client: Client, leads, query: str, expected: list[str]
) -> None:  # type: ignore[no-untyped-def]
    webinar = leads["Ana"].facts.source_campaign
    response = marketing_client.get(f"{URL}?{query.replace('@webinar', str(webinar.pk))}")

    assert response.status_code == 200
    assert _names(response) == expected
    assert response.context["listing"].matching == len(expected)


def test_a_bad_filter_is_a_400_naming_the_field_and_lists_nothing(
    marketing_client: Client, leads
) -> None:  # type: ignore[no-untyped-def]
    response = marketing_client.get(f"{URL}?created_from=yesterday&status=ready")

    assert response.status_code == 400
    assert _names(response) == []
    assert "Created from: Enter a valid date." in response.content.decode()


def test_pages_are_keyset_newest_first_and_every_lead_appears_once(
    marketing_client: Client, leads, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(selectors, "LEAD_PAGE_SIZE", 2)
    pages, url = [], URL
    while True:
        response = marketing_client.get(url)
        pages.append(_names(response))
        cursor = response.context["listing"].page.next_cursor
        if cursor is None:
            break
        url = f"{URL}?after={cursor}"

    assert pages == [["Ed", "Di"], ["Cy", "Ben"], ["Ana"]]


def test_a_held_lead_shows_its_place_in_its_pool(
    marketing_client: Client, throttling, full_pool
) -> None:  # type: ignore[no-untyped-def]
    first = score_ready(throttling, score=90)
    second = score_ready(throttling, score=70)

    html = marketing_client.get(f"{URL}?status=held").content.decode()

    assert _names(marketing_client.get(f"{URL}?status=held")) == [
        second.first_name,
        first.first_name,
    ]
    assert "#1 of 2 in Everyone" in html
    assert "#2 of 2 in Everyone" in html


def test_the_export_is_exactly_the_filtered_rows_formula_safe(
    marketing_client: Client, leads
) -> None:  # type: ignore[no-untyped-def]
    Lead.objects.filter(pk=leads["Ana"].pk).update(title="=HYPERLINK(evil)")

    response = marketing_client.get(f"{URL}?score_band=hot&format=csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8")
    assert not body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert sorted(row["first_name"] for row in rows) == ["Ana", "Di"]
    assert {row["title"] for row in rows if row["first_name"] == "Ana"} == {"'=HYPERLINK(evil)"}


def test_the_excel_export_starts_with_the_byte_order_mark_and_keeps_accents(
    marketing_client: Client, leads
) -> None:  # type: ignore[no-untyped-def]
    Lead.objects.filter(pk=leads["Ben"].pk).update(last_name="Müller-Ñúñez")

    response = marketing_client.get(f"{URL}?q=ben&format=csv&excel=1")

    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [(row["first_name"], row["last_name"]) for row in rows] == [("Ben", "Müller-Ñúñez")]


def test_a_saved_view_reapplies_its_filters_and_is_the_users_own(
    marketing_client: Client, marketer: User, leads, revops
) -> None:  # type: ignore[no-untyped-def]
    response = marketing_client.post(
        "/marketing/leads/views/", {"name": " Hot  targets ", "query": "score_band=hot&tier=target"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{URL}?score_band=hot&tier=target"
    view = SavedView.objects.get(user=marketer)
    assert (view.name, view.query) == ("Hot targets", "score_band=hot&tier=target")
    page = marketing_client.get(response["Location"])
    assert _names(page) == ["Di", "Ana"]
    assert 'aria-current="true">Hot targets</a>' in page.content.decode()
    # saving the same name again overwrites it
    marketing_client.post(
        "/marketing/leads/views/", {"name": "Hot targets", "query": "status=ready"}
    )
    assert SavedView.objects.get(user=marketer).query == "status=ready"
    # another user neither sees nor deletes it
    other = Client()
    other.force_login(revops)
    assert "Hot targets" not in other.get(URL).content.decode()
    assert other.post("/marketing/leads/views/delete/", {"view": view.pk}).status_code == 404
    assert (
        marketing_client.post("/marketing/leads/views/delete/", {"view": view.pk}).status_code
        == 302
    )
    assert not SavedView.objects.exists()


def test_a_view_needs_a_name(marketing_client: Client, leads) -> None:  # type: ignore[no-untyped-def]
    response = marketing_client.post(
        "/marketing/leads/views/", {"name": "  ", "query": "status=ready"}
    )

    assert response.status_code in (400, 422)
    assert not SavedView.objects.exists()


def test_only_marketing_and_revops_read_the_list(sales_client: Client, leads) -> None:  # type: ignore[no-untyped-def]
    assert sales_client.get(URL).status_code == 403


def test_the_empty_states_say_what_to_do(marketing_client: Client, db) -> None:  # type: ignore[no-untyped-def]
    assert "No leads yet." in marketing_client.get(URL).content.decode()
    assert (
        "No leads match these filters."
        in marketing_client.get(f"{URL}?status=held").content.decode()
    )


@pytest.mark.parametrize("extra", [0, 30])
def test_the_list_reads_a_constant_number_of_queries(
    marketing_client: Client,
    leads,
    extra: int,
    django_assert_max_num_queries,
    throttling,
    full_pool,
) -> None:  # type: ignore[no-untyped-def]
    for _ in range(extra):
        factories.TouchpointFactory(
            lead=factories.LeadFactory(score=50), campaign=leads["Ana"].facts.source_campaign
        )
    score_ready(throttling, score=90, at=timezone.now())
    # session, user, roles, badge; the page; the count; the held queue (rules, leads) and pool
    # names; the saved views; the filter's campaign choices (source, added to) and the bulk
    # form's active campaigns
    with django_assert_max_num_queries(13):
        response = marketing_client.get(URL)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({"name": "x" * 81, "query": "status=ready"}, "name", id="name-too-long"),
        pytest.param({"name": "Huge", "query": "q=" + "a" * 1200}, "query", id="query-too-long"),
        pytest.param({"query": "status=ready"}, "name", id="no-name"),
    ],
)
def test_a_bad_saved_view_is_refused_naming_the_field_and_nothing_is_saved(
    marketing_client: Client, leads, data: dict[str, str], field: str
) -> None:  # type: ignore[no-untyped-def]
    response = marketing_client.post("/marketing/leads/views/", data)

    assert response.status_code == 422  # the project's answer to an invalid form
    assert list(response.context["save_form"].errors) == [field]
    assert "could not be saved" in response.content.decode()
    assert not SavedView.objects.exists()


@pytest.mark.parametrize("view", ["", "abc", "-1", "99999999999999999999"])
def test_deleting_a_view_that_is_not_a_number_or_not_there_writes_nothing(
    marketing_client: Client, marketer: User, view: str
) -> None:  # type: ignore[no-untyped-def]
    SavedView.objects.create(user=marketer, page=SavedView.Page.MARKETING_LEADS, name="Mine")

    response = marketing_client.post("/marketing/leads/views/delete/", {"view": view})

    assert response.status_code in (400, 404)
    assert SavedView.objects.count() == 1

"""Marketing, service, goals, accounts and notifications pages."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.models import Account
from apps.core.models import Quarter
from apps.feedback.models import Disqualification
from apps.notifications.models import Notification
from apps.service.models import Renewal
from tests import factories
from tests.pages.conftest import make_owned_lead

pytestmark = pytest.mark.django_db


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


# --- Marketing ----------------------------------------------------------------------


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
        lead = factories.LeadFactory(campaign=campaign, account=factories.AccountFactory())
        Disqualification.objects.create(lead=lead, rep=rep, reason=reason, at=timezone.now())

    # when
    # session, user, roles, unread badge, quarters, campaigns with counts, disqualifications
    with django_assert_max_num_queries(7):
        response = marketing_client.get("/marketing/")

    # then
    assert len(response.context["campaigns"]) == size


# --- Service ------------------------------------------------------------------------


def test_service_shows_customers_health_next_renewal_and_quarter_renewals(
    service_client: Client, this_quarter: Quarter
) -> None:
    # given
    customer = factories.AccountFactory(
        name="Initech", lifecycle=Account.Lifecycle.CUSTOMER, health="red"
    )
    factories.AccountFactory(name="Prospect Co")
    factories.RenewalFactory(account=customer, due_on=this_quarter.ends_on, amount=Decimal("48000"))
    factories.RenewalFactory(
        account=customer, due_on=date(this_quarter.ends_on.year + 1, 6, 30), amount=Decimal("1")
    )

    # when
    response = service_client.get("/service/")

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "Initech" in html
    assert "Prospect Co" not in html
    assert "Red" in html
    assert "48,000" in html
    row = response.context["customers"][0]
    assert (row.next_renewal_on, row.next_renewal_amount) == (
        this_quarter.ends_on,
        Decimal("48000"),
    )
    assert [r.account.name for r in response.context["renewals"]] == ["Initech"]
    assert response.context["totals"]["pending"] == Decimal("48000")


@pytest.mark.parametrize("client_fixture", ["marketing_client"])
def test_service_is_forbidden_to_other_roles(
    request: pytest.FixtureRequest, client_fixture: str
) -> None:
    # when
    response = request.getfixturevalue(client_fixture).get("/service/")

    # then
    assert response.status_code == 403


def test_service_query_count_is_constant(
    service_client: Client,
    this_quarter: Quarter,
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    # given
    for _ in range(20):
        account = factories.AccountFactory(lifecycle=Account.Lifecycle.CUSTOMER)
        factories.RenewalFactory(
            account=account, due_on=this_quarter.starts_on, outcome=Renewal.Outcome.PENDING
        )

    # when
    with django_assert_max_num_queries(9):
        response = service_client.get("/service/")

    # then
    assert len(response.context["customers"]) == 20


# --- Goals --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "client_fixture",
    ["sales_client", "manager_client", "marketing_client", "service_client", "revops_client"],
)
def test_every_role_reads_the_goal_sheet(
    request: pytest.FixtureRequest, client_fixture: str
) -> None:
    # given
    factories.JointGoalFactory(name="Sales-ready leads from web", target=Decimal("120"))

    # when
    response = request.getfixturevalue(client_fixture).get("/goals/?quarter=2026-Q4")

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sales-ready leads from web" in html
    assert "120" in html
    assert "Marketing" in html
    assert "Sales" in html


def test_goals_pick_a_quarter_from_the_query_string(sales_client: Client) -> None:
    # given
    q3 = factories.QuarterFactory(
        name="2026-Q3", starts_on=date(2026, 7, 1), ends_on=date(2026, 9, 30)
    )
    factories.JointGoalFactory(quarter=q3, name="Summer pipeline", metric="pipeline_created")
    factories.JointGoalFactory(name="Winter pipeline", metric="pipeline_created")

    # when
    response = sales_client.get("/goals/?quarter=2026-Q3")

    # then
    html = response.content.decode()
    assert "Summer pipeline" in html
    assert "Winter pipeline" not in html
    assert '<option value="2026-Q3" selected>' in html


def test_goals_empty_state_without_quarters(sales_client: Client) -> None:
    # when
    response = sales_client.get("/goals/?quarter=1999-Q1")

    # then
    assert response.status_code == 200
    assert b"No quarters are configured." in response.content


# --- Accounts -----------------------------------------------------------------------


def test_accounts_list_shows_tier_lifecycle_owner_and_lead_count(
    service_client: Client, rep
) -> None:  # type: ignore[no-untyped-def]
    # given
    acme = factories.AccountFactory(
        name="Acme Rockets", domain="acme.example", tier="target", owner=rep
    )
    factories.LeadFactory(account=acme)
    factories.LeadFactory(account=acme)

    # when
    response = service_client.get("/accounts/")

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "Acme Rockets" in html
    assert "Target" in html
    assert "Sam Rep" in html
    assert response.context["page"].items[0].lead_count == 2


def test_accounts_search_by_name_or_domain(sales_client: Client) -> None:
    # given
    factories.AccountFactory(name="Acme Rockets", domain="acme.example")
    factories.AccountFactory(name="Globex", domain="globex.example")

    # when
    by_domain = sales_client.get("/accounts/?q=GLOBEX.ex").content.decode()
    by_name = sales_client.get("/accounts/?q=rocket").content.decode()
    nothing = sales_client.get("/accounts/?q=zzz").content.decode()

    # then
    assert "Globex" in by_domain
    assert "Acme Rockets" not in by_domain
    assert "Acme Rockets" in by_name
    assert "No account matches" in nothing


def test_accounts_list_pages_with_a_cursor(sales_client: Client) -> None:
    # given
    for n in range(55):
        factories.AccountFactory(name=f"Firm {n:02d}")

    # when
    first = sales_client.get("/accounts/")
    second = sales_client.get("/accounts/", {"after": first.context["page"].next_cursor})

    # then
    assert len(first.context["page"]) == 50
    assert [a.name for a in second.context["page"]] == [f"Firm {n}" for n in range(50, 55)]


@pytest.mark.parametrize("size", [3, 30])
def test_accounts_query_count_does_not_grow(
    sales_client: Client,
    rep,
    size: int,
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    # given
    for _ in range(size):
        account = factories.AccountFactory(owner=rep)
        factories.LeadFactory(account=account)

    # when
    # session, user, roles, unread badge, accounts with lead counts
    with django_assert_max_num_queries(5):
        response = sales_client.get("/accounts/")

    # then
    assert len(response.context["page"]) == size


def test_account_page_shows_its_people(marketing_client: Client) -> None:
    # given
    account = factories.AccountFactory(name="Umbrella")
    factories.LeadFactory(account=account, first_name="Alice", last_name="Umbrella")

    # when
    response = marketing_client.get(f"/accounts/{account.pk}/")

    # then
    assert response.status_code == 200
    assert "Alice Umbrella" in response.content.decode()


def test_account_page_hides_people_a_rep_may_not_read(sales_client: Client, other_rep) -> None:  # type: ignore[no-untyped-def]
    # given
    account = factories.AccountFactory(name="Hooli")
    make_owned_lead(other_rep, account=account, first_name="Hidden", last_name="Person")

    # when
    response = sales_client.get(f"/accounts/{account.pk}/")

    # then
    assert response.status_code == 200
    assert "Hidden Person" not in response.content.decode()


# --- Notifications ------------------------------------------------------------------


def test_notifications_newest_first_and_mark_all_read(sales_client: Client, rep, other_rep) -> None:  # type: ignore[no-untyped-def]
    # given
    Notification.objects.create(recipient=rep, kind="lead_assigned", title="Older assignment")
    Notification.objects.create(recipient=rep, kind="sla_escalation", title="Newer escalation")
    Notification.objects.create(recipient=other_rep, kind="lead_assigned", title="Someone else's")

    # when
    page = sales_client.get("/notifications/").content.decode()
    response = sales_client.post("/notifications/read/", follow=True)

    # then
    assert page.index("Newer escalation") < page.index("Older assignment")
    assert "Someone else" not in page
    assert response.redirect_chain == [("/notifications/", 302)]
    assert b"Marked 2 notifications as read." in response.content
    assert not Notification.objects.filter(recipient=rep, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=other_rep, read_at__isnull=True).exists()


def test_mark_all_read_refuses_get(sales_client: Client) -> None:
    # when
    response = sales_client.get("/notifications/read/")

    # then
    assert response.status_code == 405

"""Service pages: who may read and change what, in place with htmx and by plain POST, errors on
the field, escaped user text, and constant query counts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Account
from apps.core.models import Quarter
from apps.leads.models import Lead
from apps.service.models import HealthCheck, Renewal, VoiceNote
from tests import factories

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def customer(rep):  # type: ignore[no-untyped-def]
    return factories.AccountFactory(
        name="Acme", domain="acme.example", lifecycle=Account.Lifecycle.CUSTOMER, owner=rep
    )


@pytest.fixture
def due_now(customer):  # type: ignore[no-untyped-def]
    return factories.RenewalFactory(
        account=customer, due_on=timezone.localdate(), amount=Decimal("24000")
    )


def _login(client, request, fixture: str):  # type: ignore[no-untyped-def]
    client.force_login(request.getfixturevalue(fixture))
    return client


# --- Permissions ----------------------------------------------------------------------

PAGE_ACCESS = [
    # (url name, needs account, {role fixture: status})
    (
        "service:home",
        False,
        {"service_user": 200, "revops": 200, "rep": 200, "manager": 200, "marketer": 403},
    ),
    (
        "service:account",
        True,
        {"service_user": 200, "revops": 200, "rep": 200, "manager": 200, "marketer": 403},
    ),
    (
        "service:churn",
        False,
        {"service_user": 200, "revops": 200, "rep": 200, "manager": 200, "marketer": 200},
    ),
    (
        "service:voice",
        False,
        {"service_user": 200, "revops": 200, "rep": 200, "manager": 200, "marketer": 200},
    ),
]


@pytest.mark.parametrize(("name", "needs_account", "expected"), PAGE_ACCESS)
@pytest.mark.parametrize("who", ["service_user", "revops", "rep", "manager", "marketer"])
def test_service_pages_follow_the_permission_table(
    client, request, customer, name, needs_account, expected, who
):
    # given
    _login(client, request, who)
    url = reverse(name, args=[customer.pk]) if needs_account else reverse(name)

    # when
    response = client.get(url)

    # then
    assert response.status_code == expected[who]


@pytest.mark.parametrize("name", ["service:home", "service:churn", "service:voice"])
def test_anonymous_visitors_are_sent_to_sign_in(client, name):
    # when
    response = client.get(reverse(name))

    # then
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize("who", ["rep", "manager", "marketer"])
def test_only_service_and_revops_mark_renewals(client, request, due_now, who):
    # given
    reason = factories.ChurnReasonFactory()
    _login(client, request, who)

    # when
    renewed = client.post(reverse("service:renew", args=[due_now.pk]), {"renewed_amount": ""})
    churned = client.post(
        reverse("service:churn-renewal", args=[due_now.pk]), {"reason": reason.pk}
    )

    # then
    assert (renewed.status_code, churned.status_code) == (403, 403)
    due_now.refresh_from_db()
    assert due_now.outcome == Renewal.Outcome.PENDING


def test_sales_sees_renewals_read_only(sales_client, due_now):
    # when
    response = sales_client.get(reverse("service:home"))

    # then
    assert response.status_code == 200
    assert b"Acme" in response.content
    assert b"Mark renewed" not in response.content
    assert b"Read-only" in response.content


def test_marketing_reads_voice_notes_but_cannot_add(marketing_client, customer):
    # given
    factories.VoiceNoteFactory(account=customer, quote="Setup was painless.", tags=["onboarding"])

    # when
    page = marketing_client.get(reverse("service:voice"))
    add = marketing_client.post(
        reverse("service:add-voice-note"), {"account": customer.pk, "quote": "Sneaky"}
    )

    # then
    assert page.status_code == 200
    assert b"Setup was painless." in page.content
    assert b"Add a voice note" not in page.content
    assert add.status_code == 403
    assert VoiceNote.objects.count() == 1


@pytest.mark.parametrize("who", ["rep", "marketer"])
def test_only_service_hands_leads_to_sales_and_sets_health(
    client, request, customer, agreement, who
):
    # given
    _login(client, request, who)

    # when
    handed = client.post(
        reverse("service:hand-to-sales", args=[customer.pk]),
        {"kind": "expansion", "first_name": "Dana", "email": "dana@acme.example"},
    )
    health = client.post(reverse("service:set-health", args=[customer.pk]), {"health": "red"})

    # then
    assert (handed.status_code, health.status_code) == (403, 403)
    assert not Lead.objects.filter(email="dana@acme.example").exists()
    assert not HealthCheck.objects.exists()


# --- Renewals in place and by plain POST ----------------------------------------------


def test_mark_renewed_in_place_returns_the_row_and_refreshes_the_totals(service_client, due_now):
    # when
    response = service_client.post(
        reverse("service:renew", args=[due_now.pk]), {"renewed_amount": "25000"}, **HTMX
    )

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="renewal-{due_now.pk}"')
    assert "Renewed" in html
    assert "renewals-changed" in response["HX-Trigger"]
    due_now.refresh_from_db()
    assert due_now.renewed_amount == Decimal("25000")


def test_mark_renewed_by_plain_post_redirects_back(service_client, due_now):
    # when
    response = service_client.post(
        reverse("service:renew", args=[due_now.pk]),
        {"renewed_amount": "", "next": reverse("service:account", args=[due_now.account_id])},
    )

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("service:account", args=[due_now.account_id])
    due_now.refresh_from_db()
    assert due_now.outcome == Renewal.Outcome.RENEWED
    assert due_now.renewed_amount == Decimal("24000")


def test_redirect_never_leaves_the_site(service_client, due_now):
    # when
    response = service_client.post(
        reverse("service:renew", args=[due_now.pk]), {"next": "https://evil.example/"}
    )

    # then
    assert response["Location"] == reverse("service:home")


def test_churn_without_a_reason_names_the_field_in_place(service_client, due_now):
    # when
    response = service_client.post(
        reverse("service:churn-renewal", args=[due_now.pk]), {"reason": "", "note": "x"}, **HTMX
    )

    # then
    assert response.status_code == 200
    assert "Choose a churn reason from the list." in response.content.decode()
    assert "HX-Trigger" not in response
    due_now.refresh_from_db()
    assert due_now.outcome == Renewal.Outcome.PENDING


def test_churn_error_by_plain_post_is_a_422_page(service_client, due_now):
    # given
    retired = factories.ChurnReasonFactory(code="old", label="Old", is_active=False)

    # when
    response = service_client.post(
        reverse("service:churn-renewal", args=[due_now.pk]), {"reason": retired.pk}
    )

    # then
    assert response.status_code == 422
    assert "Choose a churn reason from the list." in response.content.decode()


def test_bad_renewed_amount_is_refused_on_the_field(service_client, due_now):
    # when
    response = service_client.post(
        reverse("service:renew", args=[due_now.pk]), {"renewed_amount": "-5"}, **HTMX
    )

    # then
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    due_now.refresh_from_db()
    assert due_now.outcome == Renewal.Outcome.PENDING


def test_closing_a_closed_renewal_is_a_clear_error(service_client, due_now, service_user):
    # given
    from apps.service import services

    services.renew(renewal_id=due_now.pk, actor=service_user, renewed_amount=None)

    # when
    response = service_client.post(reverse("service:renew", args=[due_now.pk]), {}, **HTMX)

    # then
    assert response.status_code == 200
    assert "already renewed" in response.content.decode()


def test_missing_renewal_is_404(service_client):
    # when
    response = service_client.post(reverse("service:renew", args=[999999]), {})

    # then
    assert response.status_code == 404


def test_totals_region_refreshes_alone(service_client, due_now):
    # when
    response = service_client.get(
        reverse("service:home"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="renewal-totals"
    )

    # then
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="renewal-totals"')
    assert "24,000" in html


# --- Health and hand to sales ---------------------------------------------------------


def test_set_health_in_place_shows_the_history(service_client, customer):
    # when
    response = service_client.post(
        reverse("service:set-health", args=[customer.pk]),
        {"health": "yellow", "note": "Usage dropped 30%"},
        **HTMX,
    )

    # then
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="health-panel"')
    assert "Usage dropped 30%" in html
    customer.refresh_from_db()
    assert customer.health == "yellow"


def test_set_health_needs_a_value(service_client, customer):
    # when
    response = service_client.post(reverse("service:set-health", args=[customer.pk]), {})

    # then
    assert response.status_code == 422
    assert "Choose green, yellow or red." in response.content.decode()


def test_hand_to_sales_in_place(
    service_client, customer, rep, agreement, policy, pool, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = service_client.post(
            reverse("service:hand-to-sales", args=[customer.pk]),
            {
                "kind": "expansion",
                "first_name": "Dana",
                "last_name": "Lee",
                "email": "dana@acme.example",
                "title": "VP Ops",
                "note": "More seats",
            },
            **HTMX,
        )

    # then
    assert response.status_code == 200
    assert "Dana Lee is with sales." in response.content.decode()
    lead = Lead.objects.get(email="dana@acme.example")
    assert (lead.status, lead.owner, lead.source) == (Lead.Status.READY, rep, "expansion")


def test_hand_to_sales_without_agreement_says_so_and_creates_nothing(service_client, customer):
    # when
    response = service_client.post(
        reverse("service:hand-to-sales", args=[customer.pk]),
        {"kind": "expansion", "first_name": "Dana", "email": "dana@acme.example"},
    )

    # then
    assert response.status_code == 422
    assert "No qualification agreement is in force" in response.content.decode()
    assert not Lead.objects.exists()


def test_hand_to_sales_bad_email_is_named(service_client, customer, agreement):
    # when
    response = service_client.post(
        reverse("service:hand-to-sales", args=[customer.pk]),
        {"kind": "expansion", "first_name": "Dana", "email": "not-an-email"},
        **HTMX,
    )

    # then
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not Lead.objects.exists()


# --- Voice notes ----------------------------------------------------------------------


def test_add_voice_note_in_place_refreshes_the_list(service_client, customer):
    # when
    response = service_client.post(
        reverse("service:add-voice-note"),
        {
            "account": customer.pk,
            "quote": "Reporting saves us a day a week.",
            "tags": "ROI, reporting",
        },
        **HTMX,
    )

    # then
    assert response.status_code == 200
    assert "voice-changed" in response["HX-Trigger"]
    note = VoiceNote.objects.get()
    assert note.tags == ["reporting", "roi"]


def test_add_voice_note_errors_name_the_field(service_client, customer):
    # when
    response = service_client.post(
        reverse("service:add-voice-note"), {"account": customer.pk, "quote": ""}
    )

    # then
    assert response.status_code == 422
    assert "Write down the customer&#x27;s words." in response.content.decode()
    assert not VoiceNote.objects.exists()


def test_voice_search_by_text_and_tag(marketing_client, customer):
    # given
    factories.VoiceNoteFactory(
        account=customer, quote="Pricing page confused us.", tags=["pricing"]
    )
    factories.VoiceNoteFactory(account=customer, quote="Tier names are odd.", tags=["pricing-tier"])
    factories.VoiceNoteFactory(
        account=customer, quote="Le café est prêt.", tags=["café", "pricing"]
    )

    # when
    by_tag = marketing_client.get(reverse("service:voice"), {"tag": "Pricing"})
    by_text = marketing_client.get(reverse("service:voice"), {"q": "TIER"})
    by_both = marketing_client.get(reverse("service:voice"), {"q": "café", "tag": "café"})

    # then
    assert {n.quote for n in by_tag.context["notes"]} == {
        "Pricing page confused us.",
        "Le café est prêt.",
    }
    assert [n.quote for n in by_text.context["notes"]] == ["Tier names are odd."]
    assert [n.quote for n in by_both.context["notes"]] == ["Le café est prêt."]


def test_voice_results_region_for_htmx(marketing_client, customer):
    # given
    factories.VoiceNoteFactory(account=customer, quote="Great support team.", tags=["support"])

    # when
    response = marketing_client.get(
        reverse("service:voice"),
        {"q": "support"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="voice-results",
    )

    # then
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="voice-results"')
    assert "Great support team." in html


# --- Escaping -------------------------------------------------------------------------


def test_user_text_is_escaped(service_client, service_user):
    # given
    evil = factories.AccountFactory(
        name="<script>alert('acct')</script>", domain="evil.example", lifecycle="customer"
    )
    factories.RenewalFactory(account=evil, due_on=timezone.localdate())
    factories.VoiceNoteFactory(
        account=evil, quote="<img src=x onerror=alert(1)>", tags=["<b>tag</b>"], context="<i>x</i>"
    )
    factories.HealthCheckFactory(
        account=evil, note="<script>alert('note')</script>", set_by=service_user
    )

    # when
    pages = [
        service_client.get(reverse("service:home")).content.decode(),
        service_client.get(reverse("service:voice")).content.decode(),
        service_client.get(reverse("service:account", args=[evil.pk])).content.decode(),
    ]

    # then
    for html in pages:
        assert "<script>alert(" not in html
        assert "<img src=x" not in html
        assert "<b>tag</b>" not in html
    assert "&lt;script&gt;alert(&#x27;acct&#x27;)&lt;/script&gt;" in pages[0]
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages[1]


# --- Churn page figures ---------------------------------------------------------------


def test_churn_page_figures_match_a_hand_worked_example(marketing_client, service_user):
    # given: 2026-Q3 with three churned renewals, one renewed, one pending, and one churned
    # renewal just outside the quarter.
    factories.QuarterFactory(name="2026-Q3", starts_on=date(2026, 7, 1), ends_on=date(2026, 9, 30))
    price = factories.ChurnReasonFactory(code="price", label="Price")
    rival = factories.ChurnReasonFactory(code="rival", label="Switched to a competitor")
    closed = {"closed_at": timezone.now(), "closed_by": service_user}
    for due, amount, reason in [
        (date(2026, 7, 10), "1000", price),
        (date(2026, 8, 5), "2500", price),
        (date(2026, 9, 30), "4000", rival),
        (date(2026, 10, 1), "9999", price),
    ]:
        factories.RenewalFactory(
            due_on=due, amount=Decimal(amount), outcome="churned", churn_reason=reason, **closed
        )
    factories.RenewalFactory(
        due_on=date(2026, 9, 15),
        amount=Decimal("3000"),
        outcome="renewed",
        renewed_amount=Decimal("3000"),
        **closed,
    )
    factories.RenewalFactory(due_on=date(2026, 8, 20), amount=Decimal("500"))

    # when
    response = marketing_client.get(reverse("service:churn"), {"quarter": "2026-Q3"})

    # then: rival 4000 of 7500 = 53.3 %, price 1000 + 2500 = 3500 = 46.7 %
    report = response.context["report"]
    assert [(line.label, line.count, line.amount, line.share) for line in report.lines] == [
        ("Switched to a competitor", 1, Decimal("4000"), Decimal("53.3")),
        ("Price", 2, Decimal("3500"), Decimal("46.7")),
    ]
    assert (report.count, report.amount) == (3, Decimal("7500"))
    assert (report.due_count, report.due_amount) == (5, Decimal("11000"))
    html = response.content.decode()
    assert "7,500" in html
    assert "53.3%" in html


def test_churn_page_with_no_quarters_uses_calendar_quarters(marketing_client):
    # when
    response = marketing_client.get(reverse("service:churn"))

    # then
    today = timezone.localdate()
    assert response.context["quarter"].name == f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    assert "No churn recorded" in response.content.decode()


# --- Query counts ---------------------------------------------------------------------


def _service_data(size: int, owner) -> None:  # type: ignore[no-untyped-def]
    reason = factories.ChurnReasonFactory()
    for i in range(size):
        account = factories.AccountFactory(lifecycle="customer", owner=owner, health="green")
        factories.RenewalFactory(account=account, due_on=timezone.localdate())
        factories.RenewalFactory(
            account=account,
            due_on=timezone.localdate(),
            outcome="churned",
            churn_reason=reason,
            churn_note=f"note {i}",
            closed_at=timezone.now(),
            closed_by=owner,
        )
        factories.HealthCheckFactory(account=account, set_by=owner)
        factories.VoiceNoteFactory(account=account, author=owner, tags=["pricing", f"t{i}"])


@pytest.mark.parametrize(
    "url",
    [
        lambda first: reverse("service:home"),
        lambda first: reverse("service:voice") + "?tag=pricing&q=onboarding",
        lambda first: reverse("service:churn"),
        lambda first: reverse("service:account", args=[first]),
    ],
    ids=["home", "voice", "churn", "account"],
)
def test_service_pages_use_a_constant_number_of_queries(
    service_client, service_user, django_assert_max_num_queries, url
):
    # given
    _service_data(2, service_user)
    first = Account.objects.order_by("pk").first().pk
    with CaptureQueriesContext(connection) as small:
        assert service_client.get(url(first)).status_code == 200

    # when
    _service_data(12, service_user)

    # then
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert service_client.get(url(first)).status_code == 200


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

"""RevOps corrects deals in the admin (an amount, a stage, the primary lead) or adds one there:
what the services keep for a deal follows, so the reports still agree with the deals. The
campaign credits are rewritten, the leads' facts restated, and a deal won in the admin makes
its account a customer and opens its renewal, as a win in the pipeline does. After every
correction the kept credits and facts equal a rebuild from the records."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Account
from apps.campaigns.models import Campaign
from apps.goals.facts import rebuild_deal_credits, rebuild_lead_facts
from apps.leads.models import Lead, LeadFacts
from apps.opportunities.models import CampaignCredit, Opportunity
from apps.opportunities.services import change_stage, convert_lead
from apps.service.models import Renewal
from apps.users.models import User
from tests import factories
from tests.goals.test_facts import _credits, _entries, _table
from tests.opportunities.test_source_campaign import ON, _change_form, _owned_lead

pytestmark = pytest.mark.django_db

MODELS = ("last_touch", "linear", "w_shaped", "influenced")


@pytest.fixture
def webinar(db) -> Campaign:  # type: ignore[no-untyped-def]
    return factories.CampaignFactory(name="Autumn webinar")


def _closed(deal: Opportunity) -> dict[str, str]:
    """The admin's two close-time inputs for the deal's close time, in the admin's time zone."""
    assert deal.closed_at is not None
    local = timezone.localtime(deal.closed_at)
    return {"closed_at_0": local.strftime("%Y-%m-%d"), "closed_at_1": local.strftime("%H:%M:%S")}


def _won_deal(rep: User, lead: Lead, amount: str) -> Opportunity:
    deal = convert_lead(lead_id=lead.pk, actor=rep, name="Northwind pilot", amount=amount)
    change_stage(opportunity_id=deal.pk, actor=rep, stage="won")
    deal.refresh_from_db()
    return deal


def _credit_totals(deal: Opportunity) -> dict[str, Decimal]:
    rows = (
        CampaignCredit.objects.filter(opportunity=deal)
        .values_list("model")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return dict(rows)


def _facts(lead: Lead) -> tuple[bool, Decimal]:
    return LeadFacts.objects.values_list("converted", "won_amount").get(lead_id=lead.pk)


def _post(client: Any, deal: Opportunity, **changes: Any) -> None:
    url = reverse("admin:opportunities_opportunity_change", args=[deal.pk])
    response = client.post(url, _change_form(deal, **changes))
    assert response.status_code == 302, response.context["adminform"].form.errors


def _assert_kept_equals_rebuilt() -> None:
    kept = (_table(), _entries(), _credits())
    rebuild_lead_facts()
    rebuild_deal_credits()
    assert (_table(), _entries(), _credits()) == kept


def test_an_amount_corrected_on_a_won_deal_is_credited_and_summed_anew(
    agreement, pool, policy, rep, revops_client, webinar
) -> None:  # type: ignore[no-untyped-def]
    # given a 5,000 win the webinar brought in
    lead = _owned_lead(rep, "ana@northwind.example", webinar)
    deal = _won_deal(rep, lead, "5000")
    assert _credit_totals(deal) == dict.fromkeys(MODELS, Decimal("5000.00"))

    # when RevOps corrects the amount to 8,000
    url = reverse("admin:opportunities_opportunity_change", args=[deal.pk])
    page = revops_client.post(
        url, _change_form(deal, amount="8000.00", **_closed(deal)), follow=True
    )

    # then the admin says what followed, every model credits 8,000, and the lead won 8,000
    assert "Its campaign credits and its leads&#x27; converted and won figures were" in (
        page.content.decode()
    )
    assert _credit_totals(deal) == dict.fromkeys(MODELS, Decimal("8000.00"))
    assert _facts(lead) == (True, Decimal("8000.00"))
    _assert_kept_equals_rebuilt()


def test_a_won_deal_handed_to_another_rep_moves_its_credits_with_it(
    agreement, pool, policy, rep, other_rep, revops_client, webinar
) -> None:  # type: ignore[no-untyped-def]
    # given a 5,000 win the webinar brought in, Sam's
    lead = _owned_lead(rep, "ana@northwind.example", webinar)
    deal = _won_deal(rep, lead, "5000")
    assert {rep.pk} == set(
        CampaignCredit.objects.filter(opportunity=deal).values_list("owner_id", flat=True)
    )

    # when RevOps gives the deal to another rep
    _post(revops_client, deal, owner=str(other_rep.pk), **_closed(deal))

    # then every credit names the new owner (the attribution card sums credits per rep from
    # them), still 5,000 under every model, and the kept credits equal a rebuild
    credits = CampaignCredit.objects.filter(opportunity=deal)
    assert set(credits.values_list("owner_id", flat=True)) == {other_rep.pk}
    assert _credit_totals(deal) == dict.fromkeys(MODELS, Decimal("5000.00"))
    _assert_kept_equals_rebuilt()


def test_moving_the_primary_lead_restates_both_leads_facts(
    agreement, pool, policy, rep, revops_client, webinar
) -> None:  # type: ignore[no-untyped-def]
    # given Ana's 5,000 win, and Ben, the account's champion
    lead = _owned_lead(rep, "ana@northwind.example", webinar)
    deal = _won_deal(rep, lead, "5000")
    champion = factories.LeadFactory(email="ben@northwind.example", account=lead.account)
    factories.TouchpointFactory(lead=champion, campaign=webinar, occurred_at=ON)

    # when RevOps makes Ben the primary lead
    _post(revops_client, deal, primary_lead=champion.pk, **_closed(deal))

    # then Ana has no deal and no won amount left; Ben has both
    assert _facts(lead) == (False, Decimal("0.00"))
    assert _facts(champion) == (True, Decimal("5000.00"))
    _assert_kept_equals_rebuilt()


def test_a_deal_won_in_the_admin_is_credited_and_makes_its_account_a_customer(
    agreement, pool, policy, rep, revops_client, webinar, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    # given an open 5,000 deal at a prospect
    lead = _owned_lead(rep, "ana@northwind.example", webinar)
    deal = convert_lead(lead_id=lead.pk, actor=rep, name="Northwind pilot", amount="5000")
    assert deal.account.lifecycle != Account.Lifecycle.CUSTOMER
    closed = timezone.localtime(timezone.now()).replace(microsecond=0) - timezone.timedelta(days=9)

    # when RevOps records, today, the win it opened twelve days ago and closed nine days ago
    created = closed - timezone.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        _post(
            revops_client,
            deal,
            stage="won",
            created_at_0=created.strftime("%Y-%m-%d"),
            created_at_1=created.strftime("%H:%M:%S"),
            closed_at_0=closed.strftime("%Y-%m-%d"),
            closed_at_1=closed.strftime("%H:%M:%S"),
        )

    # then the win is credited and summed, the account is a customer and its renewal is open
    assert _credit_totals(deal) == dict.fromkeys(MODELS, Decimal("5000.00"))
    assert _facts(lead) == (True, Decimal("5000.00"))
    account = Account.objects.get(pk=deal.account_id)
    assert account.lifecycle == Account.Lifecycle.CUSTOMER
    assert account.became_customer_at == closed  # the day it was won, not the day of the edit
    assert Renewal.objects.filter(source_opportunity=deal, amount=Decimal("5000.00")).exists()
    _assert_kept_equals_rebuilt()


def test_a_won_deal_reopened_in_the_admin_loses_its_credits_and_won_amount(
    agreement, pool, policy, rep, revops_client, webinar
) -> None:  # type: ignore[no-untyped-def]
    # given a 5,000 win
    lead = _owned_lead(rep, "ana@northwind.example", webinar)
    deal = _won_deal(rep, lead, "5000")

    # when RevOps moves it back to negotiation (a win recorded by mistake)
    _post(revops_client, deal, stage="negotiation")

    # then nothing is credited for it and the lead, still converted, has won nothing
    assert _credit_totals(deal) == {}
    assert _facts(lead) == (True, Decimal("0.00"))
    _assert_kept_equals_rebuilt()


def test_a_won_deal_added_in_the_admin_is_credited(
    agreement, pool, policy, rep, revops_client, webinar
) -> None:  # type: ignore[no-untyped-def]
    # given Ana, whom the webinar brought in, with no deal yet
    lead = _owned_lead(rep, "ana@northwind.example", webinar)
    closed = timezone.localtime(timezone.now()).replace(microsecond=0)
    created = closed - timezone.timedelta(days=3)

    # when RevOps adds her account's 7,500 win by hand
    response = revops_client.post(
        reverse("admin:opportunities_opportunity_add"),
        {
            "account": lead.account_id,
            "primary_lead": lead.pk,
            "owner": rep.pk,
            "name": "Northwind rollout",
            "amount": "7500.00",
            "stage": "won",
            "type": "new",
            "origin": "marketing",
            "created_at_0": created.strftime("%Y-%m-%d"),
            "created_at_1": created.strftime("%H:%M:%S"),
            "expected_close": "",
            "closed_at_0": closed.strftime("%Y-%m-%d"),
            "closed_at_1": closed.strftime("%H:%M:%S"),
            "lost_reason": "",
            "lost_details": "",
            "term_months": 12,
        },
    )

    # then it is credited and summed like a win in the pipeline
    assert response.status_code == 302, response.context["adminform"].form.errors
    deal = Opportunity.objects.get(name="Northwind rollout")
    assert deal.source_campaign_id == webinar.pk
    assert _credit_totals(deal) == dict.fromkeys(MODELS, Decimal("7500.00"))
    assert _facts(lead) == (True, Decimal("7500.00"))
    _assert_kept_equals_rebuilt()


def test_an_edit_of_the_name_alone_leaves_the_credits_as_they_are(
    agreement, pool, policy, rep, revops_client, webinar
) -> None:  # type: ignore[no-untyped-def]
    # given a 5,000 win, its credits written when it was won
    lead = _owned_lead(rep, "ana@northwind.example", webinar)
    deal = _won_deal(rep, lead, "5000")
    before = list(CampaignCredit.objects.filter(opportunity=deal).values_list("pk", flat=True))

    # when RevOps renames it
    url = reverse("admin:opportunities_opportunity_change", args=[deal.pk])
    form = _change_form(deal, name="Northwind pilot (EMEA)", **_closed(deal))
    page = revops_client.post(url, form, follow=True)

    # then the same credit rows stand (not rewritten), and the admin claims no recalculation
    assert "was changed successfully" in page.content.decode()
    assert "recalculated" not in page.content.decode()
    after = list(CampaignCredit.objects.filter(opportunity=deal).values_list("pk", flat=True))
    assert after == before
    assert _facts(lead) == (True, Decimal("5000.00"))


@pytest.mark.parametrize(
    ("field", "value"),
    [("amount", "1" * 30), ("amount", "-5"), ("primary_lead", "999999999"), ("stage", "won!")],
)
def test_a_correction_with_bad_input_names_the_field_and_rewrites_nothing(
    agreement, pool, policy, rep, revops_client, webinar, field, value
) -> None:  # type: ignore[no-untyped-def]
    # given a 5,000 win with its credits
    lead = _owned_lead(rep, "ana@northwind.example", webinar)
    deal = _won_deal(rep, lead, "5000")
    before = (_credit_totals(deal), _facts(lead), deal.amount, deal.primary_lead_id)

    # when RevOps posts a value the field cannot hold
    url = reverse("admin:opportunities_opportunity_change", args=[deal.pk])
    response = revops_client.post(url, _change_form(deal, **{field: value}, **_closed(deal)))

    # then the form comes back naming that field, and neither the deal nor its figures moved
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    deal.refresh_from_db()
    assert (_credit_totals(deal), _facts(lead), deal.amount, deal.primary_lead_id) == before


def test_a_close_time_before_the_deal_was_created_is_refused(
    agreement, pool, policy, rep, revops_client, webinar
) -> None:  # type: ignore[no-untyped-def]
    # given a 5,000 win
    lead = _owned_lead(rep, "ana@northwind.example", webinar)
    deal = _won_deal(rep, lead, "5000")
    before = (deal.closed_at, _credit_totals(deal))

    # when RevOps dates its close a day before the deal was created
    early = timezone.localtime(deal.created_at) - timezone.timedelta(days=1)
    url = reverse("admin:opportunities_opportunity_change", args=[deal.pk])
    form = _change_form(
        deal, closed_at_0=early.strftime("%Y-%m-%d"), closed_at_1=early.strftime("%H:%M:%S")
    )
    response = revops_client.post(url, form)

    # then the close time is named and nothing moved
    assert response.context["adminform"].form.errors["closed_at"] == [
        "A deal cannot close before it was created."
    ]
    deal.refresh_from_db()
    assert (deal.closed_at, _credit_totals(deal)) == before

"""Lost reasons come from a list RevOps keeps: the service and the API take an active reason's
id (refusing a missing, unknown or archived one on `lost_reason`), the free text is the deal's
optional details, and migration 0007 turns the texts typed before the list into reasons."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client, RequestFactory
from django.utils import timezone
from rest_framework.test import APIClient

from apps.core.errors import InvalidTransition
from apps.opportunities.admin import OpportunityAdmin
from apps.opportunities.models import LostReason, Opportunity
from apps.opportunities.services import change_stage
from apps.users.models import User
from tests import factories

pytestmark = pytest.mark.django_db

STAGE_URL = "/api/v1/opportunities/{}/stage/"
STORY = "Chose a competitor: X was cheaper, had the TMS integration and a reference in our region"


@pytest.fixture
def price() -> LostReason:
    return factories.LostReasonFactory(name="Price")


@pytest.fixture
def archived() -> LostReason:
    return factories.LostReasonFactory(name="Went with the old vendor", is_active=False)


# --- The service ---------------------------------------------------------------------------


def test_lost_deal_keeps_its_reason_and_trimmed_details(rep: User, price: LostReason) -> None:
    # given
    deal = factories.OpportunityFactory(owner=rep)

    # when
    change_stage(
        opportunity_id=deal.pk,
        actor=rep,
        stage="lost",
        lost_reason_id=price.pk,
        lost_details="  Asked for 30% off  ",
    )

    # then
    deal.refresh_from_db()
    assert (deal.stage, deal.lost_reason, deal.lost_details) == ("lost", price, "Asked for 30% off")
    assert deal.closed_at is not None


@pytest.mark.parametrize(
    ("which", "message"),
    [
        ("missing", "Say why the deal was lost: choose a reason."),
        ("unknown", "Choose a lost reason from the list."),
        ("archived", "“Went with the old vendor” is archived: choose a current lost reason."),
    ],
)
def test_lost_needs_an_active_reason_from_the_list(
    rep: User, archived: LostReason, which: str, message: str
) -> None:
    # given
    deal = factories.OpportunityFactory(owner=rep)
    reason_id = {"missing": None, "unknown": archived.pk + 1000, "archived": archived.pk}[which]

    # when
    with pytest.raises(InvalidTransition) as refused:
        change_stage(opportunity_id=deal.pk, actor=rep, stage="lost", lost_reason_id=reason_id)

    # then
    assert (refused.value.field, refused.value.message) == ("lost_reason", message)
    deal.refresh_from_db()
    assert (deal.stage, deal.lost_reason_id) == ("discovery", None)


def test_a_reason_given_with_another_stage_is_ignored(rep: User, price: LostReason) -> None:
    # given
    deal = factories.OpportunityFactory(owner=rep)

    # when
    change_stage(
        opportunity_id=deal.pk, actor=rep, stage="won", lost_reason_id=price.pk, lost_details="x"
    )

    # then
    deal.refresh_from_db()
    assert (deal.stage, deal.lost_reason_id, deal.lost_details) == ("won", None, "")


def test_an_archived_reason_stays_on_the_deals_lost_for_it(rep: User, price: LostReason) -> None:
    # given
    deal = factories.OpportunityFactory(owner=rep)
    change_stage(opportunity_id=deal.pk, actor=rep, stage="lost", lost_reason_id=price.pk)

    # when
    price.is_active = False
    price.save()

    # then
    deal.refresh_from_db()
    assert deal.lost_reason == price
    assert price not in LostReason.objects.offered()


def test_the_database_wants_a_reason_exactly_on_lost_deals(rep: User, price: LostReason) -> None:
    # given
    deal = factories.OpportunityFactory(owner=rep)

    # when / then: lost without a reason, and open with one, are both refused
    with pytest.raises(IntegrityError), transaction.atomic():
        Opportunity.objects.filter(pk=deal.pk).update(stage="lost", closed_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Opportunity.objects.filter(pk=deal.pk).update(lost_reason=price)


def test_reason_names_are_unique_whatever_the_case(price: LostReason) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        LostReason.objects.create(name="PRICE")


# --- The API -------------------------------------------------------------------------------


def test_api_marks_a_deal_lost_with_a_reason_id_and_shows_id_and_name(
    rep: User, rep_api: APIClient, price: LostReason
) -> None:
    # given
    deal = factories.OpportunityFactory(owner=rep)

    # when
    response = rep_api.post(
        STAGE_URL.format(deal.pk),
        {"stage": "lost", "lost_reason": price.pk, "lost_details": "Too dear"},
        format="json",
    )

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["stage"] == "lost"
    assert body["lost_reason"] == {"id": price.pk, "name": "Price"}
    assert body["lost_details"] == "Too dear"
    listed = rep_api.get("/api/v1/opportunities/", {"lost_reason": price.pk}).json()["results"]
    assert [(row["id"], row["lost_reason"]["name"]) for row in listed] == [(deal.pk, "Price")]


@pytest.mark.parametrize(
    ("reason", "status"),
    [
        (None, 422),
        ("", 422),
        ("missing", 422),
        ("unknown", 422),
        ("archived", 422),
        ("Price", 400),
        (0, 400),
    ],
)
def test_api_names_lost_reason_when_it_is_missing_unknown_or_archived(
    rep: User, rep_api: APIClient, archived: LostReason, reason: Any, status: int
) -> None:
    # given
    deal = factories.OpportunityFactory(owner=rep)
    body: dict[str, Any] = {"stage": "lost"}
    if reason != "missing":
        body["lost_reason"] = {"unknown": 2**62, "archived": archived.pk}.get(reason, reason)

    # when
    response = rep_api.post(STAGE_URL.format(deal.pk), body, format="json")

    # then
    assert response.status_code == status
    assert "lost_reason" in response.json()
    deal.refresh_from_db()
    assert deal.stage == "discovery"


def test_api_list_queries_do_not_grow_with_lost_deals(
    rep: User, rep_api: APIClient, django_assert_max_num_queries: Any
) -> None:
    # given: two lost deals, then six more for three other reasons
    def lose(n: int) -> None:
        for i in range(n):
            factories.OpportunityFactory(
                owner=rep,
                stage="lost",
                closed_at=timezone.now(),
                lost_reason=factories.LostReasonFactory(name=f"Reason {i % 3}"),
            )

    lose(2)
    with django_assert_max_num_queries(10) as small:
        assert rep_api.get("/api/v1/opportunities/").status_code == 200

    # when
    lose(6)

    # then
    with django_assert_max_num_queries(len(small)):
        response = rep_api.get("/api/v1/opportunities/")
    assert len(response.json()["results"]) == 8


# --- The admin -----------------------------------------------------------------------------


def test_revops_keeps_the_list_in_the_admin_and_archives_instead_of_deleting(
    revops_client: Client, price: LostReason
) -> None:
    # when
    listed = revops_client.get("/admin/opportunities/lostreason/", {"q": "pri"})
    added = revops_client.post(
        "/admin/opportunities/lostreason/add/",
        {"name": "Security review", "order": "70", "is_active": "on"},
    )
    duplicate = revops_client.post(
        "/admin/opportunities/lostreason/add/", {"name": "price", "order": "5"}
    )
    delete = revops_client.get(f"/admin/opportunities/lostreason/{price.pk}/delete/")

    # then
    assert listed.status_code == 200
    assert "Price" in listed.content.decode()
    assert added.status_code == 302
    assert LostReason.objects.get(name="Security review").order == 70
    assert duplicate.status_code == 200
    assert "A lost reason with this name already exists." in duplicate.content.decode()
    assert delete.status_code == 403


def test_admin_opportunity_form_wants_a_reason_exactly_when_lost(
    revops: User, rep: User, price: LostReason
) -> None:
    # given
    deal = factories.OpportunityFactory(owner=rep)
    request = RequestFactory().get("/")
    request.user = revops
    form_class = OpportunityAdmin(Opportunity, admin.site).get_form(request, deal)

    # when
    lost_without = form_class({"stage": "lost"}, instance=deal)
    open_with = form_class({"stage": "demo", "lost_reason": price.pk}, instance=deal)

    # then
    assert lost_without.errors["lost_reason"] == ["Say why the opportunity was lost."]
    assert open_with.errors["lost_reason"] == ["Only a lost opportunity has a lost reason."]


# --- Migration 0007: the texts typed before the list ---------------------------------------


def test_migration_turns_stored_texts_into_reasons_and_links_every_lost_deal(
    transactional_db: None,
) -> None:
    """Back to 0006 (the new columns, no list yet, no check), deals as they were stored, then
    forward: 0007 maps each text case- and whitespace-insensitively, 0008's check holds."""
    call_command("migrate", "opportunities", "0006_lost_reason", verbosity=0)
    try:
        # given: lost deals with the texts reps typed, and an open deal with a stray text,
        # written as 0006's schema stores them (today's model has columns added since)
        state = MigrationExecutor(connection).loader.project_state(
            ("opportunities", "0006_lost_reason")
        )
        stored = state.apps.get_model("opportunities", "Opportunity")
        rep, account = factories.UserFactory(), factories.AccountFactory()
        closed = timezone.now() - timedelta(days=3)

        def deal(text: str, **fields: Any) -> int:
            return int(
                stored.objects.create(
                    account_id=account.pk,
                    owner_id=rep.pk,
                    name="Deal",
                    created_at=closed,
                    lost_details=text,
                    **fields,
                ).pk
            )

        def lost(text: str) -> int:
            return deal(text, stage="lost", closed_at=closed)

        price_deals = [lost("price"), lost("  PRICE "), lost("Price")]
        dark = [lost("went  dark"), lost("Went dark"), lost("Went dark")]
        long_story = lost(STORY)
        blank = lost("   ")
        open_deal = deal("n/a")

        # when
        call_command("migrate", "opportunities", verbosity=0)
    finally:
        call_command("migrate", "opportunities", verbosity=0)

    # then: the default list, then the team's own reasons, most used first
    def reason_of(pk: int) -> tuple[str, str, bool]:
        deal = Opportunity.objects.select_related("lost_reason").get(pk=pk)
        assert deal.lost_reason is not None
        return deal.lost_reason.name, deal.lost_details, deal.lost_reason.is_active

    assert {reason_of(d) for d in price_deals} == {("Price", "", True)}
    assert {reason_of(d) for d in dark} == {("Went dark", "", True)}
    # a text longer than a name: the name is its first 80 characters, the details keep it whole
    assert reason_of(long_story) == (STORY[:80], STORY, True)
    assert reason_of(blank) == ("Not recorded", "   ", False)
    still_open = Opportunity.objects.get(pk=open_deal)
    assert (still_open.lost_reason_id, still_open.lost_details) == (None, "n/a")
    names = list(LostReason.objects.order_by("order").values_list("name", flat=True))
    assert names[:6] == [
        "Price",
        "Chose a competitor",
        "No decision / went dark",
        "Timing",
        "Missing feature",
        "Budget cut",
    ]
    assert names[6:] == ["Went dark", STORY[:80], "Not recorded"]  # most used first
    assert not Opportunity.objects.filter(stage="lost", lost_reason__isnull=True).exists()
    assert Opportunity.objects.filter(stage="lost").count() == 8

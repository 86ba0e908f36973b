"""The admin of leads: never deleted, archived with an event, status read-only."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from apps.leads.models import Lead, LeadEvent
from apps.users.models import User
from tests import factories


def url(model_label: str, view: str, *args: Any) -> str:
    app_label, model_name = model_label.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def details(lead: Lead, **changes: Any) -> dict[str, Any]:
    """The admin's change form for the lead as it stands, with `changes` made."""
    return {
        "email": lead.email,
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "title": lead.title,
        "buying_role": lead.buying_role,
        "source": lead.source,
        **changes,
    }


def populate(*, rep: User, marketer: User) -> Lead:
    """One row of every record, so list columns and change pages render real data."""
    account = factories.AccountFactory(owner=rep)
    lead = factories.LeadFactory(account=account)
    factories.TouchpointFactory(lead=lead)
    factories.ActivityFactory(lead=lead, rep=rep)
    factories.LeadEventFactory(lead=lead, actor=rep)
    factories.DisqualificationFactory(lead=lead, rep=rep)
    factories.OpportunityFactory(account=account, owner=rep, primary_lead=lead)
    factories.RenewalFactory(account=account)
    factories.ChurnReasonFactory()
    factories.HealthCheckFactory(account=account, set_by=rep)
    factories.VoiceNoteFactory(account=account, author=marketer)
    factories.NotificationFactory(recipient=rep, lead=lead)
    factories.TeamChannelFactory()
    factories.GoalSnapshotFactory(goal__segment_campaign=factories.CampaignFactory())
    factories.AssetFactory()
    factories.PlayStepFactory()
    factories.LeadPlayStepFactory(lead_play=factories.LeadPlayFactory(lead=lead))
    factories.HolidayFactory(policy__is_active=False)
    factories.PoolMemberFactory(rep=rep)
    factories.ScoringRuleFactory()
    factories.BuyingRoleRuleFactory()
    factories.AgreementFactory(marketing_signer=marketer, marketing_signed_at=account.created_at)
    factories.IntakeSourceFactory(default_campaign=factories.CampaignFactory())
    factories.IdempotencyRecordFactory()
    return lead


@pytest.fixture
def populated(db: None, rep: User, marketer: User) -> Lead:
    return populate(rep=rep, marketer=marketer)


def test_lead_delete_page_is_forbidden(admin_client: Client) -> None:
    # given
    lead = factories.LeadFactory()

    # when
    page = admin_client.get(url("leads.lead", "delete", lead.pk))
    posted = admin_client.post(url("leads.lead", "delete", lead.pk), {"post": "yes"})

    # then
    assert page.status_code == 403
    assert posted.status_code == 403
    assert Lead.objects.filter(pk=lead.pk).exists()


def test_lead_bulk_delete_action_is_not_offered(admin_client: Client) -> None:
    # given
    lead = factories.LeadFactory()

    # when
    changelist = admin_client.get(url("leads.lead", "changelist"))
    admin_client.post(
        url("leads.lead", "changelist"),
        {"action": "delete_selected", "_selected_action": [lead.pk], "post": "yes"},
    )

    # then
    choices = [name for name, _ in changelist.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in choices
    assert "archive_selected" in choices
    assert Lead.objects.filter(pk=lead.pk).exists()


@pytest.mark.parametrize(
    "model_label", ["leads.touchpoint", "leads.activity", "feedback.disqualification"]
)
def test_history_records_cannot_be_deleted(
    admin_client: Client, populated: None, model_label: str
) -> None:
    # given
    model = next(m for m in admin.site._registry if m._meta.label_lower == model_label)
    record = model._default_manager.get()

    # when
    response = admin_client.get(url(model_label, "delete", record.pk))

    # then
    assert response.status_code == 403
    assert model._default_manager.filter(pk=record.pk).exists()


def test_lead_events_are_read_only(admin_client: Client) -> None:
    # given
    event = factories.LeadEventFactory()

    # when
    add = admin_client.get(url("leads.leadevent", "add"))
    change = admin_client.post(url("leads.leadevent", "change", event.pk), {"reason": "edited"})
    delete = admin_client.get(url("leads.leadevent", "delete", event.pk))

    # then
    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    event.refresh_from_db()
    assert event.reason == "intake"


def test_archive_action_archives_leads_and_writes_one_event_each(
    revops_client: Client, revops: User
) -> None:
    # given
    first, second = factories.LeadFactory(), factories.LeadFactory()
    action = {"action": "archive_selected", "_selected_action": [first.pk, second.pk]}

    # when
    response = revops_client.post(url("leads.lead", "changelist"), action, follow=True)
    again = revops_client.post(url("leads.lead", "changelist"), action, follow=True)

    # then
    for lead in (first, second):
        lead.refresh_from_db()
        assert lead.is_archived
        assert lead.archived_at is not None
    events = LeadEvent.objects.filter(kind=LeadEvent.Kind.ARCHIVED).order_by("lead_id")
    assert [(e.lead_id, e.actor, e.reason) for e in events] == [
        (first.pk, revops, "archived in admin"),
        (second.pk, revops, "archived in admin"),
    ]
    assert "Archived 2 lead(s)." in messages_of(response)
    assert "Archived 0 lead(s). 2 already archived." in messages_of(again)


def test_lead_page_links_to_its_own_events(admin_client: Client, populated: Lead) -> None:
    # given
    other = factories.LeadEventFactory()
    page = admin_client.get(url("leads.lead", "change", populated.pk))
    events_url = url("leads.leadevent", "changelist") + f"?lead__id__exact={populated.pk}"

    # when
    response = admin_client.get(events_url)

    # then
    assert events_url in page.content.decode().replace("&amp;", "&")
    shown = list(response.context["cl"].result_list)
    assert [event.lead_id for event in shown] == [populated.pk]
    assert other not in shown


def test_lead_details_are_editable_and_status_is_not(revops_client: Client) -> None:
    # given
    lead = factories.LeadFactory(email="pat@acme.example", status=Lead.Status.NURTURE)

    # when
    response = revops_client.post(
        url("leads.lead", "change", lead.pk),
        {
            "email": "  Pat.Buyer@ACME.example ",
            "first_name": "Pat",
            "last_name": "Buyer",
            "title": "CFO",
            "buying_role": "decision_maker",
            "source": "web_form",
            "status": "converted",
        },
    )

    # then
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.email == "pat.buyer@acme.example"
    assert lead.title == "CFO"
    assert lead.buying_role_set_by_hand
    assert lead.status == Lead.Status.NURTURE
    # and the edit is in the lead's audit trail with old and new values
    from apps.leads.models import LeadEvent

    event = LeadEvent.objects.get(lead=lead, kind="field")
    assert event.reason == "edited in the admin"
    assert event.payload["fields"]["title"] == ["Head of Operations", "CFO"]


def test_a_role_set_in_the_admin_moves_the_persons_touches_on_the_account_charts(
    revops_client: Client,
) -> None:
    # given a champion with two touches at an account, one with an asset
    from apps.leads import engagement
    from apps.leads.models import AccountWeek

    account = factories.AccountFactory()
    lead = factories.LeadFactory(account=account, buying_role="champion", title="Head of IT")
    asset = factories.AssetFactory()
    factories.TouchpointFactory(lead=lead)
    factories.TouchpointFactory(lead=lead, asset=asset)

    # when RevOps makes them a decision maker in the admin
    response = revops_client.post(
        url("leads.lead", "change", lead.pk), details(lead, buying_role="decision_maker")
    )

    # then both touches count for the new role only, as a rebuild would count them
    assert response.status_code == 302
    kept = {
        (role, key): n
        for role, key, n in AccountWeek.objects.filter(touches__gt=0).values_list(
            "buying_role", "asset_key", "touches"
        )
    }
    assert kept == {("decision_maker", 0): 1, ("decision_maker", asset.pk): 1}
    assert sum(engagement.computed().values()) == 2


def test_an_account_set_in_the_admin_moves_the_leads_facts_and_cohort_entry(
    revops_client: Client,
) -> None:
    # given a lead at a standard account that became ready on 2 Nov 2026 (2026-Q4's cohort)
    from datetime import UTC, datetime

    from apps.goals.facts import rebuild_lead_facts
    from apps.goals.metrics.base import Segment, cohort_figures
    from apps.leads.models import CohortEntry, LeadFacts

    standard = factories.AccountFactory(tier="standard")
    target = factories.AccountFactory(tier="target")
    lead = factories.LeadFactory(account=standard)
    factories.LeadEventFactory(
        lead=lead,
        kind=LeadEvent.Kind.STATUS,
        old_value="new",
        new_value="ready",
        at=datetime(2026, 11, 2, 9, tzinfo=UTC),
    )
    q4 = factories.QuarterFactory()

    def by_tier() -> tuple[int, int]:
        return (
            cohort_figures(q4, Segment(tier="target")).total,
            cohort_figures(q4, Segment(tier="standard")).total,
        )

    assert by_tier() == (0, 1)

    # when RevOps moves the lead to the target account in the admin
    response = revops_client.post(
        url("leads.lead", "change", lead.pk), details(lead, account=target.pk)
    )

    # then its facts and its cohort entry carry the new account, and the tier-segmented
    # cohort counts it for the target tier, as a rebuild from the records does
    assert response.status_code == 302
    assert LeadFacts.objects.get(lead=lead).account_id == target.pk
    assert CohortEntry.objects.get(lead=lead).account_id == target.pk
    assert by_tier() == (1, 0)
    rebuild_lead_facts([lead.pk])
    assert CohortEntry.objects.get(lead=lead).account_id == target.pk
    assert by_tier() == (1, 0)

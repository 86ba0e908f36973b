"""Bulk actions on the marketer's lead list (issue 16): add the ticked or every matching lead
to a campaign (once each, with an event on its history, filterable afterwards), and recycle the
disqualified ones to nurture as an acknowledged review (never a dispute), with a re-engage day;
every other lead is skipped and counted. Only Marketing and RevOps may act; a refusal names its
field and writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.core.errors import InvalidTransition, NotAllowed
from apps.feedback.models import Disqualification
from apps.feedback.services import disqualify_lead, recycle_many, review_disqualification
from apps.leads.models import CampaignMember, Lead, LeadEvent
from apps.leads.services import BULK_LIMIT, BulkOutcome, add_to_campaign
from apps.routing import services as routing
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/marketing/leads/bulk/"


@pytest.fixture
def nurture_campaign(db):  # type: ignore[no-untyped-def]
    return factories.CampaignFactory(name="Winter nurture", slug="winter-nurture")


@pytest.fixture
def disqualified(pool, policy, rep):  # type: ignore[no-untyped-def]
    """Three leads a rep disqualified (Ana, Ben, Cy), none reviewed yet."""
    reason = factories.DisqualificationReasonFactory(code="timing", label="Bad timing")
    made = {}
    for name in ("Ana", "Ben", "Cy"):
        lead = factories.LeadFactory(first_name=name, status="ready")
        routing.claim_lead(lead_id=lead.pk, rep=rep)
        disqualify_lead(lead_id=lead.pk, actor=rep, reason_id=reason.pk, note="Next year")
        made[name] = Lead.objects.get(pk=lead.pk)
    return made


def test_adding_to_a_campaign_enrols_each_lead_once_with_an_event(marketer, nurture_campaign):
    # given: two leads, one already in the campaign, and an archived one
    ana, ben, gone = factories.LeadFactory.create_batch(3)
    add_to_campaign(lead_ids=[ana.pk], campaign_id=nurture_campaign.pk, actor=marketer)
    Lead.objects.filter(pk=gone.pk).update(is_archived=True, archived_at=timezone.now())
    # when
    outcome = add_to_campaign(
        lead_ids=[ana.pk, ben.pk, gone.pk, ben.pk], campaign_id=nurture_campaign.pk, actor=marketer
    )
    # then: Ben joined; Ana (already in) and the archived lead were skipped
    assert outcome == BulkOutcome(done=1, skipped=2)
    members = CampaignMember.objects.filter(campaign=nurture_campaign)
    assert sorted(members.values_list("lead_id", flat=True)) == [ana.pk, ben.pk]
    assert members.get(lead=ben).added_by == marketer
    events = LeadEvent.objects.filter(kind=LeadEvent.Kind.CAMPAIGN)
    assert sorted(events.values_list("lead_id", "new_value", "actor_id")) == sorted(
        [(ana.pk, "Winter nurture", marketer.pk), (ben.pk, "Winter nurture", marketer.pk)]
    )


@pytest.mark.parametrize(
    ("ids", "field", "message"),
    [
        pytest.param([], "ids", "Tick the leads to add", id="none"),
        pytest.param(list(range(1, BULK_LIMIT + 2)), "ids", "at most 500", id="too-many"),
    ],
)
def test_an_empty_or_too_large_selection_is_refused(
    marketer, nurture_campaign, ids, field, message
):
    with pytest.raises(InvalidTransition) as refused:
        add_to_campaign(lead_ids=ids, campaign_id=nurture_campaign.pk, actor=marketer)
    assert refused.value.field == field
    assert message in refused.value.message
    assert not CampaignMember.objects.exists()


def test_an_inactive_campaign_is_refused(marketer, nurture_campaign):
    lead = factories.LeadFactory()
    nurture_campaign.is_active = False
    nurture_campaign.save()
    with pytest.raises(InvalidTransition) as refused:
        add_to_campaign(lead_ids=[lead.pk], campaign_id=nurture_campaign.pk, actor=marketer)
    assert refused.value.field == "campaign"
    assert not CampaignMember.objects.exists()


def test_only_marketing_and_revops_act_in_bulk(rep, manager, nurture_campaign, disqualified):
    lead = disqualified["Ana"]
    for user in (rep, manager):
        with pytest.raises(NotAllowed):
            add_to_campaign(lead_ids=[lead.pk], campaign_id=nurture_campaign.pk, actor=user)
        with pytest.raises(NotAllowed):
            recycle_many(lead_ids=[lead.pk], actor=user)
    assert not CampaignMember.objects.exists()
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.DISQUALIFIED


def test_recycling_in_bulk_acknowledges_and_recycles_only_disqualified_leads(
    marketer, disqualified
):
    # given: Ana's item already acknowledged, Ben's open, Cy's disputed (so Cy is not
    # disqualified any more), and a lead in nurture
    ana, ben, cy = disqualified["Ana"], disqualified["Ben"], disqualified["Cy"]
    items = {dq.lead_id: dq for dq in Disqualification.objects.all()}
    review_disqualification(
        disqualification_id=items[ana.pk].pk, actor=marketer, decision="acknowledge", note="ok"
    )
    review_disqualification(
        disqualification_id=items[cy.pk].pk,
        actor=marketer,
        decision="dispute",
        note="Wrong call",
        dispute_outcome="nurture",
    )
    nurture = factories.LeadFactory()
    wake = timezone.localdate() + timedelta(days=30)
    # when
    outcome = recycle_many(
        lead_ids=[ana.pk, ben.pk, cy.pk, nurture.pk], actor=marketer, reengage_on=wake
    )
    # then: Ana and Ben are back in nurture, recycled (not disputed) with the day; the others skipped
    assert outcome == BulkOutcome(done=2, skipped=2)
    for lead in (ana, ben):
        lead.refresh_from_db()
        assert (lead.status, lead.owner_id) == (Lead.Status.NURTURE, None)
        dq = Disqualification.objects.get(lead=lead)
        assert (dq.review_status, dq.reengage_on, dq.reviewer) == ("recycled", wake, marketer)
    assert Disqualification.objects.get(lead=ben).action_note == (
        "Recycled to nurture from the lead list."
    )
    assert Disqualification.objects.get(lead=ana).action_note == "ok"  # its review note kept
    assert Disqualification.objects.get(lead=cy).review_status == "disputed"
    assert Disqualification.objects.filter(review_status="disputed").count() == 1


def test_a_bulk_recycle_with_a_past_re_engage_day_writes_nothing(marketer, disqualified):
    with pytest.raises(InvalidTransition) as refused:
        recycle_many(
            lead_ids=[disqualified["Ana"].pk], actor=marketer, reengage_on=timezone.localdate()
        )
    assert refused.value.field == "reengage_on"
    assert Lead.objects.filter(status=Lead.Status.DISQUALIFIED).count() == 3


# --- The page ---------------------------------------------------------------------------------


@pytest.fixture
def mia(marketer) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(marketer)
    return client


def test_the_ticked_leads_join_the_campaign_and_the_filter_finds_them(mia, nurture_campaign):
    ana, ben, _cy = factories.LeadFactory.create_batch(3)
    response = mia.post(
        URL,
        {
            "action": "campaign",
            "scope": "ticked",
            "ids": [ana.pk, ben.pk],
            "campaign": nurture_campaign.pk,
            "query": "status=nurture",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/marketing/leads/?status=nurture"
    page = mia.get(f"/marketing/leads/?in_campaign={nurture_campaign.pk}", follow=True)
    assert "Added 2 leads to “Winter nurture”." in page.content.decode()
    assert {row.lead.pk for row in page.context["listing"].rows} == {ana.pk, ben.pk}


def test_every_matching_lead_is_recycled_from_the_filters(mia, disqualified):
    other = factories.LeadFactory(first_name="Di", status="nurture")
    response = mia.post(
        URL, {"action": "recycle", "scope": "matching", "query": "status=disqualified"}, follow=True
    )
    assert response.status_code == 200
    assert "Recycled 3 disqualified leads to nurture." in response.content.decode()
    assert set(Lead.objects.values_list("status", flat=True)) == {"nurture"}
    assert Disqualification.objects.filter(review_status="recycled").count() == 3
    assert Lead.objects.get(pk=other.pk).status == "nurture"


def test_a_matching_selection_over_the_limit_is_refused_on_the_page(
    mia, nurture_campaign, monkeypatch
):
    factories.LeadFactory.create_batch(3)
    monkeypatch.setattr("apps.leads.services.BULK_LIMIT", 2)
    monkeypatch.setattr("apps.marketing.views.leads.BULK_LIMIT", 2)
    response = mia.post(
        URL, {"action": "campaign", "scope": "matching", "campaign": nurture_campaign.pk}
    )
    assert response.status_code == 422
    assert "Add at most 2 leads at once: narrow the filters." in response.content.decode()
    assert not CampaignMember.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(
            {"action": "campaign", "scope": "ticked", "ids": ["@lead"]},
            "Campaign: Choose the campaign to add the leads to.",
            id="no-campaign",
        ),
        pytest.param(
            {"action": "recycle", "scope": "ticked"},
            "Tick the leads first, or apply to every matching lead.",
            id="nothing-ticked",
        ),
        pytest.param(
            {"action": "recycle", "scope": "ticked", "ids": ["x1"]},
            "Tick leads from the list.",
            id="bad-id",
        ),
        pytest.param(
            {"scope": "ticked", "ids": ["@lead"]},
            "Action: Choose what to do with the leads.",
            id="no-action",
        ),
        pytest.param(
            {"action": "campaign", "scope": "ticked", "ids": ["@lead"], "campaign": "999999"},
            "Campaign: Choose an active campaign.",
            id="unknown-campaign",
        ),
        pytest.param(
            {"action": "recycle", "scope": "ticked", "ids": ["@lead"], "reengage_on": "soon"},
            "Re-engage on (when recycling): Enter the re-engage day as a date.",
            id="bad-date",
        ),
    ],
)
def test_bad_bulk_input_is_refused_with_the_field_named(mia, data, message):
    lead = factories.LeadFactory(status="disqualified")
    data = {
        key: [lead.pk if v == "@lead" else v for v in value] if isinstance(value, list) else value
        for key, value in data.items()
    }
    response = mia.post(URL, data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not CampaignMember.objects.exists()
    assert Lead.objects.get(pk=lead.pk).status == "disqualified"


def test_the_list_offers_the_bulk_form_with_a_checkbox_per_lead(mia, nurture_campaign):
    lead = factories.LeadFactory(first_name="Eve")
    html = mia.get("/marketing/leads/").content.decode()
    assert 'action="/marketing/leads/bulk/"' in html
    assert f'name="ids" value="{lead.pk}" form="bulk-form"' in html
    assert "Winter nurture" in html

"""The lead endpoints: who reads what, filters, detail, and every action through its service."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.feedback.models import Disqualification
from apps.leads.models import Activity, Lead
from apps.opportunities.models import Opportunity
from tests import factories

pytestmark = pytest.mark.django_db

LEADS = "/api/v1/leads/"


def _emails(response) -> set[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return {row["email"] for row in response.json()["results"]}


ALL = {
    "own@company.example",
    "pool@company.example",
    "others@company.example",
    "person@repco.example",
    "buyer@customer.example",
    "someone@gmail.com",
}


@pytest.mark.parametrize(
    ("client_name", "expected"),
    [
        ("rep_api", {"own@company.example", "pool@company.example", "person@repco.example"}),
        ("manager_api", ALL),
        ("marketing_api", ALL),
        ("revops_api", ALL),
        ("service_api", {"buyer@customer.example"}),
    ],
)
def test_lead_list_shows_each_role_what_the_spec_allows(request, api_world, client_name, expected):  # type: ignore[no-untyped-def]
    # given a lead for every visibility rule
    api = request.getfixturevalue(client_name)
    # when / then
    assert _emails(api.get(LEADS)) == expected


def test_anonymous_gets_401_and_a_token_works(api_world, rep):  # type: ignore[no-untyped-def]
    anonymous = APIClient()
    assert anonymous.get(LEADS).status_code == 401
    rep.set_password("secret-pass")
    rep.save()
    token = anonymous.post(
        "/api/v1/auth/token/", {"username": "sam", "password": "secret-pass"}, format="json"
    ).json()["token"]
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert "own@company.example" in _emails(anonymous.get(LEADS))


def test_session_auth_works_for_the_api(client, rep, api_world):  # type: ignore[no-untyped-def]
    client.force_login(rep)
    assert client.get(LEADS).status_code == 200


def test_hidden_and_missing_leads_are_the_same_404(rep_api, api_world):  # type: ignore[no-untyped-def]
    hidden = rep_api.get(f"{LEADS}{api_world.others.pk}/")
    missing = rep_api.get(f"{LEADS}999999/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_filters_narrow_the_list_and_bad_values_name_the_field(manager_api, api_world, rep):  # type: ignore[no-untyped-def]
    assert _emails(manager_api.get(LEADS, {"owner": rep.pk})) == {"own@company.example"}
    assert _emails(manager_api.get(LEADS, {"status": ["ready", "working"]})) == {
        "own@company.example",
        "pool@company.example",
        "others@company.example",
    }
    assert _emails(manager_api.get(LEADS, {"account": api_world.customer_lead.account_id})) == {
        "buyer@customer.example"
    }
    assert _emails(manager_api.get(LEADS, {"sla_state": "none", "unowned": "true"})) == (
        ALL - {"own@company.example", "others@company.example"}
    )
    later = (timezone.now() + timezone.timedelta(hours=1)).isoformat()
    assert _emails(manager_api.get(LEADS, {"created_after": later})) == set()
    bad = manager_api.get(LEADS, {"status": "lost", "created_after": "yesterday"})
    assert bad.status_code == 400
    assert set(bad.json()) == {"status", "created_after"}


def test_campaign_filter_and_ordering(manager_api, api_world):  # type: ignore[no-untyped-def]
    campaign = factories.CampaignFactory()
    Lead.objects.filter(pk=api_world.pool.pk).update(campaign=campaign, score=90)
    assert _emails(manager_api.get(LEADS, {"campaign": campaign.pk})) == {"pool@company.example"}
    first = manager_api.get(LEADS, {"ordering": "-score"}).json()["results"][0]
    assert first["email"] == "pool@company.example"


def test_detail_has_journey_with_intent_notes_play_steps_attempts_and_events(  # type: ignore[no-untyped-def]
    rep_api, api_world, rep
):
    # given a journey touch on an asset with an intent note, a play with a step, an attempt
    asset = factories.AssetFactory(intent_note="Comparing vendors on price.")
    factories.TouchpointFactory(lead=api_world.own, asset=asset, campaign=asset.campaign)
    lead_play = factories.LeadPlayFactory(lead=api_world.own)
    factories.LeadPlayStepFactory(lead_play=lead_play, title="Call within 5 minutes")
    factories.ActivityFactory(lead=api_world.own, rep=rep, note="Left a voicemail")
    factories.LeadEventFactory(lead=api_world.own)
    # when
    body = rep_api.get(f"{LEADS}{api_world.own.pk}/").json()
    # then
    assert body["journey"][0]["asset"]["intent_note"] == "Comparing vendors on price."
    assert body["play"]["steps"][0]["title"] == "Call within 5 minutes"
    assert body["attempts"][0]["note"] == "Left a voicemail"
    assert body["events"][0]["kind"] == "created"


def test_other_reps_attempt_notes_are_hidden_from_sales_only(  # type: ignore[no-untyped-def]
    rep_api, manager_api, marketing_api, api_world, other_rep
):
    # given another rep's note on a lead in the rep's pool
    factories.ActivityFactory(lead=api_world.pool, rep=other_rep, note="Budget is frozen until Q2")
    url = f"{LEADS}{api_world.pool.pk}/attempts/"
    # then a rep sees the attempt but not the note; managers and marketing read it
    mine = rep_api.get(url).json()["results"][0]
    assert (mine["note"], mine["note_hidden"]) == ("", True)
    assert rep_api.get(f"{LEADS}{api_world.pool.pk}/").json()["attempts"][0]["note"] == ""
    for api in (manager_api, marketing_api):
        assert api.get(url).json()["results"][0]["note"] == "Budget is frozen until Q2"


def test_rep_logs_attempts_on_own_lead_and_others_cannot(  # type: ignore[no-untyped-def]
    rep_api, marketing_api, api_world
):
    url = f"{LEADS}{api_world.own.pk}/attempts/"
    created = rep_api.post(
        url, {"channel": "call", "outcome": "no_answer", "note": "x"}, format="json"
    )
    assert created.status_code == 201, created.content
    assert Lead.objects.get(pk=api_world.own.pk).attempt_count == 1
    assert (
        rep_api.post(
            f"{LEADS}{api_world.others.pk}/attempts/",
            {"channel": "call", "outcome": "no_answer"},
            format="json",
        ).status_code
        == 404
    )
    refused = marketing_api.post(url, {"channel": "call", "outcome": "no_answer"}, format="json")
    assert refused.status_code == 403
    bad = rep_api.post(url, {"channel": "fax", "outcome": "no_answer"}, format="json")
    assert bad.status_code == 400
    assert "channel" in bad.json()
    assert Activity.objects.count() == 1


def test_claim_from_pool_once_then_409(rep_api, other_rep_api, marketing_api, api_world, rep):  # type: ignore[no-untyped-def]
    url = f"{LEADS}{api_world.pool.pk}/claim/"
    assert marketing_api.post(url).status_code == 403
    claimed = rep_api.post(url)
    assert claimed.status_code == 200, claimed.content
    assert claimed.json()["owner"]["id"] == rep.pk
    # the other rep lost the race: a 409 that names no detail of the lead, never a second owner
    lost = other_rep_api.post(url)
    assert lost.status_code == 409
    assert lost.json() == {
        "lead": ["Someone else claimed this lead a moment ago."],
        "code": "conflict",
    }
    assert Lead.objects.get(pk=api_world.pool.pk).owner_id == rep.pk


def test_claiming_a_lead_taken_long_ago_is_a_404_like_any_unreadable_lead(  # type: ignore[no-untyped-def]
    rep_api, other_rep_api, api_world
):
    url = f"{LEADS}{api_world.pool.pk}/claim/"
    assert rep_api.post(url).status_code == 200
    Lead.objects.filter(pk=api_world.pool.pk).update(
        assigned_at=timezone.now() - timedelta(minutes=6)
    )
    assert other_rep_api.post(url).status_code == 404


def test_claim_race_lost_is_409(rep_api, manager, api_world):  # type: ignore[no-untyped-def]
    from apps.routing.services import claim_lead

    claim_lead(lead_id=api_world.pool.pk, rep=manager)
    response = rep_api.post(f"{LEADS}{api_world.account_lead.pk}/claim/")
    assert response.status_code == 409
    assert "lead" in response.json()


def test_reassign_by_manager_not_by_rep(manager_api, rep_api, api_world, other_rep, rep):  # type: ignore[no-untyped-def]
    url = f"{LEADS}{api_world.own.pk}/reassign/"
    assert rep_api.post(url, {"to_rep": other_rep.pk}, format="json").status_code == 403
    moved = manager_api.post(url, {"to_rep": other_rep.pk, "reason": "capacity"}, format="json")
    assert moved.status_code == 200, moved.content
    assert moved.json()["owner"]["id"] == other_rep.pk
    unknown = manager_api.post(url, {"to_rep": 987654}, format="json")
    assert unknown.status_code == 400
    assert "to_rep" in unknown.json()


def test_convert_opens_an_opportunity_and_free_mail_leads_need_an_account(  # type: ignore[no-untyped-def]
    rep_api, api_world, rep
):
    converted = rep_api.post(
        f"{LEADS}{api_world.own.pk}/convert/", {"name": "Pilot", "amount": "25000"}, format="json"
    )
    assert converted.status_code == 201, converted.content
    assert converted.json()["amount"] == "25000.00"
    assert Opportunity.objects.get().primary_lead_id == api_world.own.pk
    now = timezone.now()
    free = factories.LeadFactory(
        email="free@gmail.com", status=Lead.Status.WORKING, owner=rep, assigned_at=now
    )
    refused = rep_api.post(f"{LEADS}{free.pk}/convert/", {"name": "X", "amount": 1}, format="json")
    assert refused.status_code == 422
    assert "account" in refused.json()


def test_disqualify_enforces_the_reasons_rules(rep_api, api_world):  # type: ignore[no-untyped-def]
    factories.DisqualificationReasonFactory(code="no-budget", label="No budget", min_attempts=2)
    url = f"{LEADS}{api_world.own.pk}/disqualify/"
    early = rep_api.post(url, {"reason": "no-budget"}, format="json")
    assert early.status_code == 422
    assert early.json()["code"] == "attempts_required"
    assert "reason" in early.json()
    unknown = rep_api.post(url, {"reason": "nope"}, format="json")
    assert unknown.status_code == 400
    assert "reason" in unknown.json()
    for _ in range(2):
        rep_api.post(
            f"{LEADS}{api_world.own.pk}/attempts/",
            {"channel": "call", "outcome": "no_answer"},
            format="json",
        )
    done = rep_api.post(url, {"reason": "no-budget", "note": "Frozen"}, format="json")
    assert done.status_code == 201, done.content
    assert Lead.objects.get(pk=api_world.own.pk).status == Lead.Status.DISQUALIFIED


def test_recycle_returns_the_lead_to_nurture(rep_api, api_world):  # type: ignore[no-untyped-def]
    factories.DisqualificationReasonFactory(code="later", label="Later", use="recycle")
    refused = rep_api.post(f"{LEADS}{api_world.own.pk}/recycle/", {"note": "x"}, format="json")
    assert refused.status_code == 400
    assert "reason" in refused.json()
    response = rep_api.post(
        f"{LEADS}{api_world.own.pk}/recycle/", {"reason": "later", "note": "Not now"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "nurture"
    assert response.json()["owner"] is None


def test_review_disqualification_once_by_marketing(  # type: ignore[no-untyped-def]
    marketing_api, rep_api, service_api, api_world, rep
):
    dq = factories.DisqualificationFactory(lead=api_world.own, rep=rep)
    url = f"/api/v1/disqualifications/{dq.pk}/review/"
    body = {"decision": "acknowledge", "action_note": "Tighten the form"}
    assert service_api.post(url, body, format="json").status_code == 404
    assert rep_api.post(url, body, format="json").status_code == 403
    assert marketing_api.post(url, body, format="json").status_code == 200
    again = marketing_api.post(url, body, format="json")
    assert again.status_code == 409
    assert Disqualification.objects.get().review_status == "acknowledged"
    missing_note = marketing_api.post(url, {"decision": "dispute"}, format="json")
    assert missing_note.status_code == 400
    assert "action_note" in missing_note.json()


def test_disqualifications_list_per_role(
    marketing_api, rep_api, other_rep_api, service_api, api_world, rep
):  # type: ignore[no-untyped-def]
    factories.DisqualificationFactory(lead=api_world.own, rep=rep)
    count = lambda api: len(api.get("/api/v1/disqualifications/").json()["results"])  # noqa: E731
    assert (count(marketing_api), count(rep_api), count(other_rep_api), count(service_api)) == (
        1,
        1,
        0,
        0,
    )


def test_opportunities_own_for_sales_and_stage_changes_by_owner(  # type: ignore[no-untyped-def]
    rep_api, marketing_api, api_world, rep, other_rep
):
    mine = factories.OpportunityFactory(owner=rep)
    factories.OpportunityFactory(owner=other_rep)
    listed = rep_api.get("/api/v1/opportunities/").json()["results"]
    assert [row["id"] for row in listed] == [mine.pk]
    assert len(marketing_api.get("/api/v1/opportunities/").json()["results"]) == 2
    url = f"/api/v1/opportunities/{mine.pk}/stage/"
    assert marketing_api.post(url, {"stage": "demo"}, format="json").status_code == 403
    lost = rep_api.post(url, {"stage": "lost"}, format="json")
    assert lost.status_code == 422
    assert "lost_reason" in lost.json()
    assert rep_api.post(url, {"stage": "won"}, format="json").json()["stage"] == "won"


def test_renewals_are_not_for_marketing(marketing_api, service_api, rep_api):  # type: ignore[no-untyped-def]
    factories.RenewalFactory()
    assert marketing_api.get("/api/v1/renewals/").status_code == 403
    assert len(service_api.get("/api/v1/renewals/").json()["results"]) == 1
    assert rep_api.get("/api/v1/renewals/").status_code == 200


@pytest.mark.parametrize(
    "path", ["/api/v1/accounts/", "/api/v1/campaigns/", "/api/v1/assets/", "/api/v1/plays/"]
)
def test_every_role_reads_accounts_campaigns_assets_and_plays(  # type: ignore[no-untyped-def]
    path, rep_api, service_api, marketing_api
):
    factories.AccountFactory()
    factories.AssetFactory()
    factories.PlayStepFactory()
    for api in (rep_api, service_api, marketing_api):
        response = api.get(path)
        assert response.status_code == 200
        assert response.json()["results"]


def test_cursor_pagination_is_stable_under_inserts(manager_api):  # type: ignore[no-untyped-def]
    # given 30 leads
    original = {factories.LeadFactory().email for _ in range(30)}
    seen: list[str] = []
    page = manager_api.get(LEADS, {"page_size": 10}).json()
    seen += [row["email"] for row in page["results"]]
    # when new leads arrive between page requests
    for _ in range(5):
        factories.LeadFactory()
    while page["next"]:
        page = manager_api.get(page["next"]).json()
        seen += [row["email"] for row in page["results"]]
        factories.LeadFactory()
    # then every original lead appears exactly once and none of the new ones slip in
    assert len(seen) == len(set(seen)) == 30
    assert set(seen) == original


def test_lead_list_query_count_is_constant(manager_api, django_assert_max_num_queries):  # type: ignore[no-untyped-def]
    account = factories.AccountFactory()
    campaign = factories.CampaignFactory()
    for size in (3, 30):
        while Lead.objects.count() < size:
            factories.LeadFactory(account=account, campaign=campaign)
        with django_assert_max_num_queries(4):
            assert manager_api.get(LEADS, {"page_size": 50}).status_code == 200


def test_datetime_filters_accept_any_offset_and_refuse_overflow(manager_api, api_world):  # type: ignore[no-untyped-def]
    # found by schemathesis: PostgreSQL refuses offsets beyond ±15:59 ("time zone displacement")
    ok = manager_api.get(LEADS, {"created_after": "0262-09-04T23:18:19+16:46"})
    assert ok.status_code == 200
    edge = manager_api.get(LEADS, {"created_before": "0001-01-01T00:00:00+10:00"})
    assert edge.status_code == 400
    assert "created_before" in edge.json()

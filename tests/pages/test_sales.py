"""The rep's queue, the manager's team page and the read-only lead page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.leads.models import Lead, LeadEvent
from apps.plays.models import LeadPlay, LeadPlayStep
from tests import factories
from tests.pages.conftest import make_owned_lead, make_pool_lead

pytestmark = pytest.mark.django_db


def test_queue_lists_my_open_leads_breached_first_and_the_team_pool(
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
    assert html.index("Bo Breached") < html.index("Lena Later")
    assert f'href="/sales/leads/{later.pk}/"' in html
    assert f'href="/sales/leads/{breached.pk}/"' in html
    assert "Polly Pool" in html
    assert "Olga Others" not in html
    assert "Nina Nurture" not in html
    counts = response.context["counts"]
    assert counts == {"open": 2, "ready": 2, "working": 0, "pending": 1, "breached": 1, "pool": 1}


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
    # session, user, roles, unread badge, counts, campaign filter choices, queue, pool
    with django_assert_max_num_queries(8):
        response = sales_client.get("/sales/")

    # then (the queue is keyset-paginated, 25 to a page)
    assert len(response.context["queue"]) == min(size, 25)


def test_team_page_shows_reps_capacity_and_breached_leads(
    manager_client: Client, rep, other_rep
) -> None:  # type: ignore[no-untyped-def]
    # given
    rep.capacity = 3
    rep.save(update_fields=["capacity"])
    other_rep.is_available = False
    other_rep.save(update_fields=["is_available"])
    make_owned_lead(rep)
    make_owned_lead(
        rep,
        first_name="Bea",
        last_name="Breach",
        sla_state=Lead.SlaState.BREACHED,
        sla_breached_at=timezone.now(),
    )

    # when
    response = manager_client.get("/sales/team/")

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sam Rep" in html
    assert "Sara Rep" in html
    assert "2 / 3" in html
    assert "Out of office" in html
    assert "Bea Breach" in html
    reps = {r.username: r for r in response.context["reps"]}
    assert (reps["sam"].open_count, reps["sam"].breached_count) == (2, 1)


@pytest.mark.parametrize("client_fixture", ["sales_client", "marketing_client", "service_client"])
def test_team_page_is_for_sales_managers_only(
    request: pytest.FixtureRequest, client_fixture: str
) -> None:
    # given
    client = request.getfixturevalue(client_fixture)

    # when
    response = client.get("/sales/team/")

    # then
    assert response.status_code == 403


def test_rep_reads_own_lead_with_account_people_journey_play_and_history(
    sales_client: Client, rep, other_rep
) -> None:  # type: ignore[no-untyped-def]
    # given
    account = factories.AccountFactory(name="Globex", owner=rep)
    lead = make_owned_lead(rep, first_name="Gina", last_name="Globex", account=account)
    factories.LeadFactory(first_name="Carl", last_name="Colleague", account=account)
    asset = factories.AssetFactory(
        name="Pricing guide", intent_note="Comparing vendors on price: budget is set."
    )
    factories.TouchpointFactory(lead=lead, kind="download", asset=asset, campaign=asset.campaign)
    factories.ActivityFactory(lead=lead, rep=rep, note="Left a voicemail about pricing.")
    factories.ActivityFactory(lead=lead, rep=other_rep, note="Private note of the previous owner.")
    play = factories.PlayFactory(
        name="Pricing play", talk_track="Ask about their evaluation timeline."
    )
    lead_play = LeadPlay.objects.create(lead=lead, play=play, attached_at=timezone.now())
    LeadPlayStep.objects.create(
        lead_play=lead_play,
        order=1,
        channel="call",
        title="Call within five minutes",
        due_at=timezone.now(),
    )
    LeadEvent.objects.create(
        lead=lead, kind=LeadEvent.Kind.OWNER, old_value="", new_value="sam", at=timezone.now()
    )

    # when
    response = sales_client.get(f"/sales/leads/{lead.pk}/")

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "Gina Globex" in html
    assert "Carl Colleague" in html
    assert "Pricing guide" in html
    assert "Comparing vendors on price: budget is set." in html
    assert "Pricing play" in html
    assert "Call within five minutes" in html
    assert "Left a voicemail about pricing." in html
    assert "Private note of the previous owner." not in html
    assert "Owner changed" in html


def test_rep_gets_404_for_another_reps_lead(sales_client: Client, other_rep) -> None:  # type: ignore[no-untyped-def]
    # given
    lead = make_owned_lead(other_rep)

    # when
    response = sales_client.get(f"/sales/leads/{lead.pk}/")

    # then
    assert response.status_code == 404


def test_manager_reads_any_lead_and_all_attempt_notes(manager_client: Client, rep) -> None:  # type: ignore[no-untyped-def]
    # given
    lead = make_owned_lead(rep, first_name="Mo", last_name="Managed")
    factories.ActivityFactory(lead=lead, rep=rep, note="Rep's own note.")

    # when
    response = manager_client.get(f"/sales/leads/{lead.pk}/")

    # then
    assert response.status_code == 200
    assert "Rep&#x27;s own note." in response.content.decode()


def test_lead_page_query_count_is_constant(
    sales_client: Client,
    rep,
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    # given
    account = factories.AccountFactory(owner=rep)
    lead = make_owned_lead(rep, account=account)
    lead_play = LeadPlay.objects.create(
        lead=lead, play=factories.PlayFactory(), attached_at=timezone.now()
    )
    for n in range(10):
        LeadPlayStep.objects.create(
            lead_play=lead_play, order=n, channel="call", title="Step", due_at=timezone.now()
        )
        LeadEvent.objects.create(lead=lead, kind=LeadEvent.Kind.SCORE, actor=rep, at=timezone.now())
        factories.LeadFactory(account=account, owner=rep, assigned_at=timezone.now())
        factories.TouchpointFactory(lead=lead, asset=factories.AssetFactory())
        factories.ActivityFactory(lead=lead, rep=rep)

    # when
    # 4 for the layout, then lead, journey, attempts, history, play steps, account people,
    # opportunities, disqualification reasons, plays (the action forms) and the queue counts
    with django_assert_max_num_queries(14):
        response = sales_client.get(f"/sales/leads/{lead.pk}/")

    # then
    assert response.status_code == 200


@pytest.mark.parametrize("size", [3, 30])
def test_team_page_query_count_does_not_grow(
    manager_client: Client,
    size: int,
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    # given
    from django.contrib.auth.models import Group

    sales = Group.objects.get_or_create(name="Sales")[0]  # a transactional test may have flushed it
    for _ in range(size):
        member = factories.UserFactory()
        member.groups.add(sales)
        make_owned_lead(member, sla_state=Lead.SlaState.BREACHED, sla_breached_at=timezone.now())

    # when
    # session, user, roles, unread badge, team counts, reps with counts, open leads page,
    # breached leads, disputes
    with django_assert_max_num_queries(9):
        response = manager_client.get("/sales/team/")

    # then
    assert len(response.context["breached"]) == size


def test_user_text_is_escaped(sales_client: Client, rep) -> None:  # type: ignore[no-untyped-def]
    # given
    lead = make_owned_lead(rep, first_name="<script>alert(1)</script>", last_name="")

    # when
    queue = sales_client.get("/sales/").content.decode()
    page = sales_client.get(f"/sales/leads/{lead.pk}/").content.decode()

    # then
    for html in (queue, page):
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

"""The manager's team page: load vs capacity, reassign, availability, breaches, disputes."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from apps.feedback.models import Disqualification
from apps.leads.models import Lead
from tests import factories
from tests.fixtures.leads import make_owned_lead
from tests.sales.conftest import HTMX, htmx, owned_lead

pytestmark = pytest.mark.django_db


def test_team_page_shows_open_leads_with_reassign_and_rep_availability(
    manager_client: Client, rep, other_rep
) -> None:  # type: ignore[no-untyped-def]
    # given
    lead = owned_lead(rep, first_name="Ola", last_name="Open")

    # when
    html = manager_client.get("/sales/team/").content.decode()

    # then
    assert "Ola Open" in html
    assert f'hx-post="/sales/leads/{lead.pk}/reassign/"' in html
    assert f'<option value="{other_rep.pk}">Sara Rep</option>' in html
    assert f'hx-post="/sales/team/reps/{rep.pk}/availability/"' in html
    assert "Mark out of office" in html


def test_reassign_under_htmx_answers_the_row_and_triggers_lead_changed(
    manager_client: Client, rep, other_rep
) -> None:  # type: ignore[no-untyped-def]
    # given
    lead = owned_lead(rep)

    # when
    response = manager_client.post(
        f"/sales/leads/{lead.pk}/reassign/",
        {"to_rep": other_rep.pk, "reason": "Sam is on leave"},
        headers=htmx(f"team-lead-{lead.pk}"),
    )

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="team-lead-{lead.pk}"')
    assert "Sara Rep" in html
    assert "lead-changed" in response["HX-Trigger"]
    lead.refresh_from_db()
    assert lead.owner == other_rep


def test_reassign_plain_post_redirects_to_the_team(manager_client: Client, rep, other_rep) -> None:  # type: ignore[no-untyped-def]
    # given
    lead = owned_lead(rep)

    # when
    response = manager_client.post(f"/sales/leads/{lead.pk}/reassign/", {"to_rep": other_rep.pk})

    # then
    assert response.status_code == 302
    assert response["Location"] == "/sales/team/"


def test_reassign_a_closed_lead_is_refused_in_the_row(
    manager_client: Client, rep, other_rep
) -> None:  # type: ignore[no-untyped-def]
    # given
    lead = owned_lead(rep, status=Lead.Status.CONVERTED, sla_state=Lead.SlaState.MET)

    # when
    response = manager_client.post(
        f"/sales/leads/{lead.pk}/reassign/", {"to_rep": other_rep.pk}, headers=HTMX
    )

    # then
    assert response.status_code == 422
    assert "Only ready or working leads can be reassigned." in response.content.decode()
    lead.refresh_from_db()
    assert lead.owner == rep


def test_reassign_to_someone_outside_sales_is_refused(
    manager_client: Client, rep, marketer
) -> None:  # type: ignore[no-untyped-def]
    # given
    lead = owned_lead(rep)

    # when
    response = manager_client.post(f"/sales/leads/{lead.pk}/reassign/", {"to_rep": marketer.pk})

    # then
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    lead.refresh_from_db()
    assert lead.owner == rep


@pytest.mark.parametrize("client_fixture", ["sales_client", "marketing_client"])
def test_only_managers_reassign_or_change_availability(
    request: pytest.FixtureRequest, client_fixture: str, rep, other_rep
) -> None:  # type: ignore[no-untyped-def]
    # given
    client = request.getfixturevalue(client_fixture)
    lead = owned_lead(other_rep)

    # when
    reassign = client.post(f"/sales/leads/{lead.pk}/reassign/", {"to_rep": rep.pk})
    availability = client.post(f"/sales/team/reps/{other_rep.pk}/availability/", {"available": "0"})

    # then
    assert (reassign.status_code, availability.status_code) == (403, 403)
    lead.refresh_from_db()
    other_rep.refresh_from_db()
    assert (lead.owner, other_rep.is_available) == (other_rep, True)


def test_toggle_availability_in_place(manager_client: Client, rep) -> None:  # type: ignore[no-untyped-def]
    # when
    response = manager_client.post(
        f"/sales/team/reps/{rep.pk}/availability/", {"available": "0"}, headers=HTMX
    )

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="team-reps"')
    assert "Sam Rep is out of office." in html
    assert "Mark available" in html
    rep.refresh_from_db()
    assert rep.is_available is False


def test_availability_of_a_non_rep_is_not_found(manager_client: Client, marketer) -> None:  # type: ignore[no-untyped-def]
    # when
    response = manager_client.post(
        f"/sales/team/reps/{marketer.pk}/availability/", {"available": "0"}
    )

    # then
    assert response.status_code == 404


def test_disputes_show_the_reps_note_and_marketings_action_note(
    manager_client: Client, rep, marketer
) -> None:  # type: ignore[no-untyped-def]
    # given
    lead = factories.LeadFactory(first_name="Dee", last_name="Disputed")
    factories.DisqualificationFactory(
        lead=lead,
        rep=rep,
        reason=factories.DisqualificationReasonFactory(label="No budget"),
        note="They said no budget this year.",
        review_status=Disqualification.Review.DISPUTED,
        reviewer=marketer,
        reviewed_at=timezone.now(),
        action_note="They downloaded the pricing guide twice this week.",
        dispute_outcome=Disqualification.DisputeOutcome.READY,
    )
    factories.DisqualificationFactory(note="Acknowledged one, not shown.")

    # when
    html = manager_client.get("/sales/team/").content.decode()

    # then
    assert "Dee Disputed" in html
    assert "They said no budget this year." in html
    assert "They downloaded the pricing guide twice this week." in html
    assert "Acknowledged one, not shown." not in html


@pytest.mark.parametrize(
    "target", ["team-counts", "team-reps", "team-leads", "team-breached", "team-disputes"]
)
def test_team_regions_answer_htmx_with_their_partial(manager_client: Client, target: str) -> None:
    # when
    response = manager_client.get("/sales/team/", headers=htmx(target))

    # then
    assert f'id="{target}"' in response.content.decode().split(">", 1)[0]


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
    with django_assert_max_num_queries(10):
        response = manager_client.get("/sales/team/")

    # then
    assert len(response.context["breached"]) == size

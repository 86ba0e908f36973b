"""The lead page's actions: each works under htmx (in place) and as a plain post (redirect),
refusals are shown next to the field they name, and nobody changes a lead their role may not."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from apps.accounts.models import Account
from apps.feedback.models import Disqualification
from apps.leads.models import Activity, Lead, LeadEvent
from apps.opportunities.models import Opportunity
from apps.plays.models import LeadPlay, LeadPlayStep
from tests import factories
from tests.fixtures.leads import make_owned_lead
from tests.sales.conftest import HTMX, owned_lead, pool_lead, with_play

pytestmark = pytest.mark.django_db

ATTEMPT = {"channel": "call", "outcome": "no_answer", "note": "Rang twice, left no message."}


def _snapshot(lead: Lead) -> tuple[object, ...]:
    lead.refresh_from_db()
    return (lead.status, lead.owner_id, lead.attempt_count, lead.sla_state, lead.buying_role)


# --- Log an attempt ----------------------------------------------------------------------


def test_log_attempt_under_htmx_answers_the_workspace_and_triggers_lead_changed(
    sales_client: Client, my_lead: Lead
) -> None:
    # when
    response = sales_client.post(f"/sales/leads/{my_lead.pk}/attempts/", ATTEMPT, headers=HTMX)

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="lead-workspace"')
    assert "Attempt logged." in html
    assert "Rang twice, left no message." in html
    assert "lead-changed" in response["HX-Trigger"]
    my_lead.refresh_from_db()
    assert (my_lead.status, my_lead.attempt_count, my_lead.sla_state) == ("working", 1, "met")


def test_log_attempt_as_a_plain_post_redirects_to_the_lead_page(
    sales_client: Client, my_lead: Lead
) -> None:
    # when
    response = sales_client.post(f"/sales/leads/{my_lead.pk}/attempts/", ATTEMPT)

    # then
    assert response.status_code == 302
    assert response["Location"] == f"/sales/leads/{my_lead.pk}/"
    page = sales_client.get(response["Location"]).content.decode()
    assert "Attempt logged." in page
    assert Activity.objects.filter(lead=my_lead).count() == 1


def test_log_attempt_with_an_unknown_outcome_is_refused_next_to_the_field(
    sales_client: Client, my_lead: Lead
) -> None:
    # when
    response = sales_client.post(
        f"/sales/leads/{my_lead.pk}/attempts/", ATTEMPT | {"outcome": "teleported"}, headers=HTMX
    )

    # then
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#attempt-form"
    assert response["X-Refused"] == "1"
    html = response.content.decode()
    assert html.lstrip().startswith('<form id="attempt-form"')
    assert "Select a valid choice" in html
    assert not Activity.objects.exists()


def test_rep_cannot_log_an_attempt_on_another_reps_lead(
    sales_client: Client, their_lead: Lead
) -> None:
    # given
    before = _snapshot(their_lead)

    # when
    response = sales_client.post(f"/sales/leads/{their_lead.pk}/attempts/", ATTEMPT)

    # then
    assert response.status_code == 404
    assert _snapshot(their_lead) == before
    assert not Activity.objects.exists()


def test_rep_cannot_work_a_pool_lead_before_claiming_it(sales_client: Client) -> None:
    # given
    lead = pool_lead()
    before = _snapshot(lead)

    # when
    response = sales_client.post(f"/sales/leads/{lead.pk}/attempts/", ATTEMPT, headers=HTMX)

    # then
    assert response.status_code == 403
    assert "You can only work your own leads" in response.content.decode()
    assert _snapshot(lead) == before


@pytest.mark.parametrize("client_fixture", ["marketing_client", "service_client", "revops_client"])
@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("attempts/", ATTEMPT),
        ("convert/", {"name": "Deal", "amount": "100"}),
        ("disqualify/", {"reason": "1"}),
        ("recycle/", {"note": ""}),
        ("play/", {"play": "1", "reason": "x"}),
        ("buying-role/", {"role": "champion"}),
        ("claim/", {}),
    ],
)
def test_roles_outside_sales_cannot_act_on_leads(
    request: pytest.FixtureRequest, client_fixture: str, path: str, data: dict[str, str], rep
) -> None:  # type: ignore[no-untyped-def]
    # given
    client = request.getfixturevalue(client_fixture)
    lead = owned_lead(rep)
    before = _snapshot(lead)

    # when
    response = client.post(f"/sales/leads/{lead.pk}/{path}", data)

    # then
    assert response.status_code == 403
    assert _snapshot(lead) == before
    assert LeadEvent.objects.filter(lead=lead).count() == 0


def test_manager_may_log_an_attempt_on_a_reps_lead(manager_client: Client, rep) -> None:  # type: ignore[no-untyped-def]
    # given
    lead = owned_lead(rep)

    # when
    response = manager_client.post(f"/sales/leads/{lead.pk}/attempts/", ATTEMPT)

    # then
    assert response.status_code == 302
    assert Activity.objects.filter(lead=lead).count() == 1


def test_actions_refuse_get(sales_client: Client, my_lead: Lead) -> None:
    # when
    response = sales_client.get(f"/sales/leads/{my_lead.pk}/attempts/")

    # then
    assert response.status_code == 405


def test_attempt_on_a_converted_lead_is_refused_with_the_reason(sales_client: Client, rep) -> None:  # type: ignore[no-untyped-def]
    # given
    lead = owned_lead(rep, status=Lead.Status.CONVERTED, sla_state=Lead.SlaState.MET)

    # when
    response = sales_client.post(f"/sales/leads/{lead.pk}/attempts/", ATTEMPT)

    # then
    assert response.status_code == 422
    assert "This lead is converted; attempts are closed." in response.content.decode()
    assert not Activity.objects.exists()


# --- Play steps ----------------------------------------------------------------------------


def test_complete_play_step_ticks_it_off_in_place(sales_client: Client, my_lead: Lead) -> None:
    # given
    step, _ = with_play(my_lead, "Call within five minutes", "Send the case study")

    # when
    response = sales_client.post(
        f"/sales/leads/{my_lead.pk}/steps/{step.pk}/complete/",
        {"outcome": "no_answer"},
        headers=HTMX,
    )

    # then the step is done, and doing it was an attempt that settled the clock
    assert response.status_code == 200
    assert "Attempt logged; “Call within five minutes” is done." in response.content.decode()
    assert "lead-changed" in response["HX-Trigger"]
    step.refresh_from_db()
    assert step.completed_at is not None
    my_lead.refresh_from_db()
    assert (my_lead.attempt_count, my_lead.sla_state) == (1, "met")


def test_marking_a_step_done_asks_how_it_went(sales_client: Client, my_lead: Lead) -> None:
    step, _ = with_play(my_lead, "Call within five minutes", "Send the case study")
    response = sales_client.post(
        f"/sales/leads/{my_lead.pk}/steps/{step.pk}/complete/", {"outcome": ""}, headers=HTMX
    )
    assert response.status_code == 422
    assert "Say how it went" in response.content.decode()
    step.refresh_from_db()
    assert step.completed_at is None


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain post"])
def test_a_refused_step_keeps_what_the_rep_chose_and_typed_on_that_step_only(
    sales_client: Client, my_lead: Lead, htmx: bool
) -> None:
    # given: two due steps; the rep fills in the second with a callback that is not a time
    first, second = with_play(my_lead, "Call within five minutes", "Send the case study")
    typed = {"outcome": "connected", "note": "Spoke to Dana <re: pricing>", "callback_at": "soon"}

    # when
    response = sales_client.post(
        f"/sales/leads/{my_lead.pk}/steps/{second.pk}/complete/",
        typed,
        headers=HTMX if htmx else {},
    )

    # then: the error names the callback, and the second step's form still holds the outcome
    # and the note (escaped) while the first step's is empty
    assert response.status_code == 422
    html = response.content.decode()
    assert "Give the callback as a date and time." in html
    kept = html.split(f'id="step-{second.pk}-outcome"')[1].split("</form>")[0]
    assert '<option value="connected" selected>' in kept
    assert 'value="Spoke to Dana &lt;re: pricing&gt;"' in kept
    assert 'value="soon"' in kept
    untouched = html.split(f'id="step-{first.pk}-outcome"')[1].split("</form>")[0]
    assert " selected" not in untouched
    assert "Spoke to Dana" not in untouched
    second.refresh_from_db()
    assert second.completed_at is None


def test_a_refused_email_keeps_the_subject_and_text_the_rep_wrote(
    sales_client: Client, my_lead: Lead
) -> None:
    # given
    (step,) = with_play(my_lead, "Send the case study")
    LeadPlayStep.objects.filter(pk=step.pk).update(channel="email")
    body = "x" * 20001

    # when: the text is one character too long
    response = sales_client.post(
        f"/sales/leads/{my_lead.pk}/steps/{step.pk}/email/",
        {"subject": "Your route planning numbers", "body": body},
        headers=HTMX,
    )

    # then: the form is open with the rep's own subject and text, not the template's
    assert response.status_code == 422
    html = response.content.decode()
    assert '<details class="step__send" open>' in html
    assert 'value="Your route planning numbers"' in html
    assert f">{body}</textarea>" in html
    assert len(mail.outbox) == 0


def test_complete_step_of_another_lead_is_refused(sales_client: Client, my_lead: Lead, rep) -> None:  # type: ignore[no-untyped-def]
    # given
    other = owned_lead(rep)
    (foreign_step,) = with_play(other, "Not yours here")
    with_play(my_lead, "Mine")

    # when
    response = sales_client.post(
        f"/sales/leads/{my_lead.pk}/steps/{foreign_step.pk}/complete/",
        {"outcome": "connected"},
        headers=HTMX,
    )

    # then
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#play-steps"
    assert "not part of the lead" in response.content.decode()
    foreign_step.refresh_from_db()
    assert foreign_step.completed_at is None


def test_rep_cannot_complete_a_step_on_another_reps_lead(
    sales_client: Client, their_lead: Lead
) -> None:
    # given
    (step,) = with_play(their_lead, "Theirs")

    # when
    response = sales_client.post(f"/sales/leads/{their_lead.pk}/steps/{step.pk}/complete/")

    # then
    assert response.status_code == 404
    step.refresh_from_db()
    assert step.completed_at is None


@pytest.mark.parametrize("action", ["complete", "email"])
def test_a_step_id_that_does_not_exist_is_refused_not_a_500(
    sales_client: Client, my_lead: Lead, action: str
) -> None:
    # given
    (step,) = with_play(my_lead, "Mine")
    LeadPlayStep.objects.filter(pk=step.pk).update(channel="email")

    # when
    response = sales_client.post(
        f"/sales/leads/{my_lead.pk}/steps/{step.pk + 1000}/{action}/",
        {"outcome": "connected", "subject": "Hi", "body": "Hello"},
        headers=HTMX,
    )

    # then
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#play-steps"
    assert "not part of the lead" in response.content.decode()
    assert my_lead.activities.count() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"subject": "Hi", "body": "   "}, "The email has no text."),
        ({"subject": "", "body": "Hello"}, "Give the email a subject."),
        ({"subject": "Hi", "body": "x" * 20001}, "Keep the message to 20000 characters."),
    ],
)
def test_an_email_without_a_subject_or_text_is_not_sent(
    sales_client: Client, my_lead: Lead, data: dict[str, str], message: str
) -> None:
    # given
    (step,) = with_play(my_lead, "Send the case study")
    LeadPlayStep.objects.filter(pk=step.pk).update(channel="email")

    # when
    response = sales_client.post(
        f"/sales/leads/{my_lead.pk}/steps/{step.pk}/email/", data, headers=HTMX
    )

    # then
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#play-steps"
    assert message in response.content.decode()
    assert len(mail.outbox) == 0
    step.refresh_from_db()
    assert step.completed_at is None


# --- Convert -------------------------------------------------------------------------------


def test_convert_opens_an_opportunity_and_closes_the_lead(
    sales_client: Client, my_lead: Lead
) -> None:
    # when
    response = sales_client.post(
        f"/sales/leads/{my_lead.pk}/convert/",
        {"name": "Globex rollout", "amount": "25,000", "expected_close": "2026-12-15"},
        headers=HTMX,
    )

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "Converted: opportunity “Globex rollout” opened." in html
    opportunity = Opportunity.objects.get(primary_lead=my_lead)
    assert opportunity.amount == Decimal("25000")
    assert str(opportunity.expected_close) == "2026-12-15"
    my_lead.refresh_from_db()
    assert my_lead.status == Lead.Status.CONVERTED
    assert "Globex rollout" in html  # listed under Opportunities


@pytest.mark.parametrize("amount", ["lots", "-5", "1e400"])
def test_convert_with_a_bad_amount_shows_the_message_next_to_amount(
    sales_client: Client, my_lead: Lead, amount: str
) -> None:
    # when
    response = sales_client.post(
        f"/sales/leads/{my_lead.pk}/convert/", {"name": "Deal", "amount": amount}, headers=HTMX
    )

    # then
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#convert-form"
    html = response.content.decode()
    assert 'id="convert_amount_error"' in html or "errorlist" in html
    assert "amount" in html.lower()
    assert not Opportunity.objects.exists()
    my_lead.refresh_from_db()
    assert my_lead.status == Lead.Status.READY


def test_convert_with_a_bad_amount_as_plain_post_rerenders_the_page_with_the_error(
    sales_client: Client, my_lead: Lead
) -> None:
    # when
    response = sales_client.post(
        f"/sales/leads/{my_lead.pk}/convert/", {"name": "Deal", "amount": "lots"}
    )

    # then
    assert response.status_code == 422
    html = response.content.decode()
    assert "<html" in html
    assert "Enter the amount as a number." in html
    assert '<details class="decision" open>' in html  # the convert form is shown opened


def test_convert_a_free_mail_lead_explains_why_not(sales_client: Client, rep) -> None:  # type: ignore[no-untyped-def]
    # given
    lead = owned_lead(rep, account=None, email="someone@gmail.com")

    # when
    response = sales_client.post(
        f"/sales/leads/{lead.pk}/convert/", {"name": "Deal", "amount": "10"}, headers=HTMX
    )

    # then
    assert response.status_code == 422
    assert "no company account" in response.content.decode()


# --- Disqualify ----------------------------------------------------------------------------


def test_disqualify_before_the_reasons_minimum_attempts_is_refused_in_place(
    sales_client: Client, my_lead: Lead, reason_after_three
) -> None:  # type: ignore[no-untyped-def]
    # when
    response = sales_client.post(
        f"/sales/leads/{my_lead.pk}/disqualify/",
        {"reason": reason_after_three.pk, "note": ""},
        headers=HTMX,
    )

    # then
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#disqualify-form"
    html = response.content.decode()
    assert "“No response” needs at least 3 contact attempts; 0 logged so far." in html
    assert not Disqualification.objects.exists()
    my_lead.refresh_from_db()
    assert my_lead.status == Lead.Status.READY


def test_disqualify_succeeds_once_enough_attempts_are_logged(
    sales_client: Client, my_lead: Lead, reason_after_three
) -> None:  # type: ignore[no-untyped-def]
    # given
    for _ in range(3):
        sales_client.post(f"/sales/leads/{my_lead.pk}/attempts/", ATTEMPT)

    # when
    response = sales_client.post(
        f"/sales/leads/{my_lead.pk}/disqualify/", {"reason": reason_after_three.pk}
    )

    # then
    assert response.status_code == 302
    my_lead.refresh_from_db()
    assert my_lead.status == Lead.Status.DISQUALIFIED
    assert Disqualification.objects.get(lead=my_lead).attempts_at_time == 3


def test_disqualify_with_a_reason_that_needs_a_note(
    sales_client: Client, my_lead: Lead, reason_with_note
) -> None:  # type: ignore[no-untyped-def]
    # when
    response = sales_client.post(
        f"/sales/leads/{my_lead.pk}/disqualify/", {"reason": reason_with_note.pk}, headers=HTMX
    )

    # then
    assert response.status_code == 422
    assert "“Chose a competitor” needs a note for marketing." in response.content.decode()


def test_lead_page_lists_each_reasons_rules(
    sales_client: Client, my_lead: Lead, reason_after_three, reason_with_note
) -> None:  # type: ignore[no-untyped-def]
    # when
    html = sales_client.get(f"/sales/leads/{my_lead.pk}/").content.decode()

    # then
    assert "No response (after 3 attempts)" in html
    assert "Chose a competitor (note required)" in html
    assert 'after 3 attempts <span class="muted">(0 attempts so far)</span>' in html


def test_disqualify_with_an_inactive_or_unknown_reason_is_refused(
    sales_client: Client, my_lead: Lead
) -> None:
    # given
    inactive = factories.DisqualificationReasonFactory(is_active=False)

    # when
    response = sales_client.post(
        f"/sales/leads/{my_lead.pk}/disqualify/", {"reason": inactive.pk}, headers=HTMX
    )

    # then
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()


# --- Recycle, switch play, buying role ---------------------------------------------------------


@pytest.fixture
def later_reason() -> Any:
    return factories.DisqualificationReasonFactory(
        code="later", label="Not this quarter", use="recycle"
    )


def test_recycle_hands_the_lead_back_to_nurture(
    sales_client: Client, my_lead: Lead, later_reason: Any
) -> None:
    # when
    response = sales_client.post(
        f"/sales/leads/{my_lead.pk}/recycle/",
        {"reason": later_reason.pk, "note": "Budget next year"},
        headers=HTMX,
    )

    # then the lead is marketing's again, and its running clock was settled, not wiped
    assert response.status_code == 200
    assert "lead-changed" in response["HX-Trigger"]
    assert "is back with marketing" in response.content.decode()
    my_lead.refresh_from_db()
    assert (my_lead.status, my_lead.owner_id, my_lead.sla_state) == ("nurture", None, "met")


def test_recycle_without_a_reason_is_refused_next_to_the_field(
    sales_client: Client, my_lead: Lead, later_reason: Any
) -> None:
    response = sales_client.post(
        f"/sales/leads/{my_lead.pk}/recycle/", {"reason": "", "note": "x"}, headers=HTMX
    )
    assert response.status_code == 422
    assert "This field is required" in response.content.decode()
    my_lead.refresh_from_db()
    assert my_lead.status == Lead.Status.READY


def test_recycle_as_plain_post_goes_back_to_the_queue(
    sales_client: Client, my_lead: Lead, later_reason: Any
) -> None:
    # when
    response = sales_client.post(
        f"/sales/leads/{my_lead.pk}/recycle/", {"reason": later_reason.pk, "note": ""}
    )

    # then
    assert response.status_code == 302
    assert response["Location"] == "/sales/"


def test_switch_play_needs_a_reason(sales_client: Client, my_lead: Lead) -> None:
    # given
    play = factories.PlayFactory(name="Pricing play")
    factories.PlayStepFactory(play=play, title="Send pricing")

    # when
    refused = sales_client.post(
        f"/sales/leads/{my_lead.pk}/play/", {"play": play.pk, "reason": " "}, headers=HTMX
    )
    switched = sales_client.post(
        f"/sales/leads/{my_lead.pk}/play/", {"play": play.pk, "reason": "Asked about price"}
    )

    # then
    assert refused.status_code == 422
    assert "Say why you are switching plays." in refused.content.decode()
    assert switched.status_code == 302
    lead_play = LeadPlay.objects.get(lead=my_lead)
    assert lead_play.play == play
    assert list(lead_play.steps.values_list("title", flat=True)) == ["Send pricing"]


def test_set_buying_role_by_hand_writes_an_event(sales_client: Client, my_lead: Lead, rep) -> None:  # type: ignore[no-untyped-def]
    # when
    response = sales_client.post(
        f"/sales/leads/{my_lead.pk}/buying-role/", {"role": "champion"}, headers=HTMX
    )

    # then
    assert response.status_code == 200
    my_lead.refresh_from_db()
    assert (my_lead.buying_role, my_lead.buying_role_set_by_hand) == ("champion", True)
    event = LeadEvent.objects.get(lead=my_lead, kind=LeadEvent.Kind.FIELD)
    assert (event.old_value, event.new_value, event.actor) == ("unknown", "champion", rep)


def test_set_buying_role_refuses_an_unknown_role(sales_client: Client, my_lead: Lead) -> None:
    # when
    response = sales_client.post(
        f"/sales/leads/{my_lead.pk}/buying-role/", {"role": "king"}, headers=HTMX
    )

    # then
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#buying-role-form"
    my_lead.refresh_from_db()
    assert my_lead.buying_role_set_by_hand is False


def test_account_owner_reads_a_colleagues_lead_but_cannot_change_its_role(
    sales_client: Client, rep, other_rep
) -> None:  # type: ignore[no-untyped-def]
    # given: rep owns the account, other_rep owns the lead
    account = factories.AccountFactory(owner=rep)
    lead = owned_lead(other_rep, account=account)

    # when
    page = sales_client.get(f"/sales/leads/{lead.pk}/")
    response = sales_client.post(f"/sales/leads/{lead.pk}/buying-role/", {"role": "champion"})

    # then
    assert page.status_code == 200
    assert "only they or a sales manager can work it" in page.content.decode()
    assert response.status_code == 403
    assert "You can only work your own leads" in response.content.decode()
    lead.refresh_from_db()
    assert lead.buying_role == "unknown"


# --- Claim -----------------------------------------------------------------------------------


def test_claim_from_the_queue_row_under_htmx(sales_client: Client, rep, policy) -> None:  # type: ignore[no-untyped-def]
    # given
    lead = pool_lead(first_name="Polly", last_name="Pool")

    # when
    response = sales_client.post(
        f"/sales/leads/{lead.pk}/claim/",
        headers=HTMX | {"HX-Target": f"pool-lead-{lead.pk}"},
    )

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="pool-lead-{lead.pk}"')
    assert "Claimed" in html
    assert "lead-changed" in response["HX-Trigger"]
    lead.refresh_from_db()
    assert (lead.owner, lead.sla_state) == (rep, "pending")


def test_claim_as_plain_post_redirects_to_the_lead(sales_client: Client, rep) -> None:  # type: ignore[no-untyped-def]
    # given
    lead = pool_lead()

    # when
    response = sales_client.post(f"/sales/leads/{lead.pk}/claim/")

    # then
    assert response.status_code == 302
    assert response["Location"] == f"/sales/leads/{lead.pk}/"
    lead.refresh_from_db()
    assert lead.owner == rep


def test_the_second_rep_to_claim_is_told_politely(client: Client, rep, other_rep) -> None:  # type: ignore[no-untyped-def]
    # given: both reps see the same pool lead; Sara claims first
    lead = pool_lead()
    client.force_login(other_rep)
    assert client.post(f"/sales/leads/{lead.pk}/claim/").status_code == 302
    client.force_login(rep)

    # when
    in_place = client.post(
        f"/sales/leads/{lead.pk}/claim/", headers=HTMX | {"HX-Target": f"pool-lead-{lead.pk}"}
    )
    plain = client.post(f"/sales/leads/{lead.pk}/claim/")

    # then
    message = "Someone else claimed this lead a moment ago."
    assert in_place.status_code == 409
    assert in_place["X-Refused"] == "1"
    assert message in in_place.content.decode()
    assert plain.status_code == 409
    assert message in plain.content.decode()
    lead.refresh_from_db()
    assert lead.owner == other_rep


def test_claim_from_the_lead_page_when_lost_retargets_the_claim_form(
    client: Client, rep, other_rep
) -> None:  # type: ignore[no-untyped-def]
    # given
    lead = pool_lead()
    client.force_login(other_rep)
    client.post(f"/sales/leads/{lead.pk}/claim/")
    client.force_login(rep)

    # when
    response = client.post(
        f"/sales/leads/{lead.pk}/claim/", headers=HTMX | {"HX-Target": "lead-workspace"}
    )

    # then
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#claim-form"
    assert "Someone else claimed this lead a moment ago." in response.content.decode()


def test_claiming_a_nurture_lead_is_not_found(sales_client: Client) -> None:
    # given
    lead = factories.LeadFactory()

    # when
    response = sales_client.post(f"/sales/leads/{lead.pk}/claim/")

    # then
    assert response.status_code == 404
    lead.refresh_from_db()
    assert lead.owner is None


def test_won_deal_from_the_lead_keeps_account_lifecycle_until_won(
    sales_client: Client, my_lead: Lead
) -> None:
    # when
    sales_client.post(f"/sales/leads/{my_lead.pk}/convert/", {"name": "Deal", "amount": "10"})

    # then
    assert my_lead.account is not None
    my_lead.account.refresh_from_db()
    assert my_lead.account.lifecycle == Account.Lifecycle.PROSPECT


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
    # opportunities, disqualification reasons, plays (the action forms: this test's play is
    # not committed, so the page reads them itself), the rep's counts (with the Today badge's)
    # and the pool count
    with django_assert_max_num_queries(15):
        response = sales_client.get(f"/sales/leads/{lead.pk}/")

    # then
    assert response.status_code == 200


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

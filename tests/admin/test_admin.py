"""The RevOps admin, tested through its real views: validation, actions, permissions."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.models import Model
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.models import Quarter
from apps.goals.models import JointGoal
from apps.intake.models import IntakeSource
from apps.leads.models import Lead, LeadEvent
from apps.routing.models import PoolMember, RoutingRule, SlaPolicy
from apps.scoring.models import QualificationAgreement, ScoringRule
from apps.service.models import Renewal
from apps.users.models import Role, User
from apps.users.permissions_setup import REVOPS_APP_LABELS, grant_revops_permissions
from tests import factories

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
CONFIGURATION_MODELS = [
    "core.quarter",
    "goals.jointgoal",
    "routing.slapolicy",
    "routing.routingrule",
    "scoring.qualificationagreement",
    "scoring.scoringrule",
    "scoring.buyingrolerule",
    "feedback.disqualificationreason",
    "service.churnreason",
    "plays.play",
    "campaigns.campaign",
    "campaigns.asset",
    "intake.intakesource",
    "notifications.teamchannel",
]


def url(model_label: str, view: str, *args: Any) -> str:
    app_label, model_name = model_label.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


def inline_management(prefix: str, total: int = 0, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def sla_policy_data(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Second policy",
        "is_active": "on",
        "first_response_minutes": "5",
        "time_zone": "Europe/Berlin",
        "work_days": "0,1,2,3,4",
        "day_start": "09:00",
        "day_end": "17:00",
        "escalate_after_minutes": "10",
        "reassign_after_minutes": "30",
        **inline_management("holidays"),
    }
    return {**data, **overrides}


def goal_data(quarter: Quarter, **overrides: str) -> dict[str, str]:
    data = {
        "quarter": str(quarter.pk),
        "metric": "sales_ready_leads",
        "name": "",
        "target": "120",
        "team_marketing": "on",
        "team_sales": "on",
        "segment_campaign": "",
        "segment_source": "",
        "segment_country": "",
        "segment_tier": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v != "off"}


def agreement_data(**overrides: str) -> dict[str, str]:
    data = {
        "version": "7",
        "effective_from_0": "2026-10-01",
        "effective_from_1": "00:00:00",
        "score_threshold": "60",
        "hand_raiser_ready": "on",
        "engagement_half_life_days": "30",
        "account_min_roles": "3",
        "account_window_days": "30",
        "account_score_threshold": "150",
        "marketing_signer": "",
        "sales_signer": "",
        "notes": "",
    }
    return {**data, **overrides}


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


# --- every page renders -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "model_admin"), REGISTERED, ids=[m._meta.label for m, _ in REGISTERED]
)
def test_admin_pages_render_for_superuser(
    admin_client: Client, populated: None, model: type[Model], model_admin: admin.ModelAdmin[Any]
) -> None:
    # given
    label = model._meta.label_lower
    request = RequestFactory().get("/")
    request.user = User.objects.get(username="admin")
    can_add = model_admin.has_add_permission(request)
    obj = model._default_manager.order_by("pk").first()

    # when
    changelist = admin_client.get(url(label, "changelist"))
    add = admin_client.get(url(label, "add"))
    change = admin_client.get(url(label, "change", obj.pk)) if obj is not None else None

    # then
    assert changelist.status_code == 200
    assert add.status_code == (200 if can_add else 403)
    if change is not None:
        assert change.status_code == 200


@pytest.mark.parametrize(
    ("model", "model_admin"), REGISTERED, ids=[m._meta.label for m, _ in REGISTERED]
)
def test_admin_changelist_queries_do_not_grow_with_rows(
    admin_client: Client,
    rep: User,
    marketer: User,
    model: type[Model],
    model_admin: admin.ModelAdmin[Any],
) -> None:
    # given
    changelist = url(model._meta.label_lower, "changelist")
    populate(rep=rep, marketer=marketer)
    admin_client.get(changelist)  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as one_row:
        assert admin_client.get(changelist).status_code == 200

    # when
    for _ in range(3):
        populate(rep=rep, marketer=marketer)
    with CaptureQueriesContext(connection) as four_rows:
        assert admin_client.get(changelist).status_code == 200

    # then
    assert len(four_rows) == len(one_row), [q["sql"] for q in four_rows.captured_queries]


# --- RevOps permissions ----------------------------------------------------------------


def test_revops_permissions_are_granted_by_migrate_and_idempotent(db: None) -> None:
    # given: the test database was migrated, so the post_migrate receiver has run
    revops = Group.objects.get(name=Role.REVOPS)

    # when
    granted_again = sum(grant_revops_permissions(app_label=label) for label in REVOPS_APP_LABELS)

    # then
    codenames = set(revops.permissions.values_list("codename", flat=True))
    assert granted_again == 0
    assert {"add_quarter", "change_jointgoal", "view_leadevent", "view_group"} <= codenames
    assert {"delete_scoringrule", "delete_holiday", "delete_poolmember"} <= codenames
    assert {"add_group", "delete_lead", "delete_quarter", "delete_jointgoal"}.isdisjoint(codenames)


def test_revops_grant_restores_a_removed_permission(db: None) -> None:
    # given
    revops = Group.objects.get(name=Role.REVOPS)
    revops.permissions.remove(Permission.objects.get(codename="change_slapolicy"))

    # when
    granted = grant_revops_permissions(app_label="routing")

    # then
    assert granted == 1
    assert revops.permissions.filter(codename="change_slapolicy").exists()


@pytest.mark.parametrize("model_label", CONFIGURATION_MODELS)
def test_revops_user_opens_configuration_admin(revops_client: Client, model_label: str) -> None:
    # given: rita is staff and in RevOps, not a superuser (see conftest)

    # when
    changelist = revops_client.get(url(model_label, "changelist"))
    add = revops_client.get(url(model_label, "add"))

    # then
    assert changelist.status_code == 200
    assert add.status_code == 200


def test_revops_user_cannot_make_anyone_superuser(revops_client: Client, rep: User) -> None:
    # given
    rep.is_staff = True
    rep.save()

    # when
    response = revops_client.post(
        url("users.user", "change", rep.pk),
        {
            "username": rep.username,
            "first_name": "Sam",
            "last_name": "Rep",
            "email": rep.email,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [str(Group.objects.get(name=Role.SALES).pk)],
            "capacity": "30",
            "routing_weight": "2",
            "is_available": "on",
            "time_zone": "Europe/Berlin",
            "work_start": "08:00",
            "work_end": "16:00",
            "work_days": "0,1,2,3,4",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00:00",
        },
    )

    # then
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.capacity == 30
    assert rep.time_zone == "Europe/Berlin"
    assert not rep.is_superuser


# --- quarters and goals ----------------------------------------------------------------


def test_quarter_overlapping_another_is_refused_naming_it(revops_client: Client) -> None:
    # given
    factories.QuarterFactory(
        name="2026-Q4", starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31)
    )

    # when
    response = revops_client.post(
        url("core.quarter", "add"),
        {"name": "2027-Q1", "starts_on": "2026-12-15", "ends_on": "2027-03-31"},
    )

    # then
    assert response.status_code == 200
    assert "overlap quarter 2026-Q4" in response.content.decode()
    assert not Quarter.objects.filter(name="2027-Q1").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "2027-Q1", "starts_on": "2027-03-31", "ends_on": "2027-01-01"}, "must end after"),
        ({"name": "Q1 2027", "starts_on": "2027-01-01", "ends_on": "2027-03-31"}, "2026-Q4"),
    ],
    ids=["end-before-start", "bad-name"],
)
def test_quarter_with_bad_dates_or_name_is_refused(
    revops_client: Client, data: dict[str, str], message: str
) -> None:
    # when
    response = revops_client.post(url("core.quarter", "add"), data)

    # then
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Quarter.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"target": "0"}, "target", "greater than zero"),
        ({"team_marketing": "off", "team_sales": "off"}, "team_marketing", "at least one"),
    ],
    ids=["zero-target", "no-team"],
)
def test_goal_without_positive_target_or_team_is_refused(
    revops_client: Client, overrides: dict[str, str], field: str, message: str
) -> None:
    # given
    quarter = factories.QuarterFactory()

    # when
    response = revops_client.post(url("goals.jointgoal", "add"), goal_data(quarter, **overrides))

    # then
    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors[field])
    assert not JointGoal.objects.exists()


def test_copy_goals_to_next_quarter_copies_once(revops_client: Client) -> None:
    # given
    q4 = factories.QuarterFactory(name="2026-Q4")
    q1 = factories.QuarterFactory(
        name="2027-Q1", starts_on=date(2027, 1, 1), ends_on=date(2027, 3, 31)
    )
    ready = factories.JointGoalFactory(quarter=q4, metric="sales_ready_leads")
    won = factories.JointGoalFactory(
        quarter=q4, metric="revenue_won", target=Decimal("500000"), team_service=True
    )
    action = {"action": "copy_to_next_quarter", "_selected_action": [ready.pk, won.pk]}

    # when
    first = revops_client.post(url("goals.jointgoal", "changelist"), action, follow=True)
    second = revops_client.post(url("goals.jointgoal", "changelist"), action, follow=True)

    # then
    copies = JointGoal.objects.filter(quarter=q1).order_by("metric")
    assert [(g.metric, g.target, g.teams) for g in copies] == [
        ("revenue_won", Decimal("500000.00"), ["Marketing", "Sales", "Service"]),
        ("sales_ready_leads", Decimal("100.00"), ["Marketing", "Sales"]),
    ]
    assert "Copied 2 goal(s) from 2026-Q4 to 2027-Q1; skipped 0" in messages_of(first)[0]
    assert "Copied 0 goal(s) from 2026-Q4 to 2027-Q1; skipped 2" in messages_of(second)[0]


def test_copy_goals_keeps_a_goal_of_another_segment(revops_client: Client) -> None:
    # given
    q4 = factories.QuarterFactory(name="2026-Q4")
    q1 = factories.QuarterFactory(
        name="2027-Q1", starts_on=date(2027, 1, 1), ends_on=date(2027, 3, 31)
    )
    factories.JointGoalFactory(quarter=q1, metric="sales_ready_leads", segment_country="DE")
    goal = factories.JointGoalFactory(quarter=q4, metric="sales_ready_leads")

    # when
    revops_client.post(
        url("goals.jointgoal", "changelist"),
        {"action": "copy_to_next_quarter", "_selected_action": [goal.pk]},
    )

    # then
    assert JointGoal.objects.filter(quarter=q1).count() == 2


def test_quarter_action_copies_last_quarters_goals(revops_client: Client) -> None:
    # given
    q4 = factories.QuarterFactory(name="2026-Q4")
    q1 = factories.QuarterFactory(
        name="2027-Q1", starts_on=date(2027, 1, 1), ends_on=date(2027, 3, 31)
    )
    factories.JointGoalFactory(quarter=q4, metric="win_rate")

    # when
    response = revops_client.post(
        url("core.quarter", "changelist"),
        {"action": "copy_last_quarters_goals", "_selected_action": [q1.pk]},
        follow=True,
    )

    # then
    assert list(q1.goals.values_list("metric", flat=True)) == ["win_rate"]
    assert "2027-Q1: copied 1 goal(s) from 2026-Q4" in messages_of(response)[0]


# --- qualification agreement -----------------------------------------------------------


def test_agreement_signed_by_non_marketing_user_is_refused(
    revops_client: Client, rep: User, manager: User
) -> None:
    # when
    response = revops_client.post(
        url("scoring.qualificationagreement", "add"),
        agreement_data(marketing_signer=str(rep.pk), sales_signer=str(manager.pk)),
    )

    # then
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "not in the Marketing group" in errors["marketing_signer"][0]
    assert "sales_signer" not in errors
    assert not QualificationAgreement.objects.exists()


def test_agreement_sales_signer_must_be_in_sales(revops_client: Client, marketer: User) -> None:
    # when
    response = revops_client.post(
        url("scoring.qualificationagreement", "add"),
        agreement_data(sales_signer=str(marketer.pk)),
    )

    # then
    assert (
        "not in the Sales or Sales manager group"
        in (response.context["adminform"].form.errors["sales_signer"][0])
    )


def test_signing_stamps_the_signature_and_clearing_removes_it(
    revops_client: Client, marketer: User, manager: User
) -> None:
    # given
    agreement = factories.AgreementFactory(version=7)

    # when
    revops_client.post(
        url("scoring.qualificationagreement", "change", agreement.pk),
        agreement_data(marketing_signer=str(marketer.pk)),
    )
    agreement.refresh_from_db()
    marketing_signed_at = agreement.marketing_signed_at
    revops_client.post(
        url("scoring.qualificationagreement", "change", agreement.pk), agreement_data()
    )

    # then
    assert marketing_signed_at is not None
    agreement.refresh_from_db()
    assert agreement.marketing_signer is None
    assert agreement.marketing_signed_at is None


def test_signed_agreement_thresholds_are_read_only(
    revops_client: Client, marketer: User, manager: User
) -> None:
    # given
    agreement = factories.AgreementFactory(version=7, score_threshold=60)
    revops_client.post(
        url("scoring.qualificationagreement", "change", agreement.pk),
        agreement_data(marketing_signer=str(marketer.pk), sales_signer=str(manager.pk)),
    )

    # when
    page = revops_client.get(url("scoring.qualificationagreement", "change", agreement.pk))
    response = revops_client.post(
        url("scoring.qualificationagreement", "change", agreement.pk),
        agreement_data(score_threshold="10", sales_signer="", notes="Reviewed at QBR"),
    )

    # then
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.is_signed
    assert agreement.score_threshold == 60
    assert agreement.sales_signer == manager
    assert agreement.notes == "Reviewed at QBR"
    assert set(page.context["adminform"].form.fields) == {"notes"}
    assert "add a new version" in page.content.decode()
    assert QualificationAgreement.objects.in_force() == agreement


def test_agreement_list_shows_which_version_is_in_force(
    revops_client: Client, marketer: User, manager: User
) -> None:
    # given
    factories.AgreementFactory(version=1)
    signed = factories.AgreementFactory(version=2)
    signed.marketing_signer, signed.sales_signer = marketer, manager
    signed.marketing_signed_at = signed.sales_signed_at = signed.effective_from
    signed.save()

    # when
    response = revops_client.get(url("scoring.qualificationagreement", "changelist"))

    # then
    rows = {obj.version: obj.is_in_force for obj in response.context["cl"].result_list}
    assert rows == {1: False, 2: True}
    assert "Unsigned" in response.content.decode()


# --- SLA policy and routing ------------------------------------------------------------


def test_second_active_sla_policy_is_refused(revops_client: Client) -> None:
    # given
    factories.SlaPolicyFactory(name="Default", is_active=True)

    # when
    response = revops_client.post(url("routing.slapolicy", "add"), sla_policy_data())

    # then
    assert response.status_code == 200
    assert (
        "“Default” is the active SLA policy"
        in (response.context["adminform"].form.errors["is_active"][0])
    )
    assert SlaPolicy.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"escalate_after_minutes": "45"}, "escalate_after_minutes"),
        ({"day_end": "08:00"}, "day_end"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ],
    ids=["escalate-after-reassign", "day-ends-before-start", "unknown-zone"],
)
def test_sla_policy_with_inconsistent_settings_is_refused(
    revops_client: Client, overrides: dict[str, str], field: str
) -> None:
    # when
    response = revops_client.post(url("routing.slapolicy", "add"), sla_policy_data(**overrides))

    # then
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not SlaPolicy.objects.exists()


def test_sla_policy_saves_with_holidays(revops_client: Client) -> None:
    # when
    response = revops_client.post(
        url("routing.slapolicy", "add"),
        {
            **sla_policy_data(),
            **inline_management("holidays", total=1),
            "holidays-0-date": "2026-12-25",
            "holidays-0-name": "Christmas Day",
        },
    )

    # then
    assert response.status_code == 302
    assert list(SlaPolicy.objects.get().holidays.values_list("name", flat=True)) == [
        "Christmas Day"
    ]


def test_routing_rule_refuses_non_sales_rep_in_pool(
    revops_client: Client, marketer: User, rep: User
) -> None:
    # when
    response = revops_client.post(
        url("routing.routingrule", "add"),
        {
            "name": "EMEA",
            "order": "10",
            "is_active": "on",
            "countries": "de, fr",
            "industries": "",
            "min_employees": "",
            "max_employees": "",
            "tier": "",
            "sources": "",
            **inline_management("members", total=2),
            "members-0-rep": str(rep.pk),
            "members-1-rep": str(marketer.pk),
        },
    )

    # then
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert "not in the Sales or Sales manager group" in formset.forms[1].errors["rep"][0]
    assert not RoutingRule.objects.exists()


def test_routing_rule_normalises_countries_and_saves_pool(
    revops_client: Client, rep: User, manager: User
) -> None:
    # when
    response = revops_client.post(
        url("routing.routingrule", "add"),
        {
            "name": "EMEA",
            "order": "10",
            "is_active": "on",
            "countries": "de, fr",
            "min_employees": "50",
            "max_employees": "500",
            "sources": "web_form,api",
            **inline_management("members", total=2),
            "members-0-rep": str(rep.pk),
            "members-1-rep": str(manager.pk),
        },
    )

    # then
    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert rule.countries == "DE,FR"
    assert set(PoolMember.objects.filter(rule=rule).values_list("rep__username", flat=True)) == {
        "sam",
        "max",
    }


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"min_employees": "500", "max_employees": "50"}, "max_employees"),
        ({"countries": "Germany"}, "countries"),
        ({"sources": "carrier_pigeon"}, "sources"),
    ],
    ids=["employee-range", "country-name", "unknown-source"],
)
def test_routing_rule_with_bad_criteria_is_refused(
    revops_client: Client, overrides: dict[str, str], field: str
) -> None:
    # given
    data = {"name": "EMEA", "order": "10", **inline_management("members"), **overrides}

    # when
    response = revops_client.post(url("routing.routingrule", "add"), data)

    # then
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors


# --- scoring, plays, renewals ----------------------------------------------------------


@pytest.mark.parametrize(
    ("attribute", "value", "accepted"),
    [
        ("employees_at_least", "500", True),
        ("employees_below", "five hundred", False),
        ("buying_role", "champion", True),
        ("buying_role", "boss", False),
        ("country", "Germany", False),
    ],
)
def test_scoring_rule_value_must_fit_its_attribute(
    revops_client: Client, attribute: str, value: str, accepted: bool
) -> None:
    # when
    response = revops_client.post(
        url("scoring.scoringrule", "add"),
        {"name": "Rule", "attribute": attribute, "value": value, "points": "10", "is_active": "on"},
    )

    # then
    assert ScoringRule.objects.exists() is accepted
    if not accepted:
        assert "value" in response.context["adminform"].form.errors


def test_second_active_default_play_is_refused(revops_client: Client) -> None:
    # given
    factories.PlayFactory(name="Default play", is_default=True)

    # when
    response = revops_client.post(
        url("plays.play", "add"),
        {
            "name": "Another default",
            "priority": "100",
            "is_active": "on",
            "is_default": "on",
            **inline_management("steps"),
        },
    )

    # then
    assert response.status_code == 200
    assert (
        "“Default play” is already the active default play"
        in (response.context["adminform"].form.errors["is_default"][0])
    )


def test_churned_renewal_needs_a_churn_reason(revops_client: Client) -> None:
    # given
    renewal = factories.RenewalFactory()

    # when
    response = revops_client.post(
        url("service.renewal", "change", renewal.pk),
        {
            "account": str(renewal.account_id),
            "due_on": "2026-11-30",
            "amount": "24000",
            "outcome": "churned",
            "churn_reason": "",
        },
    )

    # then
    assert response.status_code == 200
    assert "needs a churn reason" in response.context["adminform"].form.errors["churn_reason"][0]
    renewal.refresh_from_db()
    assert renewal.outcome == Renewal.Outcome.PENDING


# --- leads: never deleted, archived with an event -----------------------------------------


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


# --- intake sources ----------------------------------------------------------------------


def test_intake_source_add_shows_the_key_once_and_stores_its_hash(revops_client: Client) -> None:
    # when
    response = revops_client.post(
        url("intake.intakesource", "add"),
        {"name": "Website", "slug": "website", "default_source": "api", "is_active": "on"},
        follow=True,
    )

    # then
    shown = [m for m in messages_of(response) if "API key for Website" in m]
    assert len(shown) == 1
    key = re.search(r"API key for Website: <code>([^<]+)</code>", shown[0]).group(1)  # type: ignore[union-attr]
    source = IntakeSource.objects.get(slug="website")
    assert source.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert source.key_prefix == key[:8]
    assert len(key) >= 40
    assert key not in {source.key_hash, source.key_prefix, source.webhook_secret}
    assert source.webhook_secret
    later = revops_client.get(url("intake.intakesource", "change", source.pk))
    assert key not in later.content.decode()
    assert source.key_hash in later.content.decode()


def test_rotate_webhook_secret_keeps_the_previous_one(revops_client: Client) -> None:
    # given
    source = factories.IntakeSourceFactory(webhook_secret="old-secret")

    # when
    response = revops_client.post(
        url("intake.intakesource", "changelist"),
        {"action": "rotate_webhook_secret", "_selected_action": [source.pk]},
        follow=True,
    )

    # then
    source.refresh_from_db()
    assert source.previous_webhook_secret == "old-secret"
    assert source.webhook_secret not in ("", "old-secret")
    assert source.webhook_secret in messages_of(response)[0]

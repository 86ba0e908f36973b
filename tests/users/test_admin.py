"""The RevOps admin: every page renders, queries stay flat, RevOps holds exactly its permissions."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.models import Model
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.leads.models import Lead
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


def _rep_form(rep: User, **overrides: str) -> dict[str, Any]:
    return {
        "username": rep.username,
        "first_name": "Sam",
        "last_name": "Rep",
        "email": rep.email,
        "is_active": "on",
        "groups": [str(Group.objects.get(name=Role.SALES).pk)],
        "capacity": "25",
        "routing_weight": "1",
        "is_available": "on",
        "time_zone": "UTC",
        "work_start": "09:00",
        "work_end": "17:00",
        "work_days": "0,1,2,3,4",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
        **overrides,
    }


@pytest.mark.parametrize("capacity", ["0", "-3"])
def test_a_capacity_of_zero_or_less_is_refused_with_the_field_named(
    revops_client: Client, rep: User, capacity: str
) -> None:
    # when
    response = revops_client.post(
        url("users.user", "change", rep.pk), _rep_form(rep, capacity=capacity)
    )

    # then
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["capacity"]
    rep.refresh_from_db()
    assert rep.capacity == 25


def test_raising_a_reps_capacity_asks_routing_to_release_the_held_queue(
    revops_client: Client,
    rep: User,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    published: list[str] = []
    monkeypatch.setattr(
        "apps.core.queue.publish", lambda name, *args, eta=None: published.append(name)
    )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        unchanged = revops_client.post(url("users.user", "change", rep.pk), _rep_form(rep))
    with django_capture_on_commit_callbacks(execute=True):
        raised = revops_client.post(
            url("users.user", "change", rep.pk), _rep_form(rep, capacity="40")
        )

    # then
    assert (unchanged.status_code, raised.status_code) == (302, 302)
    assert published == ["routing.release_held"]

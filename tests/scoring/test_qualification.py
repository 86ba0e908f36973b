"""Account-level readiness: K roles within D days and account score T, once per episode."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.accounts.models import Account
from apps.core.queue import registered_task
from apps.intake.services import IntakeData, intake_lead
from apps.leads.models import Lead, LeadEvent
from apps.scoring.models import OwedRollUp
from apps.scoring.services import scores
from tests import factories

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def account_agreement(marketer, manager):  # type: ignore[no-untyped-def]
    # K=3 roles within D=14 days, account score T=30; individual leads never reach 1000
    return factories.AgreementFactory(
        version=1,
        score_threshold=1000,
        account_min_roles=3,
        account_window_days=14,
        account_score_threshold=30,
        marketing_signer=marketer,
        marketing_signed_at=NOW - timedelta(days=1),
        sales_signer=manager,
        sales_signed_at=NOW - timedelta(days=1),
        effective_from=NOW - timedelta(days=1),
    )


@pytest.fixture
def account_setup(account_agreement, policy, pool, other_rep):  # type: ignore[no-untyped-def]
    from apps.scoring.models import BuyingRoleRule

    for order, (keyword, role) in enumerate(
        [
            ("ceo", "decision_maker"),
            ("chief", "decision_maker"),
            ("director", "champion"),
            ("head", "champion"),
            ("analyst", "user"),
        ]
    ):
        BuyingRoleRule.objects.create(keyword=keyword, role=role, order=order)
    account = factories.AccountFactory(domain="initech.example", owner=other_rep)
    factories.PlayFactory(name="Account play", is_account_play=True)
    factories.PlayFactory(name="Default", is_default=True)
    return account


def _touch(django_capture_on_commit_callbacks, email, title, weight, at=NOW):  # type: ignore[no-untyped-def]
    asset = factories.AssetFactory(engagement_weight=weight)
    with django_capture_on_commit_callbacks(execute=True):
        lead = intake_lead(
            data=IntakeData(email=email, title=title, asset=asset, kind="download", occurred_at=at),
            now=NOW,
        ).lead
        scores.settle_roll_ups()  # as the worker does within seconds
    return lead


def test_three_roles_and_the_score_hand_the_decision_maker_to_the_account_owner(
    account_setup, other_rep, django_capture_on_commit_callbacks
):
    cb = django_capture_on_commit_callbacks
    _touch(cb, "ana@initech.example", "Data Analyst", 10)  # user
    _touch(cb, "ben@initech.example", "Chief Financial Officer", 10)  # decision maker
    assert not Account.objects.get(pk=account_setup.pk).is_conversation_ready  # K-1 roles
    _touch(
        cb, "cy@initech.example", "Director of IT", 10
    )  # champion: 3 roles, score exactly 30 = T
    account = Account.objects.get(pk=account_setup.pk)
    assert account.is_conversation_ready
    ben = Lead.objects.get(email="ben@initech.example")
    assert (ben.status, ben.ready_reason, ben.owner) == ("ready", "account", other_rep)
    assert ben.lead_play.play.name == "Account play"
    event = LeadEvent.objects.get(lead=ben, kind="status", new_value="ready")
    assert {p["name"] for p in event.payload["engaged"]} == {
        lead.display_name for lead in Lead.objects.filter(account=account)
    }
    assert set(event.payload["roles_engaged"]) == {"champion", "decision_maker", "user"}
    assert Lead.objects.filter(status="ready").count() == 1


def test_readiness_fires_once_per_episode(account_setup, django_capture_on_commit_callbacks):
    cb = django_capture_on_commit_callbacks
    _touch(cb, "ana@initech.example", "Data Analyst", 10)
    _touch(cb, "ben@initech.example", "CEO", 10)
    _touch(cb, "cy@initech.example", "Director of IT", 10)
    _touch(cb, "dee@initech.example", "Head of Data", 10)  # another champion, account still ready
    _touch(cb, "ana@initech.example", "Data Analyst", 10)
    assert Lead.objects.filter(status="ready").count() == 1
    assert LeadEvent.objects.filter(kind="status", new_value="ready").count() == 1


def test_score_just_below_threshold_does_not_fire(
    account_setup, django_capture_on_commit_callbacks
):
    cb = django_capture_on_commit_callbacks
    _touch(cb, "ana@initech.example", "Data Analyst", 10)
    _touch(cb, "ben@initech.example", "CEO", 10)
    _touch(cb, "cy@initech.example", "Director of IT", 9)  # 29 < T
    assert not Account.objects.get(pk=account_setup.pk).is_conversation_ready
    assert not Lead.objects.filter(status="ready").exists()


def test_touchpoint_just_outside_the_window_does_not_count_a_role(
    account_setup, django_capture_on_commit_callbacks
):
    cb = django_capture_on_commit_callbacks
    _touch(cb, "ana@initech.example", "Data Analyst", 20, at=NOW - timedelta(days=14, seconds=1))
    _touch(cb, "ben@initech.example", "CEO", 20)
    _touch(cb, "cy@initech.example", "Director of IT", 20)
    account = Account.objects.get(pk=account_setup.pk)
    assert sorted(account.buying_roles_engaged) == ["champion", "decision_maker"]
    assert not account.is_conversation_ready


def test_touchpoint_exactly_at_the_window_edge_counts(
    account_setup, django_capture_on_commit_callbacks
):
    cb = django_capture_on_commit_callbacks
    _touch(cb, "ana@initech.example", "Data Analyst", 20, at=NOW - timedelta(days=14))
    _touch(cb, "ben@initech.example", "CEO", 20)
    _touch(cb, "cy@initech.example", "Director of IT", 20)
    assert Account.objects.get(pk=account_setup.pk).is_conversation_ready


def test_a_lead_made_ready_by_its_own_touch_is_the_only_hand_off(
    account_setup, django_capture_on_commit_callbacks
):
    """The account rule is met by the same touch that makes its lead ready (a hand-raiser):
    the account is rolled up, but its best contact is not handed over as well."""
    cb = django_capture_on_commit_callbacks
    _touch(cb, "ana@initech.example", "Data Analyst", 10)  # user
    _touch(cb, "ben@initech.example", "CEO", 10)  # decision maker, the best contact
    raiser = factories.AssetFactory(engagement_weight=10, hand_raiser=True)
    with cb(execute=True):
        cy = intake_lead(
            data=IntakeData(
                email="cy@initech.example", title="Director of IT", asset=raiser, kind="form_submit"
            ),
            now=NOW,
        ).lead
        scores.settle_roll_ups()
    account = Account.objects.get(pk=account_setup.pk)
    assert sorted(account.buying_roles_engaged) == ["champion", "decision_maker", "user"]
    assert not account.is_conversation_ready
    assert list(Lead.objects.filter(status="ready").values_list("pk", flat=True)) == [cy.pk]


# --- The roll-up is owed by the touch's transaction and settled by the worker ---------------


def test_a_burst_of_touches_owes_one_roll_up_that_the_worker_settles_within_seconds(
    account_setup, django_capture_on_commit_callbacks, settings
) -> None:  # type: ignore[no-untyped-def]
    # given three touches at one account, committed
    with django_capture_on_commit_callbacks(execute=True):
        for email, title, minutes in [
            ("ana@initech.example", "Data Analyst", 0),
            ("ben@initech.example", "CEO", 1),
            ("cy@initech.example", "Director of IT", 2),
        ]:
            intake_lead(
                data=IntakeData(email=email, title=title, asset=factories.AssetFactory()),
                now=NOW + timedelta(minutes=minutes),
            )
    # then the requests rolled nothing up: one row owes it, as of the latest touch
    account = Account.objects.get(pk=account_setup.pk)
    assert (account.engagement_score, account.buying_roles_engaged) == (0, [])
    assert list(OwedRollUp.objects.values_list("account_id", "at")) == [
        (account.pk, NOW + timedelta(minutes=2))
    ]
    # when the worker's beat task runs (every few seconds)
    schedule = settings.CELERY_BEAT_SCHEDULE["roll-ups-owed"]
    assert schedule["schedule"] == scores.ROLL_UP_EVERY.total_seconds() <= 5
    with django_capture_on_commit_callbacks(execute=True):
        registered_task(schedule["task"])()
    # then the account is rolled up and qualified, and nothing is owed
    account.refresh_from_db()
    assert account.engagement_score == 30
    assert account.buying_roles_engaged == ["champion", "decision_maker", "user"]
    assert account.is_conversation_ready
    assert Lead.objects.get(email="ben@initech.example").status == "ready"
    assert not OwedRollUp.objects.exists()


def test_a_settle_that_fails_leaves_the_roll_up_owed(account_setup, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    intake_lead(data=IntakeData(email="ana@initech.example", title="Data Analyst"), now=NOW)

    def down(**kwargs: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(scores, "roll_up_accounts", down)
    with pytest.raises(RuntimeError):
        scores.settle_roll_ups()
    assert OwedRollUp.objects.filter(account=account_setup).exists()
    monkeypatch.undo()
    assert scores.settle_roll_ups() == 1
    assert not OwedRollUp.objects.exists()

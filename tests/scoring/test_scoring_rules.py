"""The scoring rules test_scores.py leaves unstated: which nurture lead the agreement makes ready
and why, fit rules of an unknown kind, the blank country, the account roll-up (its engagement,
the buying roles engaged inside the window, the end of a readiness episode) one account at a
time and in batches, and what rescoring a lead reads from its account and the clock.

Every expected value is worked out by hand in the test.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from apps.accounts.models import Account
from apps.leads.models import Lead
from apps.scoring.models import QualificationAgreement, ScoringRule
from apps.scoring.services import (
    engaged_people,
    fit_score,
    ready_reason,
    rescore_lead,
    roll_up_accounts,
    scores,
)
from tests import factories

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
A = ScoringRule.Attribute
NURTURE = Lead.Status.NURTURE


# --- ready_reason: the lead rules of the agreement in force ------------------------------------


@pytest.mark.parametrize(
    ("status", "score", "hand_raiser", "hand_raiser_ready", "reason"),
    [
        pytest.param(NURTURE, 60, False, True, "score", id="score-exactly-the-threshold"),
        pytest.param(NURTURE, 59, False, True, "", id="score-one-below-the-threshold"),
        pytest.param(NURTURE, 0, True, True, "hand_raiser", id="hand-raiser-needs-no-score"),
        pytest.param(NURTURE, 90, True, True, "hand_raiser", id="hand-raiser-wins-over-score"),
        pytest.param(NURTURE, 0, True, False, "", id="hand-raising-off-in-the-agreement"),
        pytest.param(NURTURE, 90, True, False, "score", id="hand-raising-off-score-still-counts"),
        pytest.param(NURTURE, 0, False, True, "", id="hand-raising-allowed-but-no-hand-raised"),
        pytest.param("ready", 90, True, True, "", id="already-ready"),
        pytest.param("working", 90, False, True, "", id="being-worked"),
        pytest.param("disqualified", 90, True, True, "", id="disqualified"),
        pytest.param("held", 0, True, True, "hand_raiser", id="held-hand-raiser-ready-at-once"),
        pytest.param("held", 90, False, True, "", id="held-waits-for-room-not-a-rescore"),
        pytest.param("held", 90, True, False, "", id="held-hand-raising-off"),
    ],
)
def test_ready_reason_makes_only_a_nurture_lead_ready_hand_raiser_first_then_score(
    status: str, score: int, hand_raiser: bool, hand_raiser_ready: bool, reason: str
) -> None:
    # given: the agreement's score threshold is 60
    agreement = QualificationAgreement(score_threshold=60, hand_raiser_ready=hand_raiser_ready)
    lead = factories.LeadFactory.build(status=status, score=score)
    # when
    why = ready_reason(lead=lead, agreement=agreement, hand_raiser=hand_raiser)
    # then
    assert why == reason


SENT_BACK = NOW - timedelta(days=2)


@pytest.mark.parametrize(
    ("last_touch_at", "hand_raiser", "reason"),
    [
        pytest.param(None, False, "", id="no-touch-at-all"),
        pytest.param(SENT_BACK - timedelta(days=1), False, "", id="touched-before-sent-back"),
        pytest.param(SENT_BACK, False, "", id="touched-the-moment-it-was-sent-back"),
        pytest.param(SENT_BACK + timedelta(seconds=1), False, "score", id="touched-since"),
        pytest.param(None, True, "hand_raiser", id="raising-its-hand-needs-no-new-touch"),
    ],
)
def test_a_lead_the_held_queue_sent_back_needs_a_newer_touch_to_be_ready_on_score(
    last_touch_at: datetime | None, hand_raiser: bool, reason: str
) -> None:
    # given: score 90 over the threshold of 60, sent back from the held queue two days ago
    agreement = QualificationAgreement(score_threshold=60, hand_raiser_ready=True)
    lead = factories.LeadFactory.build(
        status=NURTURE, score=90, held_returned_at=SENT_BACK, last_touch_at=last_touch_at
    )
    # when
    why = ready_reason(lead=lead, agreement=agreement, hand_raiser=hand_raiser)
    # then
    assert why == reason


@pytest.mark.parametrize(
    ("score", "hand_raiser"),
    [
        pytest.param(100, False, id="high-score"),
        pytest.param(0, True, id="hand-raiser"),
    ],
)
def test_ready_reason_without_an_agreement_in_force_makes_no_lead_ready(
    score: int, hand_raiser: bool
) -> None:
    # given
    lead = factories.LeadFactory.build(status=NURTURE, score=score)
    # when
    why = ready_reason(lead=lead, agreement=None, hand_raiser=hand_raiser)
    # then
    assert why == ""


# --- fit_score: rules the code does not know, and the unknown country ---------------------------


@pytest.mark.parametrize(
    "attributes",
    [
        pytest.param(["seniority", A.TITLE_KEYWORD], id="unknown-rule-first"),
        pytest.param([A.TITLE_KEYWORD, "seniority"], id="unknown-rule-after-a-match"),
    ],
)
def test_fit_rule_of_an_unknown_attribute_adds_no_points(attributes: list[str]) -> None:
    # given: the title rule is worth 20 and matches; the unknown rule would add 30
    points = {A.TITLE_KEYWORD: 20, "seniority": 30}
    rules = [
        factories.ScoringRuleFactory.build(attribute=a, value="VP", points=points[a])
        for a in attributes
    ]
    lead = factories.LeadFactory.build(title="VP Sales")
    # when
    fit = fit_score(lead=lead, account=None, rules=rules)
    # then
    assert fit == 20


@pytest.mark.parametrize(
    ("account_country", "value", "expected"),
    [
        pytest.param(None, "", 10, id="no-account-country-is-blank"),
        pytest.param("", "", 10, id="account-without-country-is-blank"),
        pytest.param(None, "DE", 0, id="no-account-matches-no-code"),
    ],
)
def test_fit_country_of_a_lead_with_no_country_anywhere_is_blank(
    account_country: str | None, value: str, expected: int
) -> None:
    # given: a lead without a country; its account (if any) with `account_country`
    rule = factories.ScoringRuleFactory.build(attribute=A.COUNTRY, value=value, points=10)
    lead = factories.LeadFactory.build(country="")
    account = (
        None if account_country is None else factories.AccountFactory.build(country=account_country)
    )
    # when
    fit = fit_score(lead=lead, account=account, rules=[rule])
    # then
    assert fit == expected


# --- The account roll-up: roll_up_accounts, for one account and among others -------------------
#
# Each rule below is checked for an account rolled up alone (as the worker settles the one
# account a touch at intake owes) and for the batch call the importer makes.

DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)


def _roll_up_one(account_id: int, **kwargs: Any) -> Account:
    return roll_up_accounts(account_ids=[account_id], **kwargs)[account_id]


def _roll_up_many(account_id: int, **kwargs: Any) -> Account:
    others = factories.AccountFactory.create_batch(2)
    return roll_up_accounts(account_ids=[others[0].pk, account_id, others[1].pk], **kwargs)[
        account_id
    ]


ROLL_UPS = [pytest.param(_roll_up_one, id="one"), pytest.param(_roll_up_many, id="many")]
RollUp = Callable[..., Account]


def _window(days: int, *, min_roles: int = 1, threshold: int = 10) -> QualificationAgreement:
    """An agreement's account rule: K roles inside a window of `days`, account score T."""
    return QualificationAgreement(
        account_window_days=days, account_min_roles=min_roles, account_score_threshold=threshold
    )


def _touch(account: Account, role: str, at: datetime, kind: str = "page_view") -> None:
    lead = factories.LeadFactory(account=account, buying_role=role)
    factories.TouchpointFactory(lead=lead, kind=kind, occurred_at=at)


@pytest.mark.django_db
@pytest.mark.parametrize("roll_up", ROLL_UPS)
@pytest.mark.parametrize(
    ("leads", "expected"),
    [
        pytest.param([(1.111, False), (2.222, False)], 3.33, id="sum-rounded-to-two-decimals"),
        pytest.param([(10.5, False), (40.0, True)], 10.5, id="archived-lead-not-counted"),
        pytest.param([], 0.0, id="no-leads-zero"),
    ],
)
def test_roll_up_account_engagement_is_the_sum_of_its_live_leads_rounded_to_cents(
    roll_up: RollUp, leads: list[tuple[float, bool]], expected: float
) -> None:
    # given: the account's leads (engagement, archived); another account's lead worth 100
    account = factories.AccountFactory()
    for engagement, archived in leads:
        factories.LeadFactory(
            account=account,
            engagement_score=engagement,
            is_archived=archived,
            archived_at=NOW if archived else None,
        )
    factories.LeadFactory(account=factories.AccountFactory(), engagement_score=100.0)
    factories.LeadFactory(account=None, engagement_score=100.0)
    # when
    rolled = roll_up(account.pk, agreement=None, now=NOW)
    # then: returned and written
    assert rolled.engagement_score == expected
    account.refresh_from_db()
    assert account.engagement_score == expected


@pytest.mark.django_db
@pytest.mark.parametrize("roll_up", ROLL_UPS)
def test_roll_up_account_lists_each_buying_role_engaged_inside_the_window_once_sorted(
    roll_up: RollUp,
) -> None:
    # given: a 14-day window; two decision makers, a user exactly at the edge, a champion one
    # second outside it, and an influencer of another account
    account = factories.AccountFactory()
    _touch(account, "user", NOW - 14 * DAY)
    _touch(account, "decision_maker", NOW)
    _touch(account, "decision_maker", NOW - DAY)
    _touch(account, "champion", NOW - 14 * DAY - SECOND)
    _touch(factories.AccountFactory(), "influencer", NOW)
    # when
    rolled = roll_up(account.pk, agreement=_window(14), now=NOW)
    # then
    assert rolled.buying_roles_engaged == ["decision_maker", "user"]
    account.refresh_from_db()
    assert account.buying_roles_engaged == ["decision_maker", "user"]


@pytest.mark.django_db
@pytest.mark.parametrize("roll_up", ROLL_UPS)
@pytest.mark.parametrize(
    ("window_days", "age", "roles"),
    [
        pytest.param(None, 30 * DAY, ["champion"], id="no-agreement-30-days-edge-counts"),
        pytest.param(None, 30 * DAY + SECOND, [], id="no-agreement-past-30-days"),
        pytest.param(14, 14 * DAY, ["champion"], id="agreement-14-days-edge-counts"),
        pytest.param(14, 20 * DAY, [], id="agreement-14-days-not-30"),
        pytest.param(60, 45 * DAY, ["champion"], id="agreement-60-days-not-30"),
    ],
)
def test_roll_up_account_window_is_the_agreements_else_30_days(
    roll_up: RollUp, window_days: int | None, age: timedelta, roles: list[str]
) -> None:
    # given: a champion engaged `age` ago
    account = factories.AccountFactory()
    _touch(account, "champion", NOW - age)
    agreement = None if window_days is None else _window(window_days)
    # when
    rolled = roll_up(account.pk, agreement=agreement, now=NOW)
    # then
    assert rolled.buying_roles_engaged == roles


@pytest.mark.django_db
@pytest.mark.parametrize("roll_up", ROLL_UPS)
@pytest.mark.parametrize(
    ("role", "kind", "with_asset", "roles"),
    [
        pytest.param("champion", "page_view", False, ["champion"], id="a-page-view-counts"),
        pytest.param("unknown", "meeting", False, [], id="unknown-role-not-counted"),
        pytest.param("champion", "import", False, [], id="import-without-asset-not-counted"),
        pytest.param("champion", "import", True, ["champion"], id="import-with-asset-counts"),
    ],
)
def test_roll_up_account_counts_no_unknown_role_and_no_bare_import_row(
    roll_up: RollUp, role: str, kind: str, with_asset: bool, roles: list[str]
) -> None:
    # given
    account = factories.AccountFactory()
    lead = factories.LeadFactory(account=account, buying_role=role)
    asset = factories.AssetFactory() if with_asset else None
    factories.TouchpointFactory(lead=lead, kind=kind, asset=asset, occurred_at=NOW)
    # when
    rolled = roll_up(account.pk, agreement=_window(30), now=NOW)
    # then
    assert rolled.buying_roles_engaged == roles


@pytest.mark.django_db
@pytest.mark.parametrize("roll_up", ROLL_UPS)
@pytest.mark.parametrize(
    ("person_at", "touch_at", "archived", "roles"),
    [
        pytest.param("account", "account", False, ["champion"], id="its-person-at-it-counts"),
        pytest.param("account", "account", True, [], id="an-archived-person-is-out"),
        pytest.param("other", "account", False, [], id="a-person-of-another-account-is-out"),
        pytest.param("account", None, False, [], id="a-touch-before-the-match-is-not-its"),
    ],
)
def test_roll_up_account_counts_touches_at_the_account_by_its_own_live_people(
    roll_up: RollUp, person_at: str, touch_at: str | None, archived: bool, roles: list[str]
) -> None:
    # given: a champion's touch; the person belongs to the account or another, the touch was
    # recorded at the account or before the person was matched to it (no account on the touch)
    account, other = factories.AccountFactory(), factories.AccountFactory()
    lead = factories.LeadFactory(
        account=account if person_at == "account" else other,
        buying_role="champion",
        is_archived=archived,
        archived_at=NOW if archived else None,
    )
    factories.TouchpointFactory(lead=lead, account=account if touch_at else None, occurred_at=NOW)
    # when
    rolled = roll_up(account.pk, agreement=_window(30), now=NOW)
    # then
    assert rolled.buying_roles_engaged == roles


@pytest.mark.django_db
def test_roll_up_accounts_reads_and_writes_a_batch_once(django_assert_max_num_queries) -> None:
    # given two accounts, each with a champion who engaged
    accounts = [factories.AccountFactory(), factories.AccountFactory()]
    for account in accounts:
        _touch(account, "champion", NOW)
    # when both are rolled up together: the sums, the roles, the accounts and one UPDATE
    with django_assert_max_num_queries(4):
        rolled = roll_up_accounts(
            account_ids=[a.pk for a in accounts], agreement=_window(30), now=NOW
        )
    # then
    assert [rolled[a.pk].buying_roles_engaged for a in accounts] == [["champion"]] * 2


@pytest.mark.django_db
@pytest.mark.parametrize("roll_up", ROLL_UPS)
def test_roll_up_account_without_a_time_given_counts_the_window_back_from_now(
    roll_up: RollUp,
) -> None:
    # given: a champion 29 days ago, a user 31 days ago (default window 30 days)
    account = factories.AccountFactory()
    now = timezone.now()
    _touch(account, "champion", now - 29 * DAY)
    _touch(account, "user", now - 31 * DAY)
    # when
    rolled = roll_up(account.pk, agreement=None)
    # then
    assert rolled.buying_roles_engaged == ["champion"]


@pytest.mark.django_db
@pytest.mark.parametrize("roll_up", ROLL_UPS)
@pytest.mark.parametrize(
    ("ready", "has_agreement", "engagement", "role", "still_ready"),
    [
        pytest.param(True, True, 10.0, "champion", True, id="ready-still-meets-the-rule"),
        pytest.param(True, True, 9.99, "champion", False, id="ready-score-below-T-ends"),
        pytest.param(True, True, 50.0, "unknown", False, id="ready-too-few-roles-ends"),
        pytest.param(True, False, 0.0, "unknown", True, id="no-agreement-leaves-it-ready"),
        pytest.param(False, True, 50.0, "champion", False, id="roll-up-never-makes-ready"),
    ],
)
def test_roll_up_account_ends_a_readiness_episode_once_the_account_rule_fails(
    roll_up: RollUp,
    ready: bool,
    has_agreement: bool,
    engagement: float,
    role: str,
    still_ready: bool,
) -> None:
    # given: the rule is K = 1 role inside 30 days and T = 10; one lead engaged now
    since = NOW - 3 * DAY if ready else None
    account = factories.AccountFactory(is_conversation_ready=ready, ready_since=since)
    lead = factories.LeadFactory(account=account, buying_role=role, engagement_score=engagement)
    factories.TouchpointFactory(lead=lead, occurred_at=NOW)
    agreement = _window(30) if has_agreement else None
    # when
    rolled = roll_up(account.pk, agreement=agreement, now=NOW)
    # then: returned and written; the episode's start goes with it
    expected = (still_ready, since if still_ready else None)
    assert (rolled.is_conversation_ready, rolled.ready_since) == expected
    account.refresh_from_db()
    assert (account.is_conversation_ready, account.ready_since) == expected
    assert account.engagement_score == engagement


# --- roll_up_accounts: many accounts at once ------------------------------------------------------


@pytest.mark.django_db
def test_roll_up_accounts_rolls_up_each_account_named_once_with_its_own_figures() -> None:
    # given: a busy account (12.5 engagement, a champion), a quiet one with nothing, and one
    # still ready though it no longer meets K = 1, T = 10
    busy, quiet = factories.AccountFactory(), factories.AccountFactory()
    fading = factories.AccountFactory(is_conversation_ready=True, ready_since=NOW - DAY)
    lead = factories.LeadFactory(account=busy, buying_role="champion", engagement_score=12.5)
    factories.TouchpointFactory(lead=lead, occurred_at=NOW)
    factories.LeadFactory(account=fading, buying_role="user", engagement_score=4.0)
    # when: the ids come unsorted and repeated
    ids = [fading.pk, busy.pk, quiet.pk, busy.pk]
    rolled = roll_up_accounts(account_ids=iter(ids), agreement=_window(30), now=NOW)
    # then
    figures = {
        pk: (a.engagement_score, a.buying_roles_engaged, a.is_conversation_ready)
        for pk, a in rolled.items()
    }
    expected = {
        busy.pk: (12.5, ["champion"], False),
        quiet.pk: (0.0, [], False),
        fading.pk: (4.0, [], False),
    }
    assert figures == expected
    stored = {
        a.pk: (a.engagement_score, a.buying_roles_engaged, a.is_conversation_ready)
        for a in Account.objects.filter(pk__in=ids)
    }
    assert stored == expected
    assert Account.objects.get(pk=fading.pk).ready_since is None


@pytest.mark.django_db
def test_roll_up_accounts_rolls_up_every_account_across_batches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given: five accounts, each with a lead worth its position, in batches of two
    monkeypatch.setattr(scores, "ROLL_UP_BATCH", 2)
    accounts = [factories.AccountFactory() for _ in range(5)]
    for n, account in enumerate(accounts, start=1):
        factories.LeadFactory(account=account, engagement_score=float(n))
    # when
    rolled = roll_up_accounts(account_ids=[a.pk for a in accounts], agreement=None, now=NOW)
    # then
    assert {pk: a.engagement_score for pk, a in rolled.items()} == {
        a.pk: float(n) for n, a in enumerate(accounts, start=1)
    }
    stored = dict(Account.objects.values_list("pk", "engagement_score"))
    assert stored == {a.pk: float(n) for n, a in enumerate(accounts, start=1)}


@pytest.mark.django_db
@pytest.mark.parametrize("size", [2, 5])
def test_roll_up_accounts_reads_and_writes_in_three_queries_whatever_the_number_of_accounts(
    django_assert_num_queries: DjangoAssertNumQueries, size: int
) -> None:
    # given: `size` accounts, each with a lead that engaged now
    accounts = [factories.AccountFactory() for _ in range(size)]
    for account in accounts:
        factories.TouchpointFactory(
            lead=factories.LeadFactory(account=account, buying_role="user"), occurred_at=NOW
        )
    # when / then: the engagement sums, the accounts with their roles engaged, one UPDATE
    with django_assert_num_queries(3):
        rolled = roll_up_accounts(account_ids=[a.pk for a in accounts], agreement=None, now=NOW)
    assert len(rolled) == size


@pytest.mark.django_db
def test_roll_up_accounts_of_no_accounts_is_empty() -> None:
    # when / then
    assert roll_up_accounts(account_ids=[], agreement=None, now=NOW) == {}


@pytest.mark.django_db
def test_roll_up_accounts_refuses_an_account_that_does_not_exist() -> None:
    # given
    account = factories.AccountFactory()
    missing = account.pk + 1000
    # when / then
    with pytest.raises(
        Account.DoesNotExist, match=rf"^Account matching id {missing} does not exist\.$"
    ):
        roll_up_accounts(account_ids=[account.pk, missing], agreement=None, now=NOW)


# --- rescore_lead: the account's attributes and the current time -------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("industry", "fit"),
    [pytest.param("Software", 25, id="account-matches"), pytest.param("Retail", 0, id="no-match")],
)
def test_rescore_lead_scores_fit_against_the_leads_account(industry: str, fit: int) -> None:
    # given: a 25-point rule on the account's industry
    factories.ScoringRuleFactory(attribute=A.INDUSTRY, value="Software", points=25)
    lead = factories.LeadFactory(account=factories.AccountFactory(industry=industry))
    # when
    change = rescore_lead(lead=lead, agreement=None, now=NOW)
    # then
    lead.refresh_from_db()
    assert (lead.fit_score, lead.score, change.new_score) == (fit, fit, fit)


@pytest.mark.django_db
def test_rescore_lead_without_a_time_given_decays_to_now() -> None:
    # given: a meeting (15) one half-life (30 days) before now
    lead = factories.LeadFactory()
    factories.TouchpointFactory(lead=lead, kind="meeting", occurred_at=timezone.now() - 30 * DAY)
    # when
    rescore_lead(lead=lead, agreement=None)
    # then
    lead.refresh_from_db()
    assert (lead.engagement_score, lead.score) == (7.5, 8)


@pytest.mark.django_db
def test_rescore_lead_writes_only_the_scores_and_leaves_the_rest_of_the_row_as_stored() -> None:
    # given: the lead's row moved on (new title and country) since this copy of it was read
    lead = factories.LeadFactory(title="Analyst", country="US")
    Lead.objects.filter(pk=lead.pk).update(title="CFO", country="DE")
    factories.TouchpointFactory(lead=lead, kind="download", occurred_at=NOW)
    # when
    rescore_lead(lead=lead, agreement=None, now=NOW)
    # then: the download's 5 points written, the newer title and country kept
    stored = Lead.objects.get(pk=lead.pk)
    assert (stored.engagement_score, stored.score) == (5.0, 5)
    assert (stored.title, stored.country) == ("CFO", "DE")


@pytest.mark.django_db
@pytest.mark.parametrize("roll_up", ROLL_UPS)
def test_an_archived_lead_is_out_of_the_buying_group(roll_up: RollUp) -> None:
    # given a champion still at the account and an economic buyer whose lead was archived
    account = factories.AccountFactory()
    _touch(account, "champion", NOW - DAY)
    archived = factories.LeadFactory(
        account=account, buying_role="economic_buyer", is_archived=True, archived_at=NOW
    )
    factories.TouchpointFactory(lead=archived, occurred_at=NOW - DAY)
    # when
    rolled = roll_up(account.pk, agreement=_window(30), now=NOW)
    # then: neither the roles counted for readiness nor the people shown to the rep include it
    assert rolled.buying_roles_engaged == ["champion"]
    people = engaged_people(account_id=account.pk, since=NOW - 30 * DAY)
    assert archived.pk not in {person["lead_id"] for person in people}
    assert len(people) == 1

"""The scoring rules test_scores.py leaves unstated: which nurture lead the agreement makes ready
and why, fit rules of an unknown kind, the blank country, and the engagement of fresh touches.

Every expected value is worked out by hand in the test.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from apps.leads.models import Lead
from apps.scoring.models import QualificationAgreement, ScoringRule
from apps.scoring.services import fit_score, ready_reason
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

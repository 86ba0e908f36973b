"""The scoring rules of apps/scoring/services/scores.py, stated one by one.

Every expected value is worked out by hand in the test (half-life 30 days unless a test says
otherwise: a touch 30 days old counts half, 60 days old a quarter).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from apps.leads.models import BuyingRole, Lead, Touchpoint
from apps.scoring.models import QualificationAgreement, ScoringRule
from apps.scoring.services import (
    ScoreChange,
    account_meets_rule,
    decayed,
    engagement_score,
    engagement_scores,
    fit_score,
    infer_buying_role,
    rescore_lead,
    score_band,
    score_band_q,
    total_score,
    touch_weight,
)
from tests import factories

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)
A = ScoringRule.Attribute


def _rule(attribute: str, value: str, points: int = 10) -> ScoringRule:
    return factories.ScoringRuleFactory.build(attribute=attribute, value=value, points=points)


def _fit(
    rules: list[ScoringRule], account_kwargs: dict[str, Any] | None = None, **lead_kwargs: Any
) -> int:
    """fit_score of a lead built from lead_kwargs, with an account built from account_kwargs."""
    lead = factories.LeadFactory.build(**lead_kwargs)
    account = None if account_kwargs is None else factories.AccountFactory.build(**account_kwargs)
    return fit_score(lead=lead, account=account, rules=rules)


# --- fit_score: one rule at a time -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "title", "expected"),
    [
        pytest.param("VP", "VP of Sales", 10, id="word-at-start"),
        pytest.param("vp", "Senior VP Marketing", 10, id="case-insensitive"),
        pytest.param("Vice President", "Regional Vice President Sales", 10, id="two-words"),
        pytest.param("  VP  ", "VP Sales", 10, id="value-trimmed"),
        pytest.param("VP", "MVP Programme Lead", 0, id="not-inside-a-word"),
        pytest.param("Director", "Directorate Analyst", 0, id="long-keyword-still-whole-word"),
        pytest.param("VP", "Head of Sales", 0, id="absent"),
    ],
)
def test_fit_title_keyword_matches_a_whole_word_ignoring_case(
    value: str, title: str, expected: int
) -> None:
    # given
    rules = [_rule(A.TITLE_KEYWORD, value)]
    # when
    fit = _fit(rules, title=title)
    # then
    assert fit == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [("decision_maker", 10), ("champion", 0), ("unknown", 0)],
)
def test_fit_buying_role_matches_the_leads_role_exactly(role: str, expected: int) -> None:
    # given
    rules = [_rule(A.BUYING_ROLE, "decision_maker")]
    # when
    fit = _fit(rules, buying_role=role)
    # then
    assert fit == expected


@pytest.mark.parametrize(
    ("value", "employees", "expected"),
    [
        pytest.param("500", 500, 10, id="exactly-the-value"),
        pytest.param("500", 9000, 10, id="above"),
        pytest.param("500", 499, 0, id="one-below"),
        pytest.param("500", None, 0, id="employees-unknown"),
        pytest.param("lots", 9000, 0, id="non-numeric-value-ignored"),
        pytest.param("1,000", 9000, 0, id="thousands-separator-is-non-numeric"),
    ],
)
def test_fit_employees_at_least_includes_the_value(
    value: str, employees: int | None, expected: int
) -> None:
    # given
    rules = [_rule(A.EMPLOYEES_AT_LEAST, value)]
    # when
    fit = _fit(rules, account_kwargs={"employees": employees})
    # then
    assert fit == expected


@pytest.mark.parametrize(
    ("value", "employees", "expected"),
    [
        pytest.param("50", 49, 10, id="one-below"),
        pytest.param("50", 0, 10, id="zero"),
        pytest.param("50", 50, 0, id="exactly-the-value"),
        pytest.param("50", None, 0, id="employees-unknown"),
        pytest.param("fifty", 10, 0, id="non-numeric-value-ignored"),
    ],
)
def test_fit_employees_below_excludes_the_value(
    value: str, employees: int | None, expected: int
) -> None:
    # given
    rules = [_rule(A.EMPLOYEES_BELOW, value)]
    # when
    fit = _fit(rules, account_kwargs={"employees": employees})
    # then
    assert fit == expected


@pytest.mark.parametrize(
    ("industry", "expected"),
    [("Software", 10), ("SOFTWARE", 10), ("software", 10), ("Fintech", 0), ("", 0)],
)
def test_fit_industry_matches_the_accounts_industry_ignoring_case(
    industry: str, expected: int
) -> None:
    # given
    rules = [_rule(A.INDUSTRY, "software")]
    # when
    fit = _fit(rules, account_kwargs={"industry": industry})
    # then
    assert fit == expected


@pytest.mark.parametrize(
    ("lead_country", "account_country", "expected"),
    [
        pytest.param("DE", None, 10, id="leads-own-country"),
        pytest.param("de", None, 10, id="case-insensitive"),
        pytest.param("", "DE", 10, id="falls-back-to-account"),
        pytest.param("FR", "DE", 0, id="leads-country-wins-over-account"),
        pytest.param("", "FR", 0, id="account-elsewhere"),
        pytest.param("", None, 0, id="no-country-no-account"),
    ],
)
def test_fit_country_is_the_leads_else_the_accounts(
    lead_country: str, account_country: str | None, expected: int
) -> None:
    # given
    rules = [_rule(A.COUNTRY, "DE")]
    account = None if account_country is None else {"country": account_country}
    # when
    fit = _fit(rules, account, country=lead_country)
    # then
    assert fit == expected


@pytest.mark.parametrize(("source", "expected"), [("referral", 10), ("paid", 0)])
def test_fit_source_matches_the_leads_source(source: str, expected: int) -> None:
    # given
    rules = [_rule(A.SOURCE, "referral")]
    # when
    fit = _fit(rules, source=source)
    # then
    assert fit == expected


# --- fit_score: rules together -----------------------------------------------------------------


def test_fit_adds_up_the_points_of_every_matching_rule() -> None:
    # given: 20 + 15 + 5 match, the 30-point rule does not
    rules = [
        _rule(A.TITLE_KEYWORD, "VP", 20),
        _rule(A.INDUSTRY, "Software", 15),
        _rule(A.COUNTRY, "US", 5),
        _rule(A.SOURCE, "partner", 30),
    ]
    # when
    fit = _fit(rules, {"industry": "Software", "country": "US"}, title="VP Sales", source="api")
    # then
    assert fit == 40


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        pytest.param([50, -20], 30, id="negative-points-subtract"),
        pytest.param([-20], 0, id="clamped-to-zero"),
        pytest.param([10, -30], 0, id="sum-below-zero-clamped"),
        pytest.param([60, 40], 100, id="exactly-the-ceiling"),
        pytest.param([60, 39], 99, id="just-below-the-ceiling"),
        pytest.param([60, 60], 100, id="clamped-to-100"),
        pytest.param([100, 100, -50], 100, id="clamped-after-summing-not-per-rule"),
    ],
)
def test_fit_sums_points_then_clamps_to_0_and_100(points: list[int], expected: int) -> None:
    # given: one title keyword per rule, all of them in the title
    words = [f"word{i}" for i in range(len(points))]
    rules = [_rule(A.TITLE_KEYWORD, w, p) for w, p in zip(words, points, strict=True)]
    # when
    fit = _fit(rules, title=" ".join(words))
    # then
    assert fit == expected


def test_fit_of_a_lead_without_account_counts_only_the_leads_own_attributes() -> None:
    # given: only the 20-point title rule can match without an account
    rules = [
        _rule(A.TITLE_KEYWORD, "VP", 20),
        _rule(A.INDUSTRY, "Software", 15),
        _rule(A.EMPLOYEES_AT_LEAST, "1", 10),
        _rule(A.EMPLOYEES_BELOW, "100000", 10),
        _rule(A.COUNTRY, "US", 5),
    ]
    # when
    fit = _fit(rules, None, title="VP Sales", country="")
    # then
    assert fit == 20


def test_fit_reads_only_active_rules_from_the_database(db: None) -> None:
    # given
    factories.ScoringRuleFactory(value="vp", points=20)
    factories.ScoringRuleFactory(value="sales", points=30, is_active=False)
    lead = factories.LeadFactory.build(title="VP Sales")
    # when
    fit = fit_score(lead=lead, account=None)
    # then
    assert fit == 20


def test_fit_with_an_empty_rule_list_does_not_read_the_database(db: None) -> None:
    # given
    factories.ScoringRuleFactory(value="vp", points=20)
    lead = factories.LeadFactory.build(title="VP Sales")
    # when
    fit = fit_score(lead=lead, account=None, rules=[])
    # then
    assert fit == 0


# --- decay and touch weights -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        pytest.param(timedelta(0), 8.0, id="age-0-full-weight"),
        pytest.param(15 * DAY, 5.6569, id="half-a-half-life-8-over-sqrt-2"),
        pytest.param(30 * DAY, 4.0, id="one-half-life-half"),
        pytest.param(60 * DAY, 2.0, id="two-half-lives-quarter"),
        pytest.param(90 * DAY, 1.0, id="three-half-lives-eighth"),
        pytest.param(-10 * DAY, 8.0, id="future-counts-as-age-0"),
    ],
)
def test_decayed_halves_the_points_every_half_life(age: timedelta, expected: float) -> None:
    # when
    points = decayed(8, NOW - age, NOW, 30)
    # then
    assert points == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize("half_life_days", [1, 0, -5])
def test_decayed_treats_a_half_life_below_one_day_as_one_day(half_life_days: int) -> None:
    # when: one day old
    points = decayed(8, NOW - DAY, NOW, half_life_days)
    # then
    assert points == pytest.approx(4.0)


@pytest.mark.parametrize(
    ("kind", "asset_weight", "expected"),
    [
        ("page_view", None, 1),
        ("ad_click", None, 1),
        ("email_click", None, 2),
        ("download", None, 5),
        ("form_submit", None, 5),
        ("webinar", None, 8),
        ("event", None, 8),
        ("meeting", None, 15),
        pytest.param("telepathy", None, 1, id="unknown-kind-1"),
        pytest.param("page_view", 10, 10, id="asset-weight-wins-when-higher"),
        pytest.param("meeting", 3, 3, id="asset-weight-wins-when-lower"),
        pytest.param("meeting", 0, 0, id="asset-weight-0-still-wins"),
    ],
)
def test_touch_weight_is_the_assets_weight_else_the_kinds(
    kind: str, asset_weight: int | None, expected: int
) -> None:
    # when
    weight = touch_weight(kind, asset_weight)
    # then
    assert weight == expected


# --- engagement over Touchpoint rows -----------------------------------------------------------


def test_engagement_score_sums_decayed_weights_of_the_leads_touches(db: None) -> None:
    # given: meeting now 15, download 30 days ago 5/2, asset of weight 10 60 days ago 10/4
    lead = factories.LeadFactory()
    factories.TouchpointFactory(lead=lead, kind="meeting", occurred_at=NOW)
    factories.TouchpointFactory(lead=lead, kind="download", occurred_at=NOW - 30 * DAY)
    factories.TouchpointFactory(
        lead=lead,
        kind="page_view",
        asset=factories.AssetFactory(engagement_weight=10),
        occurred_at=NOW - 60 * DAY,
    )
    # when
    score = engagement_score(lead_id=lead.pk, now=NOW, half_life_days=30)
    # then: 15 + 2.5 + 2.5
    assert score == 20.0


def test_engagement_score_is_rounded_to_two_decimals(db: None) -> None:
    # given: a page view half a half-life ago is worth 1/sqrt(2) = 0.7071...
    lead = factories.LeadFactory()
    factories.TouchpointFactory(lead=lead, kind="page_view", occurred_at=NOW - 15 * DAY)
    # when
    score = engagement_score(lead_id=lead.pk, now=NOW, half_life_days=30)
    # then
    assert score == 0.71


def test_engagement_score_of_a_lead_without_touches_is_zero(db: None) -> None:
    # given
    lead = factories.LeadFactory()
    # when
    score = engagement_score(lead_id=lead.pk, now=NOW, half_life_days=30)
    # then
    assert score == 0.0


def test_engagement_scores_gives_each_lead_only_its_own_touches(db: None) -> None:
    # given
    busy, quiet, silent = factories.LeadFactory(), factories.LeadFactory(), factories.LeadFactory()
    factories.TouchpointFactory(lead=busy, kind="meeting", occurred_at=NOW)
    factories.TouchpointFactory(lead=busy, kind="webinar", occurred_at=NOW - 60 * DAY)
    factories.TouchpointFactory(lead=quiet, kind="download", occurred_at=NOW - 30 * DAY)
    # when
    scores = engagement_scores(lead_ids=[busy.pk, quiet.pk, silent.pk], now=NOW, half_life_days=30)
    # then: busy 15 + 8/4, quiet 5/2, silent nothing
    assert scores == {busy.pk: 17.0, quiet.pk: 2.5, silent.pk: 0.0}


# --- score bands ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (-5, "cold"),
        (0, "cold"),
        (29, "cold"),
        (30, "warm"),
        (59, "warm"),
        (60, "hot"),
        (100, "hot"),
        (32_000, "hot"),
    ],
)
def test_score_band_is_cold_below_30_warm_below_60_hot_from_60(score: int, band: str) -> None:
    # when / then
    assert score_band(score) == band


@pytest.mark.parametrize(
    ("band", "expected_scores"),
    [("cold", {-1, 29}), ("warm", {30, 59}), ("hot", {60, 100})],
)
def test_score_band_q_selects_the_leads_score_band_puts_in_that_band(
    db: None, band: str, expected_scores: set[int]
) -> None:
    # given
    for score in (-1, 29, 30, 59, 60, 100):
        factories.LeadFactory(score=score)
    # when
    selected = set(Lead.objects.filter(score_band_q(band)).values_list("score", flat=True))
    # then
    assert selected == expected_scores
    assert {score_band(s) for s in selected} == {band}


def test_score_band_q_reaches_the_lead_through_a_prefix(db: None) -> None:
    # given
    warm = factories.TouchpointFactory(lead=factories.LeadFactory(score=30))
    factories.TouchpointFactory(lead=factories.LeadFactory(score=60))
    # when
    touches = Touchpoint.objects.filter(score_band_q("warm", prefix="lead__"))
    # then
    assert list(touches) == [warm]


def test_score_band_q_refuses_an_unknown_band() -> None:
    # when / then
    with pytest.raises(ValueError, match="unknown score band 'tepid'"):
        score_band_q("tepid")


@pytest.mark.parametrize(
    ("fit", "engagement", "expected"),
    [
        pytest.param(40, 12.4, 52, id="rounds-down"),
        pytest.param(40, 12.6, 53, id="rounds-up"),
        pytest.param(40, 0.5, 40, id="half-to-even-0.5-gives-0"),
        pytest.param(40, 1.5, 42, id="half-to-even-1.5-gives-2"),
        pytest.param(40, 2.5, 42, id="half-to-even-2.5-gives-2"),
        pytest.param(0, 0.0, 0, id="nothing"),
        pytest.param(100, 31_900.0, 32_000, id="exactly-the-ceiling"),
        pytest.param(100, 31_899.4, 31_999, id="just-below-the-ceiling"),
        pytest.param(100, 40_000.0, 32_000, id="capped-at-32000"),
    ],
)
def test_total_score_adds_engagement_rounded_half_to_even_capped_at_32000(
    fit: int, engagement: float, expected: int
) -> None:
    # when / then: Python's round() sends halves to the even neighbour (0.5 -> 0, 1.5 -> 2)
    assert total_score(fit=fit, engagement=engagement) == expected


@pytest.mark.parametrize(
    ("old", "new", "changed"),
    [(29, 30, True), (30, 59, False), (59, 60, True), (60, 29, True), (0, 29, False)],
)
def test_score_change_band_changed_compares_the_bands_not_the_scores(
    old: int, new: int, changed: bool
) -> None:
    # when / then
    assert ScoreChange(old_score=old, new_score=new).band_changed is changed


# --- buying-role inference -----------------------------------------------------------------------

ROLE_RULES = [
    ("cto", BuyingRole.DECISION_MAKER),  # three characters: whole word only
    ("vp", BuyingRole.DECISION_MAKER),
    ("head", BuyingRole.CHAMPION),  # four characters: also inside a word
    ("analyst", BuyingRole.USER),
]


@pytest.mark.parametrize(
    ("title", "role"),
    [
        pytest.param("VP Marketing", "decision_maker", id="short-keyword-whole-word"),
        pytest.param("MVP Programme Manager", "unknown", id="VP-not-inside-MVP"),
        pytest.param("CTO", "decision_maker", id="title-is-the-keyword"),
        pytest.param("Doctor of Medicine", "unknown", id="3-chars-not-inside-a-word"),
        pytest.param("Head of IT", "champion", id="long-keyword-whole-word"),
        pytest.param("Overhead Controller", "champion", id="4-chars-inside-a-word"),
        pytest.param("SENIOR DATA ANALYST", "user", id="case-insensitive"),
        pytest.param("Office Manager", "unknown", id="no-match"),
        pytest.param("", "unknown", id="no-title"),
    ],
)
def test_infer_buying_role_matches_short_keywords_as_words_and_longer_ones_anywhere(
    title: str, role: str
) -> None:
    # given
    rules = [factories.BuyingRoleRuleFactory.build(keyword=k, role=r) for k, r in ROLE_RULES]
    # when / then
    assert infer_buying_role(title, rules) == role


@pytest.mark.parametrize(
    ("head_order", "analyst_order", "role"),
    [
        pytest.param(10, 20, "champion", id="head-first"),
        pytest.param(20, 10, "user", id="analyst-first"),
        pytest.param(100, 100, "user", id="same-order-alphabetical-keyword-first"),
    ],
)
def test_infer_buying_role_from_the_database_takes_the_lowest_order_match(
    db: None, head_order: int, analyst_order: int, role: str
) -> None:
    # given: analyst created first, so its id is lower either way
    factories.BuyingRoleRuleFactory(keyword="analyst", role="user", order=analyst_order)
    factories.BuyingRoleRuleFactory(keyword="head", role="champion", order=head_order)
    # when / then
    assert infer_buying_role("Head Analyst") == role


@pytest.mark.parametrize(
    ("passed", "role"),
    [
        pytest.param(None, "champion", id="none-reads-the-database"),
        pytest.param([("head", "influencer")], "influencer", id="passed-rules-replace-db"),
        pytest.param([], "unknown", id="empty-list-is-no-rules"),
    ],
)
def test_infer_buying_role_uses_the_rules_passed_in_instead_of_the_database(
    db: None, passed: list[tuple[str, str]] | None, role: str
) -> None:
    # given
    factories.BuyingRoleRuleFactory(keyword="head", role="champion")
    rules = (
        None
        if passed is None
        else [factories.BuyingRoleRuleFactory.build(keyword=k, role=r) for k, r in passed]
    )
    # when / then
    assert infer_buying_role("Head of IT", rules) == role


# --- rescore_lead ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old_score", "band_changed"),
    [
        pytest.param(10, True, id="cold-to-warm"),
        pytest.param(35, False, id="warm-stays-warm"),
        pytest.param(75, True, id="hot-to-warm"),
    ],
)
def test_rescore_lead_saves_fit_engagement_and_score_and_reports_the_band_change(
    db: None, old_score: int, band_changed: bool
) -> None:
    # given: fit 20; engagement meeting now 15 + download 60 days ago 5/4 = 16.25
    factories.ScoringRuleFactory(value="vp", points=20)
    lead = factories.LeadFactory(title="VP Sales", score=old_score)
    factories.TouchpointFactory(lead=lead, kind="meeting", occurred_at=NOW)
    factories.TouchpointFactory(lead=lead, kind="download", occurred_at=NOW - 60 * DAY)
    # when
    change = rescore_lead(lead=lead, agreement=None, now=NOW)
    # then: 20 + round(16.25) = 36
    lead.refresh_from_db()
    assert (lead.fit_score, lead.engagement_score, lead.score) == (20, 16.25, 36)
    assert (change.old_score, change.new_score) == (old_score, 36)
    assert change.band_changed is band_changed


@pytest.mark.parametrize(
    ("half_life_days", "engagement"),
    [
        pytest.param(None, 3.75, id="no-agreement-30-days-quarter"),
        pytest.param(60, 7.5, id="agreement-60-days-half"),
    ],
)
def test_rescore_lead_decays_with_the_agreements_half_life_else_30_days(
    db: None, half_life_days: int | None, engagement: float
) -> None:
    # given: a meeting (15) 60 days ago
    agreement = (
        None
        if half_life_days is None
        else factories.AgreementFactory(engagement_half_life_days=half_life_days)
    )
    lead = factories.LeadFactory()
    factories.TouchpointFactory(lead=lead, kind="meeting", occurred_at=NOW - 60 * DAY)
    # when
    rescore_lead(lead=lead, agreement=agreement, now=NOW)
    # then
    lead.refresh_from_db()
    assert lead.engagement_score == engagement


# --- account_meets_rule at its edges -----------------------------------------------------------

THREE_ROLES = ["champion", "decision_maker", "user"]


@pytest.mark.parametrize(
    ("roles", "score", "meets"),
    [
        pytest.param(THREE_ROLES[:2], 500.0, False, id="K-1-roles"),
        pytest.param(THREE_ROLES, 150.0, True, id="K-roles-score-exactly-T"),
        pytest.param(THREE_ROLES, 149.99, False, id="score-T-minus-0.01"),
        pytest.param([*THREE_ROLES, "influencer"], 150.0, True, id="more-than-K-roles"),
        pytest.param([], 500.0, False, id="no-roles"),
    ],
)
def test_account_meets_rule_needs_k_roles_and_score_t(
    roles: list[str], score: float, meets: bool
) -> None:
    # given: K = 3 roles, T = 150
    agreement = QualificationAgreement(account_min_roles=3, account_score_threshold=150)
    account = factories.AccountFactory.build(buying_roles_engaged=roles, engagement_score=score)
    # when / then
    assert account_meets_rule(account=account, agreement=agreement) is meets

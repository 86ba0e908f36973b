"""The routing rules stated one by one: which rule a lead matches, which rep has room for it,
and which rep the round-robin (or the account owner) gives it to. Each case is worked by hand."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from apps.accounts.models import Account
from apps.leads.models import Lead
from apps.routing import services
from apps.routing.models import PoolMember, RoutingRule
from apps.users.models import User
from tests import factories
from tests.fixtures.leads import make_owned_lead

# --- Comma-separated criteria -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("", set(), id="an_empty_list_names_nothing"),
        pytest.param("DE", {"de"}, id="one_code_is_lower_cased"),
        pytest.param(" DE , fr,Es ", {"de", "fr", "es"}, id="spaces_around_items_are_ignored"),
        pytest.param("de,, ,fr,", {"de", "fr"}, id="blank_items_are_dropped"),
    ],
)
def test_a_criteria_list_is_comma_separated_trimmed_and_case_blind(
    value: str, expected: set[str]
) -> None:
    # given a comma-separated criteria field as typed in the admin
    # when
    parsed = services._csv(value)
    # then
    assert parsed == expected


# --- Which rule a lead matches ----------------------------------------------------------------

NO_ACCOUNT: dict[str, Any] | None = None
ACME = {"country": "", "industry": "Software", "employees": 250, "tier": "standard"}


def _lead(
    *, country: str = "", source: str = "web_form", account: dict[str, Any] | None = None
) -> Lead:
    """An unsaved lead (and account): rule matching reads fields only."""
    return Lead(
        email="buyer@acme.example",
        country=country,
        source=source,
        account=Account(name="Acme", **account) if account is not None else None,
    )


@pytest.mark.parametrize(
    ("rule", "lead", "expected"),
    [
        pytest.param({}, _lead(), True, id="a_rule_without_criteria_matches_any_lead"),
        # countries: the lead's own country, else its account's
        pytest.param({"countries": "DE,FR"}, _lead(country="fr"), True, id="country_in_list"),
        pytest.param({"countries": "DE,FR"}, _lead(country="US"), False, id="country_not_in_list"),
        pytest.param(
            {"countries": "DE,FR"},
            _lead(account=ACME | {"country": "DE"}),
            True,
            id="a_lead_without_country_takes_its_accounts_country",
        ),
        pytest.param(
            {"countries": "DE"},
            _lead(country="US", account=ACME | {"country": "DE"}),
            False,
            id="the_leads_own_country_wins_over_its_accounts",
        ),
        pytest.param(
            {"countries": "DE"},
            _lead(account=NO_ACCOUNT),
            False,
            id="a_lead_with_no_known_country_matches_no_country_list",
        ),
        # industries: the account's industry, compared without case
        pytest.param(
            {"industries": "Software, Fintech"},
            _lead(account=ACME | {"industry": "FinTech"}),
            True,
            id="industry_in_list_any_case",
        ),
        pytest.param(
            {"industries": "Software, Fintech"},
            _lead(account=ACME | {"industry": "Retail"}),
            False,
            id="industry_not_in_list",
        ),
        pytest.param(
            {"industries": "Software"},
            _lead(account=NO_ACCOUNT),
            False,
            id="a_lead_without_account_matches_no_industry_list",
        ),
        # employees: an inclusive range on the account's head count
        pytest.param(
            {"min_employees": 250}, _lead(account=ACME), True, id="exactly_min_employees_matches"
        ),
        pytest.param({"min_employees": 251}, _lead(account=ACME), False, id="below_min_employees"),
        pytest.param(
            {"max_employees": 250}, _lead(account=ACME), True, id="exactly_max_employees_matches"
        ),
        pytest.param({"max_employees": 249}, _lead(account=ACME), False, id="above_max_employees"),
        pytest.param(
            {"min_employees": 100, "max_employees": 500},
            _lead(account=ACME),
            True,
            id="inside_the_employee_range",
        ),
        pytest.param(
            {"min_employees": 1},
            _lead(account=ACME | {"employees": None}),
            False,
            id="unknown_head_count_fails_a_minimum",
        ),
        pytest.param(
            {"max_employees": 10_000},
            _lead(account=ACME | {"employees": None}),
            False,
            id="unknown_head_count_fails_a_maximum",
        ),
        pytest.param(
            {"max_employees": 10_000},
            _lead(account=NO_ACCOUNT),
            False,
            id="a_lead_without_account_fails_an_employee_range",
        ),
        # tier: the account's tier
        pytest.param(
            {"tier": "target"},
            _lead(account=ACME | {"tier": "target"}),
            True,
            id="target_account_matches_target_tier",
        ),
        pytest.param(
            {"tier": "target"}, _lead(account=ACME), False, id="standard_account_fails_target_tier"
        ),
        pytest.param(
            {"tier": "standard"},
            _lead(account=NO_ACCOUNT),
            False,
            id="a_lead_without_account_matches_no_tier",
        ),
        # sources: the lead's source, compared without case
        pytest.param(
            {"sources": "Event, Web_Form"}, _lead(source="web_form"), True, id="source_in_list"
        ),
        pytest.param(
            {"sources": "Event, Web_Form"}, _lead(source="paid"), False, id="source_not_in_list"
        ),
        # every criterion set must hold
        pytest.param(
            {"countries": "DE", "industries": "software", "min_employees": 200, "tier": "target"},
            _lead(country="DE", account=ACME | {"tier": "target"}),
            True,
            id="all_criteria_hold",
        ),
        pytest.param(
            {"countries": "DE", "industries": "software", "min_employees": 200, "tier": "target"},
            _lead(country="DE", account=ACME),
            False,
            id="one_failing_criterion_is_enough_to_miss",
        ),
    ],
)
def test_a_rule_matches_when_every_criterion_it_sets_holds(
    rule: dict[str, Any], lead: Lead, expected: bool
) -> None:
    # given a routing rule with some criteria set
    routing_rule = RoutingRule(name="Rule", **rule)
    # when
    matches = services.rule_matches(routing_rule, lead)
    # then
    assert matches is expected


@pytest.mark.django_db
def test_the_lowest_order_rule_wins_whatever_was_created_first() -> None:
    # given two rules that both match, the later one with the lower order
    factories.RoutingRuleFactory(name="Catch-all", order=2)
    first = factories.RoutingRuleFactory(name="EMEA", order=1, countries="DE")
    lead = factories.LeadFactory(country="DE")
    # when
    rule = services.first_matching_rule(lead)
    # then
    assert rule == first


@pytest.mark.django_db
def test_between_rules_of_equal_order_the_older_rule_wins() -> None:
    # given two matching rules of equal order; the older one edited since (PostgreSQL then
    # stores its row after the newer one's)
    older = factories.RoutingRuleFactory(name="Older", order=5)
    factories.RoutingRuleFactory(name="Newer", order=5)
    RoutingRule.objects.filter(pk=older.pk).update(name="Older, edited")
    lead = factories.LeadFactory()
    # when
    rule = services.first_matching_rule(lead)
    # then
    assert rule is not None
    assert rule.pk == older.pk


@pytest.mark.django_db
def test_an_inactive_rule_is_skipped_and_no_match_means_no_rule() -> None:
    # given an inactive catch-all before an active German rule
    factories.RoutingRuleFactory(name="Paused", order=1, is_active=False)
    german = factories.RoutingRuleFactory(name="DACH", order=2, countries="DE,AT,CH")
    # when / then
    assert services.first_matching_rule(factories.LeadFactory(country="AT")) == german
    assert services.first_matching_rule(factories.LeadFactory(country="US")) is None


# --- Capacity ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_open_counts_count_only_ready_and_working_unarchived_leads_of_the_reps_asked(  # type: ignore[no-untyped-def]
    rep, other_rep, manager
):
    # given rep holds a ready and a working lead (open) and a converted and an archived one
    make_owned_lead(rep)
    make_owned_lead(rep, status=Lead.Status.WORKING)
    make_owned_lead(rep, status=Lead.Status.CONVERTED)
    make_owned_lead(rep, is_archived=True, archived_at=timezone.now())
    # and other_rep holds one open lead, manager another, and one lead waits in the pool
    make_owned_lead(other_rep)
    make_owned_lead(manager)
    factories.LeadFactory(status=Lead.Status.READY, ready_at=timezone.now())
    # when
    counts = services._open_counts({rep.pk, other_rep.pk})
    # then: reps not asked about (and the pool) are not counted
    assert counts == {rep.pk: 2, other_rep.pk: 1}


def _user(*, pk: int = 7, **kwargs: Any) -> User:
    return User(pk=pk, username="sam", **({"capacity": 2} | kwargs))


@pytest.mark.parametrize(
    ("rep", "counts", "expected"),
    [
        pytest.param(None, {}, False, id="nobody_takes_nothing"),
        pytest.param(_user(), {}, True, id="a_rep_with_no_open_leads_has_room"),
        pytest.param(_user(capacity=1), {}, True, id="capacity_one_and_no_open_leads_has_room"),
        pytest.param(_user(), {7: 1}, True, id="one_below_capacity_has_room"),
        pytest.param(_user(), {7: 2}, False, id="at_capacity_has_no_room"),
        pytest.param(_user(), {8: 5}, True, id="another_reps_open_leads_do_not_count"),
        pytest.param(_user(is_available=False), {}, False, id="out_of_office_takes_nothing"),
        pytest.param(_user(is_active=False), {}, False, id="a_deactivated_user_takes_nothing"),
    ],
)
def test_a_rep_can_take_a_lead_while_active_in_office_and_below_capacity(
    rep: User | None, counts: dict[int, int], expected: bool
) -> None:
    # given a rep and the open leads each rep holds
    # when
    can_take = services._can_take(rep, counts)
    # then
    assert can_take is expected


# --- Choosing the rep -------------------------------------------------------------------------


def _ready_lead(**kwargs: Any) -> Lead:
    return factories.LeadFactory(status=Lead.Status.READY, ready_at=timezone.now(), **kwargs)


def _member(rule: RoutingRule, rep: User, assigned: int = 0) -> PoolMember:
    return factories.PoolMemberFactory(rule=rule, rep=rep, assigned=assigned)


@pytest.mark.django_db
def test_the_account_owner_gets_the_lead_even_outside_every_pool(rep):  # type: ignore[no-untyped-def]
    # given no routing rule at all and an account owned by rep
    lead = _ready_lead(account=factories.AccountFactory(owner=rep))
    # when
    chosen, reason = services._choose_rep(lead=lead)
    # then
    assert (chosen, reason) == (rep, "account owner")


@pytest.mark.django_db
def test_a_lead_no_rule_matches_goes_to_nobody_and_says_so() -> None:
    # given only a German rule and an American lead without account
    factories.RoutingRuleFactory(name="DACH", countries="DE")
    lead = _ready_lead(country="US")
    # when
    chosen, reason = services._choose_rep(lead=lead)
    # then
    assert (chosen, reason) == (None, "no routing rule matches")


@pytest.mark.django_db
def test_a_full_pool_leaves_the_lead_to_nobody_and_names_the_rule(rep, other_rep):  # type: ignore[no-untyped-def]
    # given a pool of two reps, one at capacity (one open lead, capacity 1), one out of office
    rule = factories.RoutingRuleFactory(name="EMEA")
    _member(rule, rep)
    _member(rule, other_rep)
    User.objects.filter(pk=rep.pk).update(capacity=1)
    make_owned_lead(rep)
    User.objects.filter(pk=other_rep.pk).update(is_available=False)
    # when
    chosen, reason = services._choose_rep(lead=_ready_lead())
    # then
    assert (chosen, reason) == (None, "nobody in EMEA can take it")


@pytest.mark.django_db
def test_a_pooled_lead_goes_to_the_rule_s_rep_and_counts_once_for_them(rep):  # type: ignore[no-untyped-def]
    # given a pool of one rep who has had 3 leads from it; the membership row's own id is not
    # the rep's user id
    rule = factories.RoutingRuleFactory(name="EMEA")
    member = factories.PoolMemberFactory(rule=rule, rep=rep, assigned=3, pk=rep.pk + 100)
    # when
    chosen, reason = services._choose_rep(lead=_ready_lead())
    # then
    assert (chosen, reason) == (rep, "routing rule: EMEA")
    member.refresh_from_db()
    assert member.assigned == 4


@pytest.mark.django_db
def test_a_rep_at_capacity_is_skipped_for_the_next_in_the_pool(rep, other_rep):  # type: ignore[no-untyped-def]
    # given rep is first in turn (fewer leads from the pool) but holds capacity=1 open lead
    rule = factories.RoutingRuleFactory(name="Everyone")
    _member(rule, rep, assigned=0)
    _member(rule, other_rep, assigned=5)
    User.objects.filter(pk=rep.pk).update(capacity=1)
    make_owned_lead(rep)
    # when
    chosen, _ = services._choose_rep(lead=_ready_lead())
    # then
    assert chosen == other_rep


@pytest.mark.django_db
def test_a_disputed_lead_goes_to_another_pool_rep_than_the_disputed_one(rep, other_rep):  # type: ignore[no-untyped-def]
    # given rep disqualified the lead (disputed) and would be next in turn
    rule = factories.RoutingRuleFactory(name="Everyone")
    _member(rule, rep, assigned=0)
    _member(rule, other_rep, assigned=5)
    # when
    chosen, reason = services._choose_rep(lead=_ready_lead(), avoid=rep.pk)
    # then
    assert (chosen, reason) == (other_rep, "routing rule: Everyone")


@pytest.mark.django_db
def test_a_disputed_lead_returns_to_the_disputed_rep_when_no_one_else_can_take_it(  # type: ignore[no-untyped-def]
    rep, other_rep
):
    # given the only other pool rep is out of office
    rule = factories.RoutingRuleFactory(name="Everyone")
    _member(rule, rep)
    _member(rule, other_rep)
    User.objects.filter(pk=other_rep.pk).update(is_available=False)
    # when
    chosen, _ = services._choose_rep(lead=_ready_lead(), avoid=rep.pk)
    # then
    assert chosen == rep


@pytest.mark.django_db
def test_a_disputing_account_owner_yields_to_a_pool_rep(rep, other_rep):  # type: ignore[no-untyped-def]
    # given rep owns the account and disputed the lead; other_rep is in the matching pool
    rule = factories.RoutingRuleFactory(name="Everyone")
    _member(rule, other_rep)
    lead = _ready_lead(account=factories.AccountFactory(owner=rep))
    # when
    chosen, reason = services._choose_rep(lead=lead, avoid=rep.pk)
    # then
    assert (chosen, reason) == (other_rep, "routing rule: Everyone")


@pytest.mark.django_db
def test_a_disputing_account_owner_keeps_the_lead_when_no_pool_rep_can_take_it(rep):  # type: ignore[no-untyped-def]
    # given rep owns the account and disputed the lead; no routing rule matches
    lead = _ready_lead(account=factories.AccountFactory(owner=rep))
    # when
    chosen, reason = services._choose_rep(lead=lead, avoid=rep.pk)
    # then
    assert (chosen, reason) == (rep, "account owner")

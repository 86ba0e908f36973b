"""The import's batch helpers give exactly what the one-at-a-time functions give.

Each test runs the single-account function over the same data inside a savepoint, records the
outcome, rolls it back, then runs the batch function and compares.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Account
from apps.accounts.services import match_account, match_accounts
from apps.core.bulk import (
    BULK_THRESHOLD,
    builder,
    fewer_collections,
    insert_objects,
    update_rows,
)
from apps.imports.services.rows import Row
from apps.imports.services.writing import _fresh_engagement
from apps.leads.models import BuyingRole, Lead
from apps.scoring import services as scoring
from tests import factories

pytestmark = pytest.mark.django_db(transaction=False)


class _Rollback(Exception):
    pass


def _rolled_back(run: Any) -> Any:
    """run()'s result, with everything it wrote undone."""
    outcome: list[Any] = []
    try:
        with transaction.atomic():
            outcome.append(run())
            raise _Rollback
    except _Rollback:
        pass
    return outcome[0]


def _accounts() -> list[tuple[Any, ...]]:
    return sorted(Account.objects.values_list("domain", "name", "country"))


# --- match_accounts ---------------------------------------------------------------------------

ROWS = [
    ("ana@northwind.example", "Northwind Traders", "de"),
    ("bob@gmail.com", "Bob's Garage", "US"),
    ("carl@northwind.example", "Another Name", "US"),  # the first row names the account
    ("dora@known.example", "Renamed", "FR"),  # a known account is never renamed
    ("eve@mail.mailinator.com", "Spam", ""),  # a disposable service's subdomain
    ("fay@blue-sky_co.example", "", ""),  # no company name: named from the domain
    ("gus@Upper.Example", "Upper", "gb"),  # domains are lower-cased
    ("hal@hotmail.com", "", ""),
]


def test_match_accounts_decides_as_match_account_row_by_row() -> None:
    known = factories.AccountFactory(domain="known.example", name="Known Inc", country="NL")

    def one_by_one() -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
        found: dict[str, Any] = {}
        for email, company, country in ROWS:
            account = match_account(email=email, company_name=company, country=country)
            found.setdefault(email.rsplit("@", 1)[1].lower(), account and account.domain)
        return found, _accounts()

    expected, expected_rows = _rolled_back(one_by_one)
    assert _accounts() == [("known.example", "Known Inc", "NL")]

    matched = match_accounts(rows=ROWS)

    assert {d: a and a.domain for d, a in matched.items()} == expected
    assert _accounts() == expected_rows
    assert matched["known.example"].pk == known.pk
    assert all(a is None or a.pk for a in matched.values())
    assert expected["gmail.com"] is None
    assert expected["northwind.example"] == "northwind.example"


def test_match_accounts_is_idempotent_and_batches_many_domains() -> None:
    rows = [(f"p{i}@firm{i}.example", f"Firm {i}", "DE") for i in range(1200)]
    first = match_accounts(rows=rows)
    again = match_accounts(rows=rows)
    assert Account.objects.count() == 1200
    assert {d: a.pk for d, a in first.items() if a} == {d: a.pk for d, a in again.items() if a}
    assert match_accounts(rows=[]) == {}


# --- roll_up_accounts -------------------------------------------------------------------------


def _account_state() -> list[tuple[Any, ...]]:
    return list(
        Account.objects.order_by("pk").values_list(
            "pk",
            "engagement_score",
            "buying_roles_engaged",
            "is_conversation_ready",
            "ready_since",
            "updated_at",
        )
    )


def _returned(accounts: dict[int, Account]) -> dict[int, tuple[Any, ...]]:
    return {
        pk: (a.engagement_score, a.buying_roles_engaged, a.is_conversation_ready, a.ready_since)
        for pk, a in accounts.items()
    }


@pytest.fixture
def accounts_with_engagement(agreement):  # type: ignore[no-untyped-def]
    """Accounts covering each case of the roll-up: several roles inside and outside the window,
    archived leads, unknown roles, no leads at all, a readiness episode that ends and one that
    holds."""
    agreement.account_min_roles = 2
    agreement.account_window_days = 30
    agreement.account_score_threshold = 10
    agreement.save()
    now = timezone.now()
    a, b, c, d, e = (factories.AccountFactory() for _ in range(5))
    roles = [BuyingRole.DECISION_MAKER, BuyingRole.CHAMPION, BuyingRole.UNKNOWN, BuyingRole.USER]
    for i, role in enumerate(roles):
        lead = factories.LeadFactory(account=a, buying_role=role, engagement_score=3.33 + i)
        factories.TouchpointFactory(lead=lead, occurred_at=now - timedelta(days=i * 12))
    archived = factories.LeadFactory(
        account=a,
        buying_role=BuyingRole.INFLUENCER,
        engagement_score=50,
        is_archived=True,
        archived_at=now,
    )
    factories.TouchpointFactory(lead=archived, occurred_at=now)
    # b was ready and no longer meets the rule: one role, little engagement
    lead = factories.LeadFactory(account=b, buying_role=BuyingRole.CHAMPION, engagement_score=1)
    factories.TouchpointFactory(lead=lead, occurred_at=now)
    Account.objects.filter(pk=b.pk).update(is_conversation_ready=True, ready_since=now)
    # c was ready and still meets it
    for role in (BuyingRole.CHAMPION, BuyingRole.DECISION_MAKER):
        lead = factories.LeadFactory(account=c, buying_role=role, engagement_score=7.5)
        factories.TouchpointFactory(lead=lead, occurred_at=now - timedelta(days=1))
    Account.objects.filter(pk=c.pk).update(is_conversation_ready=True, ready_since=now)
    # d has no leads; e's only touchpoint is older than the window and its lead unknown
    lead = factories.LeadFactory(account=e, buying_role=BuyingRole.UNKNOWN, engagement_score=0.5)
    factories.TouchpointFactory(lead=lead, occurred_at=now - timedelta(days=45))
    # a touchpoint recorded against c for a person of another account engages neither (the
    # person is not in c's buying group, and the touch is not at d)
    stray = factories.LeadFactory(account=d, buying_role=BuyingRole.USER, engagement_score=2)
    factories.TouchpointFactory(lead=stray, account=c, occurred_at=now)
    return [a.pk, b.pk, c.pk, d.pk, e.pk], now


@pytest.mark.parametrize("with_agreement", [True, False])
def test_roll_up_accounts_together_equals_each_alone(  # type: ignore[no-untyped-def]
    accounts_with_engagement, agreement, with_agreement
):
    ids, now = accounts_with_engagement
    in_force = agreement if with_agreement else None

    def one_by_one() -> tuple[dict[int, tuple[Any, ...]], list[tuple[Any, ...]]]:
        returned = {
            pk: scoring.roll_up_accounts(account_ids=[pk], agreement=in_force, now=now)[pk]
            for pk in ids
        }
        return _returned(returned), _account_state()

    expected, expected_state = _rolled_back(one_by_one)
    before = _account_state()
    assert before != expected_state  # the roll-up has something to write

    returned = scoring.roll_up_accounts(account_ids=[*ids, ids[0]], agreement=in_force, now=now)

    assert _returned(returned) == expected
    assert _account_state() == expected_state
    assert sorted(returned) == sorted(ids)
    ready = {state[0]: state[3] for state in expected_state}
    assert ready[ids[1]] is (not with_agreement)  # b's episode ends only under an agreement
    assert ready[ids[2]] is True


def test_roll_up_accounts_of_a_missing_account_fails() -> None:
    with pytest.raises(Account.DoesNotExist):
        scoring.roll_up_accounts(account_ids=[987654], agreement=None)
    assert scoring.roll_up_accounts(account_ids=[], agreement=None) == {}


# --- insert_objects ---------------------------------------------------------------------------


def test_insert_objects_writes_what_bulk_create_writes() -> None:
    account = factories.AccountFactory()
    now = timezone.now()

    def people(prefix: str) -> list[Lead]:
        return [
            Lead(
                email=f"{prefix}{i}@acme.example",
                first_name="Ana 'quoted' ; DROP",
                title="\tVP\nSales\\",  # COPY's own separators and escape inside a value
                account=account if i % 2 else None,
                buying_role=BuyingRole.CHAMPION,
                engagement_score=1.25 * i,
                score=40 + i,
                last_touch_at=None if i == 2 else now - timedelta(minutes=i),
            )
            for i in range(3)
        ]

    def state(prefix: str) -> list[tuple[Any, ...]]:
        rows = Lead.objects.filter(email__startswith=prefix).order_by("pk")
        return [
            (
                r.email.removeprefix(prefix),
                r.first_name,
                r.title,
                r.account_id,
                r.buying_role,
                r.engagement_score,
                r.score,
                r.last_touch_at,
                r.status,
                r.queue_bucket,
                r.created_at is not None,
                r.updated_at is not None,
            )
            for r in rows
        ]

    created, inserted = people("a"), people("b")
    Lead.objects.bulk_create(created)
    insert_objects(Lead, inserted)
    assert state("b") == state("a")
    assert [lead.pk for lead in inserted] == list(
        Lead.objects.filter(email__startswith="b").order_by("pk").values_list("pk", flat=True)
    )
    assert all(not lead._state.adding for lead in inserted)
    insert_objects(Lead, [])  # nothing to write is no statement and no error


def test_builder_builds_what_the_model_builds() -> None:
    # given a builder with the values every lead of a chunk shares
    now = timezone.now()
    build = builder(Lead, last_touch_at=now, source=Lead.Source.IMPORT)
    rows = [{"email": f"ana{i}@acme.example", "title": "VP", "score": i} for i in range(3)]

    # when leads are built by it and by the model
    built = [build(**row) for row in rows]
    made = [Lead(last_touch_at=now, source=Lead.Source.IMPORT, **row) for row in rows]

    # then every field holds the same value, each instance is its own and new
    for mine, theirs in zip(built, made, strict=True):
        for field in Lead._meta.concrete_fields:
            if not field.generated:
                assert getattr(mine, field.attname) == getattr(theirs, field.attname), field.name
        assert mine._state.adding
        assert mine._state.db is None
    built[0].first_name = "Changed"
    assert built[1].first_name == ""
    assert built[0]._state is not built[1]._state
    # and they insert as the model's do
    insert_objects(Lead, built)
    assert Lead.objects.filter(email__startswith="ana", source=Lead.Source.IMPORT).count() == 3
    # a name that is neither an attribute nor a foreign key is refused
    with pytest.raises(ValueError, match="not attributes of leads.Lead: \\['nickname'\\]"):
        build(nickname="Al")


def test_builder_sets_a_foreign_key_given_by_name_as_assigning_it_does(
    django_assert_num_queries: Any,
) -> None:
    # given an account, and a builder
    account = factories.AccountFactory()
    build = builder(Lead, source=Lead.Source.IMPORT)

    # when leads are built with the account, with none, and by the model
    with_account, without = build(email="a@acme.example", account=account), build(account=None)
    made = Lead(email="a@acme.example", source=Lead.Source.IMPORT, account=account)

    # then the key is set and the instance cached: reading it is no query
    assert (with_account.account_id, without.account_id) == (account.pk, None)
    with django_assert_num_queries(0):
        assert with_account.account is account
        assert without.account is None
    assert with_account.account_id == made.account_id
    # and an instance of another model is refused, as the descriptor refuses it
    with pytest.raises(ValueError, match="takes a Account"):
        build(account=factories.CampaignFactory())


# --- update_rows ------------------------------------------------------------------------------


def test_update_rows_writes_what_bulk_update_writes() -> None:
    account = factories.AccountFactory()
    leads = [factories.LeadFactory(account=None, title="") for _ in range(3)]
    now = timezone.now()
    fields = ["title", "account", "buying_role", "engagement_score", "score", "last_touch_at"]

    def change(lead: Lead, i: int) -> None:
        lead.title = f"VP {i} 'quoted' ; DROP"
        lead.account = account if i % 2 else None
        lead.buying_role = BuyingRole.CHAMPION
        lead.engagement_score = 1.25 * i
        lead.score = 40 + i
        lead.last_touch_at = None if i == 2 else now - timedelta(minutes=i)

    def state() -> list[tuple[Any, ...]]:
        return list(
            Lead.objects.order_by("pk").values_list(
                "pk", *[f if f != "account" else "account_id" for f in fields]
            )
        )

    def with_bulk_update() -> list[tuple[Any, ...]]:
        for i, lead in enumerate(leads):
            change(lead, i)
        Lead.objects.bulk_update(leads, fields)
        return state()

    expected = _rolled_back(with_bulk_update)
    leads = list(Lead.objects.order_by("pk"))
    for i, lead in enumerate(leads):
        change(lead, i)
    update_rows(Lead, leads, fields)
    assert state() == expected

    accounts = [factories.AccountFactory() for _ in range(2)]
    for i, acc in enumerate(accounts):
        acc.buying_roles_engaged = ["champion", "user"][: i + 1]
        acc.ready_since = None
    update_rows(Account, accounts, ["buying_roles_engaged", "ready_since"])
    update_rows(Account, [], ["buying_roles_engaged"])
    assert [
        a.buying_roles_engaged
        for a in Account.objects.filter(pk__in=[x.pk for x in accounts]).order_by("pk")
    ] == [
        ["champion"],
        ["champion", "user"],
    ]


# --- the engagement of a new lead, scored before it is written --------------------------------


@pytest.mark.parametrize(
    "touches",
    [
        [("import", None)],
        [("import", None), ("import", None), ("import", None)],
        [("webinar", None), ("import", "guide"), ("page_view", None)],
        [("form_submit", None), ("download", "guide"), ("import", None)],
    ],
)
def test_new_lead_engagement_equals_engagement_scores_of_its_touches(
    touches: list[tuple[str, str | None]],
) -> None:
    # given a lead whose only touchpoints are the imported rows' touches, occurring now
    now = timezone.now()
    guide = factories.AssetFactory(slug="guide", engagement_weight=10)
    lead = factories.LeadFactory()
    rows = []
    for number, (kind, asset) in enumerate(touches, start=2):
        chosen = guide if asset else None
        factories.TouchpointFactory(lead=lead, kind=kind, asset=chosen, occurred_at=now)
        rows.append(Row(number, lead.email, {}, [], kind=kind, asset=chosen))
    # when the import scores such a lead before writing it
    fresh = _fresh_engagement(rows, now, 30)
    # then it is what engagement_scores reads back for it
    assert (
        fresh == scoring.engagement_scores(lead_ids=[lead.pk], now=now, half_life_days=30)[lead.pk]
    )


# --- fewer_collections ------------------------------------------------------------------------


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


@pytest.fixture
def nothing_frozen() -> Iterator[None]:
    """The process with no frozen objects for the test, frozen again after if it was (the
    served application freezes its start-up objects: tests/core/test_wsgi.py)."""
    was_frozen = gc.get_freeze_count() > 0
    gc.unfreeze()
    yield
    if was_frozen:
        gc.freeze()


def test_fewer_collections_freezes_what_was_alive_and_collects_rarely_yet_still_collects(
    nothing_frozen: None,
) -> None:
    before = gc.get_threshold()
    with fewer_collections():
        # inside: what was alive is frozen, the youngest generation waits for many allocations
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == max(before[0], BULK_THRESHOLD)
        # a cycle made inside is still freed once enough objects have been allocated
        node = weakref.ref(_Node())
        assert node() is not None
        kept = [[] for _ in range(BULK_THRESHOLD + 1000)]
        assert node() is None
        del kept
    # after: everything as it was
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_fewer_collections_restores_the_collector_when_the_work_fails(
    nothing_frozen: None,
) -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("chunk failed")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_fewer_collections_leaves_a_served_process_frozen(nothing_frozen: None) -> None:
    # given a process that froze its start-up objects, as revenue/wsgi.py does
    gc.freeze()
    frozen = gc.get_freeze_count()
    # when an import runs in it
    with fewer_collections():
        pass
    # then those objects are still frozen
    assert gc.get_freeze_count() >= frozen
    gc.unfreeze()

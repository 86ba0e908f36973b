"""core.memo: a small table read once per process while its stamp stays, read again after any
committed change, never from a rolled-back one, and from the database while the cache is away."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from redis.exceptions import ConnectionError as RedisConnectionError

from apps.core import memo, stamps
from apps.leads.models import BuyingRole
from apps.scoring.models import BuyingRoleRule
from apps.scoring.rulebook import rulebook
from apps.scoring.services import infer_buying_role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _shared_cache_answers(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(stamps, "_away_until", 0.0)


def _keywords() -> list[str]:
    return [rule.keyword for rule in rulebook().role_rules]


def _reads(fn) -> tuple[object, int]:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        answer = fn()
    return answer, len(captured)


def test_rules_are_read_once_until_a_committed_change_and_then_at_once(
    django_capture_on_commit_callbacks,
) -> None:  # type: ignore[no-untyped-def]
    # given a keyword rule, committed (its stamp bumped)
    with django_capture_on_commit_callbacks(execute=True):
        BuyingRoleRule.objects.create(keyword="cfo", role=BuyingRole.DECISION_MAKER, order=1)
    # when the rules are read twice
    first, first_reads = _reads(_keywords)
    second, second_reads = _reads(_keywords)
    # then the database is read the first time only
    assert first == second == ["cfo"]
    assert (first_reads, second_reads) == (3, 0)
    # when RevOps adds a rule and it commits
    with django_capture_on_commit_callbacks(execute=True):
        BuyingRoleRule.objects.create(keyword="cto", role=BuyingRole.INFLUENCER, order=2)
    # then the next read has it
    assert _keywords() == ["cfo", "cto"]
    assert infer_buying_role("Our CTO") == BuyingRole.INFLUENCER


def test_the_changing_transaction_reads_its_own_change_and_a_rollback_leaves_no_trace(
    django_capture_on_commit_callbacks,
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        BuyingRoleRule.objects.create(keyword="cfo", role=BuyingRole.DECISION_MAKER, order=1)
    assert _keywords() == ["cfo"]
    # when a transaction deletes the rule, reads, then rolls back
    inside: list[object] = []
    try:
        with transaction.atomic():
            BuyingRoleRule.objects.filter(keyword="cfo").get().delete()
            inside += [_keywords(), infer_buying_role("CFO")]
            raise RuntimeError("undone")
    except RuntimeError:
        pass
    # then inside it the rule was gone (it alone sees its change)
    assert inside == [[], BuyingRole.UNKNOWN]
    # and afterwards the rule is back, and kept again
    assert _keywords() == ["cfo"]
    assert _reads(_keywords)[1] == 0


def test_a_change_without_signals_is_read_after_the_maximum_age(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    BuyingRoleRule.objects.bulk_create([BuyingRoleRule(keyword="cfo", role=BuyingRole.USER)])
    _keywords()
    BuyingRoleRule.objects.update(keyword="chief")  # no signal: the stamp stays
    assert _keywords() == ["cfo"]
    clock = memo.time.monotonic() + memo.MAX_AGE_SECONDS
    monkeypatch.setattr(memo.time, "monotonic", lambda: clock)
    assert _keywords() == ["chief"]


def test_while_the_shared_cache_is_away_every_read_goes_to_the_database(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _keywords()

    def away(key: str) -> None:
        raise RedisConnectionError("refused")

    monkeypatch.setattr(stamps, "read_shared", away)
    # when Redis cannot answer (another process's change could not be seen)
    answers = [_reads(_keywords) for _ in range(2)]
    # then both reads went to the database, and the cache is not asked again for a while
    assert [reads for _, reads in answers] == [3, 3]
    assert stamps.current("memo:scoring:rulebook") is None
    assert stamps._away_until > 0

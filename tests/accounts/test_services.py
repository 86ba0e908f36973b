"""set_account_tier: who may, what is recorded."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry

from apps.accounts import services
from apps.core.errors import DomainError, NotAllowed
from apps.users.models import User
from tests import factories

pytestmark = pytest.mark.django_db


def test_set_account_tier_by_marketing_records_who_and_what(marketer: User) -> None:
    # given
    account = factories.AccountFactory()

    # when
    result = services.set_account_tier(account_id=account.pk, actor=marketer, tier="target")

    # then
    assert result.tier == "target"
    entry = LogEntry.objects.get()
    assert (entry.user_id, entry.object_id) == (marketer.pk, str(account.pk))


def test_set_account_tier_twice_records_once(revops: User) -> None:
    # given
    account = factories.AccountFactory()

    # when
    services.set_account_tier(account_id=account.pk, actor=revops, tier="target")
    services.set_account_tier(account_id=account.pk, actor=revops, tier="target")

    # then
    assert LogEntry.objects.count() == 1


@pytest.mark.parametrize("who", ["rep", "manager", "service_user"])
def test_set_account_tier_refuses_other_roles(request: pytest.FixtureRequest, who: str) -> None:
    # given
    account = factories.AccountFactory()

    # when / then
    with pytest.raises(NotAllowed):
        services.set_account_tier(
            account_id=account.pk, actor=request.getfixturevalue(who), tier="target"
        )
    account.refresh_from_db()
    assert account.tier == "standard"


def test_set_account_tier_refuses_an_unknown_tier(marketer: User) -> None:
    # given
    account = factories.AccountFactory()

    # when / then
    with pytest.raises(DomainError) as error:
        services.set_account_tier(account_id=account.pk, actor=marketer, tier="gold")
    assert error.value.field == "tier"

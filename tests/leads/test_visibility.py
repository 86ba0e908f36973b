"""Lead.objects.visible_at(user, account) is visible_to(user) narrowed to one account: the
account pages rely on it reading exactly the people the SPEC lets each role read."""

import pytest
from django.utils import timezone

from apps.leads.models import Lead
from tests.factories import AccountFactory, LeadFactory, UserFactory


@pytest.fixture
def people(rep, other_rep):  # type: ignore[no-untyped-def]
    """Two accounts, one the rep's and a customer of the other rep, each with a lead of the rep,
    one of the other rep, one in the pool and one archived lead nobody holds."""
    mine = AccountFactory(owner=rep, lifecycle="prospect")
    theirs = AccountFactory(owner=other_rep, lifecycle="customer")
    leads = {}
    now = timezone.now()
    for account in (mine, theirs):
        leads[account.pk] = {
            "rep's": LeadFactory(account=account, owner=rep, status="working", assigned_at=now),
            "other's": LeadFactory(
                account=account, owner=other_rep, status="working", assigned_at=now
            ),
            "pool": LeadFactory(account=account, owner=None, status="ready"),
            "nurture": LeadFactory(account=account, owner=None, status="nurture"),
        }
    return mine, theirs, leads


def _names(leads: dict[str, Lead], pks: set[int]) -> set[str]:
    return {name for name, lead in leads.items() if lead.pk in pks}


@pytest.mark.django_db
def test_a_rep_reads_every_person_at_an_account_they_own_and_only_their_own_and_the_pool_elsewhere(
    rep, people
):  # type: ignore[no-untyped-def]
    mine, theirs, leads = people
    at_mine = set(Lead.objects.visible_at(rep, mine).values_list("pk", flat=True))
    at_theirs = set(Lead.objects.visible_at(rep, theirs).values_list("pk", flat=True))
    assert _names(leads[mine.pk], at_mine) == {"rep's", "other's", "pool", "nurture"}
    assert _names(leads[theirs.pk], at_theirs) == {"rep's", "pool"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who", ["rep", "other_rep", "manager", "marketer", "service_user", "revops"]
)
def test_visible_at_is_visible_to_narrowed_to_the_account(request, who, people):  # type: ignore[no-untyped-def]
    user = request.getfixturevalue(who)
    for account in people[:2]:
        narrowed = set(
            Lead.objects.visible_to(user).filter(account=account).values_list("pk", flat=True)
        )
        at = set(Lead.objects.visible_at(user, account).values_list("pk", flat=True))
        assert at == narrowed, (who, account.lifecycle)


@pytest.mark.django_db
def test_service_reads_a_customer_accounts_people_and_nobody_at_a_prospect(service_user, people):  # type: ignore[no-untyped-def]
    mine, theirs, leads = people
    assert not Lead.objects.visible_at(service_user, mine).exists()
    at_customer = set(Lead.objects.visible_at(service_user, theirs).values_list("pk", flat=True))
    assert _names(leads[theirs.pk], at_customer) == {"rep's", "other's", "pool", "nurture"}


@pytest.mark.django_db
def test_a_user_without_a_role_reads_nobody(people):  # type: ignore[no-untyped-def]
    nobody = UserFactory(username="no-role")
    assert not Lead.objects.visible_at(nobody, people[0]).exists()

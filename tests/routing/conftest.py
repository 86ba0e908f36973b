import pytest

from tests import factories


@pytest.fixture
def agreement(db, marketer, manager):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    now = timezone.now()
    return factories.AgreementFactory(
        version=1,
        score_threshold=60,
        marketing_signer=marketer,
        marketing_signed_at=now,
        sales_signer=manager,
        sales_signed_at=now,
    )


@pytest.fixture
def policy(db):  # type: ignore[no-untyped-def]
    return factories.SlaPolicyFactory(
        first_response_minutes=5, escalate_after_minutes=10, reassign_after_minutes=30
    )


@pytest.fixture
def pool(db, rep, other_rep):  # type: ignore[no-untyped-def]
    rule = factories.RoutingRuleFactory(name="Everyone", order=1)
    factories.PoolMemberFactory(rule=rule, rep=rep)
    factories.PoolMemberFactory(rule=rule, rep=other_rep)
    return rule


@pytest.fixture
def demo_asset(db):  # type: ignore[no-untyped-def]
    return factories.AssetFactory(
        slug="demo-request",
        name="Book a demo",
        kind="demo_request",
        hand_raiser=True,
        is_public_form=True,
        engagement_weight=20,
    )

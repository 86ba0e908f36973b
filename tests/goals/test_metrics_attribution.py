"""The bisection path of attribution gives exactly what walking every touch gives."""

import random
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from types import SimpleNamespace

import pytest

from apps.goals.metrics import marketing


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("model", ["first_touch", "last_touch", "linear", "w_shaped"])
def test_fast_campaign_weights_equal_the_touch_by_touch_sum(seed, model):
    rng = random.Random(seed)
    start = datetime(2026, 10, 1, tzinfo=UTC)
    touches = sorted(
        (
            marketing.Touch(
                pk,
                rng.randint(1, 5),
                rng.randint(1, 4),
                "c",
                start + timedelta(hours=rng.randint(0, 50)),
            )
            for pk in range(1, rng.randint(1, 30))
        ),
        key=lambda t: (t.occurred_at, t.pk),
    )
    opp = SimpleNamespace(
        account_id=1,
        primary_lead_id=rng.randint(1, 6),
        created_at=start + timedelta(hours=rng.randint(0, 55)),
    )
    # slow: per touch, then summed per campaign in order of position
    slow_touches = marketing.deal_touches(opp, {1: touches}, {})
    slow: dict[int, Fraction] = {}
    for position, weight in sorted(
        marketing.touch_weights(slow_touches, model, opp.primary_lead_id).items()
    ):
        campaign = slow_touches[position].campaign_id
        slow[campaign] = slow.get(campaign, Fraction(0)) + weight
    count, fast = marketing._fast_campaign_weights(opp, marketing._index(touches), model)
    assert count == len(slow_touches)
    assert list(fast) == [(c, w) for c, w in slow.items() if w]

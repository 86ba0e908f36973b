"""Campaign shares are counted per campaign for speed; they must equal the per-touch weights
of the module doc summed per campaign, for any journey, and add up to one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.opportunities.attribution import Touch, campaign_shares, touch_weights

MODELS = ("first_touch", "last_touch", "linear", "w_shaped")
START = datetime(2026, 10, 1, tzinfo=UTC)


def _per_touch(touches: list[Touch], model: str, primary: int | None) -> dict[int, Fraction]:
    summed: dict[int, Fraction] = {}
    for position, weight in sorted(touch_weights(touches, model, primary).items()):
        campaign_id = touches[position].campaign_id
        summed[campaign_id] = summed.get(campaign_id, Fraction(0)) + weight
    return summed


journeys = st.lists(st.tuples(st.integers(1, 4), st.integers(1, 4)), min_size=0, max_size=30).map(
    lambda rows: [
        Touch(pk=i + 1, lead_id=lead, campaign_id=campaign, occurred_at=START + timedelta(hours=i))
        for i, (lead, campaign) in enumerate(rows)
    ]
)


@pytest.mark.parametrize("model", MODELS)
@given(touches=journeys, primary=st.one_of(st.none(), st.integers(1, 5)))
def test_shares_equal_the_touch_weights_summed_per_campaign(
    model: str, touches: list[Touch], primary: int | None
) -> None:
    shares = campaign_shares(touches, model, primary)
    assert dict(shares) == _per_touch(touches, model, primary)
    # in order of each campaign's first weighted touch
    assert [campaign for campaign, _ in shares] == list(_per_touch(touches, model, primary))
    assert sum(weight for _, weight in shares) == (1 if touches else 0)

"""The database refuses a goal without a positive target or a team."""

import pytest
from django.db import IntegrityError, transaction

from tests import factories

pytestmark = pytest.mark.django_db


def test_goal_needs_positive_target_and_a_team():
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.JointGoalFactory(target=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.JointGoalFactory(team_marketing=False, team_sales=False)

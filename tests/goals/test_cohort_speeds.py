"""The cohort's medians and p90s are the minutes' own, whatever the read: on PostgreSQL from the
cohort's cells and the one speed bucket each value falls in, on SQLite from the entries. Checked
against statistics.median and the nearest-rank p90 of the entries' minutes as they stand, for
every set the pages show (the cohort, each rep, each source campaign, each channel), through
inserts, changes and deletions of entries, with minutes on and around the buckets' edges."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from datetime import date
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.core.models import Quarter
from apps.goals.metrics.base import (
    ALL,
    BY_CAMPAIGN,
    BY_REP,
    NO_SPEED,
    Speed,
    SpeedKey,
    cohort_read,
    median,
    median_ranks,
    p90,
    p90_rank,
    shared_reads,
)
from apps.leads.cells import fold_cohort_cells
from apps.leads.models import CohortEntry, Lead
from tests import factories

pytestmark = pytest.mark.django_db

Q4 = date(2026, 10, 1)
# a bucket's lower edge is exp(k / 100) - 1: minutes on, just under and just over a few edges,
# ties, zero and a long wait
EDGES = [math.exp(k / 100) - 1 for k in (0, 1, 139, 140, 141, 300, 461)]
MINUTES = st.one_of(
    st.sampled_from(EDGES),
    st.sampled_from(EDGES).map(lambda edge: math.nextafter(edge, 0.0)),
    st.sampled_from(EDGES).map(lambda edge: math.nextafter(edge, math.inf)),
    st.sampled_from([0.0, 3.75, 3.75, 12.5, 190.0, 10_000.0]),
    st.floats(min_value=0, max_value=50_000, allow_nan=False),
)
ENTRY = st.tuples(
    st.integers(0, 2),  # rep: none, A or B
    st.integers(0, 3),  # campaign: none, webinar, ads or event (webinar and event one channel)
    st.none() | MINUTES,
)


def _expected(rows: list[tuple[Any, ...]], channel_of: dict[int, str]) -> dict[SpeedKey, Speed]:
    minutes_of: dict[SpeedKey, list[float]] = defaultdict(list)
    for rep_id, campaign_id, minutes in rows:
        if minutes is None:
            continue
        keys: list[SpeedKey] = [ALL, ("rep", rep_id), ("campaign", campaign_id)]
        if campaign_id is not None:
            keys.append(("channel", channel_of[campaign_id]))
        for key in keys:
            minutes_of[key].append(minutes)
    return {
        key: Speed(
            median=statistics.median(values),
            p90=sorted(values)[math.ceil(0.9 * len(values)) - 1],
        )
        for key, values in minutes_of.items()
    }


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    first=st.lists(ENTRY, min_size=1, max_size=40),
    changes=st.lists(st.tuples(st.integers(0, 39), ENTRY), max_size=10),
    removed=st.lists(st.integers(0, 39), max_size=5),
    fold=st.booleans(),
)
def test_every_sets_median_and_p90_are_those_of_its_minutes(
    first: list[tuple[int, int, float | None]],
    changes: list[tuple[int, tuple[int, int, float | None]]],
    removed: list[int],
    fold: bool,
) -> None:
    # (each example in a savepoint rolled back after it)
    with transaction.atomic():
        _example(first, changes, removed, fold)
        transaction.set_rollback(True)


def _example(
    first: list[tuple[int, int, float | None]],
    changes: list[tuple[int, tuple[int, int, float | None]]],
    removed: list[int],
    fold: bool,
) -> None:
    # given reps A and B, campaigns in two channels, and a quarter's cohort entries written,
    # then some changed (rep, campaign, answer) one statement each and some deleted
    quarter, _ = Quarter.objects.get_or_create(
        name="2026-Q4", defaults={"starts_on": Q4, "ends_on": date(2026, 12, 31)}
    )
    reps = [None, factories.UserFactory().pk, factories.UserFactory().pk]
    webinar = factories.CampaignFactory(channel="webinar")
    ads = factories.CampaignFactory(channel="paid_search")
    event = factories.CampaignFactory(channel="webinar")
    campaigns = [None, webinar.pk, ads.pk, event.pk]
    channel_of = {c.pk: c.channel for c in (webinar, ads, event)}
    leads = Lead.objects.bulk_create(
        Lead(email=f"s{i}@speeds.example", first_name="S") for i in range(len(first))
    )
    CohortEntry.objects.bulk_create(
        CohortEntry(
            lead=lead,
            quarter_starts_on=Q4,
            ready_on=date(2026, 11, 2),
            rep_id=reps[rep],
            source_campaign_id=campaigns[campaign],
            response_minutes=minutes,
        )
        for lead, (rep, campaign, minutes) in zip(leads, first, strict=True)
    )
    for index, (rep, campaign, minutes) in changes:
        CohortEntry.objects.filter(lead=leads[index % len(leads)]).update(
            rep_id=reps[rep], source_campaign_id=campaigns[campaign], response_minutes=minutes
        )
    CohortEntry.objects.filter(lead__in=[leads[i % len(leads)] for i in removed]).delete()
    if fold:
        fold_cohort_cells()
    # when the cohort is read
    with shared_reads():
        cohort = cohort_read(quarter)
    # then every set's median and p90 are statistics.median and the nearest-rank p90 of the
    # minutes its entries hold now
    rows = list(CohortEntry.objects.values_list("rep_id", "source_campaign_id", "response_minutes"))
    expected = _expected(rows, channel_of)
    assert cohort.speeds == expected
    assert cohort.speed("rep", -1) == NO_SPEED
    # and the groups count every entry once
    assert sum(group.total for group in cohort.groups.values()) == len(rows)
    # and a read of the reps' sets alone (the goal sheet's) or of the campaigns' and channels'
    # (the performance page's) has the same groups and the same figures for its sets, and none
    # for the others
    for sets in (BY_REP, BY_CAMPAIGN):
        with shared_reads():
            part = cohort_read(quarter, sets)
        assert part.groups == cohort.groups, sets
        assert part.speeds == {k: v for k, v in expected.items() if k[0] in {"all", *sets}}, sets


def test_the_median_and_p90_of_a_segments_minutes_by_hand() -> None:
    # given the minutes of a segment's answered leads (read from its leads, not the cells)
    minutes = [7.0, 1.0, 4.0, 2.0, 30.0, 3.0, 5.0, 6.0, 8.0, 9.0, 10.0]
    # then the median is the middle one of 11 (6.0), or the mean of the middle two of 10
    # (5.5 without 30), and the p90 the ceil(0.9 n)-th smallest: the 10th of 11 (10.0), the
    # 9th of 10 (9.0); none of no minutes
    assert (median(minutes), p90(minutes)) == (6.0, 10.0)
    assert (median(minutes[:4] + minutes[5:]), p90(minutes[:4] + minutes[5:])) == (5.5, 9.0)
    assert (median([]), p90([])) == (None, None)
    assert median_ranks(11) == (5, 5)
    assert median_ranks(10) == (4, 5)
    assert [p90_rank(n) for n in (1, 9, 10, 11, 20, 21)] == [0, 8, 8, 9, 17, 18]

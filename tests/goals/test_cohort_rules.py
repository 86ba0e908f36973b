"""The cohort rules of the metrics: which leads are a quarter's sales-ready cohort, now and as the
records stood at a past moment, and what the cohort figures count among them."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import pytest

from apps.goals.metrics.base import CohortFigures, Segment, cohort, cohort_figures
from apps.users.models import User
from tests import factories
from tests.goals.test_metrics import at, ready_lead

pytestmark = pytest.mark.django_db

NOV_1 = at(2026, 11, 1)  # the past moment the cohort is read "as of"
PAID = Segment(source="paid")


@pytest.fixture
def october(rep: User) -> SimpleNamespace:
    """Q4 2026 as it stands now, read as of Nov 1 00:00 UTC (times UTC):

    lead                     source    ready           attempt / answer   SLA        deal created
    answered_early           paid      Oct 5 10:00     Oct 5 10:04        met        Oct 20
    answered_late            web_form  Oct 10 10:00    Nov 5 09:00 (x2)   met        Nov 10
    breached                 paid      Oct 15 10:00    -                  breached   -
                                                                          (Oct 15 10:05)
    ready_after_the_moment   paid      Nov 15 10:00    -                  -          -
    ready_last_quarter       paid      Sep 30 23:59:59 -                  -          -
    moved_to_nurture         paid      never: a status event to "nurture" on Oct 8
    play_named_ready         paid      never: a play named "ready" attached on Oct 8
    A deal without a lead was created on Oct 3.
    """
    quarter = factories.QuarterFactory(name="2026-Q4")
    answered_early = ready_lead(
        at(2026, 10, 5, 10),
        source="paid",
        owner=rep,
        first_response_at=at(2026, 10, 5, 10, 4),
        sla_state="met",
        attempt_count=1,
    )
    factories.ActivityFactory(lead=answered_early, rep=rep, occurred_at=at(2026, 10, 5, 10, 4))
    factories.OpportunityFactory(
        primary_lead=answered_early, owner=rep, created_at=at(2026, 10, 20)
    )
    answered_late = ready_lead(
        at(2026, 10, 10, 10),
        source="web_form",
        owner=rep,
        first_response_at=at(2026, 11, 5, 9),
        sla_state="met",
        attempt_count=2,
    )
    factories.ActivityFactory(lead=answered_late, rep=rep, occurred_at=at(2026, 11, 5, 9))
    factories.ActivityFactory(lead=answered_late, rep=rep, occurred_at=at(2026, 11, 6, 9))
    factories.OpportunityFactory(primary_lead=answered_late, owner=rep, created_at=at(2026, 11, 10))
    breached = ready_lead(
        at(2026, 10, 15, 10),
        source="paid",
        owner=rep,
        breached_owner=rep,
        sla_state="breached",
        sla_breached_at=at(2026, 10, 15, 10, 5),
    )
    ready_after_the_moment = ready_lead(at(2026, 11, 15, 10), source="paid")
    ready_last_quarter = ready_lead(at(2026, 9, 30, 23, 59, 59), source="paid")
    moved_to_nurture = factories.LeadFactory(source="paid")
    factories.LeadEventFactory(
        lead=moved_to_nurture,
        kind="status",
        old_value="working",
        new_value="nurture",
        at=at(2026, 10, 8),
    )
    play_named_ready = factories.LeadFactory(source="paid")
    factories.LeadEventFactory(
        lead=play_named_ready, kind="play", old_value="", new_value="ready", at=at(2026, 10, 8)
    )
    factories.OpportunityFactory(owner=rep, created_at=at(2026, 10, 3))
    return SimpleNamespace(
        quarter=quarter,
        answered_early=answered_early,
        answered_late=answered_late,
        breached=breached,
        ready_after_the_moment=ready_after_the_moment,
        ready_last_quarter=ready_last_quarter,
        moved_to_nurture=moved_to_nurture,
        play_named_ready=play_named_ready,
    )


LEADS = (
    "answered_early",
    "answered_late",
    "breached",
    "ready_after_the_moment",
    "ready_last_quarter",
    "moved_to_nurture",
    "play_named_ready",
)


def members(book: SimpleNamespace, segment: Segment | None, as_of: datetime | None) -> set[str]:
    """The names of the book's leads in the cohort."""
    ids = set(cohort(book.quarter, segment, as_of=as_of).values_list("pk", flat=True))
    return {name for name in LEADS if getattr(book, name).pk in ids}


@pytest.mark.parametrize(
    ("segment", "as_of", "expected"),
    [
        pytest.param(
            None,
            NOV_1,
            {"answered_early", "answered_late", "breached"},
            id="as-of-a-moment-only-leads-ready-in-the-quarter-before-it",
        ),
        pytest.param(
            None,
            None,
            {"answered_early", "answered_late", "breached", "ready_after_the_moment"},
            id="now-every-lead-ready-in-the-quarter",
        ),
        pytest.param(
            None,
            at(2027, 2, 1),
            {"answered_early", "answered_late", "breached", "ready_after_the_moment"},
            id="as-of-after-the-quarter-the-same-as-now",
        ),
        pytest.param(
            PAID,
            NOV_1,
            {"answered_early", "breached"},
            id="a-segment-as-of-a-moment-keeps-only-its-ready-leads",
        ),
    ],
)
def test_the_cohort_is_the_leads_with_a_ready_status_event_in_the_quarter_window(  # type: ignore[no-untyped-def]
    october, segment, as_of, expected
):
    # given: the book above; last quarter's ready lead, a move to nurture and a play named
    # "ready" are never this quarter's ready events
    # when
    found = members(october, segment, as_of)
    # then
    assert found == expected


@pytest.mark.parametrize(
    ("segment", "as_of", "expected"),
    [
        pytest.param(
            None,
            NOV_1,
            # answered_late's attempts, answer and deal all came after Nov 1; the deal
            # without a lead converts nobody
            CohortFigures(total=3, followed=1, converted=1, met=1, breached=1),
            id="as-of-a-moment-only-what-happened-before-it-counts",
        ),
        pytest.param(
            None,
            None,
            CohortFigures(total=4, followed=2, converted=2, met=2, breached=1),
            id="now-the-whole-cohort",
        ),
        pytest.param(
            PAID,
            None,
            # answered_early, breached, ready_after_the_moment
            CohortFigures(total=3, followed=1, converted=1, met=1, breached=1),
            id="a-segment-now-counts-only-its-leads",
        ),
        pytest.param(
            PAID,
            NOV_1,
            # answered_early, breached
            CohortFigures(total=2, followed=1, converted=1, met=1, breached=1),
            id="a-segment-as-of-a-moment",
        ),
    ],
)
def test_cohort_figures_count_follow_ups_conversions_and_clocks_known_by_the_moment(  # type: ignore[no-untyped-def]
    october, segment, as_of, expected
):
    # given: the book above
    # when
    figures = cohort_figures(october.quarter, segment, as_of=as_of)
    # then
    assert figures == expected


def test_a_campaign_and_tier_segment_of_the_cohort_lists_and_counts_the_same_leads(
    rep: User,
) -> None:
    # given Q4 2026's cohort: from the webinar, two leads at a target account (one followed up)
    # and one at a standard account; from paid search, one at the target account; and a
    # webinar lead at the target account that became ready in Q3
    quarter = factories.QuarterFactory(name="2026-Q4")
    webinar, search = factories.CampaignFactory(), factories.CampaignFactory()
    target = factories.AccountFactory(tier="target")
    standard = factories.AccountFactory(tier="standard")
    followed = ready_lead(
        at(2026, 10, 5, 10), campaign=webinar, account=target, owner=rep, attempt_count=1
    )
    waiting = ready_lead(at(2026, 10, 6, 10), campaign=webinar, account=target)
    elsewhere = ready_lead(at(2026, 10, 7, 10), campaign=webinar, account=standard)
    searched = ready_lead(at(2026, 10, 8, 10), campaign=search, account=target)
    ready_lead(at(2026, 9, 8, 10), campaign=webinar, account=target)

    def leads(segment: Segment) -> set[int]:
        return set(cohort(quarter, segment).values_list("pk", flat=True))

    def counted(segment: Segment) -> tuple[int, int]:
        figures = cohort_figures(quarter, segment)
        return figures.total, figures.followed

    # then each segment lists its leads, and its figures count the same leads
    webinar_only = Segment(campaign_id=webinar.pk)
    webinar_target = Segment(campaign_id=webinar.pk, tier="target")
    target_only = Segment(tier="target")
    assert leads(webinar_only) == {followed.pk, waiting.pk, elsewhere.pk}
    assert counted(webinar_only) == (3, 1)
    assert leads(webinar_target) == {followed.pk, waiting.pk}
    assert counted(webinar_target) == (2, 1)
    assert leads(target_only) == {followed.pk, waiting.pk, searched.pk}
    assert counted(target_only) == (3, 1)
    assert counted(Segment(campaign_id=search.pk, tier="standard")) == (0, 0)

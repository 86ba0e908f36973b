"""Editing the quarters queues a rebuild of the cohort entries per edit; the queued rebuilds
coalesce: one that starts after every edit so far covers them all, and the later ones skip.
An edit committed while a rebuild runs is never taken as covered by it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from apps.core.models import Quarter
from apps.goals import facts
from apps.goals.facts import REBUILT_FROM, rebuild_cohort_entries_once
from apps.goals.tasks import rebuild_cohort_entries_task
from apps.leads.models import CohortEntry, Lead
from tests.fixtures.leads import ready_events

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_rebuild_noted():  # type: ignore[no-untyped-def]
    cache.delete(REBUILT_FROM)
    yield
    cache.delete(REBUILT_FROM)


@pytest.fixture
def ready_in_october() -> Lead:
    """A lead made ready on 20 October 2026, its facts and cohort entry written."""
    lead = Lead.objects.create(email="oct@coalesce.example", status=Lead.Status.READY)
    ready_events([lead], lambda i: datetime(2026, 10, 20, 12, tzinfo=UTC))
    facts.rebuild_lead_facts([lead.pk])
    return lead


def _entry_quarters(lead: Lead) -> list[date]:
    return list(CohortEntry.objects.filter(lead=lead).values_list("quarter_starts_on", flat=True))


def test_edits_queued_before_a_rebuild_starts_are_covered_by_it(ready_in_october: Lead) -> None:
    # given three edits committed a moment ago (a fiscal quarter from 15 October among them)
    Quarter.objects.create(name="FY27-Q1", starts_on=date(2026, 10, 15), ends_on=date(2027, 1, 14))
    edits = [timezone.now() - timedelta(seconds=s) for s in (30, 20, 10)]

    # when their three queued rebuilds run in turn
    results = [rebuild_cohort_entries_once(requested_at=at) for at in edits]

    # then the first rebuilt the entries under the edited quarters, the other two skipped
    assert results[0] == 1
    assert results[1:] == [None, None]
    assert _entry_quarters(ready_in_october) == [date(2026, 10, 15)]


def test_an_edit_committed_while_a_rebuild_runs_is_rebuilt_again(ready_in_october: Lead) -> None:
    # given a rebuild that finished
    assert rebuild_cohort_entries_once(requested_at=timezone.now() - timedelta(minutes=1)) == 1
    started = datetime.fromisoformat(cache.get(REBUILT_FROM))
    # and an edit it may not have seen: committed just after that rebuild began reading
    Quarter.objects.create(name="FY27-Q1", starts_on=date(2026, 10, 15), ends_on=date(2027, 1, 14))

    # when that edit's queued rebuild runs
    result = rebuild_cohort_entries_once(requested_at=started + timedelta(milliseconds=1))

    # then it is not taken as covered: the entries follow the edit
    assert result == 1
    assert _entry_quarters(ready_in_october) == [date(2026, 10, 15)]


def test_a_rebuild_without_a_note_always_runs(ready_in_october: Lead) -> None:
    # given no finished rebuild on record (an evicted key, or Redis was away when it finished)
    # when an edit's rebuild runs, and one queued before this change (no time) runs
    first = rebuild_cohort_entries_once(requested_at=timezone.now())
    cache.delete(REBUILT_FROM)
    second = rebuild_cohort_entries_once()

    # then both rebuilt
    assert (first, second) == (1, 1)


def test_saving_a_quarter_queues_its_rebuild_with_the_commit_time(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    # given
    published: list[tuple[str, tuple[object, ...]]] = []
    monkeypatch.setattr(facts, "publish", lambda name, *args: published.append((name, args)))
    before = timezone.now()

    # when a quarter is saved and its transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        Quarter.objects.create(
            name="2027-Q1", starts_on=date(2027, 1, 1), ends_on=date(2027, 3, 31)
        )

    # then one rebuild is queued, stamped no earlier than the save
    assert [name for name, _ in published] == ["goals.rebuild_cohort_entries"]
    (stamp,) = published[0][1]
    assert datetime.fromisoformat(str(stamp)) >= before


@pytest.mark.parametrize("garbage", ["", "yesterday", "2026-13-45", "2026-10-01T10:00:00", 42])
def test_a_time_that_cannot_be_read_means_rebuild(ready_in_october: Lead, garbage: object) -> None:
    # given a finished rebuild noted, then the note and a queued task's time made unreadable
    # (naive, malformed, empty, not text)
    assert rebuild_cohort_entries_once(requested_at=timezone.now()) == 1
    cache.set(REBUILT_FROM, garbage)

    # when the queued rebuild runs, by the task as the worker calls it
    result = rebuild_cohort_entries_task.run(str(garbage))

    # then it rebuilds, and notes a readable time again
    assert result == 1
    assert facts.moment(cache.get(REBUILT_FROM)) is not None

"""Rebuilding the cohort entries (after the quarters were edited) while another rebuild, or a
lead becoming ready, writes the same lead's entry: both finish, one entry per lead and quarter
(on PostgreSQL, with two connections at once)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.goals.facts import rebuild_cohort_entries, rebuild_lead_facts
from apps.leads.models import CohortEntry, Lead
from tests.fixtures.leads import ready_events

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_rebuilds_at_once_both_finish_with_one_entry_per_lead() -> None:
    # given 1,500 leads made ready this quarter, their facts written
    now = timezone.now()
    leads = Lead.objects.bulk_create(
        Lead(email=f"r{i}@race.example", status=Lead.Status.READY, ready_at=now)
        for i in range(1500)
    )
    ready_events(leads, lambda i: now - timedelta(minutes=1))
    rebuild_lead_facts()
    # when two workers rebuild the entries at the same moment (a quarter edited twice)
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def rebuild() -> None:
        try:
            start.wait()
            rebuild_cohort_entries()
        except BaseException as error:  # noqa: BLE001 - reported to the test below
            failures.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=rebuild) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    # then neither failed, and each lead has its one entry
    assert failures == []
    assert CohortEntry.objects.count() == 1500

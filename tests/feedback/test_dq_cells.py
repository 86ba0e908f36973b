"""The disqualifications per UTC day, rep and reason (DisqualificationCell) on PostgreSQL: the
triggers keep each cell equal to the disqualifications it counts through inserts, updates that
change nothing it counts, a disqualification moving to another day, rep or reason, deletions,
writers racing for one cell and a rebuild; and the goal sheet's figures sum a quarter's days
from them."""

from __future__ import annotations

import contextlib
import threading
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections

from apps.feedback.cells import rebuild_disqualification_cells
from apps.feedback.models import Disqualification, DisqualificationCell
from apps.goals import metrics
from apps.goals.metrics.base import Segment, shared_reads
from apps.goals.metrics.funnel import DqTally, disqualification_tallies
from tests import factories
from tests.fixtures.cells import dq_cells, dq_cells_of_disqualifications

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _at(month: int, day: int, hour: int = 9, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


def test_the_triggers_keep_each_cell_equal_to_its_disqualifications() -> None:
    # given Rita and Sam, the reasons "no budget" and "spam", and four disqualifications: Rita
    # two for no budget on 2 Nov (after 2 and 3 attempts, the second at 23:59:59), Sam one for
    # spam on 3 Nov at midnight (1 attempt) and one for no budget on 3 Nov (0 attempts)
    rita, sam = factories.UserFactory(), factories.UserFactory()
    budget = factories.DisqualificationReasonFactory(code="no-budget")
    spam = factories.DisqualificationReasonFactory(code="spam", is_junk=True)
    leads = factories.LeadFactory.create_batch(5)
    dqs = Disqualification.objects.bulk_create(
        [
            Disqualification(
                lead=leads[0], rep=rita, reason=budget, at=_at(11, 2), attempts_at_time=2
            ),
            Disqualification(
                lead=leads[1],
                rep=rita,
                reason=budget,
                at=_at(11, 2, 23, 59, 59),
                attempts_at_time=3,
            ),
            Disqualification(
                lead=leads[2], rep=sam, reason=spam, at=_at(11, 3, 0), attempts_at_time=1
            ),
            Disqualification(lead=leads[3], rep=sam, reason=budget, at=_at(11, 3)),
        ]
    )
    nov2, nov3 = date(2026, 11, 2), date(2026, 11, 3)
    assert dq_cells() == {
        (nov2, rita.pk, budget.pk): (2, 5),
        (nov3, sam.pk, spam.pk): (1, 1),
        (nov3, sam.pk, budget.pk): (1, 0),
    }
    rows = DisqualificationCell.objects.count()
    # when marketing reviews them (nothing a cell counts changes)
    Disqualification.objects.update(
        review_status="acknowledged", reviewer=rita, reviewed_at=_at(11, 4)
    )
    # then no cell moves and none is added
    assert DisqualificationCell.objects.count() == rows
    # when Rita's late one moves to 3 Nov and to spam, Sam's no-budget one is deleted and a
    # fifth is made by Sam for spam on 3 Nov after 4 attempts
    Disqualification.objects.filter(pk=dqs[1].pk).update(at=_at(11, 3, 0, 0, 1), reason=spam)
    Disqualification.objects.filter(pk=dqs[3].pk).delete()
    factories.DisqualificationFactory(
        lead=leads[4], rep=sam, reason=spam, at=_at(11, 3, 12), attempts_at_time=4
    )
    # then each cell holds what the disqualifications hold, the emptied one counting nothing
    expected = {
        (nov2, rita.pk, budget.pk): (1, 2),
        (nov3, rita.pk, spam.pk): (1, 3),
        (nov3, sam.pk, spam.pk): (2, 5),
    }
    assert dq_cells() == expected == dq_cells_of_disqualifications()
    # and one row per cell: the triggers update a cell in place
    assert DisqualificationCell.objects.count() == 4
    # and the cells emptied behind the triggers' back are written again by the rebuild
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE feedback_disqualificationcell")
    assert dq_cells() == {}
    assert rebuild_disqualification_cells() == 3
    assert dq_cells() == expected


def test_two_reps_committing_into_one_cell_at_once_are_both_counted() -> None:
    # given a rep's cell for today already written, and two more disqualifications of hers
    # made by two connections at the same moment, each holding its transaction open until
    # both have written
    rep = factories.UserFactory()
    reason = factories.DisqualificationReasonFactory()
    leads = factories.LeadFactory.create_batch(3)
    factories.DisqualificationFactory(lead=leads[0], rep=rep, reason=reason, at=_at(11, 5))
    both_wrote = threading.Barrier(2, timeout=10)
    errors: list[BaseException] = []

    def disqualify(lead_id: int) -> None:
        try:
            from_thread = connections.create_connection("default")
            try:
                with from_thread.cursor() as cursor:
                    cursor.execute("BEGIN")
                    cursor.execute(
                        "INSERT INTO feedback_disqualification (lead_id, rep_id, reason_id, note,"
                        " attempts_at_time, at, review_status, action_note, dispute_outcome)"
                        " VALUES (%s, %s, %s, '', 1, %s, 'open', '', '')",
                        [lead_id, rep.pk, reason.pk, _at(11, 5, 10)],
                    )
                    # the second waits on the first's cell row, so the barrier breaks
                    with contextlib.suppress(threading.BrokenBarrierError):
                        both_wrote.wait(timeout=2)
                    cursor.execute("COMMIT")
            finally:
                from_thread.close()
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)

    threads = [threading.Thread(target=disqualify, args=(lead.pk,)) for lead in leads[1:]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # then neither failed and the cell counts all three
    assert errors == []
    assert (
        dq_cells()
        == {(date(2026, 11, 5), rep.pk, reason.pk): (3, 2)}
        == dq_cells_of_disqualifications()
    )


def test_the_goal_sheets_disqualification_figures_sum_the_quarters_days_cells(
    django_assert_num_queries: Any,
) -> None:
    # given 2026-Q4, 12 sales-ready leads, and disqualifications by Rita: no budget on the
    # quarter's first second (2 attempts) and spam on its last second (4 attempts); by Sam: spam
    # in the middle (3 attempts); and one by Sam one second after the quarter (not counted)
    quarter = factories.QuarterFactory(name="2026-Q4")
    rita, sam = factories.UserFactory(), factories.UserFactory()
    budget = factories.DisqualificationReasonFactory(code="no-budget")
    spam = factories.DisqualificationReasonFactory(code="spam", is_junk=True)
    for lead in factories.LeadFactory.create_batch(12, ready_at=_at(11, 10), status="ready"):
        factories.LeadEventFactory(
            lead=lead, kind="status", old_value="nurture", new_value="ready", at=_at(11, 10)
        )
    leads = factories.LeadFactory.create_batch(4)
    for lead, rep, reason, at, tried in (
        (leads[0], rita, budget, datetime(2026, 10, 1, tzinfo=UTC), 2),
        (leads[1], rita, spam, datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC), 4),
        (leads[2], sam, spam, _at(11, 15), 3),
        (leads[3], sam, spam, datetime(2027, 1, 1, tzinfo=UTC), 9),
    ):
        factories.DisqualificationFactory(
            lead=lead, rep=rep, reason=reason, at=at, attempts_at_time=tried
        )
    # when the goal sheet reads the tallies, then its three cards
    with shared_reads():
        with django_assert_num_queries(1):
            tallies = disqualification_tallies(quarter)
        with django_assert_num_queries(1):  # the cohort's size; the tallies are read already
            rate = metrics.disqualification_rate(quarter)
        junk = metrics.junk_share(quarter)
        attempts = metrics.attempts_before_dq(quarter)
    # then Rita made 2 (1 junk, 6 attempts) and Sam 1 (junk, 3 attempts) in the quarter
    assert tallies == {
        rita.pk: DqTally(n=2, junk=1, attempts=6),
        sam.pk: DqTally(n=1, junk=1, attempts=3),
    }
    # and the rate is 3 / 12 = 25.0 %, the junk share 2 / 12 = 16.7 %, attempts 9 / 3 = 3.0
    assert rate.value == Decimal("25.0")
    assert junk.value == Decimal("16.7")
    assert attempts.value == Decimal("3.0")
    # and each equals the figure read from the disqualifications themselves (a segment that
    # selects everything takes that path)
    everything = Segment()
    assert metrics.disqualification_rate(quarter, everything).value == rate.value
    assert metrics.junk_share(quarter, everything).value == junk.value
    assert metrics.attempts_before_dq(quarter, everything).value == attempts.value

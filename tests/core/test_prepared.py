"""prepared_statements(): inside the block a statement seen twice is prepared and reused on
PostgreSQL; outside it nothing is prepared and parameters are pasted in by psycopg as before,
so every other read keeps a plan made for its own values and any number of parameters.
Intake runs in the block."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.prepared import prepared_statements
from apps.intake.services import IntakeData, intake_lead
from apps.leads.models import Lead

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def _count_by_title(title: str) -> int:
    return Lead.objects.filter(title=title).count()


def test_statements_are_prepared_inside_the_block_and_never_outside() -> None:
    # given a fresh connection
    connection.close()

    # when one query runs three times outside the block, and another twice inside it
    for _ in range(3):
        _count_by_title("outside")
    with prepared_statements():
        for _ in range(2):
            _count_by_title("inside")
    # and once more outside, after the block
    for _ in range(3):
        _count_by_title("outside")

    # then only the query run inside was prepared, once
    statements = _prepared()
    assert len(statements) == 1
    assert '"title" = $1' in statements[0]


def test_the_block_restores_the_connection_after_an_error() -> None:
    # given a connection that prepares nothing and binds parameters itself
    connection.ensure_connection()
    before = (connection.connection.cursor_factory, connection.connection.prepare_threshold)
    assert before[1] is None

    # when the block ends in an error
    with pytest.raises(ZeroDivisionError), prepared_statements():
        _ = 1 / 0

    # then the connection is as it was
    assert (connection.connection.cursor_factory, connection.connection.prepare_threshold) == (
        before
    )


def test_a_block_inside_another_leaves_the_outer_one_preparing() -> None:
    # given a connection that prepares nothing
    connection.close()

    # when a block runs inside another, and the outer one goes on after it
    with prepared_statements():
        with prepared_statements():
            _count_by_title("inner")
        for _ in range(2):
            _count_by_title("outer")
        recorded_text = connection.features.uses_server_side_binding

    # then the outer block still prepared its statement and recorded SQL as bound on the
    # server, and afterwards the connection is as it was
    assert any('"title" = $1' in statement for statement in _prepared())
    assert recorded_text is True
    assert connection.features.uses_server_side_binding is False
    assert connection.connection.prepare_threshold is None


def test_outside_the_block_a_statement_may_carry_more_parameters_than_the_server_binds() -> None:
    # given more ids than PostgreSQL takes as bound parameters in one statement (65,535)
    ids = list(range(1, 70_001))

    # when a query lists them all outside the block
    found = Lead.objects.filter(pk__in=ids).count()

    # then it runs (psycopg pastes them into the SQL), as it did before intake prepared its own
    assert found == 0


def test_intake_prepares_its_statements_and_reuses_them() -> None:
    # given a fresh connection and three leads taken in on it
    connection.close()
    for n in range(3):
        intake_lead(data=IntakeData(email=f"buyer{n}@prepared.example", title="Analyst"))
    after_three = _prepared()

    # when a fourth lead is taken in
    with CaptureQueriesContext(connection) as captured:
        intake_lead(data=IntakeData(email="buyer4@prepared.example", title="Analyst"))

    # then the lead's lookup and its INSERT are prepared, and the fourth lead prepared no new
    # statement: it reused them, each still recorded with its text and values for debugging
    assert any('FROM "leads_lead" WHERE "email" = $1' in s for s in after_three)
    assert any(s.startswith('INSERT INTO "leads_lead"') for s in after_three)
    assert sorted(_prepared()) == sorted(after_three)
    assert Lead.objects.filter(email__endswith="@prepared.example").count() == 4
    recorded = [query["sql"] for query in captured.captured_queries]
    assert all(isinstance(sql, str) for sql in recorded)
    assert any("'buyer4@prepared.example'" in sql for sql in recorded)

"""The SLA sweep's rules: which leads it routes, which it follows up, and how one lead that
fails is reported without stopping the pass (issue 19's mutation tests state them).

The policy fixture: first response in 5 minutes, escalation 10 and reassignment 30 minutes
after the due time.
"""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.db import DatabaseError, IntegrityError, OperationalError

from apps.leads.models import Lead
from apps.routing import services
from tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _ready_lead(*, ready_at: datetime = NOW) -> Lead:
    return factories.LeadFactory(status=Lead.Status.READY, ready_at=ready_at)


# --- routing: the longest-waiting ready lead first ---


def test_the_sweep_routes_the_longest_waiting_ready_lead_first():  # type: ignore[no-untyped-def]
    # given a lead ready now and, created after it, one ready an hour earlier
    recent = _ready_lead(ready_at=NOW)
    waiting = _ready_lead(ready_at=NOW - timedelta(hours=1))
    # when
    ids = services.unrouted_lead_ids(limit=10)
    first = services.unrouted_lead_ids(limit=1)
    # then
    assert ids == [waiting.pk, recent.pk]
    assert first == [waiting.pk]


def test_leads_ready_at_the_same_instant_go_in_lead_number_order():  # type: ignore[no-untyped-def]
    # given two leads ready at the same instant whose rows the database reads in the other
    # order (the later-numbered one was created first)
    lower = _ready_lead()
    higher = _ready_lead()
    Lead.objects.filter(pk=lower.pk).update(created_at=NOW + timedelta(hours=1))
    Lead.objects.filter(pk=higher.pk).update(created_at=NOW - timedelta(hours=1))
    # when
    ids = services.unrouted_lead_ids(limit=10)
    # then
    assert ids == [lower.pk, higher.pk]


# --- follow-up: escalation 10 and reassignment 30 minutes after the due time ---

ESCALATED = {"escalated_at": NOW - timedelta(minutes=20)}
REASSIGNED = {**ESCALATED, "sla_reassigned_at": NOW - timedelta(minutes=1)}


@pytest.mark.parametrize(
    ("past_due", "fields", "followed_up"),
    [
        pytest.param(timedelta(minutes=9, seconds=59), {}, False, id="not-yet-time-to-escalate"),
        pytest.param(timedelta(minutes=10), {}, True, id="escalation-due-exactly-10-minutes-late"),
        pytest.param(
            timedelta(minutes=29, seconds=59),
            ESCALATED,
            False,
            id="escalated-and-not-yet-time-to-reassign",
        ),
        pytest.param(
            timedelta(minutes=30), ESCALATED, True, id="reassignment-due-exactly-30-minutes-late"
        ),
        pytest.param(timedelta(hours=2), REASSIGNED, False, id="escalated-and-reassigned-is-done"),
        pytest.param(
            timedelta(hours=2),
            {"sla_state": Lead.SlaState.PENDING},
            False,
            id="a-pending-clock-is-settled-not-followed-up",
        ),
        pytest.param(
            timedelta(hours=2),
            {"first_response_at": NOW - timedelta(minutes=1)},
            False,
            id="an-answered-lead-is-not-followed-up",
        ),
        pytest.param(
            timedelta(hours=2),
            {"status": Lead.Status.DISQUALIFIED},
            False,
            id="a-lead-no-longer-ready-is-not-followed-up",
        ),
    ],
)
def test_a_breached_unanswered_ready_lead_is_followed_up_once_its_escalation_or_reassignment_is_due(  # type: ignore[no-untyped-def]
    policy, rep, past_due, fields, followed_up
):
    # given a lead whose clock ran out `past_due` ago
    due = NOW - past_due
    lead = factories.LeadFactory(
        **{
            "status": Lead.Status.READY,
            "ready_at": due - timedelta(minutes=5),
            "owner": rep,
            "assigned_at": due - timedelta(minutes=5),
            "sla_state": Lead.SlaState.BREACHED,
            "sla_due_at": due,
            "sla_breached_at": due,
            **fields,
        }
    )
    # when
    ids = services.breached_follow_up_ids(now=NOW, limit=10)
    # then
    assert ids == ([lead.pk] if followed_up else [])


# --- one lead that fails does not stop the sweep; a lost database ends the pass ---


class _Connection:
    """Stands in for the database connection the sweep checks after an error."""

    def __init__(self, *, usable: bool) -> None:
        self.usable = usable
        self.closed = False

    def is_usable(self) -> bool:
        return self.usable

    def close(self) -> None:
        self.closed = True


def _routing_fails_for(monkeypatch, lead_id: int, error: Exception) -> None:  # type: ignore[no-untyped-def]
    real = services.route_lead

    def route_lead(**kwargs):  # type: ignore[no-untyped-def]
        if kwargs["lead_id"] == lead_id:
            raise error
        return real(**kwargs)

    monkeypatch.setattr(services, "route_lead", route_lead)


def test_a_lead_that_fails_to_route_is_reported_and_the_sweep_routes_the_next(  # type: ignore[no-untyped-def]
    pool, policy, monkeypatch, caplog
):
    # given two leads in the pool; the longer-waiting one cannot be routed
    broken = _ready_lead(ready_at=NOW - timedelta(minutes=2))
    fine = _ready_lead(ready_at=NOW - timedelta(minutes=1))
    _routing_fails_for(monkeypatch, broken.pk, RuntimeError("no routing today"))
    # when
    result = services.sweep_sla(now=NOW)
    # then the error names the step and the lead, and the next lead is routed
    assert result.errors == [f"route {broken.pk}: no routing today"]
    assert result.routed == 1
    fine.refresh_from_db()
    broken.refresh_from_db()
    assert fine.owner_id is not None
    assert broken.owner_id is None
    logged = [r for r in caplog.records if r.name == services.__name__]
    assert [(r.levelno, r.getMessage()) for r in logged] == [
        (logging.ERROR, f"sweep could not route lead {broken.pk}")
    ]
    assert logged[0].exc_info is not None  # the traceback goes to the log


@pytest.mark.parametrize(
    ("error", "usable", "pass_goes_on"),
    [
        pytest.param(
            IntegrityError("duplicate key"),
            True,
            True,
            id="a-database-error-on-a-live-connection-skips-only-that-lead",
        ),
        pytest.param(
            RuntimeError("bad row"),
            False,
            True,
            id="an-error-that-is-not-a-database-error-skips-only-that-lead",
        ),
        pytest.param(
            OperationalError("server closed the connection"),
            False,
            False,
            id="a-database-error-with-the-connection-lost-ends-the-pass",
        ),
    ],
)
def test_only_a_lost_database_connection_ends_the_sweep_pass(  # type: ignore[no-untyped-def]
    pool, policy, monkeypatch, error, usable, pass_goes_on
):
    # given two leads in the pool; routing the longer-waiting one fails with `error`
    broken = _ready_lead(ready_at=NOW - timedelta(minutes=2))
    fine = _ready_lead(ready_at=NOW - timedelta(minutes=1))
    _routing_fails_for(monkeypatch, broken.pk, error)
    connection = _Connection(usable=usable)
    monkeypatch.setattr(services, "connection", connection)
    # when
    result = services.sweep_sla(now=NOW)
    # then
    fine.refresh_from_db()
    assert (fine.owner_id is not None) is pass_goes_on
    assert result.routed == int(pass_goes_on)
    assert result.errors == [f"route {broken.pk}: {error}"]
    assert connection.closed is not pass_goes_on  # the next beat tick opens a fresh one


def test_a_lost_database_connection_is_logged_as_the_reason_the_pass_stopped(  # type: ignore[no-untyped-def]
    pool, policy, monkeypatch, caplog
):
    # given routing fails because the database went away
    lead = _ready_lead()
    _routing_fails_for(monkeypatch, lead.pk, DatabaseError("server closed the connection"))
    monkeypatch.setattr(services, "connection", _Connection(usable=False))
    # when
    services.sweep_sla(now=NOW)
    # then
    logged = [r for r in caplog.records if r.name == services.__name__]
    assert [(r.levelno, r.getMessage()) for r in logged] == [
        (
            logging.WARNING,
            "sweep stopped: the database is unreachable (server closed the connection)",
        )
    ]

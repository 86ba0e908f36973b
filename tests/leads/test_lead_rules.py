"""The rules for working a lead and taking it out of the queue, stated case by case: who may
work a lead, when an attempt may be dated, what logging one records, how the first answer
settles the SLA clock, what a disqualification or recycling reason demands of the attempts,
what recycling a lead does, and which re-engage days marketing may pick and what waking a
recycled lead on its day does."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction

from apps.core.errors import AttemptsRequired, InvalidTransition, NotAllowed
from apps.feedback.models import DisqualificationReason
from apps.feedback.services import (
    _reengage_day,
    _wake,
    check_reason_rules,
    recycle_lead,
    wake_recycled_leads,
)
from apps.leads.models import Activity, Lead, LeadEvent, LeadFacts
from apps.leads.services import (
    check_attempt_time,
    may_work_lead,
    record_attempt,
    settle_first_response,
)
from apps.notifications.models import Notification
from tests import factories

# A Monday morning, in UTC; every time below is counted from it.
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


# --- Re-engage days: after today, within two years (730 days) ----------------------------------

TODAY = date(2026, 3, 2)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(None, None, id="no-day-means-no-wake-up"),
        pytest.param(date(2026, 3, 3), date(2026, 3, 3), id="tomorrow-is-the-earliest-day"),
        pytest.param(date(2028, 3, 1), date(2028, 3, 1), id="730-days-ahead-is-the-latest-day"),
    ],
)
def test_a_re_engage_day_from_tomorrow_to_730_days_ahead_is_kept(
    day: date | None, expected: date | None
) -> None:
    # when
    kept = _reengage_day(day, today=TODAY)

    # then
    assert kept == expected


@pytest.mark.parametrize(
    ("day", "message"),
    [
        pytest.param(date(2026, 3, 2), "Pick a re-engage day after today.", id="today"),
        pytest.param(date(2026, 3, 1), "Pick a re-engage day after today.", id="yesterday"),
        pytest.param(
            date(2028, 3, 2), "Pick a re-engage day within two years.", id="731-days-ahead"
        ),
    ],
)
def test_a_re_engage_day_today_or_before_or_past_two_years_is_refused_naming_the_field(
    day: date, message: str
) -> None:
    # when
    with pytest.raises(InvalidTransition) as refused:
        _reengage_day(day, today=TODAY)

    # then
    assert (refused.value.message, refused.value.field) == (message, "reengage_on")


# --- Who may work a lead: its owner in Sales, or any Sales manager ------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("user", "owner", "may"),
    [
        pytest.param("rep", "rep", True, id="a-rep-works-their-own-lead"),
        pytest.param("rep", "other_rep", False, id="a-rep-cannot-work-another-reps-lead"),
        pytest.param("manager", "rep", True, id="a-sales-manager-works-any-reps-lead"),
        pytest.param("manager", None, True, id="a-sales-manager-works-a-pool-lead"),
        pytest.param("marketer", "marketer", False, id="an-owner-outside-sales-cannot"),
    ],
)
def test_a_lead_is_worked_by_its_owner_in_sales_or_any_sales_manager(  # type: ignore[no-untyped-def]
    request, user: str, owner: str | None, may: bool
):
    # given
    worker = request.getfixturevalue(user)
    lead = Lead(owner=request.getfixturevalue(owner) if owner else None)

    # when / then
    assert may_work_lead(worker, lead) is may


# --- When an attempt may be dated: not before the lead's assignment, at most 5 minutes ahead ---

NOW = _at(3)  # 12:00


@pytest.mark.parametrize(
    ("assigned_at", "ready_at", "at"),
    [
        pytest.param(_at(0), _at(0), NOW, id="now"),
        pytest.param(_at(0), _at(0), NOW + timedelta(minutes=5), id="exactly-5-minutes-ahead"),
        pytest.param(_at(0), _at(0), _at(0), id="at-the-moment-of-assignment"),
        pytest.param(None, _at(0), _at(0), id="at-the-ready-time-of-a-never-assigned-lead"),
        pytest.param(None, None, _at(-100), id="any-past-time-on-a-lead-never-ready"),
    ],
)
def test_an_attempt_dated_from_assignment_to_five_minutes_ahead_is_accepted(
    assigned_at: datetime | None, ready_at: datetime | None, at: datetime
) -> None:
    # given
    lead = Lead(assigned_at=assigned_at, ready_at=ready_at)

    # when / then: no refusal
    check_attempt_time(lead=lead, at=at, now=NOW)


@pytest.mark.parametrize(
    ("assigned_at", "ready_at", "at", "message"),
    [
        pytest.param(
            _at(0),
            _at(0),
            NOW + timedelta(minutes=5, seconds=1),
            "An attempt cannot be logged more than 5 minutes in the future.",
            id="a-second-past-5-minutes-ahead",
        ),
        pytest.param(
            _at(0.5),
            _at(0),
            _at(0.5) - timedelta(minutes=1),
            "An attempt cannot be dated before the lead was assigned (2026-03-02T09:30+00:00).",
            id="a-minute-before-assignment",
        ),
        pytest.param(
            _at(0.5),
            _at(-1),
            _at(0),
            "An attempt cannot be dated before the lead was assigned (2026-03-02T09:30+00:00).",
            id="after-ready-but-before-assignment",
        ),
        pytest.param(
            None,
            _at(0.5),
            _at(0),
            "An attempt cannot be dated before the lead was assigned (2026-03-02T09:30+00:00).",
            id="before-the-ready-time-of-a-never-assigned-lead",
        ),
    ],
)
def test_an_attempt_dated_before_assignment_or_over_five_minutes_ahead_is_refused_naming_at(
    assigned_at: datetime | None, ready_at: datetime | None, at: datetime, message: str
) -> None:
    # given
    lead = Lead(assigned_at=assigned_at, ready_at=ready_at)

    # when
    with pytest.raises(InvalidTransition) as refused:
        check_attempt_time(lead=lead, at=at, now=NOW)

    # then
    assert (refused.value.message, refused.value.field) == (message, "at")


# --- The first answer settles the SLA clock: met up to the due time, breached after it ---------


def _events(lead: Lead, kind: str) -> list[tuple[Any, ...]]:
    return list(
        LeadEvent.objects.filter(lead=lead, kind=kind)
        .order_by("pk")
        .values_list("actor", "reason", "old_value", "new_value", "payload")
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("due", "answered", "state", "breached_at", "breached_by_owner"),
    [
        pytest.param(_at(1), _at(0.5), "met", None, False, id="answered-before-due-is-met"),
        pytest.param(_at(1), _at(1), "met", None, False, id="answered-exactly-at-due-is-met"),
        pytest.param(
            _at(1),
            _at(1) + timedelta(seconds=1),
            "breached",
            _at(1),
            True,
            id="answered-a-second-late-is-breached-at-the-due-time-on-the-owner",
        ),
    ],
)
def test_the_first_answer_settles_a_pending_clock_met_up_to_its_due_time(  # type: ignore[no-untyped-def]
    owned_lead, rep, manager, due, answered, state, breached_at, breached_by_owner
):
    # given: rep's lead, ready and assigned at T0, its clock running
    lead = owned_lead(rep, assigned_at=T0, ready_at=T0, sla_due_at=due)
    fields: list[str] = []

    # when: a manager's action answers it; the caller saves the fields it is handed
    settle_first_response(lead=lead, actor=manager, at=answered, fields=fields, reason="called")
    lead.save(update_fields=fields)

    # then
    lead.refresh_from_db()
    assert (lead.first_response_at, lead.sla_state) == (answered, state)
    assert (lead.sla_breached_at, lead.breached_owner_id) == (
        breached_at,
        rep.pk if breached_by_owner else None,
    )
    assert _events(lead, LeadEvent.Kind.SLA) == [
        (manager.pk, "called", "pending", state, {"first_response_at": answered.isoformat()})
    ]


@pytest.mark.django_db
def test_the_first_answer_records_the_response_time_in_minutes_from_ready(  # type: ignore[no-untyped-def]
    owned_lead, rep
):
    # given: ready at T0, no SLA calendar (plain minutes)
    lead = owned_lead(rep, assigned_at=T0, ready_at=T0, sla_due_at=_at(1))

    # when: answered 12 minutes later
    settle_first_response(lead=lead, actor=rep, at=_at(0.2), fields=[], reason="called")

    # then
    assert LeadFacts.objects.get(lead=lead).response_minutes == 12.0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answered_before", "clock", "fields_written"),
    [
        pytest.param(None, "", ["first_response_at"], id="no-clock-only-the-answer-is-recorded"),
        pytest.param(_at(0.1), "pending", [], id="an-answered-lead-is-left-as-it-is"),
    ],
)
def test_an_answer_without_a_pending_clock_or_after_the_first_settles_nothing(  # type: ignore[no-untyped-def]
    owned_lead, rep, answered_before, clock, fields_written
):
    # given
    lead = owned_lead(
        rep,
        assigned_at=T0,
        ready_at=T0,
        sla_state=clock,
        sla_due_at=_at(1),
        first_response_at=answered_before,
    )
    fields: list[str] = []

    # when
    settle_first_response(lead=lead, actor=rep, at=_at(0.5), fields=fields, reason="called")

    # then
    assert fields == fields_written
    assert lead.first_response_at == (answered_before or _at(0.5))
    assert lead.sla_state == clock
    assert _events(lead, LeadEvent.Kind.SLA) == []


# --- Logging an attempt: the activity, its event, the answer, and ready becomes working --------


@pytest.mark.django_db
def test_the_first_attempt_on_a_ready_lead_is_logged_answers_the_clock_and_starts_work(  # type: ignore[no-untyped-def]
    owned_lead, rep
):
    # given: rep's ready lead, clock due at 10:00
    lead = owned_lead(rep, assigned_at=T0, ready_at=T0, sla_due_at=_at(1))

    # when: an email at 09:30, logged at 09:40
    activity = record_attempt(
        lead=lead,
        rep=rep,
        channel="email",
        outcome="replied",
        note="Sent the deck",
        at=_at(0.5),
        now=_at(0.5) + timedelta(minutes=10),
    )

    # then: the activity as logged
    activity.refresh_from_db()
    assert (
        activity.lead_id,
        activity.rep_id,
        activity.channel,
        activity.outcome,
        activity.note,
        activity.occurred_at,
    ) == (lead.pk, rep.pk, "email", "replied", "Sent the deck", _at(0.5))
    # the lead: one attempt, answered in time, now being worked
    lead.refresh_from_db()
    assert (lead.attempt_count, lead.first_response_at, lead.sla_state, lead.status) == (
        1,
        _at(0.5),
        "met",
        "working",
    )
    # and its history, in order, each by the rep
    assert list(
        LeadEvent.objects.filter(lead=lead)
        .order_by("pk")
        .values_list("kind", "actor", "reason", "old_value", "new_value", "payload")
    ) == [
        ("attempt", rep.pk, "attempt logged", "", "replied", {"activity": activity.pk, "channel": "email"}),
        ("sla", rep.pk, "first response logged", "pending", "met", {"first_response_at": _at(0.5).isoformat()}),
        ("status", rep.pk, "first attempt logged", "ready", "working", {}),
    ]  # fmt: skip


@pytest.mark.django_db
def test_an_attempt_logged_without_a_note_has_an_empty_note(owned_lead, rep):  # type: ignore[no-untyped-def]
    # given
    lead = owned_lead(rep, assigned_at=T0, ready_at=T0)

    # when
    activity = record_attempt(
        lead=lead, rep=rep, channel="call", outcome="no_answer", at=_at(0.1), now=_at(0.1)
    )

    # then
    activity.refresh_from_db()
    assert activity.note == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("logger", "owner", "status", "error", "message", "field"),
    [
        pytest.param(
            "rep", "other_rep", "working", NotAllowed,
            "You can only log attempts on your own leads.", None,
            id="not-on-another-reps-lead",
        ),
        pytest.param(
            "rep", "rep", "converted", InvalidTransition,
            "This lead is converted; attempts are closed.", "lead",
            id="not-on-a-converted-lead",
        ),
        pytest.param(
            "rep", "rep", "disqualified", InvalidTransition,
            "This lead is disqualified; attempts are closed.", "lead",
            id="not-on-a-disqualified-lead",
        ),
        pytest.param(
            "manager", None, "ready", InvalidTransition,
            "Claim the lead from the pool before working it.", "lead",
            id="not-on-a-pool-lead-even-by-a-manager",
        ),
    ],
)  # fmt: skip
def test_an_attempt_is_logged_only_by_who_may_work_an_open_claimed_lead(  # type: ignore[no-untyped-def]
    request, owned_lead, logger, owner, status, error, message, field
):
    # given
    lead = owned_lead(
        request.getfixturevalue(owner) if owner else None,
        status=status,
        assigned_at=T0,
        ready_at=T0,
        sla_state="",
        sla_due_at=None,
    )

    # when
    with pytest.raises(error) as refused:
        record_attempt(
            lead=lead,
            rep=request.getfixturevalue(logger),
            channel="call",
            outcome="no_answer",
            at=_at(0.1),
            now=_at(0.1),
        )

    # then: the refusal says why, and nothing was logged
    assert (refused.value.message, refused.value.field) == (message, field)
    assert not Activity.objects.filter(lead=lead).exists()
    lead.refresh_from_db()
    assert lead.attempt_count == 0


# --- A reason's rules: enough attempts, spread over hours, days and channels; a note -----------


def _reason(**rules: Any) -> DisqualificationReason:
    return DisqualificationReason(code="unreachable", label="Unreachable", **rules)


def _lead_with_attempts(rep, attempts: list[tuple[datetime, str]]) -> Lead:  # type: ignore[no-untyped-def]
    lead = factories.LeadFactory()
    for at, channel in attempts:
        factories.ActivityFactory(lead=lead, rep=rep, channel=channel, occurred_at=at)
    return lead


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rules", "attempts", "note"),
    [
        pytest.param({}, [], "", id="a-reason-without-rules-needs-no-attempts"),
        pytest.param(
            {"min_attempts": 2}, [(_at(0), "call"), (_at(1), "call")], "",
            id="exactly-the-minimum-attempts",
        ),
        pytest.param(
            {"min_span_hours": 4}, [(_at(4), "call"), (_at(0), "call"), (_at(1), "call")], "",
            id="first-to-last-exactly-the-minimum-span-whatever-the-order-logged",
        ),
        pytest.param(
            {"min_days": 2}, [(_at(0), "call"), (_at(24), "call")], "",
            id="attempts-on-two-days",
        ),
        pytest.param(
            {"min_channels": 2}, [(_at(0), "call"), (_at(0), "email")], "",
            id="attempts-on-two-channels",
        ),
        pytest.param({"note_required": True}, [], "Moved to Asia", id="a-note-when-one-is-needed"),
    ],
)  # fmt: skip
def test_a_reason_whose_rules_are_met_is_accepted(rep, rules, attempts, note):  # type: ignore[no-untyped-def]
    # given
    lead = _lead_with_attempts(rep, attempts)

    # when / then: no refusal
    check_reason_rules(lead=lead, reason=_reason(**rules), note=note, actor=rep)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rules", "attempts", "note", "error", "message", "field"),
    [
        pytest.param(
            {"min_attempts": 3}, [(_at(0), "call"), (_at(30), "email")], "", AttemptsRequired,
            "“Unreachable” needs at least 3 contact attempts; 2 logged so far.", "reason",
            id="one-attempt-short",
        ),
        pytest.param(
            {"min_span_hours": 4}, [(_at(0), "call"), (_at(3.5), "call")], "", AttemptsRequired,
            "“Unreachable” needs attempts spread over at least 4 hours; these span 3.5.", "reason",
            id="half-an-hour-short-of-the-span",
        ),
        pytest.param(
            {"min_span_hours": 1}, [], "", AttemptsRequired,
            "“Unreachable” needs attempts spread over at least 1 hours; these span 0.0.", "reason",
            id="no-attempts-span-no-time",
        ),
        pytest.param(
            {"min_days": 2}, [(_at(0), "call"), (_at(11), "email")], "", AttemptsRequired,
            "“Unreachable” needs attempts on at least 2 different days; they fall on 1.", "reason",
            id="morning-and-evening-are-one-day",
        ),
        pytest.param(
            {"min_channels": 2}, [(_at(0), "call"), (_at(30), "call")], "", AttemptsRequired,
            "“Unreachable” needs attempts on at least 2 channels (call, email, ...); "
            "1 used so far.", "reason",
            id="two-calls-are-one-channel",
        ),
        pytest.param(
            {"note_required": True}, [], "   ", InvalidTransition,
            "“Unreachable” needs a note for marketing.", "note",
            id="a-blank-note-is-no-note",
        ),
    ],
)  # fmt: skip
def test_a_reason_whose_rules_are_not_met_is_refused_saying_which_rule(  # type: ignore[no-untyped-def]
    rep, rules, attempts, note, error, message, field
):
    # given
    lead = _lead_with_attempts(rep, attempts)

    # when
    with pytest.raises(error) as refused:
        check_reason_rules(lead=lead, reason=_reason(**rules), note=note, actor=rep)

    # then
    assert (refused.value.message, refused.value.field) == (message, field)


@pytest.mark.django_db
def test_attempts_on_two_utc_days_but_one_evening_in_the_reps_zone_fall_on_one_day(rep):  # type: ignore[no-untyped-def]
    # given: a rep in New York (UTC-5 in early March); calls at 18:00 and 20:00 there
    rep.time_zone = "America/New_York"
    lead = _lead_with_attempts(
        rep,
        [
            (datetime(2026, 3, 2, 23, 0, tzinfo=UTC), "call"),
            (datetime(2026, 3, 3, 1, 0, tzinfo=UTC), "call"),
        ],
    )

    # when
    with pytest.raises(AttemptsRequired) as refused:
        check_reason_rules(lead=lead, reason=_reason(min_days=2), note="", actor=rep)

    # then
    assert refused.value.message.endswith("they fall on 1.")


@pytest.mark.django_db
def test_attempts_on_one_utc_day_either_side_of_the_reps_midnight_fall_on_two_days(rep):  # type: ignore[no-untyped-def]
    # given: a rep in New York (UTC-5 in early March); calls at 22:00 and 01:00 there
    rep.time_zone = "America/New_York"
    lead = _lead_with_attempts(
        rep,
        [
            (datetime(2026, 3, 2, 3, 0, tzinfo=UTC), "call"),
            (datetime(2026, 3, 2, 6, 0, tzinfo=UTC), "call"),
        ],
    )

    # when / then: no refusal
    check_reason_rules(lead=lead, reason=_reason(min_days=2), note="", actor=rep)


# --- Recycling a lead to nurture: the reason's rules, the clock settled, the owner cleared -----


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("note", "status_reason"),
    [
        pytest.param({}, "recycled to nurture: Bad timing", id="no-note"),
        pytest.param({"note": "   "}, "recycled to nurture: Bad timing", id="a-blank-note-is-no-note"),
        pytest.param(
            {"note": " Budget in Q3 "},
            "recycled to nurture: Bad timing (Budget in Q3)",
            id="the-note-trimmed-in-brackets",
        ),
    ],
)  # fmt: skip
def test_recycling_settles_the_clock_clears_the_owner_and_says_why_in_the_history(  # type: ignore[no-untyped-def]
    owned_lead, rep, note, status_reason
):
    # given: rep's ready lead, its clock due in five minutes
    lead = owned_lead(rep)
    reason = factories.DisqualificationReasonFactory(
        code="timing", label="Bad timing", use="recycle"
    )

    # when
    recycle_lead(lead_id=lead.pk, actor=rep, reason_id=reason.pk, **note)

    # then: back in nurture with nobody, answered in time
    lead.refresh_from_db()
    assert (lead.status, lead.owner_id, lead.assigned_at, lead.sla_state) == (
        "nurture",
        None,
        None,
        "met",
    )
    # and its history says so, each step by the rep
    assert list(
        LeadEvent.objects.filter(lead=lead)
        .order_by("pk")
        .values_list("kind", "actor", "reason", "old_value", "new_value")
    ) == [
        ("sla", rep.pk, "settled by recycling the lead", "pending", "met"),
        ("status", rep.pk, status_reason, "ready", "nurture"),
        ("owner", rep.pk, "recycled to nurture", "sam", "pool"),
    ]
    owner_event = LeadEvent.objects.get(lead=lead, kind=LeadEvent.Kind.OWNER)
    assert owner_event.payload["old_owner_id"] == rep.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("use", "note_required", "message", "field"),
    [
        pytest.param(
            "disqualify", False, "Choose a reason for recycling from the list.", "reason",
            id="a-reason-only-for-disqualifying",
        ),
        pytest.param(
            "recycle", True, "“Later” needs a note for marketing.", "note",
            id="a-reason-that-needs-a-note-without-one",
        ),
    ],
)  # fmt: skip
def test_recycling_is_refused_without_a_recycling_reason_whose_rules_are_met(  # type: ignore[no-untyped-def]
    owned_lead, rep, use, note_required, message, field
):
    # given
    lead = owned_lead(rep)
    reason = factories.DisqualificationReasonFactory(
        code="later", label="Later", use=use, note_required=note_required
    )

    # when
    with pytest.raises(InvalidTransition) as refused:
        recycle_lead(lead_id=lead.pk, actor=rep, reason_id=reason.pk, note=" ")

    # then: the refusal names the input at fault, and the lead stays with the rep
    assert (refused.value.message, refused.value.field) == (message, field)
    lead.refresh_from_db()
    assert (lead.status, lead.owner_id) == ("ready", rep.pk)


@pytest.mark.django_db
def test_recycling_commits_on_its_own_so_it_refuses_to_run_inside_another_transaction(  # type: ignore[no-untyped-def]
    owned_lead, rep
):
    # given
    lead = owned_lead(rep)
    reason = factories.DisqualificationReasonFactory(code="timing", use="recycle")

    # when / then
    with transaction.atomic(), pytest.raises(RuntimeError, match="durable"):
        recycle_lead(lead_id=lead.pk, actor=rep, reason_id=reason.pk)


# --- Waking a recycled lead on its re-engage day: once, telling the marketer who recycled it ---

WAKE_DAY = date(2026, 4, 1)


def _recycled(reviewer, **kwargs: Any):  # type: ignore[no-untyped-def]
    """Pat Buyer's disqualification for "Bad timing", recycled by `reviewer` on 2 March 2026 to
    wake on 1 April; the lead is in nurture."""
    return factories.DisqualificationFactory(
        **{
            "lead": factories.LeadFactory(first_name="Pat", last_name="Buyer", status="nurture"),
            "reason": factories.DisqualificationReasonFactory(code="timing", label="Bad timing"),
            "review_status": "recycled",
            "reviewer": reviewer,
            "reviewed_at": datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
            "reengage_on": WAKE_DAY,
        }
        | kwargs
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action_note", "body"),
    [
        pytest.param(
            "Budget opens in Q1",
            "You recycled this lead to nurture on 02 Mar 2026 after “Bad timing”; its re-engage "
            "day is 01 Apr 2026. It is nurture now. Your note: Budget opens in Q1",
            id="with-the-marketers-note",
        ),
        pytest.param(
            "",
            "You recycled this lead to nurture on 02 Mar 2026 after “Bad timing”; its re-engage "
            "day is 01 Apr 2026. It is nurture now.",
            id="without-a-note",
        ),
    ],
)
def test_on_its_re_engage_day_the_marketer_who_recycled_the_lead_is_told_what_and_why(  # type: ignore[no-untyped-def]
    marketer, action_note, body
):
    # given
    dq = _recycled(marketer, action_note=action_note)

    # when
    woken = wake_recycled_leads(today=WAKE_DAY)

    # then
    assert woken == 1
    assert list(Notification.objects.values_list("recipient", "kind", "lead", "title", "body")) == [
        (marketer.pk, "reengage", dq.lead_id, "Time to re-engage Pat Buyer", body)
    ]


@pytest.mark.django_db
def test_a_recycled_lead_wakes_without_a_notice_when_its_marketer_has_left(marketer):  # type: ignore[no-untyped-def]
    # given: the marketer who recycled it is deactivated
    marketer.is_active = False
    marketer.save()
    dq = _recycled(marketer)

    # when
    woken = wake_recycled_leads(today=WAKE_DAY)

    # then: the lead's history has its day, and nobody is told
    assert woken == 1
    assert LeadEvent.objects.filter(lead=dq.lead, kind=LeadEvent.Kind.REENGAGE).exists()
    assert not Notification.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "state",
    [
        pytest.param({"woken_at": datetime(2026, 4, 1, 6, 0, tzinfo=UTC)}, id="woken-by-another-run"),
        pytest.param({"reengage_on": None}, id="recycled-without-a-day"),
    ],
)  # fmt: skip
def test_a_recycled_lead_already_woken_or_without_a_day_is_not_woken(marketer, state):  # type: ignore[no-untyped-def]
    # given
    dq = _recycled(marketer, **state)

    # when: the wake-up reaches it (say a second run that listed it before the first woke it)
    woke = _wake(disqualification_id=dq.pk)

    # then
    assert woke is False
    dq.refresh_from_db()
    assert dq.woken_at == state.get("woken_at")
    assert not LeadEvent.objects.filter(lead=dq.lead, kind=LeadEvent.Kind.REENGAGE).exists()
    assert not Notification.objects.exists()

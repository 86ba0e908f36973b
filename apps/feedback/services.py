"""Taking a lead out of the queue with a reason whose rules are met (disqualifying it, or
recycling it to marketing's nurture), and marketing's review of each disqualification:
acknowledge with an action, acknowledge and recycle the lead to nurture (waking it on a
re-engage day), or dispute."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from apps.core.errors import AttemptsRequired, Conflict, InvalidTransition, NotAllowed
from apps.feedback.models import Disqualification, DisqualificationReason
from apps.leads import events
from apps.leads import facts as lead_facts
from apps.leads.models import Activity, Lead
from apps.leads.services import (
    BulkOutcome,
    bulk_ids,
    change_status,
    lock_workable_lead,
    settle_first_response,
)
from apps.notifications.models import Notification
from apps.notifications.services import managers, notify
from apps.scoring.models import QualificationAgreement
from apps.scoring.services import mark_ready
from apps.users.models import DisqualificationAlerts, Role, User
from apps.users.roles import has_role

DECISIONS = ("acknowledge", "recycle", "dispute")
REVIEW_PATH = "/marketing/feedback/"
DIGEST_GAP = timedelta(hours=20)  # a digest a day, whenever beat runs it
REENGAGE_HORIZON = timedelta(days=730)
RECYCLED = "disqualification acknowledged: recycled to nurture"


def _reengage_day(value: date | None, *, today: date) -> date | None:
    if value is None:
        return None
    if value <= today:
        raise InvalidTransition("Pick a re-engage day after today.", field="reengage_on")
    if value > today + REENGAGE_HORIZON:
        raise InvalidTransition("Pick a re-engage day within two years.", field="reengage_on")
    return value


@transaction.atomic(durable=True)
def review_disqualification(
    *,
    disqualification_id: int,
    actor: User,
    decision: str,
    note: str,
    dispute_outcome: str = "",
    reengage_on: date | None = None,
) -> Disqualification:
    """Acknowledge (with the action marketing took), acknowledge and recycle (marketing agrees
    and takes the lead back to nurture, optionally waking it on `reengage_on`; not a dispute)
    or dispute (the lead goes back to nurture, or is re-routed as ready to another rep). Each
    item is reviewed once; the loser of a race gets a Conflict."""
    if not has_role(actor, Role.MARKETING, Role.REVOPS):
        raise NotAllowed("Only Marketing or RevOps review disqualifications.")
    if decision not in DECISIONS:
        raise InvalidTransition("Choose acknowledge, recycle or dispute.", field="decision")
    reengage = (
        _reengage_day(reengage_on, today=timezone.localdate()) if decision == "recycle" else None
    )
    if not note.strip() and decision != "recycle":
        field = "action_note"
        raise InvalidTransition(
            "Say what marketing will change."
            if decision == "acknowledge"
            else "Say why you dispute it.",
            field=field,
        )
    if decision == "dispute" and dispute_outcome not in ("nurture", "ready"):
        raise InvalidTransition(
            "Send the lead back to nurture or re-route it as ready.", field="dispute_outcome"
        )
    dq = (
        Disqualification.objects.select_for_update()
        .select_related("lead", "reason", "rep")
        .get(pk=disqualification_id)
    )
    if dq.review_status != Disqualification.Review.OPEN:
        raise Conflict(
            f"This disqualification was already {dq.get_review_status_display().lower()}.",
            field="decision",
        )
    now = timezone.now()
    dq.reviewer = actor
    dq.reviewed_at = now
    dq.action_note = note.strip()
    if decision == "acknowledge":
        dq.review_status = Disqualification.Review.ACKNOWLEDGED
        dq.save(update_fields=["reviewer", "reviewed_at", "action_note", "review_status"])
        return dq
    if decision == "recycle":
        _recycle(dq, reengage=reengage, actor=actor, now=now)
        return dq
    dq.review_status = Disqualification.Review.DISPUTED
    dq.dispute_outcome = dispute_outcome
    dq.save(
        update_fields=["reviewer", "reviewed_at", "action_note", "review_status", "dispute_outcome"]
    )
    _send_back(
        lead_id=dq.lead_id, outcome=dispute_outcome, actor=actor, now=now, why=events.DISPUTED
    )
    notify(
        recipients=managers(),
        kind=Notification.Kind.DISPUTE,
        lead=dq.lead,
        title=f"Marketing disputes the disqualification of {dq.lead.display_name}",
        body=f"Rep {dq.rep.display_name}: {dq.reason.label} — {dq.note or 'no note'}\n"
        f"Marketing ({actor.display_name}): {dq.action_note}",
        team=Role.SALES_MANAGER,
    )
    return dq


BULK_LIMIT = 100


@dataclass(frozen=True)
class BulkReview:
    acknowledged: int
    already_reviewed: int


@transaction.atomic(durable=True)
def acknowledge_many(*, disqualification_ids: list[int], actor: User, note: str) -> BulkReview:
    """Acknowledge the open items among `disqualification_ids` (at most BULK_LIMIT) with one
    action note, in one transaction; items reviewed meanwhile (by someone else, or a second
    click) are counted, not changed."""
    if not has_role(actor, Role.MARKETING, Role.REVOPS):
        raise NotAllowed("Only Marketing or RevOps review disqualifications.")
    if not disqualification_ids:
        raise InvalidTransition("Tick the items to acknowledge.", field="ids")
    if len(disqualification_ids) > BULK_LIMIT:
        raise InvalidTransition(f"Acknowledge at most {BULK_LIMIT} items at once.", field="ids")
    if not note.strip():
        raise InvalidTransition("Say what marketing will change.", field="action_note")
    ids = sorted(set(disqualification_ids))
    locked = list(Disqualification.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    open_ids = [dq.pk for dq in locked if dq.review_status == Disqualification.Review.OPEN]
    Disqualification.objects.filter(pk__in=open_ids).update(
        review_status=Disqualification.Review.ACKNOWLEDGED,
        reviewer=actor,
        reviewed_at=timezone.now(),
        action_note=note.strip(),
    )
    return BulkReview(acknowledged=len(open_ids), already_reviewed=len(locked) - len(open_ids))


def _recycle(dq: Disqualification, *, reengage: date | None, actor: User, now: datetime) -> None:
    """Marketing agrees with the disqualification and takes the lead back to nurture (not a
    dispute), waking it on `reengage` if given. The caller has set the reviewer and holds the
    item's lock."""
    dq.review_status = Disqualification.Review.RECYCLED
    dq.reengage_on = reengage
    dq.save(
        update_fields=["reviewer", "reviewed_at", "action_note", "review_status", "reengage_on"]
    )
    _send_back(lead_id=dq.lead_id, outcome="nurture", actor=actor, now=now, why=RECYCLED)


RECYCLABLE = (Disqualification.Review.OPEN, Disqualification.Review.ACKNOWLEDGED)


@transaction.atomic(durable=True)
def recycle_many(
    *, lead_ids: list[int], actor: User, reengage_on: date | None = None
) -> BulkOutcome:
    """The lead list's bulk recycle: every disqualified lead among `lead_ids` whose latest
    disqualification is open or acknowledged is acknowledged and recycled to nurture by
    `actor` (as the review's "Acknowledge and recycle", waking on `reengage_on`); any other
    lead (open, held, converted, already in nurture, archived) is skipped and counted. One
    transaction; items locked in id order."""
    if not has_role(actor, Role.MARKETING, Role.REVOPS):
        raise NotAllowed("Only Marketing or RevOps recycle leads to nurture.")
    ids = bulk_ids(lead_ids, verb="recycle")
    reengage = _reengage_day(reengage_on, today=timezone.localdate())
    latest: dict[int, int] = {}
    for lead_id, dq_id in (
        Disqualification.objects.filter(
            lead_id__in=ids, lead__status=Lead.Status.DISQUALIFIED, lead__is_archived=False
        )
        .order_by("lead_id", "-at", "-pk")
        .values_list("lead_id", "pk")
    ):
        latest.setdefault(lead_id, dq_id)
    now = timezone.now()
    items = (
        Disqualification.objects.select_for_update()
        .filter(pk__in=latest.values(), review_status__in=RECYCLABLE)
        .order_by("pk")
    )
    done = 0
    for dq in items:
        if dq.review_status == Disqualification.Review.OPEN:
            dq.action_note = "Recycled to nurture from the lead list."
        dq.reviewer = actor
        dq.reviewed_at = now
        _recycle(dq, reengage=reengage, actor=actor, now=now)
        done += 1
    return BulkOutcome(done=done, skipped=len(ids) - done)


def _send_back(*, lead_id: int, outcome: str, actor: User, now: object, why: str) -> None:
    """The disqualified lead leaves its rep: back to nurture, or (a dispute) ready again."""
    lead = Lead.objects.select_for_update().get(pk=lead_id)
    if lead.status != Lead.Status.DISQUALIFIED:
        return  # the lead moved on since (e.g. re-qualified by a new touchpoint)
    old_owner = lead.owner
    lead.owner = None
    lead.assigned_at = None
    lead.sla_state = Lead.SlaState.NONE
    lead.sla_due_at = None
    lead.first_response_at = None
    lead.escalated_at = None
    lead.sla_reassigned_at = None
    lead.disqualified_at = None
    lead.save()
    lead_facts.disqualified(lead_id=lead.pk, reason_id=None)
    lead_facts.answer_moved(lead)  # the answer was cleared: the lead flow's moves follow
    events.lead_assigned_event(
        lead=lead,
        old_owner=old_owner,
        new_owner=None,
        actor=actor,
        reason=why,
    )
    agreement = QualificationAgreement.objects.in_force()
    if outcome == "ready" and agreement is not None:
        lead.status = Lead.Status.NURTURE  # mark_ready records the disqualified → ready step
        events.status_changed_event(
            lead=lead,
            old=Lead.Status.DISQUALIFIED,
            new=Lead.Status.NURTURE,
            actor=actor,
            reason=events.DISPUTED,
        )
        mark_ready(
            lead=lead, agreement=agreement, reason=Lead.ReadyReason.DISPUTE, actor=actor, now=now
        )  # type: ignore[arg-type]
        return
    Lead.objects.filter(pk=lead.pk).update(status=Lead.Status.NURTURE)
    events.status_changed_event(
        lead=lead,
        old=Lead.Status.DISQUALIFIED,
        new=Lead.Status.NURTURE,
        actor=actor,
        reason=why if why == RECYCLED else f"{why}: back to nurture",
    )


def check_reason_rules(
    *, lead: Lead, reason: DisqualificationReason, note: str, actor: User
) -> None:
    """The reason's rules, on every route: enough attempts, spread over enough time, days and
    channels (six "no answer"s in a second are not six tries), and a note if it needs one.
    Caller holds the lead lock."""
    attempts = list(
        Activity.objects.filter(lead=lead).values_list("occurred_at", "channel").order_by()
    )
    logged = len(attempts)
    if logged < reason.min_attempts:
        raise AttemptsRequired(
            f"“{reason.label}” needs at least {reason.min_attempts} contact attempts; "
            f"{logged} logged so far.",
            field="reason",
        )
    times = sorted(at for at, _ in attempts)
    span_hours = (times[-1] - times[0]).total_seconds() / 3600 if times else 0.0
    if span_hours < reason.min_span_hours:
        raise AttemptsRequired(
            f"“{reason.label}” needs attempts spread over at least {reason.min_span_hours} "
            f"hours; these span {span_hours:.1f}.",
            field="reason",
        )
    days = {at.astimezone(actor.zone).date() for at in times}
    if len(days) < reason.min_days:
        raise AttemptsRequired(
            f"“{reason.label}” needs attempts on at least {reason.min_days} different days; "
            f"they fall on {len(days)}.",
            field="reason",
        )
    channels = {channel for _, channel in attempts}
    if len(channels) < reason.min_channels:
        raise AttemptsRequired(
            f"“{reason.label}” needs attempts on at least {reason.min_channels} channels "
            f"(call, email, ...); {len(channels)} used so far.",
            field="reason",
        )
    if reason.note_required and not note.strip():
        raise InvalidTransition(f"“{reason.label}” needs a note for marketing.", field="note")


def _lock_for_reason(
    *,
    lead_id: int,
    actor: User,
    reason: DisqualificationReason | None,
    unknown: str,
    note: str,
) -> tuple[Lead, DisqualificationReason]:
    """What disqualifying and recycling both start with: a reason from the action's list
    (`unknown` if not), the locked workable lead, and the reason's rules met."""
    if reason is None:
        raise InvalidTransition(unknown, field="reason")
    lead = lock_workable_lead(lead_id=lead_id, user=actor)
    check_reason_rules(lead=lead, reason=reason, note=note, actor=actor)
    return lead, reason


@transaction.atomic(durable=True)
def disqualify_lead(
    *, lead_id: int, actor: User, reason_id: int, note: str = ""
) -> Disqualification:
    """Close the lead with a reason whose rules are met; marketing gets an open review item.
    A running SLA clock is settled: met if decided in time, breached if past due."""
    now = timezone.now()
    lead, reason = _lock_for_reason(
        lead_id=lead_id,
        actor=actor,
        reason=DisqualificationReason.objects.for_disqualifying().filter(pk=reason_id).first(),
        unknown="Choose a disqualification reason from the list.",
        note=note,
    )
    disqualification = Disqualification.objects.create(
        lead=lead,
        rep=actor,
        reason=reason,
        note=note.strip(),
        attempts_at_time=lead.attempt_count,
        at=now,
    )
    lead_facts.disqualified(lead_id=lead.pk, reason_id=reason.pk)
    fields = ["disqualified_at", "updated_at"]
    lead.disqualified_at = now
    settle_first_response(
        lead=lead, actor=actor, at=now, fields=fields, reason="settled by a decision on the lead"
    )
    change_status(
        lead=lead,
        new=Lead.Status.DISQUALIFIED,
        actor=actor,
        reason=f"disqualified: {reason.label}",
        fields=fields,
    )
    lead.save(update_fields=fields)
    _tell_marketing(disqualification)
    return disqualification


def _marketers(alerts: str) -> list[User]:
    return list(
        User.objects.filter(
            groups__name=Role.MARKETING, is_active=True, disqualification_alerts=alerts
        ).order_by("pk")
    )


def _tell_marketing(dq: Disqualification) -> None:
    """A notice to each marketer who asked for one per disqualification (their profile)."""
    recipients = _marketers(DisqualificationAlerts.EACH)
    if not recipients:
        return
    notify(
        recipients=recipients,
        kind=Notification.Kind.DISQUALIFIED,
        lead=dq.lead,
        title=f"{dq.rep.display_name} disqualified {dq.lead.display_name}: {dq.reason.label}",
        body=(f"“{dq.note}” " if dq.note else "")
        + f"after {dq.attempts_at_time} attempt(s). Review it at {REVIEW_PATH}.",
    )


def send_disqualification_digests(*, now: datetime | None = None) -> int:
    """One notice to each marketer who chose the daily digest: the disqualifications of the last
    24 hours by reason, and how many wait for review. Nothing on a day without any; never two
    to one marketer within DIGEST_GAP. Returns how many were sent."""
    now = now or timezone.now()
    recipients = [
        user
        for user in _marketers(DisqualificationAlerts.DIGEST)
        if not Notification.objects.filter(
            recipient=user, kind=Notification.Kind.DQ_DIGEST, created_at__gte=now - DIGEST_GAP
        ).exists()
    ]
    if not recipients:
        return 0
    by_reason = list(
        Disqualification.objects.filter(at__gte=now - timedelta(days=1), at__lt=now)
        .values_list("reason__label")
        .annotate(n=Count("pk"))
        .order_by("-n", "reason__label")
    )
    total = sum(n for _, n in by_reason)
    if not total:
        return 0
    waiting = Disqualification.objects.filter(review_status=Disqualification.Review.OPEN).count()
    reasons = ", ".join(f"{label} {n}" for label, n in by_reason)
    notify(
        recipients=recipients,
        kind=Notification.Kind.DQ_DIGEST,
        title=f"{total} disqualification{'s' if total != 1 else ''} in the last 24 hours",
        body=f"By reason: {reasons}. {waiting} wait for your review at {REVIEW_PATH}.",
    )
    return len(recipients)


def recycle_lead(*, lead_id: int, actor: User, reason_id: int, note: str = "") -> Lead:
    """Hand an open lead back to marketing's nurture, with a reason from the configured list
    whose rules are met (the same as disqualifying). A running SLA clock is settled, met if in
    time and breached if past due; a breach is never erased. The owner is cleared."""
    # a `with` block, not the decorator: mutmut skips decorated functions (.ci/mutation.py)
    with transaction.atomic(durable=True):
        now = timezone.now()
        lead, reason = _lock_for_reason(
            lead_id=lead_id,
            actor=actor,
            reason=DisqualificationReason.objects.for_recycling().filter(pk=reason_id).first(),
            unknown="Choose a reason for recycling from the list.",
            note=note,
        )
        old_owner = lead.owner
        fields = ["owner", "assigned_at", "updated_at"]
        settle_first_response(
            lead=lead, actor=actor, at=now, fields=fields, reason="settled by recycling the lead"
        )
        lead.owner = None
        lead.assigned_at = None
        change_status(
            lead=lead,
            new=Lead.Status.NURTURE,
            actor=actor,
            reason=f"recycled to nurture: {reason.label}"
            + (f" ({note.strip()})" if note.strip() else ""),
            fields=fields,
        )
        lead.save(update_fields=fields)
        events.lead_assigned_event(
            lead=lead,
            old_owner=old_owner,
            new_owner=None,
            actor=actor,
            reason="recycled to nurture",
        )
        return lead


def wake_recycled_leads(*, today: date | None = None) -> int:
    """Wake every recycled lead whose re-engage day has come (once each): the day is written to
    the lead's history and the marketer who recycled it is told. Returns how many woke."""
    today = today or timezone.localdate()
    due = Disqualification.objects.filter(
        review_status=Disqualification.Review.RECYCLED,
        reengage_on__lte=today,
        woken_at__isnull=True,
    ).values_list("pk", flat=True)
    return sum(_wake(disqualification_id=pk) for pk in list(due))


def _wake(*, disqualification_id: int) -> bool:
    # a `with` block, not the decorator: mutmut skips decorated functions (.ci/mutation.py)
    with transaction.atomic():
        dq = (
            Disqualification.objects.select_for_update(of=("self",))  # the reviewer join is outer
            .select_related("lead", "reason", "reviewer")
            .get(pk=disqualification_id)
        )
        if dq.woken_at is not None or dq.reengage_on is None:
            return False  # another run woke it
        dq.woken_at = timezone.now()
        dq.save(update_fields=["woken_at"])
        lead = dq.lead
        events.reengage_event(
            lead=lead, due_on=dq.reengage_on, reason=f"recycled after “{dq.reason.label}”"
        )
        recipients = [dq.reviewer] if dq.reviewer and dq.reviewer.is_active else []
        if recipients:
            notify(
                recipients=recipients,
                kind=Notification.Kind.REENGAGE,
                lead=lead,
                title=f"Time to re-engage {lead.display_name}",
                body=f"You recycled this lead to nurture on {dq.reviewed_at:%d %b %Y} after "
                f"“{dq.reason.label}”; its re-engage day is {dq.reengage_on:%d %b %Y}. "
                f"It is {lead.get_status_display().lower()} now."
                + (f" Your note: {dq.action_note}" if dq.action_note else ""),
            )
        return True

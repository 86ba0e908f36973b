"""The rep's work on a lead's play: one action logs the attempt and ticks the step.

Logging an attempt completes the play's matching open step (same channel, due within a day)
and can set a callback, which becomes a step; ticking a step off is an attempt, so it takes
an outcome; a templated email is sent through Django's mail backend and logged as an email
attempt with its body. Every route (pages, htmx, API) calls these, so the rules are one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.core.errors import InvalidTransition
from apps.leads import events
from apps.leads.models import Activity, Channel, Lead, Touchpoint
from apps.leads.services import record_attempt
from apps.plays.models import LeadPlay, LeadPlayStep, Play
from apps.plays.services.handoff import attach_play, refresh_next_action
from apps.users.models import User

# An attempt ticks the open step of its channel that is due by then or within this window (a
# call this morning ticks "Call now", not "Call again on day five").
STEP_MATCH_WINDOW = timedelta(hours=24)
CALLBACK_HORIZON = timedelta(days=90)
CALLBACK_TITLE = "Call back"
MERGE_FIELD = re.compile(r"\{([a-z_]+)\}")
# What a merge field reads when the lead has no value: a sensible word, never a placeholder.
MERGE_FIELDS = {
    "first_name": "there",
    "last_name": "",
    "full_name": "there",
    "company": "your team",
    "title": "your role",
    "asset": "our content",
    "rep_name": "",
    "rep_first_name": "",
}


@dataclass(frozen=True)
class Attempt:
    activity: Activity
    step: LeadPlayStep | None  # the step the attempt ticked off
    callback: LeadPlayStep | None


def _lock(lead_id: int) -> Lead:
    return Lead.objects.select_for_update().get(pk=lead_id)


def _matching_step(*, lead: Lead, channel: str, at: datetime) -> LeadPlayStep | None:
    return (
        LeadPlayStep.objects.filter(
            lead_play__lead=lead,
            completed_at__isnull=True,
            channel=channel,
            due_at__lte=at + STEP_MATCH_WINDOW,
        )
        .order_by("due_at", "order")
        .first()
    )


def _complete(*, step: LeadPlayStep, lead: Lead, actor: User, at: datetime) -> None:
    LeadPlayStep.objects.filter(pk=step.pk, completed_at__isnull=True).update(
        completed_at=at, completed_by=actor
    )
    step.completed_at, step.completed_by = at, actor
    events.play_step_completed_event(lead=lead, step_title=step.title, actor=actor)


BOOKING_WORDS = ("book", "calendar", "demo", "meeting")


def complete_booking_step(*, lead: Lead, rep: User, at: datetime) -> str | None:
    """A meeting was booked for the lead: tick the play's booking step, the first open step on
    the meeting channel, else the first open step whose title speaks of booking (book, calendar,
    demo, meeting: "Email a calendar link", "Book the demo"), credited to the rep. Returns the
    step's title, or None when the play has no such step. Caller holds the lead's lock."""
    open_steps = LeadPlayStep.objects.filter(
        lead_play__lead=lead, completed_at__isnull=True
    ).order_by("order")
    step = open_steps.filter(channel=Channel.MEETING).first() or next(
        (s for s in open_steps if any(w in s.title.lower() for w in BOOKING_WORDS)), None
    )
    if step is None:
        return None
    _complete(step=step, lead=lead, actor=rep, at=at)
    refresh_next_action(lead=lead)
    return step.title


def _add_callback(*, lead: Lead, actor: User, when: datetime, now: datetime) -> LeadPlayStep:
    """A callback becomes a call step of the lead's play (the default play is attached if the
    lead has none)."""
    if when <= now:
        raise InvalidTransition(
            "A callback is for later: pick a time in the future.", field="callback_at"
        )
    if when > now + CALLBACK_HORIZON:
        raise InvalidTransition("Pick a callback within the next 90 days.", field="callback_at")
    lead_play = LeadPlay.objects.filter(lead=lead).first()
    if lead_play is None:
        default = Play.objects.filter(is_active=True, is_default=True).first()
        if default is None:
            raise InvalidTransition(
                "This lead has no play to add the callback to; ask RevOps for a default play.",
                field="callback_at",
            )
        lead_play = attach_play(lead=lead, now=now, actor=actor, play=default, reason="callback")
        assert lead_play is not None
    last = LeadPlayStep.objects.filter(lead_play=lead_play).aggregate(n=Max("order"))["n"] or 0
    callback = LeadPlayStep.objects.create(
        lead_play=lead_play,
        order=last + 1,
        channel=Channel.CALL,
        title=CALLBACK_TITLE,
        due_at=when,
    )
    events.play_step_added_event(lead=lead, step_title=CALLBACK_TITLE, due_at=when, actor=actor)
    return callback


def _attempt(
    *,
    lead: Lead,
    rep: User,
    channel: str,
    outcome: str,
    note: str,
    at: datetime,
    now: datetime,
    step: LeadPlayStep | None,
    callback_at: datetime | None,
) -> Attempt:
    activity = record_attempt(
        lead=lead, rep=rep, channel=channel, outcome=outcome, note=note, at=at, now=now
    )
    step = step or _matching_step(lead=lead, channel=channel, at=at)
    if step is not None:
        _complete(step=step, lead=lead, actor=rep, at=now)
    callback = (
        _add_callback(lead=lead, actor=rep, when=callback_at, now=now) if callback_at else None
    )
    refresh_next_action(lead=lead)
    return Attempt(activity=activity, step=step, callback=callback)


@transaction.atomic(durable=True)
def log_attempt(
    *,
    lead_id: int,
    rep: User,
    channel: str,
    outcome: str,
    note: str = "",
    at: datetime | None = None,
    callback_at: datetime | None = None,
) -> Attempt:
    """Log a contact attempt: it settles the SLA if it is the first, ticks the play's matching
    open step, and books a callback step if one is asked for."""
    now = timezone.now()
    lead = _lock(lead_id)
    return _attempt(
        lead=lead,
        rep=rep,
        channel=channel,
        outcome=outcome,
        note=note,
        at=at or now,
        now=now,
        step=None,
        callback_at=callback_at,
    )


def _step(*, step_id: int, lead_id: int | None) -> LeadPlayStep:
    """The step, on `lead_id`'s play if one is given; a missing step (a wrong id, or one a play
    switch replaced) is refused naming `step`, never a 500."""
    step = LeadPlayStep.objects.select_related("lead_play").filter(pk=step_id).first()
    if step is None or (lead_id is not None and step.lead_play.lead_id != lead_id):
        raise InvalidTransition("This step is not part of the lead's play any more.", field="step")
    return step


def _open_step(*, step_id: int, lead_id: int | None = None) -> tuple[LeadPlayStep, Lead]:
    """Lock the step's lead, then read the step again under that lock."""
    lead = _lock(_step(step_id=step_id, lead_id=lead_id).lead_play.lead_id)
    return _step(step_id=step_id, lead_id=lead.pk), lead


@transaction.atomic(durable=True)
def complete_play_step(
    *,
    step_id: int,
    actor: User,
    outcome: str,
    note: str = "",
    callback_at: datetime | None = None,
    lead_id: int | None = None,
) -> Attempt:
    """Tick off a step of the play: doing a step is a contact attempt on its channel, so it
    takes the attempt's outcome (and may book a callback). A step done already is refused."""
    if outcome not in Activity.Outcome.values:
        raise InvalidTransition("Say how it went: choose an outcome.", field="outcome")
    now = timezone.now()
    step, lead = _open_step(step_id=step_id, lead_id=lead_id)
    if step.completed_at is not None:
        raise InvalidTransition(f"“{step.title}” is done already.", field="step")
    return _attempt(
        lead=lead,
        rep=actor,
        channel=step.channel,
        outcome=outcome,
        note=note,
        at=now,
        now=now,
        step=step,
        callback_at=callback_at,
    )


# --- Templates: call scripts and emails with merge fields -----------------------------------


def engaged_asset_name(lead: Lead) -> str:
    """The asset the buyer engaged with: the hand-raise if there was one, else the latest."""
    touches = Touchpoint.objects.filter(lead=lead, asset__isnull=False).select_related("asset")
    hand_raise = touches.filter(asset__hand_raiser=True).order_by("-occurred_at", "-pk").first()
    latest = hand_raise or touches.order_by("-occurred_at", "-pk").first()
    return latest.asset.name if latest and latest.asset else ""


def merge_values(*, lead: Lead, rep: User, asset: str | None = None) -> dict[str, str]:
    """The values a template's {fields} take for this lead and rep (blank when unknown)."""
    company = lead.account.name if lead.account_id and lead.account else lead.company_name
    return {
        "first_name": lead.first_name.strip(),
        "last_name": lead.last_name.strip(),
        "full_name": f"{lead.first_name} {lead.last_name}".strip(),
        "company": company.strip(),
        "title": lead.title.strip(),
        "asset": (engaged_asset_name(lead) if asset is None else asset).strip(),
        "rep_name": rep.display_name,
        "rep_first_name": rep.first_name or rep.display_name,
    }


def render_template(text: str, values: dict[str, str]) -> str:
    """Fill {merge_fields}; a missing value falls back to a sensible word (MERGE_FIELDS), and a
    field we do not know is left out rather than shown raw."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in MERGE_FIELDS:
            return ""
        return values.get(name) or MERGE_FIELDS[name]

    return MERGE_FIELD.sub(fill, text)


def unknown_merge_fields(text: str) -> list[str]:
    """Fields a template uses that no lead can fill (authoring refuses them)."""
    return sorted({name for name in MERGE_FIELD.findall(text) if name not in MERGE_FIELDS})


def split_email(text: str) -> tuple[str, str]:
    """A template's first line "Subject: ..." is the subject; the rest is the body."""
    first, _, rest = text.partition("\n")
    if first.lower().startswith("subject:"):
        return first.split(":", 1)[1].strip(), rest.lstrip("\n")
    return "", text


@transaction.atomic(durable=True)
def send_step_email(
    *,
    step_id: int,
    actor: User,
    subject: str,
    body: str,
    lead_id: int | None = None,
) -> Attempt:
    """Send the step's email to the lead (from the rep, replies to the rep) and log it as an
    email attempt whose note is the message. If sending fails nothing is logged."""
    if not subject.strip():
        raise InvalidTransition("Give the email a subject.", field="subject")
    if not body.strip():
        raise InvalidTransition("The email has no text.", field="body")
    now = timezone.now()
    step, lead = _open_step(step_id=step_id, lead_id=lead_id)
    if step.channel != Channel.EMAIL:
        raise InvalidTransition("Only an email step sends an email.", field="step")
    if step.completed_at is not None:
        raise InvalidTransition(f"“{step.title}” is done already.", field="step")
    attempt = _attempt(
        lead=lead,
        rep=actor,
        channel=Channel.EMAIL,
        outcome=Activity.Outcome.SENT,
        note=f"Subject: {subject.strip()}\n\n{body.strip()}",
        at=now,
        now=now,
        step=step,
        callback_at=None,
    )
    message = EmailMessage(
        subject=subject.strip(),
        body=body.strip(),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[lead.email],
        reply_to=[actor.email] if actor.email else None,
    )
    # Inside the transaction on purpose: a refused send rolls the logged attempt back.
    message.send(fail_silently=False)
    return attempt

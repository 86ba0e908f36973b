"""In-app notices, with email and the team's Slack-compatible webhook sent after commit."""

from __future__ import annotations

import json
import logging
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from apps.core import pulse
from apps.core.queue import enqueue_on_commit
from apps.leads.models import Lead
from apps.notifications.models import Notification, TeamChannel
from apps.users.models import Role, User

logger = logging.getLogger(__name__)


def notify(
    *,
    recipients: list[User],
    kind: str,
    title: str,
    body: str = "",
    lead: Lead | None = None,
    team: str | None = None,
    email: bool = True,
) -> list[Notification]:
    """Write in-app notices now; email each recipient (unless `email` is off: the caller sends
    its own email, e.g. a calendar invitation) and post to the team webhook after commit."""
    notes = Notification.objects.bulk_create(
        [
            Notification(recipient=r, kind=kind, title=title[:200], body=body, lead=lead)
            for r in recipients
        ]
    )
    pulse.changed(user_ids=[r.pk for r in recipients])
    for note in notes:
        if email and note.recipient.email:
            enqueue_on_commit("notifications.email", note.pk)
    if team:
        text = f"{title}\n{body}".strip()
        if lead is not None:
            text += f"\n{settings.SITE_URL}/sales/leads/{lead.pk}/"
        enqueue_on_commit("notifications.team_webhook", team, text)
    return notes


def managers() -> list[User]:
    return list(User.objects.filter(groups__name=Role.SALES_MANAGER, is_active=True).order_by("pk"))


def email_notification(*, notification_id: int) -> bool:
    """Send the notice by email once; raises on a delivery error so the task retries."""
    with transaction.atomic():
        note = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id)
            .first()
        )
        if note is None or note.emailed_at is not None or not note.recipient.email:
            return False
        Notification.objects.filter(pk=note.pk).update(email_attempts=note.email_attempts + 1)
    send_mail(
        subject=f"[Revenue Desk] {note.title}",
        message=f"{note.body}\n\n{settings.SITE_URL}/notifications/",
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[note.recipient.email],
    )
    Notification.objects.filter(pk=note.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    return True


def post_team_webhook(*, team: str, text: str) -> bool:
    """POST {"text": ...} to the team's webhook; raises on failure so the task retries."""
    channel = TeamChannel.objects.filter(team=team, is_active=True).first()
    if channel is None:
        return False
    if not channel.webhook_url.startswith(("http://", "https://")):
        return False
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        channel.webhook_url,
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310
        if response.status >= 300:
            raise OSError(f"webhook answered {response.status}")
    return True

from datetime import datetime

from django.db.models import QuerySet

from apps.notifications.models import Notification
from apps.users.models import User

LIST_LIMIT = 50


def unread_count(*, user: User) -> int:
    """Unread notices for the navigation badge (partial index notif_unread_idx)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_for(*, user: User) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(recipient=user)
        .select_related("lead")
        .order_by("-created_at", "-pk")
    )


def latest_notifications(*, user: User, limit: int = LIST_LIMIT) -> list[Notification]:
    """The user's newest notices, for the notifications page."""
    return list(notifications_for(user=user)[:limit])


def unread_since(*, user: User, since: datetime, limit: int = 5) -> list[Notification]:
    """The user's newest unread notices written after `since`: what an open page announces as a
    toast (the partial index notif_unread_idx)."""
    return list(
        Notification.objects.filter(recipient=user, read_at__isnull=True, created_at__gte=since)
        .only("pk", "title", "body", "lead_id", "created_at")
        .order_by("-created_at", "-pk")[:limit]
    )

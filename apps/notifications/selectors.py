from django.db.models import QuerySet

from apps.notifications.models import Notification
from apps.users.models import User


def unread_count(*, user: User) -> int:
    """Unread notices for the navigation badge (partial index notif_unread_idx)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_for(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("lead").order_by("-created_at", "-pk")

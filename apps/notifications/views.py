"""The user's in-app notifications."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.notifications import selectors
from apps.notifications.models import Notification
from apps.users.http import HtmxHttpRequest


@require_GET
def notification_list(request: HtmxHttpRequest) -> HttpResponse:
    items = selectors.latest_notifications(user=request.user)
    return render(
        request, "notifications/list.html", {"notifications": items, "limit": selectors.LIST_LIMIT}
    )


@require_POST
def mark_all_read(request: HtmxHttpRequest) -> HttpResponse:
    # The page's only write, on the user's own rows and with nothing to audit, so it is one
    # UPDATE here rather than a service (apps/notifications has none yet).
    count = Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if count:
        messages.success(
            request, f"Marked {count} notification{'s' if count != 1 else ''} as read."
        )
    return redirect("notifications:list")

"""The notifications page: newest first, and marking everything read."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_notifications_newest_first_and_mark_all_read(sales_client: Client, rep, other_rep) -> None:  # type: ignore[no-untyped-def]
    # given
    Notification.objects.create(recipient=rep, kind="lead_assigned", title="Older assignment")
    Notification.objects.create(recipient=rep, kind="sla_escalation", title="Newer escalation")
    Notification.objects.create(recipient=other_rep, kind="lead_assigned", title="Someone else's")

    # when
    page = sales_client.get("/notifications/").content.decode()
    response = sales_client.post("/notifications/read/", follow=True)

    # then
    assert page.index("Newer escalation") < page.index("Older assignment")
    assert "Someone else" not in page
    assert response.redirect_chain == [("/notifications/", 302)]
    assert b"Marked 2 notifications as read." in response.content
    assert not Notification.objects.filter(recipient=rep, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=other_rep, read_at__isnull=True).exists()


def test_mark_all_read_refuses_get(sales_client: Client) -> None:
    # when
    response = sales_client.get("/notifications/read/")

    # then
    assert response.status_code == 405

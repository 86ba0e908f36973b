"""The heartbeat that keeps a rep's open pages live (apps.sales.views.pulse, apps.core.pulse):
a 304 that costs the database nothing but the signed-in user while nothing changed, and the
counts and toasts once something did, for that rep only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from apps.core import pulse, stamps
from apps.leads import events
from apps.leads.models import Lead
from apps.notifications.models import Notification
from apps.routing import services as routing
from tests import factories
from tests.fixtures.leads import make_hand_raiser
from tests.sales.conftest import owned_lead

pytestmark = pytest.mark.django_db

PULSE = "/sales/pulse/"


def _since() -> str:
    return str(int((timezone.now() - timedelta(seconds=10)).timestamp()))


def _poll(client: Client, etag: str | None = None):  # type: ignore[no-untyped-def]
    headers = {"If-None-Match": etag} if etag else {}
    return client.get(PULSE, {"since": _since()}, headers=headers)


def test_an_idle_page_gets_304_for_no_more_than_the_signed_in_user(
    sales_client: Client, rep, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    # given an open page that has seen the current stamp
    first = _poll(sales_client)
    assert first.status_code == 200
    etag = first["ETag"]

    # when it asks again and nothing changed
    with django_assert_max_num_queries(1):  # the signed-in user (the session is in the cache)
        again = _poll(sales_client, etag)

    # then the answer is empty and costs no count or list query
    assert again.status_code == 304
    assert again.content == b""


def test_a_lead_routed_to_the_rep_changes_the_stamp_and_brings_counts_and_a_toast(
    sales_client: Client, rep, pool, demo_asset, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    # given sam's page has seen the stamp
    etag = _poll(sales_client)["ETag"]
    factories.PoolMemberFactory._meta.model.objects.exclude(rep=rep).delete()

    # when a hand-raiser is routed to him
    lead = make_hand_raiser()
    with django_capture_on_commit_callbacks(execute=True):
        routing.route_lead(lead_id=lead.pk)

    # then his next poll is a 200 with the new Today count, the unread count and the notice
    response = _poll(sales_client, etag)
    assert response.status_code == 200
    assert response["ETag"] != etag
    body = response.json()
    assert body["today"] == 1
    assert body["unread"] == 1
    assert [(n["title"], n["url"]) for n in body["news"]] == [
        ("New lead: Nia Fresh", f"/sales/leads/{lead.pk}/")
    ]
    # and the stamp he now holds is current again
    assert _poll(sales_client, response["ETag"]).status_code == 304


def test_another_reps_lead_does_not_wake_my_page(
    sales_client: Client, rep, other_rep, manager, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    # given a lead moving from one of sam's colleagues to another
    etag = _poll(sales_client)["ETag"]
    lead = owned_lead(factories.UserFactory())

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        routing.reassign_lead(lead_id=lead.pk, to_rep=other_rep, actor=manager)

    # then their pages are told, sam's is not
    assert callbacks
    assert _poll(sales_client, etag).status_code == 304


def test_a_change_that_rolls_back_leaves_every_page_as_it_was(
    sales_client: Client, rep, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    etag = _poll(sales_client)["ETag"]
    lead = owned_lead(rep)

    def archive_then_fail() -> None:
        with transaction.atomic():
            events.lead_archived_event(lead=lead, actor=rep, reason="test")
            raise RuntimeError("rolled back")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        archive_then_fail()

    assert _poll(sales_client, etag).status_code == 304


def test_the_pool_wakes_every_rep_and_a_claim_wakes_the_previous_holder(
    client: Client, rep, other_rep, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(other_rep)
    etag = _poll(client)["ETag"]
    lead = factories.LeadFactory(status=Lead.Status.READY, ready_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        routing.claim_lead(lead_id=lead.pk, rep=rep)

    # the pool list on other_rep's queue lost a lead: his page refreshes too
    assert _poll(client, etag).status_code == 200


def test_only_notices_since_the_page_opened_are_news(sales_client: Client, rep) -> None:  # type: ignore[no-untyped-def]
    old = factories.NotificationFactory(recipient=rep, title="Old news")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=1))
    factories.NotificationFactory(recipient=rep, title="Fresh")
    factories.NotificationFactory(recipient=rep, title="Already read", read_at=timezone.now())
    factories.NotificationFactory(title="Someone else's")

    body = _poll(sales_client).json()

    assert [n["title"] for n in body["news"]] == ["Fresh"]
    assert body["unread"] == 2


@pytest.mark.parametrize("since", ["yesterday", "0", "99999999999"])
def test_a_since_that_is_not_a_recent_unix_time_is_refused_naming_it(
    sales_client: Client, since: str
) -> None:
    response = sales_client.get(PULSE, {"since": since})

    assert response.status_code == 400
    assert "since" in response.json()


def test_non_reps_get_no_pulse(marketing_client: Client) -> None:
    assert marketing_client.get(PULSE).status_code == 403


def test_the_live_regions_refresh_from_the_page_the_rep_is_on(sales_client: Client, rep) -> None:  # type: ignore[no-untyped-def]
    # given a rep on page 2 of a filtered queue
    for n in range(3):
        owned_lead(rep, first_name=f"L{n}")
    response = sales_client.get("/sales/", {"status": "ready", "after": "x"})
    html = response.content.decode()

    # then the queue list re-fetches that very page (cursor and filter kept), on every pulse
    assert 'hx-get="/sales/?status=ready&amp;after=x"' in html
    assert 'hx-trigger="lead-changed from:body, pulse from:body"' in html
    # and the page carries what the poller needs
    assert 'data-pulse-url="/sales/pulse/"' in html
    assert "js/live.js" in html


def test_one_transactions_changes_bump_every_stamp_once_and_a_rolled_back_savepoint_queues_anew(
    django_capture_on_commit_callbacks, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    bumped: list[list[str]] = []
    monkeypatch.setattr(stamps, "bump_now", bumped.append)
    # three changes in one transaction: one bump with every stamp they name
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        pulse.changed(user_ids=[1])
        pulse.changed(user_ids=[2, None], pool=True)
        pulse.changed(user_ids=[1])
    assert bumped == [["pulse:pool", "pulse:user:1", "pulse:user:2"]]
    # a savepoint that queued the bump rolls back: what follows queues its own, what was undone
    # is not bumped
    bumped.clear()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        try:
            with transaction.atomic():
                pulse.changed(user_ids=[3])
                raise RuntimeError("undone")
        except RuntimeError:
            pass
        pulse.changed(user_ids=[4])
    assert bumped == [["pulse:user:4"]]

"""Marketing's review queue: every open item reachable page by page, filters by reason, source
campaign, rep and age, and a bulk acknowledge that reviews each open item once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.core.errors import InvalidTransition, NotAllowed
from apps.feedback.models import Disqualification
from apps.feedback.services import BULK_LIMIT, acknowledge_many
from apps.leads.models import LeadFacts
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/marketing/feedback/"


def _ids(response) -> list[int]:  # type: ignore[no-untyped-def]
    return [dq.pk for dq in response.context["items"]]


def test_every_open_item_is_reachable_page_by_page_oldest_first(marketer) -> None:  # type: ignore[no-untyped-def]
    # given: 42 open items (the page shows 25) and one already reviewed
    now = timezone.now()
    items = [
        factories.DisqualificationFactory(at=now - timedelta(hours=100 - n)) for n in range(42)
    ]
    factories.DisqualificationFactory(
        review_status="acknowledged", reviewer=marketer, reviewed_at=now, action_note="x"
    )
    client = Client()
    client.force_login(marketer)
    # when
    first = client.get(URL)
    cursor = first.context["items"].next_cursor
    second = client.get(URL, {"after": cursor})
    # then
    assert _ids(first) == [dq.pk for dq in items[:25]]
    assert _ids(second) == [dq.pk for dq in items[25:]]
    assert second.context["items"].next_cursor is None
    assert "42 open" in first.content.decode()
    assert "Next page" in first.content.decode()
    assert "First page" in second.content.decode()


def test_filters_by_reason_campaign_rep_and_age(marketer, rep, other_rep) -> None:  # type: ignore[no-untyped-def]
    # given
    now = timezone.now()
    student = factories.DisqualificationReasonFactory(label="Student")
    budget = factories.DisqualificationReasonFactory(label="No budget")
    webinar = factories.CampaignFactory(name="Webinar")
    a = factories.DisqualificationFactory(reason=student, rep=rep, at=now - timedelta(hours=2))
    b = factories.DisqualificationFactory(reason=budget, rep=rep, at=now - timedelta(days=3))
    c = factories.DisqualificationFactory(
        reason=student, rep=other_rep, at=now - timedelta(days=40)
    )
    LeadFacts.objects.filter(lead_id=b.lead_id).update(source_campaign=webinar)
    client = Client()
    client.force_login(marketer)
    # when / then
    assert _ids(client.get(URL, {"reason": student.pk})) == [c.pk, a.pk]
    assert _ids(client.get(URL, {"campaign": webinar.pk})) == [b.pk]
    assert _ids(client.get(URL, {"rep": other_rep.pk})) == [c.pk]
    assert _ids(client.get(URL, {"age": "day"})) == [a.pk]
    assert _ids(client.get(URL, {"age": "week"})) == [b.pk, a.pk]
    assert _ids(client.get(URL, {"age": "older"})) == [c.pk]
    combined = client.get(URL, {"reason": student.pk, "rep": rep.pk})
    assert _ids(combined) == [a.pk]
    assert "1 open match the filters" in combined.content.decode()
    # a filter that matches nothing says so; one that does not exist is ignored, never a 500
    empty = client.get(URL, {"reason": budget.pk, "rep": other_rep.pk})
    assert "No open item matches these filters." in empty.content.decode()
    assert client.get(URL, {"reason": "999999", "age": "eons"}).status_code == 200
    # htmx swaps the queue alone
    partial = client.get(
        URL, {"reason": student.pk}, headers={"HX-Request": "true", "HX-Target": "review-queue"}
    )
    assert partial.content.decode().lstrip().startswith('<section aria-labelledby="queue-title"')


def test_bulk_acknowledge_reviews_each_ticked_open_item_once(marketer, revops) -> None:  # type: ignore[no-untyped-def]
    # given: three open items, one reviewed meanwhile by someone else
    a, b, c = (factories.DisqualificationFactory() for _ in range(3))
    acknowledge_many(disqualification_ids=[c.pk], actor=revops, note="Fixed the form")
    client = Client()
    client.force_login(marketer)
    # when
    response = client.post(
        f"{URL}bulk-acknowledge/",
        {
            "ids": [a.pk, b.pk, c.pk],
            "action_note": "Excluded students from the ads",
            "back": "age=week",
        },
        follow=True,
    )
    # then
    assert response.redirect_chain[-1][0] == f"{URL}?age=week"
    html = response.content.decode()
    assert "Acknowledged 2 items. 1 had been reviewed already" in html
    rows = {dq.pk: dq for dq in Disqualification.objects.all()}
    assert (rows[a.pk].review_status, rows[a.pk].reviewer, rows[a.pk].action_note) == (
        "acknowledged",
        marketer,
        "Excluded students from the ads",
    )
    assert rows[b.pk].review_status == "acknowledged"
    assert (rows[c.pk].reviewer, rows[c.pk].action_note) == (revops, "Fixed the form")


@pytest.mark.parametrize(
    ("ids", "note", "field"),
    [([], "x", "ids"), ([1], " ", "action_note"), (list(range(1, BULK_LIMIT + 2)), "x", "ids")],
)
def test_bulk_acknowledge_refuses_nothing_ticked_no_note_or_too_many(  # type: ignore[no-untyped-def]
    marketer, ids: list[int], note: str, field: str
):
    dq = factories.DisqualificationFactory()
    with pytest.raises(InvalidTransition) as refused:
        acknowledge_many(disqualification_ids=ids or [], actor=marketer, note=note)
    assert refused.value.field == field
    assert Disqualification.objects.get(pk=dq.pk).review_status == "open"


def test_only_marketing_and_revops_acknowledge_in_bulk(rep) -> None:  # type: ignore[no-untyped-def]
    dq = factories.DisqualificationFactory()
    with pytest.raises(NotAllowed):
        acknowledge_many(disqualification_ids=[dq.pk], actor=rep, note="x")
    client = Client()
    client.force_login(rep)
    response = client.post(f"{URL}bulk-acknowledge/", {"ids": [dq.pk], "action_note": "x"})
    assert response.status_code == 403
    assert Disqualification.objects.get(pk=dq.pk).review_status == "open"


def test_a_bad_bulk_post_says_why_and_changes_nothing(marketer) -> None:  # type: ignore[no-untyped-def]
    dq = factories.DisqualificationFactory()
    client = Client()
    client.force_login(marketer)
    response = client.post(
        f"{URL}bulk-acknowledge/", {"ids": ["1; DROP TABLE"], "action_note": "x"}, follow=True
    )
    assert "Pick items from the review queue." in response.content.decode()
    response = client.post(f"{URL}bulk-acknowledge/", {"ids": [dq.pk]}, follow=True)
    assert "Say what marketing will change." in response.content.decode()
    assert Disqualification.objects.get(pk=dq.pk).review_status == "open"

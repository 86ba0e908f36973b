"""The account page's lists drawn in Python (apps/abm/templatetags/account_rows.py): what each
row shows in its edge cases, with the people's own text escaped."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from apps.abm.selectors import EngagedPerson, EngagedTouch
from apps.abm.templatetags.account_rows import engaged_people, people_rows, timeline_items
from apps.leads.models import Lead, Touchpoint
from tests import factories

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>'


def test_a_person_without_owner_or_touch_shows_dashes_and_their_text_escaped() -> None:
    # given a person nobody owns, never touched, whose name and title are markup
    lead = factories.LeadFactory(first_name=HOSTILE, title=HOSTILE, owner=None, last_touch_at=None)

    # when their row is drawn
    row = people_rows([Lead.objects.select_related("owner").get(pk=lead.pk)])

    # then the markup is text, and the last touch and the owner read as dashes
    assert "<script>" not in row
    assert "&lt;script&gt;" in row
    assert '<td><span class="muted">—</span></td>' in row
    assert row.rstrip().endswith("<td>—</td>\n</tr>")


def test_an_owned_recently_touched_person_shows_the_owner_and_when(rep) -> None:  # type: ignore[no-untyped-def]
    # given a person of the rep's, touched at a known moment
    at = datetime(2026, 11, 2, 14, 5, tzinfo=UTC)
    lead = factories.LeadFactory(owner=rep, assigned_at=at, last_touch_at=at)

    # when their row is drawn
    row = people_rows([Lead.objects.select_related("owner").get(pk=lead.pk)])

    # then it names the owner and gives the touch's exact time in the reader's zone
    assert f"<td>{rep.display_name}</td>" in row
    assert f'<time datetime="{timezone.localtime(at).isoformat()}">' in row


def test_the_timeline_shows_the_asset_its_intent_and_campaign_or_falls_back_to_the_kind() -> None:
    # given a touch of a campaign's asset whose name is markup, and a plain page view
    campaign = factories.CampaignFactory(name="Webinar & Co")
    asset = factories.AssetFactory(name=HOSTILE, campaign=campaign, topic="Pricing")
    lead = factories.LeadFactory(first_name="Pat")
    with_asset = factories.TouchpointFactory(lead=lead, asset=asset, campaign=campaign)
    plain = factories.TouchpointFactory(lead=lead, kind=Touchpoint.Kind.PAGE_VIEW)
    touches = Touchpoint.objects.select_related("asset", "campaign", "lead").order_by("pk")

    # when the timeline is drawn
    first, second = (timeline_items([touch]) for touch in touches)

    # then the asset's touch names it (escaped), its topic, intent note and campaign
    assert with_asset.pk < plain.pk
    assert "&lt;script&gt;" in first
    assert "<script>" not in first
    assert "· Pricing</span>" in first
    assert '<span class="intent__label">Intent</span> Researching the problem.' in first
    assert "Campaign: Webinar &amp; Co" in first
    # and the plain page view is named by its kind, without intent or campaign lines
    assert "<strong>Page view</strong>" in second
    assert "Intent" not in second
    assert "Campaign:" not in second


def test_an_engaged_person_lists_their_touches_with_and_without_a_time() -> None:
    # given a person who engaged twice, once at a known time
    at = datetime(2026, 11, 2, 14, 5, tzinfo=UTC)
    person = EngagedPerson(
        lead_id=42,
        name="Pat <b>",
        role="champion",
        role_label="Champion",
        touches=[EngagedTouch(what="Pricing page", at=at), EngagedTouch(what="Demo", at=None)],
    )

    # when drawn
    item = engaged_people([person])

    # then both touches show, the timed one with its time, and the name escaped
    assert "Pat &lt;b&gt;" in item
    assert '<li>Pricing page · <time class="muted" datetime=' in item
    assert "<li>Demo</li>" in item
    assert 'href="/sales/leads/42/"' in item

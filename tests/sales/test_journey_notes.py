"""The rep sees what the buyer wrote and Service's hand-off note in the journey, escaped."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_lead_page_shows_form_message_and_handoff_note(sales_client, rep):
    lead = factories.LeadFactory(owner=rep, status="working", assigned_at="2026-11-20T10:00:00Z")
    factories.TouchpointFactory(
        lead=lead, kind="form_submit", metadata={"message": "Pricing for <b>200</b> seats"}
    )
    factories.TouchpointFactory(
        lead=lead, kind="meeting", metadata={"note": "Wants a second region in Q1"}
    )
    page = sales_client.get(f"/sales/leads/{lead.pk}/").content.decode()
    assert "Pricing for &lt;b&gt;200&lt;/b&gt; seats" in page
    assert "Wants a second region in Q1" in page

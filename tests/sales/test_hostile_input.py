"""Hostile input: markup in names and notes renders escaped, long notes fit, NUL is refused."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.leads.models import Activity, Lead
from tests import factories
from tests.sales.conftest import HTMX, owned_lead

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_a_lead_named_with_a_script_renders_escaped_everywhere(
    sales_client: Client, rep, manager_client_factory
) -> None:  # type: ignore[no-untyped-def]
    # given
    account = factories.AccountFactory(name=SCRIPT)
    lead = owned_lead(rep, first_name=SCRIPT, last_name="", title=SCRIPT, account=account)
    factories.OpportunityFactory(name=SCRIPT, account=account, owner=rep, primary_lead=lead)

    # when
    pages = [
        sales_client.get("/sales/"),
        sales_client.get(f"/sales/leads/{lead.pk}/"),
        sales_client.get("/sales/pipeline/"),
        manager_client_factory().get("/sales/team/"),
    ]

    # then
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert SCRIPT not in html
        assert ESCAPED in html


def test_a_ten_thousand_character_note_is_kept_and_rendered_escaped(
    sales_client: Client, rep
) -> None:  # type: ignore[no-untyped-def]
    # given
    lead = owned_lead(rep)
    note = ("<img src=x onerror=alert(1)> " * 400)[:10000]

    # when
    response = sales_client.post(
        f"/sales/leads/{lead.pk}/attempts/",
        {"channel": "email", "outcome": "replied", "note": note},
        headers=HTMX,
    )

    # then
    assert response.status_code == 200
    assert Activity.objects.get(lead=lead).note == note
    html = response.content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_a_note_over_ten_thousand_characters_is_refused_next_to_the_field(
    sales_client: Client, rep
) -> None:  # type: ignore[no-untyped-def]
    # given
    lead = owned_lead(rep)

    # when
    response = sales_client.post(
        f"/sales/leads/{lead.pk}/attempts/",
        {"channel": "email", "outcome": "replied", "note": "x" * 10001},
        headers=HTMX,
    )

    # then
    assert response.status_code == 422
    assert "at most 10000 characters" in response.content.decode()
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("attempts/", {"channel": "call", "outcome": "connected", "note": "a\x00b"}),
        ("convert/", {"name": "Deal\x00", "amount": "10"}),
        ("recycle/", {"note": "\x00"}),
    ],
)
def test_nul_characters_are_refused_with_a_message_not_a_500(
    sales_client: Client, rep, path: str, data: dict[str, str]
) -> None:  # type: ignore[no-untyped-def]
    # given
    lead = owned_lead(rep)

    # when
    response = sales_client.post(f"/sales/leads/{lead.pk}/{path}", data)

    # then
    assert response.status_code == 422
    assert "Null characters are not allowed." in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == Lead.Status.READY


def test_hostile_search_is_echoed_escaped(sales_client: Client, rep) -> None:  # type: ignore[no-untyped-def]
    # when
    response = sales_client.get('/sales/?q="><script>alert(1)</script>')

    # then
    html = response.content.decode()
    assert SCRIPT not in html
    assert response.status_code == 200

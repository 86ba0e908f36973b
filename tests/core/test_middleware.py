"""Who the client is behind a proxy, private caching of signed-in answers, and the CSP."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.core.middleware import client_address, trusted_proxies

PROXIES = trusted_proxies(("10.0.0.0/8", "192.0.2.1"))


@pytest.mark.parametrize(
    ("peer", "forwarded", "networks", "expected"),
    [
        # no proxy is trusted: the header is the client's word and proves nothing
        ("203.0.113.5", "1.2.3.4", (), "203.0.113.5"),
        # an untrusted peer may not speak for anyone
        ("203.0.113.5", "1.2.3.4", PROXIES, "203.0.113.5"),
        # a trusted proxy: the right-most address it did not add itself
        ("10.1.2.3", "1.2.3.4, 198.51.100.7", PROXIES, "198.51.100.7"),
        ("10.1.2.3", "198.51.100.7, 10.9.9.9, 192.0.2.1", PROXIES, "198.51.100.7"),
        # a trusted proxy with no header: the proxy itself
        ("10.1.2.3", "", PROXIES, "10.1.2.3"),
        # a trusted proxy that wrote garbage: do not guess
        ("10.1.2.3", "not-an-ip", PROXIES, "10.1.2.3"),
    ],
)
def test_client_address(peer: str, forwarded: str, networks, expected: str) -> None:  # type: ignore[no-untyped-def]
    assert client_address(peer=peer, forwarded_for=forwarded, networks=networks) == expected


@pytest.mark.django_db
def test_signed_in_pages_api_answers_and_exports_are_private_and_not_stored(
    sales_client: Client, rep_api, api_world
) -> None:  # type: ignore[no-untyped-def]
    for response in (
        sales_client.get("/sales/"),
        rep_api.get("/api/v1/leads/"),
        rep_api.get("/api/v1/leads/export/", HTTP_ACCEPT="text/csv"),
    ):
        parts = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= parts, response.get("Cache-Control")


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_script(sales_client: Client) -> None:
    response = sales_client.get("/sales/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert "frame-ancestors 'none'" in policy
    body = response.content.decode()
    assert "<script>" not in body
    assert " onclick=" not in body
    assert " onchange=" not in body


@pytest.mark.django_db
def test_the_public_form_may_be_framed_by_customers_sites(client: Client) -> None:
    from tests import factories

    factories.AssetFactory(slug="demo-request", is_public_form=True, hand_raiser=True)
    response = client.get("/f/demo-request/")
    assert "frame-ancestors *" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_the_api_docs_load_their_script_from_our_own_origin(client: Client) -> None:
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert "<script>" not in page.content.decode()
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")

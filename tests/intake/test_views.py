"""The embeddable public form /f/<slug>/."""

import re

import pytest

from apps.leads.models import Lead, Touchpoint

pytestmark = pytest.mark.django_db


def _token(client, slug):  # type: ignore[no-untyped-def]
    page = client.get(f"/f/{slug}/").content.decode()
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def _fields(**overrides):  # type: ignore[no-untyped-def]
    data = {
        "email": "Jo@Umbrella.example",
        "first_name": "Jo",
        "last_name": "Lee",
        "company": "Umbrella",
        "title": "CFO",
        "phone": "",
        "country": "de",
        "message": "Pricing for 200 seats",
        "website": "",
    }
    data.update(overrides)
    return data


def test_submission_creates_a_ready_lead_and_thanks_the_buyer(
    client, demo_asset, agreement, pool, policy
):
    token = _token(client, demo_asset.slug)
    response = client.post(f"/f/{demo_asset.slug}/", _fields(token=token))
    assert response.status_code == 302
    assert response.url == f"/f/{demo_asset.slug}/thanks/"
    lead = Lead.objects.get()
    assert (lead.email, lead.country, lead.source, lead.status) == (
        "jo@umbrella.example",
        "DE",
        "web_form",
        "ready",
    )
    assert Touchpoint.objects.get().metadata == {"message": "Pricing for 200 seats"}
    assert b"Thank you" in client.get(response.url).content


def test_double_submit_with_the_same_token_stores_one_touchpoint(client, demo_asset):
    token = _token(client, demo_asset.slug)
    client.post(f"/f/{demo_asset.slug}/", _fields(token=token))
    client.post(f"/f/{demo_asset.slug}/", _fields(token=token))
    assert Touchpoint.objects.count() == 1


def test_honeypot_filled_stores_nothing(client, demo_asset):
    response = client.post(
        f"/f/{demo_asset.slug}/",
        _fields(token=_token(client, demo_asset.slug), website="http://spam.example"),
    )
    assert response.status_code == 302
    assert Lead.objects.count() == 0


def test_post_without_our_token_is_refused(client, demo_asset):
    response = client.post(f"/f/{demo_asset.slug}/", _fields(token="forged"))
    assert response.status_code == 400
    assert b"expired" in response.content
    assert Lead.objects.count() == 0


def test_invalid_email_is_shown_next_to_the_field(client, demo_asset):
    response = client.post(
        f"/f/{demo_asset.slug}/", _fields(email="nope", token=_token(client, demo_asset.slug))
    )
    assert response.status_code == 400
    assert b"Enter a valid email address" in response.content
    assert Lead.objects.count() == 0


@pytest.mark.usefixtures("still_rate_clock")  # the three posts count in one window
def test_rate_limit_per_ip(client, demo_asset, settings):
    settings.PUBLIC_FORM_RATE = "2/m"
    token = _token(client, demo_asset.slug)
    codes = [
        client.post(
            f"/f/{demo_asset.slug}/", _fields(token=token, email=f"p{i}@x.example")
        ).status_code
        for i in range(3)
    ]
    assert codes == [302, 302, 429]


def test_assets_that_are_not_public_forms_are_404(client, db):
    from tests import factories

    factories.AssetFactory(slug="whitepaper", is_public_form=False)
    assert client.get("/f/whitepaper/").status_code == 404


def test_user_text_is_escaped_on_error(client, demo_asset):
    response = client.post(
        f"/f/{demo_asset.slug}/",
        _fields(email="<script>alert(1)</script>", token=_token(client, demo_asset.slug)),
    )
    assert b"<script>alert(1)</script>" not in response.content

"""Sign-in, role landing pages and the shared layout."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("user_fixture", "landing"),
    [
        ("rep", "/sales/"),
        ("manager", "/sales/"),
        ("marketer", "/marketing/"),
        ("service_user", "/service/"),
        ("revops", "/goals/"),
    ],
)
def test_sign_in_lands_each_role_on_its_workspace(
    client: Client, request: pytest.FixtureRequest, user_fixture: str, landing: str
) -> None:
    # given
    user = request.getfixturevalue(user_fixture)

    # when
    response = client.post("/login/", {"username": user.username, "password": "demo"}, follow=True)

    # then
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == landing


def test_wrong_password_shows_the_error_on_the_sign_in_card(client: Client, rep) -> None:  # type: ignore[no-untyped-def]
    # when
    response = client.post("/login/", {"username": rep.username, "password": "wrong"})

    # then
    assert response.status_code == 200
    assert b'role="alert"' in response.content
    assert "_auth_user_id" not in client.session


def test_login_page_renders_for_anonymous_visitors(client: Client) -> None:
    # when
    response = client.get("/login/")

    # then
    assert response.status_code == 200
    assert b"Sign in" in response.content
    assert b'autocomplete="current-password"' in response.content


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/sales/",
        "/sales/team/",
        "/sales/leads/1/",
        "/marketing/",
        "/service/",
        "/goals/",
        "/accounts/",
        "/accounts/1/",
        "/notifications/",
    ],
)
def test_anonymous_visitor_is_sent_to_sign_in(client: Client, url: str) -> None:
    # when
    response = client.get(url)

    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_home_redirects_a_signed_in_user_to_their_landing_page(marketing_client: Client) -> None:
    # when
    response = marketing_client.get("/")

    # then
    assert response.status_code == 302
    assert response["Location"] == "/marketing/"


def test_layout_shows_navigation_user_roles_unread_badge_and_sign_out(
    manager_client: Client, manager
) -> None:  # type: ignore[no-untyped-def]
    # given
    from apps.notifications.models import Notification

    Notification.objects.create(
        recipient=manager, kind=Notification.Kind.POOL_ALERT, title="Pool needs a rep"
    )

    # when
    response = manager_client.get("/sales/team/")

    # then
    html = response.content.decode()
    assert 'hx-headers=\'{"x-csrftoken": "' in html
    assert "/static/django-htmx/" in html or "htmx" in html
    assert '<a class="nav__link" href="/sales/team/" aria-current="page">Team</a>' in html
    assert 'href="/sales/"' in html
    assert "Max Manager" in html
    assert "Sales manager" in html
    assert '<span data-count>1</span><span class="visually-hidden"> unread</span>' in html
    assert 'action="/logout/"' in html
    assert 'href="/admin/"' not in html


def test_revops_sees_the_admin_link(revops_client: Client) -> None:
    # when
    response = revops_client.get("/goals/")

    # then
    assert 'href="/admin/"' in response.content.decode()


def test_sign_out_is_a_post(sales_client: Client) -> None:
    # when
    response = sales_client.post("/logout/")

    # then
    assert response.status_code == 302
    assert sales_client.get("/sales/").status_code == 302


def test_unknown_page_uses_the_styled_404(sales_client: Client) -> None:
    # when
    response = sales_client.get("/no-such-page/")

    # then
    assert response.status_code == 404
    assert b"We could not find that page" in response.content

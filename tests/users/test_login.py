"""Sign-in throttling per username and per IP."""

import pytest

# django-ratelimit's clock stands still here (tests/users/conftest.py)


@pytest.mark.django_db
def test_repeated_wrong_passwords_are_throttled_then_even_the_right_one_waits(
    client, rep, settings
):
    settings.LOGIN_RATE_PER_USER = "3/m"
    codes = [
        client.post("/login/", {"username": "sam", "password": "wrong"}).status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 200]  # the form shown again with an error
    throttled = client.post("/login/", {"username": "SAM", "password": "demo"})
    assert throttled.status_code == 429
    assert b"Too many sign-in attempts" in throttled.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_throttle_per_ip_covers_many_usernames(client, rep, settings):
    settings.LOGIN_RATE_PER_IP = "4/m"
    for name in ("a", "b", "c", "d"):
        client.post("/login/", {"username": name, "password": "x"})
    assert client.post("/login/", {"username": "sam", "password": "demo"}).status_code == 429


@pytest.mark.django_db
def test_sign_in_works_and_lands_on_the_role_page(client, rep):
    response = client.post("/login/", {"username": "sam", "password": "demo"})
    assert response.status_code == 302
    assert client.get(response.url, follow=True).request["PATH_INFO"] == "/sales/"

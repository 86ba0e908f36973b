from __future__ import annotations

import pytest
from django.db import DatabaseError
from django.test import Client

pytestmark = pytest.mark.django_db


def test_healthz_tells_anonymous_visitors_the_status_only(client: Client) -> None:
    # when a load balancer (anonymous) asks
    response = client.get("/healthz")

    # then it learns up or not, never the database's vendor, latency or the broker's URL
    assert response.status_code == 200
    assert response.json().keys() == {"status"}
    assert response.json()["status"] in {"ok", "degraded"}


def test_healthz_tells_staff_the_database_and_broker_state(admin_client: Client) -> None:
    # when
    response = admin_client.get("/healthz")

    # then
    body = response.json()
    assert body["database"]["ok"] is True
    assert body["database"]["vendor"]
    assert isinstance(body["broker"]["ok"], bool)
    assert body["broker"]["url_scheme"]


def test_healthz_keeps_the_details_from_signed_in_non_staff(sales_client: Client) -> None:
    assert sales_client.get("/healthz").json().keys() == {"status"}


def test_healthz_counts_the_filesystem_broker_as_ok(admin_client: Client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # given the embedded default's brokerless transport (whatever broker this run uses)
    from revenue.celery import app

    folder = tmp_path / "broker"
    folder.mkdir()
    before = app.conf.broker_url, app.conf.broker_transport_options
    app.conf.broker_url = "filesystem://"
    app.conf.broker_transport_options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
    }
    try:
        # when
        body = admin_client.get("/healthz").json()
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = before

    # then
    assert body == body | {
        "status": "ok",
        "broker": body["broker"] | {"ok": True, "url_scheme": "filesystem"},
    }


def test_healthz_is_503_when_the_database_fails(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    from apps.core import selectors

    def broken_cursor():  # type: ignore[no-untyped-def]
        raise DatabaseError("connection refused")

    monkeypatch.setattr(selectors.connection, "cursor", broken_cursor)

    # when
    response = client.get("/healthz")

    # then
    assert response.status_code == 503
    assert response.json() == {"status": "degraded"}


def test_healthz_reports_a_dead_broker_as_degraded_but_up(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    from revenue.celery import app

    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")

    # when
    response = admin_client.get("/healthz")

    # then
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["broker"] == response.json()["broker"] | {
        "ok": False,
        "url_scheme": "redis",
    }


def test_healthz_refuses_post(client: Client) -> None:
    # when
    response = client.post("/healthz")

    # then
    assert response.status_code == 405


def _database_down(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import OperationalError
    from django.db.backends.base.base import BaseDatabaseWrapper

    def refused(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", refused)


def test_a_database_outage_answers_the_api_with_json_503_and_retry_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a token client, then the database goes away
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION="Token abc")
    _database_down(monkeypatch)

    # when
    response = client.get("/api/v1/leads/")

    # then
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "30"
    assert response.json()["code"] == "unavailable"


def test_a_database_outage_answers_a_page_with_a_plain_503(
    sales_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a signed-in rep (the session lives in the database), then the database goes away
    sales_client.raise_request_exception = False
    _database_down(monkeypatch)
    response = sales_client.get("/sales/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert b"briefly unavailable" in response.content


def test_any_other_api_error_is_json_not_an_html_page(
    sales_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apps.leads import selectors

    def broken(**kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("bug")

    monkeypatch.setattr(selectors, "lead_list", broken)
    sales_client.raise_request_exception = False
    response = sales_client.get("/api/v1/leads/")
    assert response.status_code == 500
    assert response.json()["code"] == "error"

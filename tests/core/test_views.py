from __future__ import annotations

import pytest
from django.db import DatabaseError
from django.test import Client

pytestmark = pytest.mark.django_db


def test_healthz_answers_anonymous_visitors_with_database_and_broker_state(client: Client) -> None:
    # when
    response = client.get("/healthz")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["status"] in {"ok", "degraded"}
    assert body["database"]["ok"] is True
    assert isinstance(body["broker"]["ok"], bool)
    assert body["broker"]["url_scheme"]


def test_healthz_counts_the_filesystem_broker_as_ok(client: Client, tmp_path) -> None:  # type: ignore[no-untyped-def]
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
        body = client.get("/healthz").json()
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
    assert response.json()["status"] == "degraded"
    assert response.json()["database"]["ok"] is False


def test_healthz_reports_a_dead_broker_as_degraded_but_up(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    from revenue.celery import app

    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")

    # when
    response = client.get("/healthz")

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

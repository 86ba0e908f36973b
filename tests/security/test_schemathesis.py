"""Schemathesis over /api/schema/, in process, as an authenticated RevOps user: no 5xx, and every
response matches the schema (status code, content type, headers, body). Fixed seed, bounded."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, seed, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from revenue.wsgi import application
from tests import factories

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


# Generating the schema reads no rows, so it is loaded once at import.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def api_data(db, api_world, revops, rep):  # type: ignore[no-untyped-def]
    """Records behind every list so responses carry real bodies."""
    factories.OpportunityFactory(
        owner=rep, account=api_world.own.account, primary_lead=api_world.own
    )
    factories.RenewalFactory(account=api_world.customer_lead.account)
    factories.DisqualificationFactory(lead=api_world.others, rep=rep)
    factories.PlayStepFactory()
    factories.AssetFactory()
    factories.TouchpointFactory(lead=api_world.own)
    factories.JointGoalFactory()
    factories.IntakeSourceFactory(slug="website")
    # As Django's test client does: keep the test's connection (and transaction) open across
    # in-process requests instead of closing it at the end of each one.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def revops_token(api_data, revops) -> str:  # type: ignore[no-untyped-def]
    return Token.objects.create(user=revops).key


@schema.parametrize()
@seed(20261001)
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, revops_token):  # type: ignore[no-untyped-def]
    case.call_and_validate(headers={"Authorization": f"Token {revops_token}"}, checks=CHECKS)

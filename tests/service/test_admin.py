"""The admin of renewals: a churned renewal needs a churn reason."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from apps.service.models import Renewal
from tests import factories


def url(model_label: str, view: str, *args: Any) -> str:
    app_label, model_name = model_label.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


def test_churned_renewal_needs_a_churn_reason(revops_client: Client) -> None:
    # given
    renewal = factories.RenewalFactory()

    # when
    response = revops_client.post(
        url("service.renewal", "change", renewal.pk),
        {
            "account": str(renewal.account_id),
            "due_on": "2026-11-30",
            "amount": "24000",
            "outcome": "churned",
            "churn_reason": "",
        },
    )

    # then
    assert response.status_code == 200
    assert "needs a churn reason" in response.context["adminform"].form.errors["churn_reason"][0]
    renewal.refresh_from_db()
    assert renewal.outcome == Renewal.Outcome.PENDING

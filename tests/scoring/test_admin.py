"""The admin of the qualification agreement and scoring rules: signers, signatures, frozen versions."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.scoring.models import QualificationAgreement, ScoringRule
from apps.users.models import User
from tests import factories


def url(model_label: str, view: str, *args: Any) -> str:
    app_label, model_name = model_label.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


def agreement_data(**overrides: str) -> dict[str, str]:
    data = {
        "version": "7",
        "effective_from_0": "2026-10-01",
        "effective_from_1": "00:00:00",
        "score_threshold": "60",
        "hand_raiser_ready": "on",
        "engagement_half_life_days": "30",
        "account_min_roles": "3",
        "account_window_days": "30",
        "account_score_threshold": "150",
        "hold_ceiling": "50",
        "hold_expiry_hours": "72",
        "marketing_signer": "",
        "sales_signer": "",
        "notes": "",
    }
    return {**data, **overrides}


def test_agreement_signed_by_non_marketing_user_is_refused(
    revops_client: Client, rep: User, manager: User
) -> None:
    # when
    response = revops_client.post(
        url("scoring.qualificationagreement", "add"),
        agreement_data(marketing_signer=str(rep.pk), sales_signer=str(manager.pk)),
    )

    # then
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "not in the Marketing group" in errors["marketing_signer"][0]
    assert "sales_signer" not in errors
    assert not QualificationAgreement.objects.exists()


def test_agreement_sales_signer_must_be_in_sales(revops_client: Client, marketer: User) -> None:
    # when
    response = revops_client.post(
        url("scoring.qualificationagreement", "add"),
        agreement_data(sales_signer=str(marketer.pk)),
    )

    # then
    assert (
        "not in the Sales or Sales manager group"
        in (response.context["adminform"].form.errors["sales_signer"][0])
    )


def test_signing_stamps_the_signature_and_clearing_removes_it(
    revops_client: Client, marketer: User, manager: User
) -> None:
    # given
    agreement = factories.AgreementFactory(version=7)

    # when
    revops_client.post(
        url("scoring.qualificationagreement", "change", agreement.pk),
        agreement_data(marketing_signer=str(marketer.pk)),
    )
    agreement.refresh_from_db()
    marketing_signed_at = agreement.marketing_signed_at
    revops_client.post(
        url("scoring.qualificationagreement", "change", agreement.pk), agreement_data()
    )

    # then
    assert marketing_signed_at is not None
    agreement.refresh_from_db()
    assert agreement.marketing_signer is None
    assert agreement.marketing_signed_at is None


def test_signed_agreement_thresholds_are_read_only(
    revops_client: Client, marketer: User, manager: User
) -> None:
    # given
    agreement = factories.AgreementFactory(version=7, score_threshold=60)
    revops_client.post(
        url("scoring.qualificationagreement", "change", agreement.pk),
        agreement_data(marketing_signer=str(marketer.pk), sales_signer=str(manager.pk)),
    )

    # when
    page = revops_client.get(url("scoring.qualificationagreement", "change", agreement.pk))
    response = revops_client.post(
        url("scoring.qualificationagreement", "change", agreement.pk),
        agreement_data(score_threshold="10", sales_signer="", notes="Reviewed at QBR"),
    )

    # then
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.is_signed
    assert agreement.score_threshold == 60
    assert agreement.sales_signer == manager
    assert agreement.notes == "Reviewed at QBR"
    assert set(page.context["adminform"].form.fields) == {"notes"}
    assert "add a new version" in page.content.decode()
    assert QualificationAgreement.objects.in_force() == agreement


def test_agreement_list_shows_which_version_is_in_force(
    revops_client: Client, marketer: User, manager: User
) -> None:
    # given
    factories.AgreementFactory(version=1)
    signed = factories.AgreementFactory(version=2)
    signed.marketing_signer, signed.sales_signer = marketer, manager
    signed.marketing_signed_at = signed.sales_signed_at = signed.effective_from
    signed.save()

    # when
    response = revops_client.get(url("scoring.qualificationagreement", "changelist"))

    # then
    rows = {obj.version: obj.is_in_force for obj in response.context["cl"].result_list}
    assert rows == {1: False, 2: True}
    assert "Unsigned" in response.content.decode()


@pytest.mark.parametrize(
    ("attribute", "value", "accepted"),
    [
        ("employees_at_least", "500", True),
        ("employees_below", "five hundred", False),
        ("buying_role", "champion", True),
        ("buying_role", "boss", False),
        ("country", "Germany", False),
    ],
)
def test_scoring_rule_value_must_fit_its_attribute(
    revops_client: Client, attribute: str, value: str, accepted: bool
) -> None:
    # when
    response = revops_client.post(
        url("scoring.scoringrule", "add"),
        {"name": "Rule", "attribute": attribute, "value": value, "points": "10", "is_active": "on"},
    )

    # then
    assert ScoringRule.objects.exists() is accepted
    if not accepted:
        assert "value" in response.context["adminform"].form.errors


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("hold_ceiling", "-1", "greater than or equal to 0"),
        ("hold_expiry_hours", "0", "greater than or equal to 1"),
    ],
)
def test_a_negative_hold_ceiling_or_no_expiry_is_refused_with_the_field_named(
    revops_client: Client, field: str, value: str, message: str
) -> None:
    # when
    response = revops_client.post(
        url("scoring.qualificationagreement", "add"),
        agreement_data(hold_when_full="on", **{field: value}),
    )

    # then
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert not QualificationAgreement.objects.exists()


def test_the_throttle_is_part_of_a_new_version_and_frozen_once_signed(
    revops_client: Client, marketer: User, manager: User
) -> None:
    # when
    revops_client.post(
        url("scoring.qualificationagreement", "add"),
        agreement_data(
            hold_when_full="on",
            hold_ceiling="20",
            hold_expiry_hours="48",
            marketing_signer=str(marketer.pk),
            sales_signer=str(manager.pk),
        ),
    )
    agreement = QualificationAgreement.objects.get(version=7)
    revops_client.post(
        url("scoring.qualificationagreement", "change", agreement.pk),
        agreement_data(hold_ceiling="99", notes="later"),
    )

    # then
    agreement.refresh_from_db()
    assert agreement.hold_when_full is True
    assert (agreement.hold_ceiling, agreement.hold_expiry_hours) == (20, 48)
    assert agreement.recycle_when_full is False  # an unticked box in the form
    assert agreement.notes == "later"

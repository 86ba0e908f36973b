"""The admin of the SLA policy and routing rules: one active policy, pools of sales reps only."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.routing.models import PoolMember, RoutingRule, SlaPolicy
from apps.users.models import User
from tests import factories


def url(model_label: str, view: str, *args: Any) -> str:
    app_label, model_name = model_label.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


def inline_management(prefix: str, total: int = 0, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def sla_policy_data(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Second policy",
        "is_active": "on",
        "first_response_minutes": "5",
        "time_zone": "Europe/Berlin",
        "work_days": "0,1,2,3,4",
        "day_start": "09:00",
        "day_end": "17:00",
        "escalate_after_minutes": "10",
        "reassign_after_minutes": "30",
        **inline_management("holidays"),
    }
    return {**data, **overrides}


def test_second_active_sla_policy_is_refused(revops_client: Client) -> None:
    # given
    factories.SlaPolicyFactory(name="Default", is_active=True)

    # when
    response = revops_client.post(url("routing.slapolicy", "add"), sla_policy_data())

    # then
    assert response.status_code == 200
    assert (
        "“Default” is the active SLA policy"
        in (response.context["adminform"].form.errors["is_active"][0])
    )
    assert SlaPolicy.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"escalate_after_minutes": "45"}, "escalate_after_minutes"),
        ({"day_end": "08:00"}, "day_end"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ],
    ids=["escalate-after-reassign", "day-ends-before-start", "unknown-zone"],
)
def test_sla_policy_with_inconsistent_settings_is_refused(
    revops_client: Client, overrides: dict[str, str], field: str
) -> None:
    # when
    response = revops_client.post(url("routing.slapolicy", "add"), sla_policy_data(**overrides))

    # then
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not SlaPolicy.objects.exists()


def test_sla_policy_saves_with_holidays(revops_client: Client) -> None:
    # when
    response = revops_client.post(
        url("routing.slapolicy", "add"),
        {
            **sla_policy_data(),
            **inline_management("holidays", total=1),
            "holidays-0-date": "2026-12-25",
            "holidays-0-name": "Christmas Day",
        },
    )

    # then
    assert response.status_code == 302
    assert list(SlaPolicy.objects.get().holidays.values_list("name", flat=True)) == [
        "Christmas Day"
    ]


def test_routing_rule_refuses_non_sales_rep_in_pool(
    revops_client: Client, marketer: User, rep: User
) -> None:
    # when
    response = revops_client.post(
        url("routing.routingrule", "add"),
        {
            "name": "EMEA",
            "order": "10",
            "is_active": "on",
            "countries": "de, fr",
            "industries": "",
            "min_employees": "",
            "max_employees": "",
            "tier": "",
            "sources": "",
            **inline_management("members", total=2),
            "members-0-rep": str(rep.pk),
            "members-1-rep": str(marketer.pk),
        },
    )

    # then
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert "not in the Sales or Sales manager group" in formset.forms[1].errors["rep"][0]
    assert not RoutingRule.objects.exists()


def test_routing_rule_normalises_countries_and_saves_pool(
    revops_client: Client, rep: User, manager: User
) -> None:
    # when
    response = revops_client.post(
        url("routing.routingrule", "add"),
        {
            "name": "EMEA",
            "order": "10",
            "is_active": "on",
            "countries": "de, fr",
            "min_employees": "50",
            "max_employees": "500",
            "sources": "web_form,api",
            **inline_management("members", total=2),
            "members-0-rep": str(rep.pk),
            "members-1-rep": str(manager.pk),
        },
    )

    # then
    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert rule.countries == "DE,FR"
    assert set(PoolMember.objects.filter(rule=rule).values_list("rep__username", flat=True)) == {
        "sam",
        "max",
    }


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"min_employees": "500", "max_employees": "50"}, "max_employees"),
        ({"countries": "Germany"}, "countries"),
        ({"sources": "carrier_pigeon"}, "sources"),
    ],
    ids=["employee-range", "country-name", "unknown-source"],
)
def test_routing_rule_with_bad_criteria_is_refused(
    revops_client: Client, overrides: dict[str, str], field: str
) -> None:
    # given
    data = {"name": "EMEA", "order": "10", **inline_management("members"), **overrides}

    # when
    response = revops_client.post(url("routing.routingrule", "add"), data)

    # then
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors

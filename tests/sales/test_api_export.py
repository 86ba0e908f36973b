"""Lead CSV export: exactly the filtered rows, UTF-8 with a header, formula cells neutralised."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command

from apps.core.csv_safe import neutralise
from apps.leads.exports import EXPORT_COLUMNS
from apps.leads.models import Lead
from tests import factories

pytestmark = pytest.mark.django_db

DANGEROUS = ['=HYPERLINK("http://x")', "+1 555 0100", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]


def _rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def test_neutralise_touches_only_strings_starting_with_formula_characters() -> None:
    assert [neutralise(v) for v in DANGEROUS] == ["'" + v for v in DANGEROUS]
    assert neutralise("Ana") == "Ana"
    assert neutralise(-5) == -5
    assert neutralise(None) is None


def test_api_export_neutralises_formula_cells_and_keeps_the_filter(manager_api):  # type: ignore[no-untyped-def]
    for i, value in enumerate(DANGEROUS):
        factories.LeadFactory(email=f"x{i}@company.example", first_name=value, status="ready")
    factories.LeadFactory(email="nurture@company.example", first_name="=1+1")
    response = manager_api.get("/api/v1/leads/export/", {"status": "ready"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content)
    rows = _rows(content)
    assert list(rows[0]) == EXPORT_COLUMNS
    assert sorted(r["first_name"] for r in rows) == sorted("'" + v for v in DANGEROUS)
    assert "nurture@company.example" not in {r["email"] for r in rows}


def test_sales_export_only_their_own_leads(rep_api, api_world):  # type: ignore[no-untyped-def]
    content = b"".join(rep_api.get("/api/v1/leads/export/").streaming_content)
    assert {r["email"] for r in _rows(content)} == {"own@company.example"}


def test_export_command_filters_by_status_and_owner(api_world, rep):  # type: ignore[no-untyped-def]
    Lead.objects.filter(pk=api_world.own.pk).update(title="=cmd|' /C calc'!A0")
    out = io.StringIO()
    call_command("export_leads", "--status", "working", "--owner", "sam", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["email"] for r in rows] == ["own@company.example"]
    assert rows[0]["title"].startswith("'=")

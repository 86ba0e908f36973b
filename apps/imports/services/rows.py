"""Rows of the file as the dry run and the import both see them: parsed and checked one by
one into a Row (its lead values) or a Rejected (the reason), a chunk at a time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from apps.campaigns.models import Campaign
from apps.imports.services.mapping import FIELDS
from apps.leads.models import Lead, normalise_email

CHUNK_ROWS = 1000

_email_validator = EmailValidator()


@dataclass
class Row:
    number: int
    email: str
    values: dict[str, str]
    cells: list[str]


@dataclass
class Rejected:
    number: int
    email: str
    reason: str
    cells: list[str]


def _parse_row(
    number: int,
    cells: list[str],
    columns: dict[str, int],
    header_len: int,
    campaigns: dict[str, Campaign | None],
) -> Row | Rejected:
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    email = normalise_email(cell("email"))
    if len(cells) > header_len:
        return Rejected(number, email, f"{len(cells)} cells but {header_len} columns", cells)
    if any("\x00" in c for c in cells):
        return Rejected(number, email, "contains NUL characters", cells)
    if not email:
        return Rejected(number, email, "email: blank", cells)
    try:
        if len(email) > FIELDS["email"]:
            raise ValidationError("too long")
        _email_validator(email)
    except ValidationError:
        return Rejected(number, email, "email: not a valid address", cells)
    values: dict[str, str] = {}
    for name, limit in FIELDS.items():
        if name == "email":
            continue
        value = cell(name)
        if len(value) > limit and name != "country":
            return Rejected(number, email, f"{name}: longer than {limit} characters", cells)
        values[name] = value
    if values["country"]:
        if not values["country"].isalpha() or len(values["country"]) != 2:
            return Rejected(number, email, "country: use a two-letter ISO code", cells)
        values["country"] = values["country"].upper()
    if values["source"] and values["source"] not in Lead.Source.values:
        return Rejected(number, email, f"source: unknown value {values['source']!r}", cells)
    slug = values["campaign"]
    if slug:
        if slug not in campaigns:
            campaigns[slug] = Campaign.objects.filter(slug=slug).first()
        if campaigns[slug] is None:
            return Rejected(number, email, f"campaign: no campaign with slug {slug!r}", cells)
    return Row(number, email, values, cells)


@dataclass
class Plan:
    """The per-row decisions of one chunk: what a dry run reports and an import does."""

    rows: list[Row] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def plan_chunk(
    chunk: list[tuple[int, list[str]]],
    columns: dict[str, int],
    header_len: int,
    campaigns: dict[str, Campaign | None],
) -> Plan:
    """Each row of the chunk parsed and checked; `campaigns` caches the slugs looked up."""
    plan = Plan()
    for number, cells in chunk:
        parsed = _parse_row(number, cells, columns, header_len, campaigns)
        if isinstance(parsed, Rejected):
            plan.rejected.append(parsed)
        else:
            plan.rows.append(parsed)
    return plan


def chunks(
    rows: Iterator[tuple[int, list[str]]], size: int
) -> Iterator[list[tuple[int, list[str]]]]:
    """The rows in lists of `size` (the last one shorter)."""
    chunk: list[tuple[int, list[str]]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk

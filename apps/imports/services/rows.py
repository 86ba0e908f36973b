"""Rows of the file as the dry run and the import both see them: parsed and checked one by
one into a Row (its lead values and its touch) or a Rejected (the reason), a chunk at a time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from apps.campaigns.models import Asset, Campaign
from apps.imports.services.mapping import FIELDS, LEAD_FIELDS
from apps.leads.models import Lead, Touchpoint, normalise_email

CHUNK_ROWS = 1000

_email_validator = EmailValidator()
# A touch kind cell names a Touchpoint.Kind by value or label, in any case.
_KINDS: dict[str, str] = {
    name: kind.value for kind in Touchpoint.Kind for name in (kind.value, kind.label.lower())
}
_KIND_HINT = ", ".join(Touchpoint.Kind.values)


@dataclass
class Row:
    number: int
    email: str
    values: dict[str, str]
    cells: list[str]
    # The touch the row records: kind "import" without an asset unless the file maps them.
    kind: str = Touchpoint.Kind.IMPORT.value
    campaign: Campaign | None = None
    asset: Asset | None = None

    @property
    def touch_campaign_id(self) -> int | None:
        """The row's campaign, else its asset's (as an intake credits a touch)."""
        if self.campaign is not None:
            return self.campaign.pk
        return self.asset.campaign_id if self.asset is not None else None


@dataclass
class Rejected:
    number: int
    email: str
    reason: str
    cells: list[str]


@dataclass
class Lookups:
    """Campaigns and active assets by slug (None: there is none), shared by a run's chunks,
    and the campaign the import is tagged with."""

    campaigns: dict[str, Campaign | None] = field(default_factory=dict)
    assets: dict[str, Asset | None] = field(default_factory=dict)
    # the campaign the import is tagged with: the touch's campaign for rows naming neither a
    # campaign nor an asset (ImportJob.campaign)
    tag: Campaign | None = None

    def load(self, *, campaigns: set[str], assets: set[str]) -> None:
        """Look up the slugs not seen yet: one query for each kind of slug, whatever their
        number, so a chunk costs the same few queries however many rows name them."""
        new_campaigns = campaigns - self.campaigns.keys()
        if new_campaigns:
            found_campaigns = Campaign.objects.in_bulk(new_campaigns, field_name="slug")
            for slug in new_campaigns:
                self.campaigns[slug] = found_campaigns.get(slug)
        new_assets = assets - self.assets.keys()
        if new_assets:
            # Active assets only, as intake accepts them.
            found_assets = Asset.objects.filter(is_active=True).in_bulk(
                new_assets, field_name="slug"
            )
            for slug in new_assets:
                self.assets[slug] = found_assets.get(slug)


def _shown(value: str) -> str:
    """A cell or column name quoted for a rejection reason, cut to fit one."""
    return repr(value if len(value) <= 40 else f"{value[:40]}…")


def _parse_row(
    number: int,
    cells: list[str],
    columns: dict[str, int],
    header: list[str],
    lookups: Lookups,
) -> Row | Rejected:
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    email = normalise_email(cell("email"))
    if len(cells) > len(header):
        return Rejected(number, email, f"{len(cells)} cells but {len(header)} columns", cells)
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
    for name, limit in LEAD_FIELDS.items():
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
    row = Row(number, email, values, cells)
    if slug := values["campaign"]:
        row.campaign = lookups.campaigns.get(slug)
        if row.campaign is None:
            return Rejected(number, email, f"campaign: no campaign with slug {slug!r}", cells)
    # The touch columns name the file's column in their reasons: the importer fixes the file.
    if text := cell("touch_kind"):
        kind = _KINDS.get(" ".join(text.lower().split()))
        if kind is None:
            column = _shown(header[columns["touch_kind"]])
            return Rejected(
                number,
                email,
                f"touch kind (column {column}): unknown kind {_shown(text)}; "
                f"use one of {_KIND_HINT}",
                cells,
            )
        row.kind = kind
    if slug := cell("asset"):
        row.asset = lookups.assets.get(slug)
        if row.asset is None:
            column = _shown(header[columns["asset"]])
            return Rejected(
                number, email, f"asset (column {column}): no active asset {_shown(slug)}", cells
            )
    if row.campaign is None and row.asset is None:
        row.campaign = lookups.tag
    return row


@dataclass
class Plan:
    """The per-row decisions of one chunk: what a dry run reports and an import does."""

    rows: list[Row] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def _slugs(chunk: list[tuple[int, list[str]]], columns: dict[str, int], name: str) -> set[str]:
    """The slugs column `name` holds in the chunk (longer ones than a slug may be are refused
    without a lookup)."""
    index = columns.get(name)
    if index is None:
        return set()
    return {
        slug
        for _, cells in chunk
        if index < len(cells) and 0 < len(slug := cells[index].strip()) <= FIELDS[name]
    }


def plan_chunk(
    chunk: list[tuple[int, list[str]]],
    columns: dict[str, int],
    header: list[str],
    lookups: Lookups,
) -> Plan:
    """Each row of the chunk parsed and checked; the slugs it names are looked up first."""
    lookups.load(
        campaigns=_slugs(chunk, columns, "campaign"), assets=_slugs(chunk, columns, "asset")
    )
    plan = Plan()
    for number, cells in chunk:
        parsed = _parse_row(number, cells, columns, header, lookups)
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

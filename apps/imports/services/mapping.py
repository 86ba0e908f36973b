"""The column mapping: which column of the file fills which lead field or says what the row's
touch was (guessed from the header's names, given on the command line, or chosen on the page),
and its validation."""

from __future__ import annotations

from apps.imports.models import ImportJob
from apps.imports.services.reading import ImportFileError

# Lead fields an import can fill, with their limits.
LEAD_FIELDS: dict[str, int] = {
    "email": 254,
    "first_name": 100,
    "last_name": 100,
    "title": 150,
    "phone": 40,
    "company_name": 200,
    "country": 2,
    "source": 20,
    "campaign": 80,
}
# What the buyer did, when the file says so: the touch's kind (a Touchpoint.Kind value or label)
# and its asset (a slug). Unmapped or blank, an imported row is a touch of kind "import" with no
# asset, which carries no engagement.
TOUCH_FIELDS: dict[str, int] = {
    "touch_kind": 20,
    "asset": 80,
}
FIELDS: dict[str, int] = {**LEAD_FIELDS, **TOUCH_FIELDS}
# The header names recognised for each field. The touch columns are guessed only from names that
# cannot mean anything else: a wrongly guessed kind column would reject every row.
ALIASES: dict[str, tuple[str, ...]] = {
    "email": ("email", "e-mail", "email address", "email_address", "work email", "mail"),
    "first_name": ("first_name", "first name", "firstname", "given name"),
    "last_name": ("last_name", "last name", "lastname", "surname", "family name"),
    "title": ("title", "job title", "job_title", "position", "role"),
    "phone": ("phone", "phone number", "telephone", "mobile"),
    "company_name": ("company_name", "company", "company name", "organisation", "organization"),
    "country": ("country", "country code", "country_code"),
    "source": ("source", "lead source", "lead_source"),
    "campaign": ("campaign", "campaign slug", "campaign_slug"),
    "touch_kind": ("touch_kind", "touch kind", "touchpoint kind", "touchpoint_kind"),
    "asset": ("asset", "asset slug", "asset_slug"),
}


def guess_mapping(header: list[str]) -> dict[str, str]:
    """Field → column, for the columns whose names are known aliases."""
    by_name = {name.strip().lower(): name for name in header}
    mapping = {}
    for name, aliases in ALIASES.items():
        for alias in aliases:
            if alias in by_name:
                mapping[name] = by_name[alias]
                break
    return mapping


def parse_mapping(text: str, header: list[str]) -> dict[str, str]:
    """`email=Email,first_name=First` (from the command line) over the guessed mapping."""
    mapping = guess_mapping(header)
    for pair in filter(None, (p.strip() for p in text.split(","))):
        name, _, column = pair.partition("=")
        mapping[name.strip()] = column.strip()
    return mapping


def validate_mapping(mapping: dict[str, str], header: list[str]) -> dict[str, str]:
    """Only known fields and existing columns; an email column is required."""
    unknown = sorted(set(mapping) - set(FIELDS))
    if unknown:
        raise ImportFileError(
            f"Unknown field(s): {', '.join(unknown)}. Map to: {', '.join(FIELDS)}."
        )
    clean = {k: v for k, v in mapping.items() if v}
    missing = sorted(v for v in clean.values() if v not in header)
    if missing:
        raise ImportFileError(f"No column named {', '.join(missing)} in the file.")
    if "email" not in clean:
        raise ImportFileError(
            "No email column: name one “email” or map a column to email (email=<column>)."
        )
    return clean


def mapped_columns(job: ImportJob, header: list[str]) -> dict[str, int]:
    """Field → index of its column in `header`, under the job's (re-validated) mapping."""
    mapping = validate_mapping(job.mapping, header)
    return {name: header.index(column) for name, column in mapping.items()}

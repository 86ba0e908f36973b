"""The column mapping: which column of the file fills which lead field (guessed from the
header's names, given on the command line, or chosen on the page), and its validation."""

from __future__ import annotations

from apps.imports.models import ImportJob
from apps.imports.services.reading import ImportFileError

# Lead fields an import can fill, with their limits; the header names recognised for each.
FIELDS: dict[str, int] = {
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
}


def guess_mapping(header: list[str]) -> dict[str, str]:
    """Lead field → column, for the columns whose names are known aliases."""
    by_name = {name.strip().lower(): name for name in header}
    mapping = {}
    for lead_field, aliases in ALIASES.items():
        for alias in aliases:
            if alias in by_name:
                mapping[lead_field] = by_name[alias]
                break
    return mapping


def parse_mapping(text: str, header: list[str]) -> dict[str, str]:
    """`email=Email,first_name=First` (from the command line) over the guessed mapping."""
    mapping = guess_mapping(header)
    for pair in filter(None, (p.strip() for p in text.split(","))):
        lead_field, _, column = pair.partition("=")
        mapping[lead_field.strip()] = column.strip()
    return mapping


def validate_mapping(mapping: dict[str, str], header: list[str]) -> dict[str, str]:
    """Only known fields and existing columns; an email column is required."""
    unknown = sorted(set(mapping) - set(FIELDS))
    if unknown:
        raise ImportFileError(
            f"Unknown lead field(s): {', '.join(unknown)}. Map to: {', '.join(FIELDS)}."
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
    """Lead field → index of its column in `header`, under the job's (re-validated) mapping."""
    mapping = validate_mapping(job.mapping, header)
    return {lead_field: header.index(column) for lead_field, column in mapping.items()}

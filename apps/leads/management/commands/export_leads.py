"""`manage.py export_leads [--status ready] [--owner sam] [--output FILE]`: formula-safe CSV."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core.csv_safe import write_rows
from apps.leads.exports import EXPORT_COLUMNS, export_rows
from apps.leads.models import Lead
from apps.users.models import User


class Command(BaseCommand):
    help = (
        "Export leads as UTF-8 CSV with a header, the same columns as the API export; cells a "
        "spreadsheet would run as a formula start with '."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--status", action="append", choices=Lead.Status.values, help="Repeat for several."
        )
        parser.add_argument("--owner", help="Username of the owner (or 'none' for unowned).")
        parser.add_argument("--source", choices=Lead.Source.values)
        parser.add_argument("--include-archived", action="store_true")
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")

    def handle(self, *args: Any, **options: Any) -> None:
        leads = Lead.objects.all()
        if not options["include_archived"]:
            leads = leads.filter(is_archived=False)
        if options["status"]:
            leads = leads.filter(status__in=options["status"])
        if options["source"]:
            leads = leads.filter(source=options["source"])
        owner = options["owner"]
        if owner == "none":
            leads = leads.filter(owner__isnull=True)
        elif owner:
            user = User.objects.filter(username=owner).first()
            if user is None:
                raise CommandError(f"No user named {owner!r}.")
            leads = leads.filter(owner=user)
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8", newline="") as out:
                write_rows(out, EXPORT_COLUMNS, export_rows(leads))
        else:
            write_rows(self.stdout, EXPORT_COLUMNS, export_rows(leads))

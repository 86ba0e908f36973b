"""CSV import of leads: inspect, dry run, import in committed chunks, resume.

reading.py opens and streams the file (guarded lines, the CSV reader); mapping.py guesses and
validates which column fills which lead field, and which give the row's touch kind and asset;
rows.py parses and checks rows a chunk at a time; jobs.py creates a job and moves it along (dry
run and import queued by task name, claiming, failing, stalled detection); dry_run.py reports
what the import would do; writing.py imports chunk by chunk, each chunk one transaction, and
reports the rejected rows.
"""

from apps.imports.services.dry_run import (
    DryRunLine,
    dry_run_import,
    dry_run_lines,
    dry_run_touches,
    report_preview,
)
from apps.imports.services.jobs import (
    DISCARDABLE,
    IMPORT_ROLES,
    create_import_job,
    discard_import,
    is_stalled,
    may_import,
    start_dry_run,
    start_import,
)
from apps.imports.services.mapping import FIELDS, guess_mapping, parse_mapping, validate_mapping
from apps.imports.services.reading import FileFormat, ImportFileError, inspect_file
from apps.imports.services.rows import CHUNK_ROWS
from apps.imports.services.writing import rejected_header, rejected_rows, run_import

__all__ = [
    "CHUNK_ROWS",
    "DISCARDABLE",
    "FIELDS",
    "IMPORT_ROLES",
    "DryRunLine",
    "FileFormat",
    "ImportFileError",
    "create_import_job",
    "discard_import",
    "dry_run_import",
    "dry_run_lines",
    "dry_run_touches",
    "guess_mapping",
    "inspect_file",
    "is_stalled",
    "may_import",
    "parse_mapping",
    "rejected_header",
    "rejected_rows",
    "report_preview",
    "run_import",
    "start_dry_run",
    "start_import",
    "validate_mapping",
]

"""Reading an import's file: opening it, guarded line reading, and the CSV reader.

The file is streamed (the csv module over a UTF-8 text wrapper of the stored file, one line at a
time with a length guard), so memory stays flat however large it is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, cast

from apps.core.errors import DomainError
from apps.imports.models import ImportJob

MAX_COLUMNS = 200
MAX_LINE_CHARS = 64 * 1024
MAX_CELL_CHARS = 32 * 1024
INSPECT_ROWS = 1000


class ImportFileError(DomainError):
    """The file itself cannot be read as a lead CSV (encoding, columns, line length)."""

    code = "bad_file"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file")


def open_job_file(job: ImportJob) -> IO[bytes]:
    """The job's file, opened for binary reading (its server path, else the stored upload)."""
    if job.source_path:
        return open(job.source_path, "rb")  # noqa: SIM115 - closed by the caller's with-block
    job.file.open("rb")
    return cast(IO[bytes], job.file.file)


def _guarded_lines(text: IO[str]) -> Iterator[str]:
    """Lines of at most MAX_LINE_CHARS, so a 100 MB line is refused without reading it whole."""
    number = 0
    while True:
        try:
            line = text.readline(MAX_LINE_CHARS + 1)
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                f"The file is not UTF-8 (a bad byte near line {number + 1}). "
                "Save it as “CSV UTF-8” and upload it again."
            ) from exc
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
            raise ImportFileError(
                f"Line {number} is longer than {MAX_LINE_CHARS // 1024} KB; "
                "this does not look like a lead CSV."
            )
        yield line


@dataclass
class CsvRows:
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (line number of the row, its cells)
    # Held so the wrapper, which closes the stream when it is collected, lives as long as this.
    text: io.TextIOWrapper


def read_csv(stream: IO[bytes]) -> CsvRows:
    """The header and an iterator of data rows; raises ImportFileError for a file it cannot read."""
    csv.field_size_limit(MAX_CELL_CHARS)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
    reader = csv.reader(_guarded_lines(text))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ImportFileError(f"The header row cannot be read as CSV: {exc}.") from exc
    if not header or not any(cell.strip() for cell in header):
        raise ImportFileError("The file is empty: the first line must name the columns.")
    if len(header) > MAX_COLUMNS:
        raise ImportFileError(
            f"The file has {len(header):,} columns; at most {MAX_COLUMNS} are supported. "
            "Remove the columns you do not import."
        )
    if any("\x00" in cell for cell in header):
        raise ImportFileError("The header row contains NUL characters.")
    header = [cell.strip() for cell in header]

    def rows() -> Iterator[tuple[int, list[str]]]:
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportFileError(
                    f"Line {reader.line_num} cannot be read as CSV ({exc})."
                ) from exc
            if cells:
                yield reader.line_num, cells

    return CsvRows(header=header, rows=rows(), text=text)


class _Undetachable(io.RawIOBase):
    """A read-only view of a binary file that closing does not close (the text wrapper closes
    what it wraps when it is collected; an upload must stay open to be saved)."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return int(self._raw.seek(offset, whence) or 0)

    def seekable(self) -> bool:
        return True


def inspect_file(stream: IO[bytes]) -> list[str]:
    """The header of a candidate file, after checking it can be read (encoding, columns, lines).

    Reads the header and up to the first INSPECT_ROWS rows, so a wrong file is refused at upload.
    """
    try:
        parsed = read_csv(stream)
        for _ in zip(range(INSPECT_ROWS), parsed.rows, strict=False):
            pass
        return parsed.header
    finally:
        if not stream.closed:
            stream.seek(0)


def inspect_upload(upload: Any) -> list[str]:
    """inspect_file over an uploaded file, which is left open and rewound so it can be saved."""
    # A wrapper over the upload's own file object, detached so the upload stays open.
    header = inspect_file(cast(IO[bytes], _Undetachable(upload.file)))
    upload.seek(0)
    return header

"""Reading an import's file: its format, opening it, guarded line reading, and the CSV reader.

The format is found once, at upload, from the first SNIFF_BYTES: the encoding (UTF-8 with or
without a byte-order mark, else Windows-1252, which is what Excel's plain "CSV" is in Western
Europe) and the separator (comma, semicolon, tab or pipe: the one that splits the header and
the rows below it into the same number of cells). The file is then streamed (the csv module
over a text wrapper of the stored file, one line at a time with a length guard), so memory
stays flat however large it is.
"""

from __future__ import annotations

import codecs
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
SNIFF_BYTES = 64 * 1024
SNIFF_LINES = 50
DELIMITERS = tuple(ImportJob.Delimiter.values)  # in order of preference on a tie
UTF8 = ImportJob.Encoding.UTF8.value
CP1252 = ImportJob.Encoding.CP1252.value


class ImportFileError(DomainError):
    """The file itself cannot be read as a lead CSV (encoding, columns, line length)."""

    code = "bad_file"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file")


@dataclass(frozen=True)
class FileFormat:
    """How a file's bytes become rows: its encoding and its column separator."""

    encoding: str = UTF8
    delimiter: str = ","

    @classmethod
    def of(cls, job: ImportJob) -> FileFormat:
        return cls(encoding=job.encoding, delimiter=job.delimiter)

    @property
    def delimiter_name(self) -> str:
        return str(ImportJob.Delimiter(self.delimiter).label)

    @property
    def warning(self) -> str:
        """What the importer should check, or "" when the file is plain UTF-8."""
        if self.encoding == CP1252:
            return (
                "The file is not UTF-8, so it was read as Windows-1252 (Western European), "
                "the way Excel saves “CSV”. Check accented names in the dry run; if they look "
                "wrong, save the file as “CSV UTF-8” and upload it again."
            )
        return ""


def _sample_text(sample: bytes) -> tuple[str, str]:
    """(encoding, text) of the file's first bytes: UTF-8 if they decode as UTF-8 (a character
    cut off at the end of the sample does not count against it), else Windows-1252."""
    try:
        return UTF8, codecs.getincrementaldecoder("utf-8-sig")().decode(sample, final=False)
    except UnicodeDecodeError:
        return CP1252, sample.decode(CP1252, errors="replace")


def _delimiter(text: str) -> str:
    """The separator that splits the header into the most cells and the sample's rows into as
    many cells as the header: for each candidate, (rows matching the header's cell count,
    the header's cell count); a comma when none splits the header (a one-column file)."""
    lines = text.splitlines(keepends=True)[:SNIFF_LINES]
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line may be cut off by the sample's end
    best, best_score = ",", (0, 0)
    for candidate in DELIMITERS:
        try:
            rows = [row for row in csv.reader(lines, delimiter=candidate) if row]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        score = (sum(len(row) == width for row in rows), width)
        if score > best_score:
            best, best_score = candidate, score
    return best


def detect_format(stream: IO[bytes]) -> FileFormat:
    """The file's encoding and separator from its first SNIFF_BYTES; rewinds the stream."""
    sample = stream.read(SNIFF_BYTES)
    stream.seek(0)
    encoding, text = _sample_text(sample)
    return FileFormat(encoding=encoding, delimiter=_delimiter(text))


def open_job_file(job: ImportJob) -> IO[bytes]:
    """The job's file, opened for binary reading (its server path, else the stored upload)."""
    if job.source_path:
        return open(job.source_path, "rb")  # noqa: SIM115 - closed by the caller's with-block
    job.file.open("rb")
    return cast(IO[bytes], job.file.file)


def _guarded_lines(text: IO[str], encoding: str) -> Iterator[str]:
    """Lines of at most MAX_LINE_CHARS, so a 100 MB line is refused without reading it whole."""
    number = 0
    while True:
        try:
            line = text.readline(MAX_LINE_CHARS + 1)
        except UnicodeDecodeError as exc:
            read_as = "UTF-8" if encoding == UTF8 else "text"
            raise ImportFileError(
                f"The file is not {read_as} (a bad byte near line {number + 1}). "
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


def read_csv(stream: IO[bytes], file_format: FileFormat) -> CsvRows:
    """The header and an iterator of data rows; raises ImportFileError for a file it cannot read."""
    csv.field_size_limit(MAX_CELL_CHARS)
    encoding = "utf-8-sig" if file_format.encoding == UTF8 else file_format.encoding
    text = io.TextIOWrapper(stream, encoding=encoding, errors="strict", newline="")
    reader = csv.reader(_guarded_lines(text, file_format.encoding), delimiter=file_format.delimiter)
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


@dataclass(frozen=True)
class Inspected:
    header: list[str]
    file_format: FileFormat


def inspect_file(stream: IO[bytes]) -> Inspected:
    """The format and header of a candidate file, after checking it can be read (encoding,
    columns, lines). Reads the header and up to the first INSPECT_ROWS rows, so a wrong file is
    refused at upload."""
    try:
        file_format = detect_format(stream)
        parsed = read_csv(stream, file_format)
        for _ in zip(range(INSPECT_ROWS), parsed.rows, strict=False):
            pass
        return Inspected(header=parsed.header, file_format=file_format)
    finally:
        if not stream.closed:
            stream.seek(0)


def inspect_upload(upload: Any) -> Inspected:
    """inspect_file over an uploaded file, which is left open and rewound so it can be saved."""
    # A wrapper over the upload's own file object, detached so the upload stays open.
    inspected = inspect_file(cast(IO[bytes], _Undetachable(upload.file)))
    upload.seek(0)
    return inspected

"""Reading an uploaded spreadsheet (CSV or XLSX) into rows that remember their line.

What a file is comes from its content, not its name: an XLSX file is a zip archive (it
starts with `PK\\x03\\x04`), anything else must be UTF-8 text (a byte-order mark is fine)
read as CSV. The limits `STRETCH_IMPORT_MAX_BYTES` and `STRETCH_IMPORT_MAX_ROWS` are checked
before and while reading, never after: a larger file is refused unread, an XLSX archive whose
entries would unpack past the limit (a "zip bomb") is refused before openpyxl opens it, and
rows are counted as they stream in, so a sheet with a million rows is never loaded whole.

Column names are case-insensitive, spaces, hyphens and underscores alike. Every problem names
its line (the spreadsheet's row number) and column, so a file can be fixed in one go.
"""

import csv
import io
import math
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

XLSX_MAGIC = b"PK\x03\x04"
# An XLSX file unpacks to XML several times its size; more than this is not a spreadsheet
# of `STRETCH_IMPORT_MAX_ROWS` rows but an attempt to exhaust the server.
UNPACKED_RATIO = 10
MAX_ZIP_ENTRIES = 500
# Text a spreadsheet would run as a formula when the file is opened (or, for tab and
# carriage return, that some spreadsheets strip before looking for one). The export writes
# such cells with a leading apostrophe, which the import drops: it is not part of the value.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where (line and column, when known) and what."""

    line: int | None
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(_("line %(line)s") % {"line": self.line})
        if self.column:
            where.append(_("column %(column)s") % {"column": self.column})
        return f"{', '.join(where)}: {self.message}" if where else self.message


class TableError(Exception):
    """The file cannot be read as a table at all (wrong format, too large, bad header)."""

    def __init__(self, problems: list[Problem]):
        super().__init__(str(problems[0]) if problems else "")
        self.problems = problems


@dataclass
class Row:
    line: int
    cells: dict[str, str]


@dataclass
class Table:
    file_format: str  # "csv" or "xlsx"
    columns: list[str]
    rows: list[Row] = field(default_factory=list)


def normalise(name: str) -> str:
    """`Key Result`, `key-result` and `KEY_RESULT` are one column: `key_result`."""
    return re.sub(r"[\s_\-]+", "_", str(name).strip().lower()).strip("_")


def max_bytes() -> int:
    return int(settings.STRETCH_IMPORT_MAX_BYTES)


def max_rows() -> int:
    return int(settings.STRETCH_IMPORT_MAX_ROWS)


def detect_format(data: bytes) -> str:
    """ "xlsx" or "csv" by the content; a TableError for anything else."""
    if data.startswith(XLSX_MAGIC):
        return "xlsx"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        raise TableError([Problem(None, "", _("The file is not a CSV or XLSX file."))])
    return "csv"


def too_large_message() -> str:
    return _("The file is larger than %(n)s bytes; split it.") % {"n": max_bytes()}


def read_table(
    data: bytes,
    filename: str = "",
    *,
    columns: Iterable[str],
    required: Iterable[str] = (),
    ignored: Iterable[str] = (),
    sheet: str | None = None,
) -> Table:
    """The file's rows keyed by normalised column name (text, stripped); `columns` are
    those it may have, `required` those it must, `ignored` those accepted and dropped (an
    export's computed columns). `sheet` names the XLSX sheet to read (else the first)."""
    if len(data) > max_bytes():
        raise TableError([Problem(None, "", too_large_message())])
    file_format = detect_format(data)
    lines = _xlsx_lines(data, sheet) if file_format == "xlsx" else _csv_lines(data)
    known, ignored_set = set(columns), set(ignored)
    header: list[str] | None = None
    table = Table(file_format=file_format, columns=[])
    seen = 0
    for line, values in lines:
        seen += 1
        texts = [_text(value) for value in values]
        # Empty rows count too (against a looser limit): a sheet with one cell at row
        # 1,000,000 would otherwise stream a million empty rows.
        if seen > 2 * max_rows() + 1000:
            raise TableError([_too_many_rows(line)])
        if not any(texts):
            continue
        if header is None:
            header = [normalise(value) for value in texts]
            _check_header(line, header, known, ignored_set, set(required))
            table.columns = [name for name in header if name in known]
            continue
        if len(table.rows) >= max_rows():
            raise TableError([_too_many_rows(line)])
        cells = {
            name: texts[index] if index < len(texts) else ""
            for index, name in enumerate(header)
            if name in known
        }
        table.rows.append(Row(line=line, cells=cells))
    if header is None:
        raise TableError([Problem(None, "", _("The file is empty."))])
    return table


def _too_many_rows(line: int) -> Problem:
    return Problem(line, "", _("The file has more than %(n)s rows; split it.") % {"n": max_rows()})


def _check_header(
    line: int, header: list[str], known: set[str], ignored: set[str], required: set[str]
) -> None:
    problems = []
    named = [name for name in header if name]
    unknown = [name for name in named if name not in known and name not in ignored]
    if unknown:
        problems.append(
            Problem(
                line,
                ", ".join(unknown),
                _("Unknown columns: %(names)s. The columns are: %(known)s.")
                % {"names": ", ".join(unknown), "known": ", ".join(sorted(known))},
            )
        )
    doubled = sorted({name for name in named if named.count(name) > 1})
    if doubled:
        problems.append(
            Problem(
                line,
                ", ".join(doubled),
                _("Columns named twice: %(names)s.") % {"names": ", ".join(doubled)},
            )
        )
    missing = [name for name in sorted(required) if name not in named]
    if missing:
        problems.append(
            Problem(
                line,
                ", ".join(missing),
                _("Missing columns: %(names)s.") % {"names": ", ".join(missing)},
            )
        )
    if problems:
        raise TableError(problems)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    text = str(value).strip()
    if text[:1] == "'" and text[1:2] and text[1:2] in FORMULA_STARTS:
        text = text[1:]
    return text


def _csv_lines(data: bytes) -> Iterator[tuple[int, list[str]]]:
    text = data.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for values in reader:
            yield start, values
            start = reader.line_num + 1
    except csv.Error as error:
        raise TableError(
            [
                Problem(
                    reader.line_num,
                    "",
                    _("Not readable as CSV (%(error)s).") % {"error": error},
                )
            ]
        ) from None


def _check_archive(data: bytes) -> None:
    """Refuse an archive that would unpack past the limits, before anything unpacks it."""
    not_xlsx = TableError([Problem(None, "", _("The file is not a CSV or XLSX file."))])
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise not_xlsx from None
    if len(entries) > MAX_ZIP_ENTRIES:
        raise TableError(
            [
                Problem(
                    None,
                    "",
                    _("The XLSX file holds %(n)s parts, more than a spreadsheet has; refused.")
                    % {"n": len(entries)},
                )
            ]
        )
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > UNPACKED_RATIO * max_bytes():
        raise TableError(
            [
                Problem(
                    None,
                    "",
                    _(
                        "The XLSX file would unpack to %(size)s bytes, more than the limit of "
                        "%(limit)s; refused."
                    )
                    % {"size": unpacked, "limit": UNPACKED_RATIO * max_bytes()},
                )
            ]
        )
    if not any(entry.filename.startswith("xl/") for entry in entries):
        raise not_xlsx


def _xlsx_lines(data: bytes, sheet: str | None) -> Iterator[tuple[int, tuple]]:
    _check_archive(data)
    import openpyxl  # uses defusedxml when installed: no entity expansion from the XML

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken archive
        raise TableError(
            [Problem(None, "", _("The XLSX file cannot be read; save it again."))]
        ) from None
    try:
        names = {name.casefold(): name for name in book.sheetnames}
        name = names.get((sheet or "").casefold()) or book.sheetnames[0]
        worksheet = book[name]
        # The sheet's <dimension> is what the file claims, not what it holds: one claiming
        # A1:XFD1048576 would pad every row to 16,384 cells. Rows are read as far as their
        # last cell until the header is found, then no wider than the header.
        worksheet.reset_dimensions()
        width = _header_width(worksheet)
        if width:
            rows = worksheet.iter_rows(min_row=1, min_col=1, max_col=width, values_only=True)
            yield from enumerate(rows, start=1)
    except TableError:
        raise
    except Exception:
        raise TableError(
            [Problem(None, "", _("The XLSX file cannot be read; save it again."))]
        ) from None
    finally:
        book.close()


def _header_width(worksheet) -> int:
    """How many columns the sheet's first non-empty row (its header) spans; 0 for none."""
    for seen, values in enumerate(worksheet.iter_rows(min_row=1, min_col=1, values_only=True)):
        if seen > 2 * max_rows() + 1000:
            raise TableError([_too_many_rows(seen + 1)])
        texts = [_text(value) for value in values]
        if any(texts):
            return max(index for index, text in enumerate(texts) if text) + 1
    return 0


class Cells:
    """One row's cells, read as text, numbers, dates or choices; each bad cell adds a
    problem naming the row's line and the column to `problems` and reads as None."""

    def __init__(self, row: Row, problems: list[Problem]):
        self.row, self.line, self.problems = row, row.line, problems

    def problem(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.line, column, message))

    def text(self, column: str) -> str:
        return self.row.cells.get(column, "")

    def check_lengths(self, limits: Mapping[str, int | None]) -> None:
        """A problem for each column whose text is longer than its limit (None: no limit)."""
        for column, limit in limits.items():
            length = len(self.text(column))
            if limit is not None and length > limit:
                self.problem(
                    column,
                    _("At most %(limit)s characters; this has %(length)s.")
                    % {"limit": limit, "length": length},
                )

    def required(self, column: str) -> str:
        value = self.text(column)
        if not value:
            self.problem(column, _("A value is needed."))
        return value

    def number(self, column: str) -> float | None:
        text = self.text(column)
        if not text:
            return None
        value = float(text) if NUMBER.fullmatch(text) else math.nan
        if not math.isfinite(value):
            self.problem(
                column,
                _("“%(text)s” is not a number (write it like 12.5).") % {"text": text},
            )
            return None
        return value

    def date(self, column: str) -> date | None:
        text = self.text(column)
        if not text:
            return None
        try:
            return date.fromisoformat(text[:10] if "T" in text else text)
        except ValueError:
            self.problem(
                column, _("“%(text)s” is not a date (write it YYYY-MM-DD).") % {"text": text}
            )
            return None

    def choice(self, column: str, choices: Iterable[str], default: str) -> str:
        text = self.text(column).lower()
        if not text:
            return default
        allowed = list(choices)
        if text not in allowed:
            self.problem(
                column,
                _("“%(text)s” is not one of: %(allowed)s.")
                % {"text": self.text(column), "allowed": ", ".join(allowed)},
            )
            return default
        return text

    def names(self, column: str) -> list[str]:
        """A list written "A; B", without empty entries or repeats."""
        parts = self.text(column).split(";")
        return list(dict.fromkeys(part.strip() for part in parts if part.strip()))

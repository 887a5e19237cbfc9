"""Reading a KPI's measurements from a CSV file: a header naming `date` and `value` (and
`note` if you like), then one measurement a line, UTF-8 (a byte-order mark is fine).

Parsing only, no writes: every problem is reported with its line, all at once, so a file
is fixed in one go (`services.import_measurements` writes nothing unless it is clean).
"""

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 10_000
REQUIRED = ("date", "value")
OPTIONAL = ("note",)
MAX_NOTE = 500


@dataclass(frozen=True)
class Row:
    line: int
    date: date
    value: float
    note: str


def parse(data: bytes | str, *, today: date, stored: Iterable[date]) -> tuple[list[Row], list[str]]:
    """The rows of a file and its problems (each "line N: …"); `stored` holds the dates
    the KPI has measurements on already, `today` the last day one may be for."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > MAX_BYTES:
        return [], [_("The file is larger than 2 MB; split it.")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [_("The file is not UTF-8 text.")]
    reader = csv.reader(io.StringIO(text, newline=""))
    taken = set(stored)
    rows: list[Row] = []
    problems: list[str] = []
    seen: dict[date, int] = {}
    columns: list[str] | None = None
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if columns is None:
                columns = [cell.strip().lower() for cell in cells]
                if not _header_ok(columns):
                    return [], [
                        _(
                            "line %(line)s: the first line must name the columns date,value "
                            "(and note if you like), not “%(header)s”."
                        )
                        % {"line": line, "header": ",".join(cells)}
                    ]
                continue
            if len(rows) + len(problems) >= MAX_ROWS:
                return [], [_("The file has more than 10,000 rows; split it.")]
            row, problem = _row(line, columns, cells, today, taken, seen)
            if problem:
                problems.append(problem)
            elif row is not None:
                rows.append(row)
    except csv.Error as error:
        problems.append(
            _("line %(line)s: not readable as CSV (%(error)s).")
            % {"line": reader.line_num, "error": error}
        )
    if columns is None:
        return [], [_("The file is empty.")]
    if not rows and not problems:
        problems.append(_("The file has no measurements below its header."))
    return rows, problems


def _header_ok(columns: list[str]) -> bool:
    known = set(REQUIRED) | set(OPTIONAL)
    return (
        len(set(columns)) == len(columns)
        and set(REQUIRED) <= set(columns)
        and set(columns) <= known
    )


def _row(
    line: int,
    columns: list[str],
    cells: list[str],
    today: date,
    taken: set[date],
    seen: dict[date, int],
) -> tuple[Row | None, str]:
    if len(cells) > len(columns):
        return None, _("line %(line)s: %(found)s columns, but the header names %(n)s.") % {
            "line": line,
            "found": len(cells),
            "n": len(columns),
        }
    cell = dict(zip(columns, [c.strip() for c in cells], strict=False))
    day_text, value_text, note = cell.get("date", ""), cell.get("value", ""), cell.get("note", "")
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        return None, _("line %(line)s: “%(text)s” is not a date (YYYY-MM-DD).") % {
            "line": line,
            "text": day_text,
        }
    if day > today:
        return None, _("line %(line)s: %(date)s is in the future.") % {
            "line": line,
            "date": day.isoformat(),
        }
    if day in seen:
        return None, _("line %(line)s: %(date)s is on line %(first)s already.") % {
            "line": line,
            "date": day.isoformat(),
            "first": seen[day],
        }
    seen[day] = line
    if day in taken:
        return None, _("line %(line)s: there is already a measurement on %(date)s.") % {
            "line": line,
            "date": day.isoformat(),
        }
    try:
        value = float(value_text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        return None, _("line %(line)s: “%(text)s” is not a number.") % {
            "line": line,
            "text": value_text,
        }
    if len(note) > MAX_NOTE:
        return None, _("line %(line)s: the note is longer than %(n)s characters.") % {
            "line": line,
            "n": MAX_NOTE,
        }
    return Row(line=line, date=day, value=value, note=note), ""

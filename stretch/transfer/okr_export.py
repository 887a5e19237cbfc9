"""A cycle's OKRs and check-ins as spreadsheets (CSV or XLSX) in the shared OKR format.

The OKR sheet is the format the importer reads (see the README): one row per key result,
the objective's columns repeated on each, an objective without key results on a row of its
own; the import columns come first, then what only an export tells (current value,
confidence, progress, status, scores, last check-in). An exported file re-imports as an
update of the same objectives and key results, by their ids.

Only what the reader may see is written: the objectives come through
`access.objectives_visible_to`, their key results and check-ins with them, and a parent the
reader may not see is left blank rather than named. Progress is the roll-up of
`rollup.annotate`, the same numbers as every page. Queries are bounded whatever the size of
the cycle: the objectives, their key results, steps, people and parents are loaded in a
fixed number of queries, and the check-in history is read in chunks from one query.
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from stretch import access
from stretch.okrs import rollup
from stretch.okrs.models import CheckIn, Cycle, KeyResult, Objective
from stretch.transfer import okr_import
from stretch.transfer.tabular import FORMULA_STARTS

# The import's columns, then what only an export tells: taken from the importer, so the two
# can never drift apart.
IMPORT_COLUMNS = list(okr_import.COLUMNS)
EXPORT_COLUMNS = list(okr_import.EXPORT_ONLY)
OKR_COLUMNS = IMPORT_COLUMNS + EXPORT_COLUMNS
CHECK_IN_COLUMNS = [
    "objective_id",
    "key_result_id",
    "key_result",
    "time",
    "author",
    "value",
    "confidence",
    "note",
]
KPI_AUTHOR = "KPI"  # the author of a check-in the system made from a KPI's measurement
FORMATS = ("csv", "xlsx")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 2000  # check-ins read from the database at a time


# Cells -----------------------------------------------------------------------------------------


def safe_text(text: str) -> str:
    """Text as a spreadsheet shows it, never runs it: the control characters XLSX cannot
    hold are dropped first, then a leading ' goes before a formula start. In that order: a
    title "\x01=HYPERLINK(...)" starts with no formula, but does once the \x01 is gone (and
    some spreadsheets drop it reading a CSV too)."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def number_text(value: float) -> str:
    """A number as a person types it: 12, 0.5, -3.25 (no trailing .0, no exponent for
    everyday sizes)."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return number_text(value)
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, int):
        return str(value)
    return safe_text(str(value))


def xlsx_cell(value: Any) -> Any:
    """Numbers stay numbers; a time is written in the server's time zone without an offset
    (XLSX has no time zones); text is made safe (`safe_text`, which also drops the control
    characters XLSX cannot hold)."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None, microsecond=0)
    return safe_text(str(value))


def share(value: float | None) -> float | None:
    """A progress share (0-1) rounded to what a reader needs."""
    return None if value is None else round(value, 4)


# Rows ------------------------------------------------------------------------------------------


def cycle_objectives(user, cycle: Cycle) -> list[Objective]:
    """The objectives of `cycle` that `user` may see, with their progress, oldest first."""
    queryset = objective_query().filter(cycle=cycle).order_by("pk")
    objectives = list(access.objectives_visible_to(user, queryset))
    rollup.annotate(objectives)
    return objectives


def objective_query() -> QuerySet:
    return Objective.objects.select_related("cycle", "owner_person", "owner_team", "pillar")


def okr_rows(user, objectives: Sequence[Objective]) -> Iterator[list[Any]]:
    """The OKR sheet's rows (without its header) of `objectives`, annotated by
    `rollup.annotate` and loaded with `objective_query`: two more queries, for the key
    results' owners and for which parents the reader may see."""
    key_results = [kr for o in objectives for kr in o.key_result_list]
    owner_ids = {kr.owner_id for kr in key_results if kr.owner_id is not None}
    usernames = dict(
        get_user_model().objects.filter(pk__in=owner_ids).values_list("pk", "username")
        if owner_ids
        else []
    )
    parents = access.visible_ids(user, {o.parent_id for o in objectives if o.parent_id})
    for objective in objectives:
        head = _objective_columns(objective, parents)
        standing = [share(objective.progress), objective.status, objective.score]
        if not objective.key_result_list:  # one row, its key result columns empty
            yield head + [None] * 11 + [None, None, None] + standing + [None, None]
        for kr in objective.key_result_list:
            yield (
                head
                + _key_result_columns(kr, usernames)
                + [kr.current, kr.confidence, share(kr.progress)]
                + standing
                + [kr.score, kr.checked_in_at]
            )


def _objective_columns(objective: Objective, visible_parents: set[int]) -> list[Any]:
    if objective.owner_person is not None:
        owner = objective.owner_person.get_username()
    else:
        owner = f"team:{objective.owner_team.name}" if objective.owner_team else ""
    parent = objective.parent_id if objective.parent_id in visible_parents else None
    return [
        objective.cycle.name,
        objective.pk,
        objective.title,
        objective.description,
        owner,
        objective.kind,
        objective.visibility,
        parent,
        objective.pillar.name if objective.pillar else None,
    ]


def _key_result_columns(kr: KeyResult, usernames: dict[int, str]) -> list[Any]:
    return [
        kr.pk,
        kr.title,
        kr.kind,
        kr.direction,
        kr.start,
        kr.target,
        kr.range_low,
        kr.range_high,
        kr.weight,
        kr.unit,
        usernames.get(kr.owner_id) if kr.owner_id is not None else None,
    ]


def check_ins(user, cycle: Cycle) -> QuerySet:
    """The check-ins of the key results of `cycle` that `user` may see, oldest first."""
    visible = access.objectives_visible_to(user, Objective.objects.filter(cycle=cycle))
    return (
        CheckIn.objects.filter(key_result__objective__in=visible.values("id"))
        .select_related("key_result", "author")
        .order_by("key_result__objective_id", "key_result_id", "created_at", "id")
    )


def check_in_rows(user, cycle: Cycle) -> Iterator[list[Any]]:
    """The check-in history's rows (without its header), read in chunks of one query."""
    for check_in in check_ins(user, cycle).iterator(chunk_size=CHUNK):
        if check_in.author is not None:
            author = check_in.author.get_username()
        else:
            author = KPI_AUTHOR if check_in.measurement_id is not None else None
        kr = check_in.key_result
        yield [
            kr.objective_id,
            kr.pk,
            kr.title,
            check_in.created_at,
            author,
            check_in.value,
            check_in.confidence,
            check_in.note,
        ]


# Files -----------------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose write gives back what it was given (for csv.writer)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The CSV text line by line. It starts with a byte order mark: without it Excel reads a
    CSV in the computer's legacy code page (GBK on a Chinese Windows), and Chinese names and
    titles come out garbled; with it, Excel (and every CSV reader that knows UTF-8) reads it
    as UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]):
    """A CSV download streamed as it is written, so a big export never sits in memory."""
    response = StreamingHttpResponse(
        (line.encode() for line in csv_lines(header, rows)), content_type=CSV_TYPE
    )
    response["Content-Disposition"] = attachment(filename)
    return response


def attachment(name: str) -> str:
    """The Content-Disposition of a download named `name` (non-ASCII names escaped)."""
    return content_disposition_header(True, name) or "attachment"


def xlsx_bytes(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """A workbook of (title, header, rows) sheets, written row by row (write-only mode keeps
    openpyxl from holding every cell as an object)."""
    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title)
        sheet.append(list(header))
        for row in rows:
            sheet.append([xlsx_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(cycle: Cycle, what: str, extension: str) -> str:
    """stretch-okrs-2026-q4.csv: the cycle's name as a slug (its id when the name has no
    letters or digits in ASCII, such as a name in Chinese)."""
    slug = slugify(cycle.name) or f"cycle-{cycle.pk}"
    return f"stretch-{what}-{slug}.{extension}"


def okrs_response(user, cycle: Cycle, file_format: str) -> HttpResponse | StreamingHttpResponse:
    """The cycle's OKRs as a download: CSV, or XLSX with the check-in history beside them."""
    objectives = cycle_objectives(user, cycle)
    if file_format == "csv":
        return csv_response(filename(cycle, "okrs", "csv"), OKR_COLUMNS, okr_rows(user, objectives))
    content = xlsx_bytes(
        [
            ("OKRs", OKR_COLUMNS, okr_rows(user, objectives)),
            ("Check-ins", CHECK_IN_COLUMNS, check_in_rows(user, cycle)),
        ]
    )
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = attachment(filename(cycle, "okrs", "xlsx"))
    return response


def check_ins_response(user, cycle: Cycle) -> StreamingHttpResponse:
    return csv_response(
        filename(cycle, "check-ins", "csv"), CHECK_IN_COLUMNS, check_in_rows(user, cycle)
    )

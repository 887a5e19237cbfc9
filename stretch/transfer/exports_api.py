"""/api/v1/exports: a cycle's OKRs as CSV or XLSX, and its check-in history as CSV.

The answers are files, not JSON: Ninja passes a Django response returned by an operation
through as it is. The content is what `stretch.transfer.okr_export` writes for the caller,
so a token sees exactly what its person sees on the pages.
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router

from stretch import access
from stretch.okrs.models import Cycle
from stretch.params import as_int
from stretch.transfer import okr_export

router = Router(tags=["exports"])


def cycle_of(value: str | None) -> Cycle:
    """The cycle named by ?cycle=: a 400 naming `cycle` when it is missing or not an id, a
    404 naming it when there is no such cycle."""
    if value is None or value == "":
        raise ValidationError({"cycle": _("Choose a cycle (its id).")})
    pk = as_int(value)
    if pk is None:
        raise ValidationError({"cycle": _("A cycle is given by its id, a whole number.")})
    try:
        return access.get_cycle(pk)
    except Http404:
        raise Http404(_("cycle: no cycle with id %(id)s.") % {"id": pk}) from None


def format_of(value: str, allowed: tuple[str, ...]) -> str:
    chosen = (value or "").strip().lower()
    if chosen not in allowed:
        raise ValidationError(
            {"format": _("Choose one of: %(formats)s.") % {"formats": ", ".join(allowed)}}
        )
    return chosen


@router.get(
    "/exports/okrs",
    summary="A cycle's OKRs as a spreadsheet (CSV, or XLSX with the check-ins)",
    description="One row per key result in the shared OKR format (the import columns, then "
    "current, confidence, kr_progress, objective_progress, objective_status, "
    "objective_score, kr_score, checked_in_at). Only the objectives the caller may see.",
    response={200: None},
)
def export_okrs(request, cycle: str | None = None, format: str = "csv"):
    found = cycle_of(cycle)
    return okr_export.okrs_response(request.auth, found, format_of(format, okr_export.FORMATS))


@router.get(
    "/exports/check-ins",
    summary="A cycle's check-in history as CSV",
    description="objective_id, key_result_id, key_result, time, author (KPI for a check-in "
    "made from a KPI's measurement), value, confidence, note; oldest first per key result.",
    response={200: None},
)
def export_check_ins(request, cycle: str | None = None, format: str = "csv"):
    found = cycle_of(cycle)
    format_of(format, ("csv",))
    return okr_export.check_ins_response(request.auth, found)

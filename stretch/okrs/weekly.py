"""The weekly check-in: every key result of mine on one page, saved in one submit.

Each row starts from where the key result stands. A row the person left as it was (same
value, same confidence, no note) is not a check-in; the others are recorded together, or, if
one of them is wrong, none is and every row keeps what was typed.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stretch.okrs import rhythm, rollup, services
from stretch.okrs.forms import editable_number
from stretch.okrs.models import Cycle, KeyResult
from stretch.okrs.views import pick_cycle, reported_by


@dataclass
class Row:
    """One key result on the page, with what was typed for it and what went wrong."""

    kr: KeyResult
    value: str = ""
    done: bool = False
    steps: set[int] = field(default_factory=set)
    confidence: str = ""
    note: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    saved: bool = False
    shown: str = ""  # where the key result stood when the page was drawn (a hidden field)

    @property
    def prefix(self) -> str:
        return f"kr-{self.kr.pk}"


def my_key_results(user, cycle: Cycle) -> list[KeyResult]:
    """The key results this person checks in on, with their progress."""
    key_results = list(
        reported_by(user, cycle)
        .annotate(cadence=rhythm.key_result_cadence())
        .select_related("objective__cycle")
        .prefetch_related("steps")
        .order_by("objective_id", "position", "pk")
    )
    rollup.annotate_key_results(key_results, cycle)
    return key_results


def _initial(kr: KeyResult) -> Row:
    row = Row(
        kr=kr,
        value="" if kr.current is None else str(editable_number(kr.current)),
        done=kr.current is not None and kr.current >= 1,
        steps={s.pk for s in kr.steps.all() if s.done},
        confidence="" if kr.confidence is None else str(kr.confidence),
    )
    row.shown = _encode(row)
    return row


def _encode(row: Row) -> str:
    steps = ",".join(str(pk) for pk in sorted(row.steps))
    return f"{row.value}|{int(row.done)}|{steps}|{row.confidence}"


def _as_shown(kr: KeyResult, shown: str) -> Row | None:
    """The row as the page showed it, so a row left alone is skipped even when someone
    else checked in meanwhile (saving it would bring back the older value)."""
    parts = shown.split("|")
    if len(parts) != 4:
        return None
    value, done, steps, confidence = parts
    ids = {int(s) for s in steps.split(",") if s.isdigit()}
    return Row(kr=kr, value=value, done=done == "1", steps=ids, confidence=confidence)


def _from_post(kr: KeyResult, data) -> Row:
    p = f"kr-{kr.pk}"
    return Row(
        kr=kr,
        value=data.get(f"{p}-value", "").strip(),
        done=data.get(f"{p}-done") == "on",
        steps={int(s) for s in data.getlist(f"{p}-steps") if s.isdigit()},
        confidence=data.get(f"{p}-confidence", "").strip(),
        note=data.get(f"{p}-note", "").strip(),
        shown=data.get(f"{p}-shown", ""),
    )


def _changed(row: Row, before: Row) -> bool:
    if row.note or row.confidence != before.confidence:
        return True
    if row.kr.kind == KeyResult.Kind.MILESTONE:
        if row.kr.steps.all():
            return row.steps != before.steps
        return row.done != before.done
    return row.value != before.value


def _record(user, row: Row) -> None:
    """Check in on one row, or fill `row.errors` with what is wrong, by field."""
    arguments: dict = {}
    if row.kr.kind == KeyResult.Kind.MILESTONE:
        if row.kr.steps.all():
            arguments["steps"] = sorted(row.steps)
        else:
            arguments["done"] = row.done
    else:
        try:
            arguments["value"] = float(row.value)
        except ValueError:
            row.errors["value"] = _("Enter a number.")
    confidence = None
    if row.confidence:
        try:
            confidence = int(row.confidence)
        except ValueError:
            row.errors["confidence"] = _("Enter a whole number from 1 to 10.")
    if row.errors:
        return
    try:
        services.check_in(user, row.kr, confidence=confidence, note=row.note, **arguments)
        row.saved = True
    except ValidationError as error:
        for name, texts in error.message_dict.items():
            row.errors[name if name in ("value", "confidence", "note") else "row"] = texts[0]
    except PermissionDenied as error:
        row.errors["row"] = str(error)


def weekly_check_in(request):
    cycle = pick_cycle(request)
    key_results = my_key_results(request.user, cycle) if cycle else []
    rows = [_initial(kr) for kr in key_results]
    status = 200
    notice = ""
    if request.method == "POST" and cycle is not None:
        before = {row.kr.pk: row for row in rows}
        rows = [_from_post(kr, request.POST) for kr in key_results]
        touched = [
            row for row in rows if _changed(row, _as_shown(row.kr, row.shown) or before[row.kr.pk])
        ]
        with transaction.atomic():
            for row in touched:
                _record(request.user, row)
            failed = any(row.errors for row in touched)
            if failed:
                transaction.set_rollback(True)
        if failed:
            for row in touched:
                row.saved = False
            status = 200 if request.htmx else 400
        else:
            count = len(touched)
            text = (
                ngettext(
                    "Checked in on %(count)s key result.",
                    "Checked in on %(count)s key results.",
                    count,
                )
                % {"count": count}
                if count
                else _("Nothing changed, so nothing was recorded.")
            )
            if not request.htmx:
                messages.success(request, text)
                return redirect(f"{request.path}?cycle={cycle.pk}")
            saved = {row.kr.pk for row in touched}
            rows = [_initial(kr) for kr in my_key_results(request.user, cycle)]
            for row in rows:
                row.saved = row.kr.pk in saved
            notice = text
    context = {
        "cycle": cycle,
        "cycles": Cycle.objects.all(),
        "rows": rows,
        "errors": any(row.errors for row in rows),
        "notice": notice,
    }
    template = "okrs/weekly_check_in.html"
    if request.htmx:
        template += "#check-in-form"
    return render(request, template, context, status=status)

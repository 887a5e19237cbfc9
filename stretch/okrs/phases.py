"""Cycle phases: planning, active, grading, closed, and what each phase allows.

- planning: objectives and key results are written and agreed; no check-ins yet.
- active: people check in; objectives and key results may still be adjusted (a change to a
  key result's target, start or weight then needs a reason, kept in the history).
- grading: the cycle is over; key results and objectives are scored, reviews written, and
  a last check-in may still record the final value.
- closed: read-only history (reviews may still be written, unfinished objectives carried
  over into the next cycle).

A cycle with `auto_advance` moves on by its dates: active from its start, grading after its
end, closed after `closes_on` (two weeks after the end when not set). An administrator may
move any cycle to any phase by hand; moving one back (reopening it) turns `auto_advance`
off, or the dates would move it forward again at the next pass.
"""

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from stretch import access
from stretch.okrs.models import Cycle, Objective

ORDER = [Cycle.Status.PLANNING, Cycle.Status.ACTIVE, Cycle.Status.GRADING, Cycle.Status.CLOSED]
GRADING_DAYS = 14  # how long grading lasts when a cycle names no closing day

WRITE, CHECK_IN, GRADE = "write", "check_in", "grade"
ALLOWED = {
    WRITE: {Cycle.Status.PLANNING, Cycle.Status.ACTIVE},
    CHECK_IN: {Cycle.Status.ACTIVE, Cycle.Status.GRADING},
    GRADE: {Cycle.Status.GRADING},
}


def rank(phase: str) -> int:
    """Where a phase stands in the order planning, active, grading, closed."""
    return ORDER.index(Cycle.Status(phase))


def neighbours(phase: str) -> tuple[str | None, str | None]:
    """The phases just before and after `phase` (None at either end)."""
    position = rank(phase)
    before = ORDER[position - 1] if position > 0 else None
    after = ORDER[position + 1] if position + 1 < len(ORDER) else None
    return before, after


def move(cycle: Cycle, phase: str) -> None:
    """Put `cycle` (unsaved) in `phase`; a move back turns auto-advance off, or the dates
    would move it forward again at the next pass."""
    if rank(phase) < rank(cycle.status):
        cycle.auto_advance = False
    cycle.status = phase


def closes_on(cycle: Cycle) -> date:
    return cycle.closes_on or cycle.end + timedelta(days=GRADING_DAYS)


def phase_by_date(cycle: Cycle, today: date) -> str:
    """The phase the dates give on `today`."""
    if today < cycle.start:
        return Cycle.Status.PLANNING
    if today <= cycle.end:
        return Cycle.Status.ACTIVE
    if today <= closes_on(cycle):
        return Cycle.Status.GRADING
    return Cycle.Status.CLOSED


def refusal(cycle: Cycle, action: str) -> str:
    """Why `action` is not open in the cycle's phase, in words for the person trying."""
    name = {"name": cycle.name}
    if cycle.status == Cycle.Status.CLOSED and action == CHECK_IN:
        return _("The cycle %(name)s is closed; check-ins are over.") % name
    if cycle.status == Cycle.Status.CLOSED:
        return _("The cycle %(name)s is closed; it can no longer be changed.") % name
    if action == CHECK_IN and cycle.status == Cycle.Status.PLANNING:
        return (
            _("The cycle %(name)s is still being planned; check-ins open when it is active.") % name
        )
    if action == GRADE:
        return (
            _("The cycle %(name)s is not being graded; grades are given in the grading phase.")
            % name
        )
    return (
        _("The cycle %(name)s is being graded; objectives and key results are no longer edited.")
        % name
    )


def allows(cycle: Cycle, action: str) -> bool:
    return cycle.status in ALLOWED[action]


def require(cycle: Cycle, action: str) -> None:
    """Raise a ValidationError on `cycle` unless its phase allows `action`."""
    if not allows(cycle, action):
        raise ValidationError({"cycle": refusal(cycle, action)})


def check_ins_open(objective: Objective) -> bool:
    """Whether an objective takes check-ins now: its cycle's phase allows them and it is not
    stopped or closed (the rule `services.check_in` applies, asked before showing a form)."""
    return allows(objective.cycle, CHECK_IN) and objective.status not in (
        Objective.Status.STOPPED,
        Objective.Status.CLOSED,
    )


def set_phase(actor, cycle: Cycle, phase: str) -> Cycle:
    """Move a cycle to `phase` (administrators). Moving back turns auto-advance off."""
    if not access.can_manage_company(actor):
        raise PermissionDenied(_("Only administrators manage cycles."))
    if phase not in Cycle.Status.values:
        allowed = ", ".join(Cycle.Status.values)
        raise ValidationError({"phase": _("Must be one of: %(allowed)s.") % {"allowed": allowed}})
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        move(cycle, phase)
        cycle.save(update_fields=["status", "auto_advance"])
    return cycle


def advance_by_date(today: date) -> list[Cycle]:
    """Move every auto-advancing cycle forward to the phase its dates give; never back.

    Returns the cycles that moved. Safe to run from several workers at once: each cycle is
    locked while it moves.
    """
    moved = []
    for pk in (
        Cycle.objects.filter(auto_advance=True)
        .exclude(status=Cycle.Status.CLOSED)
        .values_list("pk", flat=True)
    ):
        with transaction.atomic():
            cycle = Cycle.objects.select_for_update().get(pk=pk)
            wanted = phase_by_date(cycle, today)
            if rank(wanted) > rank(cycle.status):
                cycle.status = wanted
                cycle.save(update_fields=["status"])
                moved.append(cycle)
    return moved

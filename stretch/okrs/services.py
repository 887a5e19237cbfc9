"""Every change to cycles, objectives, key results and check-ins goes through here.

Views, API endpoints, the CLI and the demo loader call these functions; they check the
method's rules, write in one transaction and raise `ValidationError` naming the field.
Permission to act is checked by the caller through `stretch.access`.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stretch import access, caching
from stretch.errors import Conflict
from stretch.kpis.models import Kpi
from stretch.okrs import agreement, phases, rollup
from stretch.okrs import progress as okr_math
from stretch.okrs.history import LABELS as HISTORY_LABELS
from stretch.okrs.models import CheckIn, Cycle, KeyResult, MilestoneStep, Objective
from stretch.org.models import display_name
from stretch.social import events

OBJECTIVE_FIELDS = {
    "title", "description", "strategy", "cycle", "owner_person", "owner_team", "parent",
    "pillar", "kind", "visibility", "status", "score", "reflection", "stop_reason",
}  # fmt: skip
# What may still change while a cycle is graded (the score goes through `grading`).
GRADING_OBJECTIVE_FIELDS = {"reflection", "score"}
# Changes to a key result in an active cycle that move the goal posts: they need a reason.
ADJUSTMENT_FIELDS = {"kind", "direction", "start", "target", "weight", "range_low", "range_high"}
# How far in the past a check-in's own date must be for it to count as history, not news.
BACKDATED = timedelta(hours=1)
KEY_RESULT_FIELDS = {
    "title", "kind", "direction", "start", "target", "range_low", "range_high", "unit",
    "weight", "owner", "position", "kpi", "kpi_factor",
}  # fmt: skip
# What decides whether a key result may follow its KPI (see `_follow_kpi`).
KPI_LINK_FIELDS = {"kpi", "kpi_factor", "unit", "kind"}


def _require_choice(field: str, value, choices) -> None:
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        raise ValidationError({field: _("Must be one of: %(allowed)s.") % {"allowed": allowed}})


def _require_number(field: str, value) -> None:
    if value is not None and (isinstance(value, bool) or not math.isfinite(float(value))):
        raise ValidationError({field: _("Must be a finite number.")})


# Cycles -------------------------------------------------------------------------------------

LAST_DAY = date(9000, 1, 1)  # far enough from the calendar's end for grading and week sums


def validate_cycle(cycle: Cycle) -> None:
    if not cycle.name.strip():
        raise ValidationError({"name": _("A cycle needs a name.")})
    if cycle.end <= cycle.start:
        raise ValidationError({"end": _("The end must be after the start.")})
    for name in ("end", "closes_on"):
        if getattr(cycle, name) is not None and getattr(cycle, name) >= LAST_DAY:
            raise ValidationError({name: _("A cycle ends before the year 9000.")})
    _require_choice("status", cycle.status, Cycle.Status)
    _require_choice("cadence", cycle.cadence, Cycle.Cadence)
    if cycle.closes_on is not None and cycle.closes_on < cycle.end:
        raise ValidationError({"closes_on": _("Grading cannot close before the cycle ends.")})
    if Cycle.objects.filter(name=cycle.name).exclude(pk=cycle.pk).exists():
        raise ValidationError({"name": _("A cycle with this name exists already.")})


def create_cycle(actor, **fields) -> Cycle:
    if not access.can_manage_company(actor):
        raise PermissionDenied(_("Only administrators manage cycles."))
    cycle = Cycle(**fields)
    validate_cycle(cycle)
    cycle.save()
    return cycle


def update_cycle(actor, cycle: Cycle, changes: Mapping[str, Any]) -> Cycle:
    if not access.can_manage_company(actor):
        raise PermissionDenied(_("Only administrators manage cycles."))
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        for name, value in changes.items():
            if name != "status":
                setattr(cycle, name, value)
        if "status" in changes:
            _require_choice("status", changes["status"], Cycle.Status)
            phases.move(cycle, changes["status"])
            if "auto_advance" in changes:  # said outright, it wins over the move's default
                cycle.auto_advance = changes["auto_advance"]
        validate_cycle(cycle)
        cycle.save()
    return cycle


# Objectives ---------------------------------------------------------------------------------


def validate_objective(objective: Objective) -> None:
    if not objective.title.strip():
        raise ValidationError({"title": _("An objective needs a title.")})
    if (objective.owner_person_id is None) == (objective.owner_team_id is None):
        raise ValidationError(
            {"owner_person": _("Give exactly one owner: owner_person or owner_team.")}
        )
    _require_choice("kind", objective.kind, Objective.Kind)
    _require_choice("visibility", objective.visibility, Objective.Visibility)
    _require_choice("status", objective.status, Objective.Status)
    if objective.score is not None and not 0 <= objective.score <= 1:
        raise ValidationError({"score": _("A score is between 0.0 and 1.0.")})
    if objective.parent is not None:
        validate_alignment(objective, objective.parent)


def validate_alignment(objective: Objective, parent: Objective) -> None:
    """A parent must cover the child's cycle and must not sit below the child."""
    if not parent.cycle.covers(objective.cycle):
        raise ValidationError(
            {
                "parent": _(
                    "The parent's cycle %(parent)s does not cover %(cycle)s; align to an "
                    "objective of the same cycle or of one that contains it."
                )
                % {"parent": parent.cycle.name, "cycle": objective.cycle.name}
            }
        )
    if objective.pk is None:
        return
    ancestor_id: int | None = parent.pk
    seen: set[int] = set()
    while ancestor_id is not None and ancestor_id not in seen:
        if ancestor_id == objective.pk:
            raise ValidationError(
                {"parent": _("Circular alignment: the parent is aligned below this objective.")}
            )
        seen.add(ancestor_id)
        ancestor_id = (
            Objective.objects.filter(pk=ancestor_id).values_list("parent_id", flat=True).first()
        )


def _check_children_fit(actor, objective: Objective) -> None:
    """Objectives aligned below must stay within the (new) cycle of their parent.

    A child the actor may not see is counted, never named.
    """
    misfits = [
        child
        for child in objective.children.select_related("cycle")
        if not objective.cycle.covers(child.cycle)
    ]
    for child in misfits:
        if not access.can_view_objective(actor, child):
            continue
        raise ValidationError(
            {
                "cycle": _(
                    "%(cycle)s does not cover the cycle %(child_cycle)s of the aligned "
                    "objective “%(child)s”; realign it first."
                )
                % {
                    "cycle": objective.cycle.name,
                    "child_cycle": child.cycle.name,
                    "child": child.title,
                }
            }
        )
    if misfits:
        raise ValidationError(
            {
                "cycle": ngettext(
                    "%(cycle)s does not cover the cycle of %(count)s aligned objective you "
                    "cannot see; ask its owner to realign it.",
                    "%(cycle)s does not cover the cycle of %(count)s aligned objectives you "
                    "cannot see; ask their owners to realign them.",
                    len(misfits),
                )
                % {"cycle": objective.cycle.name, "count": len(misfits)}
            }
        )


def _require_reason(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": message})
    return reason


def create_objective(actor, **fields) -> Objective:
    unknown = set(fields) - OBJECTIVE_FIELDS
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("Unknown field.")})
    if fields.get("cycle") is not None:
        phases.require(fields["cycle"], phases.WRITE)
    if not access.can_own(
        actor, owner_person=fields.get("owner_person"), owner_team=fields.get("owner_team")
    ):
        raise PermissionDenied(_("You may create objectives for yourself or teams you lead."))
    agreeing = agreement.workflow_on()
    if agreeing and "status" not in fields:
        fields = {**fields, "status": Objective.Status.DRAFT}  # to be proposed and agreed
    objective = Objective(**fields)
    validate_objective(objective)
    publishing = agreeing and objective.status == Objective.Status.ACTIVE
    if publishing and (refusal := agreement.publish_refusal(actor, objective)):
        raise ValidationError({"status": refusal})
    objective._history_user = actor
    with transaction.atomic():
        objective.save()
        if objective.status != Objective.Status.DRAFT:
            events.record(events.Verb.OBJECTIVE_CREATED, actor, objective=objective)
    return objective


def save_change(actor, obj: Objective | KeyResult, reason: str = "") -> None:
    """Save a changed objective or key result (its row locked by the caller): its version
    moves on, and the history keeps who made the change and why."""
    obj.version = F("version") + 1
    obj._history_user = actor
    obj._change_reason = (reason or "").strip()
    obj.save()
    obj.refresh_from_db()


def check_version(obj, expected_version: int | None) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise Conflict(
            _("This was changed by someone else (now version %(version)s); reload and retry.")
            % {"version": obj.version},
            obj,
        )


def update_objective(
    actor,
    objective: Objective,
    changes: Mapping[str, Any],
    expected_version: int | None = None,
    reason: str = "",
) -> Objective:
    """Change an objective. Stopping it needs a `reason`, kept on the objective and in the
    history; any other change may give one (moving it to another owner mid-cycle, say).
    While the cycle is graded only the reflection (and, through `grading`, the score) may
    change; a closed cycle is read-only."""
    unknown = set(changes) - OBJECTIVE_FIELDS
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("Unknown field.")})
    with transaction.atomic():
        objective = (
            Objective.objects.select_for_update().select_related("cycle").get(pk=objective.pk)
        )
        if not access.can_edit_objective(actor, objective):
            raise PermissionDenied(_("You may not change this objective."))
        check_version(objective, expected_version)
        changes = {k: v for k, v in changes.items() if getattr(objective, k, object()) != v}
        was = objective.status
        if set(changes) - GRADING_OBJECTIVE_FIELDS:
            phases.require(objective.cycle, phases.WRITE)
        elif objective.cycle.status == Cycle.Status.CLOSED:
            raise ValidationError({"cycle": phases.refusal(objective.cycle, phases.WRITE)})
        if "score" in changes:
            phases.require(objective.cycle, phases.GRADE)
        new_owner = {"owner_person", "owner_team"} & set(changes)
        stopping = (
            changes.get("status") == Objective.Status.STOPPED
            and objective.status != Objective.Status.STOPPED
        )
        if stopping:
            reason = _require_reason(
                reason or changes.get("stop_reason", ""),
                _("Say why the objective is stopped; the reason stays in its history."),
            )
            changes = {**changes, "stop_reason": reason}
        if "cycle" in changes:
            phases.require(changes["cycle"], phases.WRITE)
        for name, value in changes.items():
            setattr(objective, name, value)
        if new_owner:
            if "owner_person" in changes and "owner_team" not in changes:
                objective.owner_team = None
            if "owner_team" in changes and "owner_person" not in changes:
                objective.owner_person = None
            if objective.owner_person_id is None and objective.owner_team_id is None:
                raise ValidationError(
                    {"owner_person": _("Give exactly one owner: owner_person or owner_team.")}
                )
            if not access.can_own(
                actor, owner_person=objective.owner_person, owner_team=objective.owner_team
            ):
                raise PermissionDenied(_("You may give objectives to yourself or teams you lead."))
        validate_objective(objective)
        if "cycle" in changes:
            _check_children_fit(actor, objective)
        publishing = changes.get("status") == Objective.Status.ACTIVE
        if publishing and was == Objective.Status.DRAFT:
            refusal = agreement.publish_refusal(actor, objective)
            if refusal:
                raise ValidationError({"status": refusal})
        save_change(actor, objective, reason)
        if changes.get("status") == Objective.Status.ACTIVE and was == Objective.Status.DRAFT:
            events.record(events.Verb.OBJECTIVE_PUBLISHED, actor, objective=objective)
    return objective


def delete_objective(actor, objective: Objective) -> None:
    if not access.can_edit_objective(actor, objective):
        raise PermissionDenied(_("You may not delete this objective."))
    phases.require(objective.cycle, phases.WRITE)
    objective._history_user = actor
    objective.delete()


# Key results --------------------------------------------------------------------------------


def validate_key_result(key_result: KeyResult) -> None:
    if not key_result.title.strip():
        raise ValidationError({"title": _("A key result needs a title.")})
    _require_choice("kind", key_result.kind, KeyResult.Kind)
    _require_choice("direction", key_result.direction, KeyResult.Direction)
    for name in ("start", "target", "range_low", "range_high", "weight"):
        _require_number(name, getattr(key_result, name))
    if key_result.weight is None or key_result.weight <= 0:
        raise ValidationError({"weight": _("The weight must be greater than 0.")})
    if key_result.kind == KeyResult.Kind.MILESTONE:
        return
    if key_result.direction == KeyResult.Direction.RANGE:
        if key_result.range_low is None:
            raise ValidationError({"range_low": _("A range needs range_low.")})
        if key_result.range_high is None:
            raise ValidationError({"range_high": _("A range needs range_high.")})
        if key_result.range_low > key_result.range_high:
            raise ValidationError(
                {"range_low": _("range_low must not be greater than range_high.")}
            )
        return
    if key_result.target == key_result.start:
        raise ValidationError({"target": _("The target must differ from the start.")})
    if (
        key_result.direction == KeyResult.Direction.INCREASE
        and key_result.target < key_result.start
    ):
        raise ValidationError(
            {"target": _("To increase, the target must be above the start (or choose decrease).")}
        )
    if (
        key_result.direction == KeyResult.Direction.DECREASE
        and key_result.target > key_result.start
    ):
        raise ValidationError(
            {"target": _("To decrease, the target must be below the start (or choose increase).")}
        )


def _check_owner_sees(key_result: KeyResult) -> None:
    """A key result's owner must be able to see its objective, or they could not check in."""
    owner = key_result.owner
    if owner is not None and not access.can_view_objective(owner, key_result.objective):
        raise ValidationError(
            {
                "owner": _(
                    "%(name)s cannot see this private objective; choose someone who can, "
                    "or make the objective public."
                )
                % {"name": display_name(owner)}
            }
        )


def _normalise_milestone(key_result: KeyResult) -> None:
    """A milestone moves from 0 (not done) to 1 (done)."""
    if key_result.kind == KeyResult.Kind.MILESTONE:
        key_result.direction = KeyResult.Direction.INCREASE
        key_result.start, key_result.target = 0.0, 1.0
        key_result.range_low = key_result.range_high = None


def _validate_steps(steps: Iterable[Mapping[str, Any]]) -> list[MilestoneStep]:
    result = []
    for position, step in enumerate(steps):
        title = str(step.get("title", "")).strip()
        weight = step.get("weight", 1)
        if not title:
            raise ValidationError({"steps": _("Each step needs a title.")})
        _require_number("steps", weight)
        if weight <= 0:
            raise ValidationError({"steps": _("A step's weight must be greater than 0.")})
        result.append(MilestoneStep(title=title, weight=weight, position=position))
    return result


def _kpi_of(value) -> Kpi | None:
    """The KPI a key result is to follow, given as a KPI or its id (KPIs are public inside
    the company: any known one may be followed)."""
    if value is None or isinstance(value, Kpi):
        return value
    found = Kpi.objects.filter(pk=value).first() if isinstance(value, int) else None
    if found is None:
        raise ValidationError({"kpi": _("No KPI with id %(id)s.") % {"id": value}})
    return found


def _follow_kpi(key_result: KeyResult, *, stated: bool) -> None:
    """A key result following a KPI is a metric counted in the KPI's unit (an empty unit
    takes the KPI's), or in another unit with a stated conversion: `kpi_factor`, the key
    result's units per unit of the KPI. Stating it counts even when it is 1 ("ms" and
    "milliseconds" are the same unit), so `stated` is whether the caller gave it."""
    kpi = key_result.kpi
    if kpi is None:
        key_result.kpi_factor = 1.0
        return
    if key_result.kind != KeyResult.Kind.METRIC:
        raise ValidationError({"kpi": _("Only a metric key result can follow a KPI.")})
    if kpi.archived:
        raise ValidationError({"kpi": _("The KPI “%(name)s” is archived.") % {"name": kpi.name}})
    factor = key_result.kpi_factor
    if factor is None or isinstance(factor, bool) or not math.isfinite(float(factor)):
        raise ValidationError({"kpi_factor": _("Must be a finite number.")})
    if factor == 0:
        raise ValidationError({"kpi_factor": _("The conversion factor must not be 0.")})
    unit, kpi_unit = key_result.unit.strip(), kpi.unit.strip()
    if not unit:
        key_result.unit = kpi_unit
    elif kpi_unit and unit.casefold() != kpi_unit.casefold() and not stated:
        raise ValidationError(
            {
                "kpi_factor": _(
                    "The key result counts in “%(unit)s” and the KPI “%(kpi)s” in "
                    "“%(kpi_unit)s”: state the conversion (key result units per KPI unit)."
                )
                % {"unit": unit, "kpi": kpi.name, "kpi_unit": kpi_unit}
            }
        )


def create_key_result(actor, objective: Objective, *, steps=(), **fields) -> KeyResult:
    unknown = set(fields) - KEY_RESULT_FIELDS
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("Unknown field.")})
    if not access.can_edit_objective(actor, objective):
        raise PermissionDenied(_("You may not change this objective."))
    phases.require(objective.cycle, phases.WRITE)
    if "kpi" in fields:
        fields = {**fields, "kpi": _kpi_of(fields["kpi"])}
    key_result = KeyResult(objective=objective, **fields)
    if key_result.owner_id is None:
        key_result.owner_id = objective.owner_person_id or actor.pk
    _normalise_milestone(key_result)
    validate_key_result(key_result)
    _follow_kpi(key_result, stated="kpi_factor" in fields)
    _check_owner_sees(key_result)
    new_steps = _validate_steps(steps)
    if new_steps and key_result.kind != KeyResult.Kind.MILESTONE:
        raise ValidationError({"steps": _("Only a milestone key result has steps.")})
    with transaction.atomic():
        if "position" not in fields:
            key_result.position = objective.key_results.count()
        key_result._history_user = actor
        key_result.save()
        for step in new_steps:
            step.key_result = key_result
        MilestoneStep.objects.bulk_create(new_steps)
        Objective.objects.filter(pk=objective.pk).update(version=F("version") + 1)
    return key_result


def _goal_posts(key_result: KeyResult) -> dict[str, Any]:
    """What a key result's progress is measured against: its kind, direction, start,
    target, range and weight."""
    return {name: getattr(key_result, name) for name in ADJUSTMENT_FIELDS}


def update_key_result(
    actor,
    key_result: KeyResult,
    changes: Mapping[str, Any],
    expected_version: int | None = None,
    reason: str = "",
) -> KeyResult:
    """Change a key result. In an active cycle, moving its start, target, weight or range
    needs a `reason`, kept in the history (where an eased target is marked as such)."""
    unknown = set(changes) - KEY_RESULT_FIELDS
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("Unknown field.")})
    with transaction.atomic():
        key_result = (
            KeyResult.objects.select_for_update()
            .select_related("objective__cycle")
            .get(pk=key_result.pk)
        )
        if not access.can_edit_objective(actor, key_result.objective):
            raise PermissionDenied(_("You may not change this key result."))
        check_version(key_result, expected_version)
        phases.require(key_result.objective.cycle, phases.WRITE)
        before = _goal_posts(key_result)
        if "kpi" in changes:
            changes = {**changes, "kpi": _kpi_of(changes["kpi"])}
        # A conversion stated for the KPI it follows still holds while it follows that KPI.
        stated = "kpi_factor" in changes or (
            key_result.kpi_factor != 1
            and getattr(changes.get("kpi", key_result.kpi), "pk", None) == key_result.kpi_id
        )
        for name, value in changes.items():
            setattr(key_result, name, value)
        _normalise_milestone(key_result)
        validate_key_result(key_result)
        if KPI_LINK_FIELDS & set(changes):
            _follow_kpi(key_result, stated=stated)
        after = _goal_posts(key_result)
        # Compared after a milestone's numbers are normalised: turning a metric into a
        # milestone or a range moves the goal posts as much as a new target does.
        adjusted = {name for name in after if after[name] != before[name]}
        if adjusted and key_result.objective.cycle.status == Cycle.Status.ACTIVE:
            labels = [str(HISTORY_LABELS[name]) for name in sorted(adjusted)]
            reason = _require_reason(
                reason,
                _(
                    "The cycle is under way: say why the %(fields)s changes; the reason is "
                    "kept in the history."
                )
                % {"fields": ", ".join(labels)},
            )
        if "owner" in changes:
            _check_owner_sees(key_result)
        save_change(actor, key_result, reason)
    return key_result


def delete_key_result(actor, key_result: KeyResult) -> None:
    if not access.can_edit_objective(actor, key_result.objective):
        raise PermissionDenied(_("You may not delete this key result."))
    phases.require(key_result.objective.cycle, phases.WRITE)
    key_result._history_user = actor
    key_result.delete()


def reorder_key_results(actor, objective: Objective, ordered_ids: Sequence[int]) -> None:
    """Put an objective's key results in the order of `ordered_ids`, in one write.

    Key results not named keep their relative order after the named ones, so a key result
    added meanwhile by someone else is not lost from the list.
    """
    if not access.can_edit_objective(actor, objective):
        raise PermissionDenied(_("You may not change this objective."))
    phases.require(objective.cycle, phases.WRITE)
    key_results = list(
        KeyResult.objects.filter(objective=objective)
        .only("pk", "position")
        .order_by("position", "id")
    )
    by_id = {kr.pk: kr for kr in key_results}
    if unknown := sorted(set(ordered_ids) - set(by_id)):
        raise ValidationError(
            {"position": _("Not key results of this objective: %(ids)s.") % {"ids": unknown}}
        )
    named = list(dict.fromkeys(ordered_ids))
    order = named + [kr.pk for kr in key_results if kr.pk not in set(named)]
    moved = []
    for position, pk in enumerate(order):
        if by_id[pk].position != position:
            by_id[pk].position = position
            moved.append(by_id[pk])
    KeyResult.objects.bulk_update(moved, ["position"])


def set_milestone_steps(
    actor,
    key_result: KeyResult,
    steps: Iterable[Mapping[str, Any]],
    expected_version: int | None = None,
) -> None:
    """Replace a milestone's steps; a step that keeps its title keeps its id and done state.

    Check-ins name done steps by id, so matching by title keeps their history meaningful.
    """
    if not access.can_edit_objective(actor, key_result.objective):
        raise PermissionDenied(_("You may not change this key result."))
    phases.require(key_result.objective.cycle, phases.WRITE)
    new_steps = _validate_steps(steps)
    with transaction.atomic():
        key_result = KeyResult.objects.select_for_update().get(pk=key_result.pk)
        check_version(key_result, expected_version)
        if new_steps and key_result.kind != KeyResult.Kind.MILESTONE:
            raise ValidationError({"steps": _("Only a milestone key result has steps.")})
        old: dict[str, list[MilestoneStep]] = {}
        for step in key_result.steps.all():
            old.setdefault(step.title, []).append(step)
        kept, created = [], []
        for step in new_steps:
            if old.get(step.title):
                same = old[step.title].pop(0)
                same.weight, same.position = step.weight, step.position
                kept.append(same)
            else:
                step.key_result = key_result
                created.append(step)
        gone = [step.pk for rest in old.values() for step in rest]
        if gone:
            MilestoneStep.objects.filter(pk__in=gone).delete()
        MilestoneStep.objects.bulk_update(kept, ["weight", "position"])
        MilestoneStep.objects.bulk_create(created)
        KeyResult.objects.filter(pk=key_result.pk).update(version=F("version") + 1)
        caching.bump_on_commit()  # bulk writes send no signal


# Check-ins ----------------------------------------------------------------------------------


def check_in(
    actor,
    key_result: KeyResult,
    *,
    value: float | None = None,
    done: bool | None = None,
    steps: Iterable[int] | None = None,
    confidence: int | None = None,
    note: str = "",
    at=None,
) -> CheckIn:
    """Record a check-in; the key result's current value and confidence become its own.

    A metric takes `value`; a milestone takes `done`, or `steps`: the ids of its steps that
    are done now. Without a confidence, the key result keeps its last one. `at` backdates
    the check-in (imports, demo data); the newest check-in by time sets the current value.
    """
    if not access.can_check_in(actor, key_result):
        raise PermissionDenied(_("You may not check in on this key result."))
    return _record_check_in(
        actor,
        key_result,
        value=value,
        done=done,
        steps=steps,
        confidence=confidence,
        note=note,
        at=at,
    )


def check_in_from_measurement(
    key_result: KeyResult, *, value: float, at, measurement, note: str = ""
) -> CheckIn:
    """A check-in by the system (no author) from a KPI's `measurement` on a key result that
    follows the KPI; it goes when the measurement goes. The caller checked that the key
    result takes check-ins now (`phases.check_ins_open`) and converted the value."""
    return _record_check_in(
        None, key_result, value=value, note=note, at=at, measurement=measurement
    )


def _record_check_in(
    actor,
    key_result: KeyResult,
    *,
    value: float | None = None,
    done: bool | None = None,
    steps: Iterable[int] | None = None,
    confidence: int | None = None,
    note: str = "",
    at=None,
    measurement=None,
) -> CheckIn:
    """The body of `check_in` and `check_in_from_measurement`: everything but who may."""
    phases.require(key_result.objective.cycle, phases.CHECK_IN)
    if key_result.objective.status == Objective.Status.CLOSED:
        raise ValidationError({"objective": _("The objective is closed.")})
    if key_result.objective.status == Objective.Status.STOPPED:
        raise ValidationError({"objective": _("The objective was stopped; check-ins are over.")})
    if confidence is not None and not (1 <= confidence <= 10):
        raise ValidationError({"confidence": _("Confidence is a whole number from 1 to 10.")})
    with transaction.atomic():
        # The row lock makes concurrent check-ins queue, so the newest one sets `current`.
        key_result = KeyResult.objects.select_for_update().get(pk=key_result.pk)
        health_before = _health(key_result)
        done_steps: list[int] = []
        if key_result.kind == KeyResult.Kind.MILESTONE:
            value, done_steps = _milestone_value(key_result, value, done, steps)
        else:
            if value is None:
                raise ValidationError({"value": _("A metric check-in needs a value.")})
            _require_number("value", value)
        entry = CheckIn.objects.create(
            key_result=key_result,
            author=actor,
            value=float(value),
            confidence=confidence if confidence is not None else key_result.confidence,
            note=note.strip(),
            done_steps=done_steps,
            created_at=at or timezone.now(),
            measurement=measurement,
        )
        newest = CheckIn.objects.filter(key_result=key_result).order_by("-created_at", "-id")[0]
        KeyResult.objects.filter(pk=key_result.pk).update(
            current=newest.value,
            confidence=newest.confidence,
            checked_in_at=newest.created_at,
            updated_at=timezone.now(),
        )
        key_result.current, key_result.confidence = newest.value, newest.confidence
        health_after = _health(key_result)
        data = {"value": entry.value, "confidence": entry.confidence, "health": health_after}
        if measurement is not None:  # the feed names the KPI, not "someone"
            data["kpi"] = measurement.kpi.name
        # A check-in dated in the past (an import, the demo's history) goes into the feed at
        # its own time, but tells nobody: it is not news.
        quiet = at is not None and at < timezone.now() - BACKDATED
        goes_off_track = health_after == okr_math.OFF_TRACK and health_before != okr_math.OFF_TRACK
        events.record(
            events.Verb.CHECK_IN,
            actor,
            check_in=entry,
            key_result=key_result,
            data=data,
            at=entry.created_at,
            quiet=quiet,
            goes_off_track=goes_off_track,  # its notice is the off-track one that follows
        )
        if goes_off_track:
            events.record(
                events.Verb.OFF_TRACK,
                actor,
                check_in=entry,
                key_result=key_result,
                data=data,
                at=entry.created_at,
                quiet=quiet,
            )
    return entry


def refresh_current(key_result: KeyResult) -> None:
    """Set a key result's current value, confidence and check-in time from its newest
    remaining check-in (after some were deleted, e.g. with a KPI's measurement); with none
    left it has no current value and keeps its confidence."""
    with transaction.atomic():
        locked = KeyResult.objects.select_for_update().get(pk=key_result.pk)
        newest = CheckIn.objects.filter(key_result=locked).order_by("-created_at", "-id").first()
        KeyResult.objects.filter(pk=locked.pk).update(
            current=newest.value if newest else None,
            confidence=newest.confidence if newest else locked.confidence,
            checked_in_at=newest.created_at if newest else None,
            updated_at=timezone.now(),
        )
        caching.bump_on_commit()  # an update() sends no signal


def _health(key_result: KeyResult) -> str:
    """The key result's health now (its steps read afresh: a check-in may have moved them)."""
    steps = [okr_math.Step(weight=s.weight, done=s.done) for s in key_result.steps.all()]
    cycle = key_result.objective.cycle
    return okr_math.health(
        rollup.progress_at(key_result, key_result.current, steps),
        rollup.expected_for(cycle),
        key_result.confidence,
    )


def _milestone_value(key_result: KeyResult, value, done, steps) -> tuple[float, list[int]]:
    own_steps = list(key_result.steps.all())
    if steps is not None:
        if not own_steps:
            raise ValidationError({"steps": _("This milestone has no steps; send done.")})
        wanted = set(steps)
        known = {s.pk for s in own_steps}
        if unknown := wanted - known:
            raise ValidationError(
                {"steps": _("Not steps of this key result: %(ids)s.") % {"ids": sorted(unknown)}}
            )
        for step in own_steps:
            step.done = step.pk in wanted
        MilestoneStep.objects.bulk_update(own_steps, ["done"])
        all_done = wanted == known
        return (1.0 if all_done else 0.0), sorted(wanted)
    if done is None and value is not None:
        _require_number("value", value)
        done = float(value) >= 1
    if done is None:
        raise ValidationError({"done": _("A milestone check-in needs done (true or false).")})
    if own_steps:
        for step in own_steps:
            step.done = bool(done)
        MilestoneStep.objects.bulk_update(own_steps, ["done"])
    return (1.0 if done else 0.0), ([s.pk for s in own_steps] if done else [])

"""The change history of an objective and its key results, in words a reader follows.

django-simple-history keeps a row per save; here consecutive rows are compared to say what
changed from what to what, newest first.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stretch import access
from stretch.kpis.models import Kpi
from stretch.okrs.formatting import number
from stretch.okrs.models import Cycle, KeyResult, Objective
from stretch.org.models import StrategyPillar, Team, display_name

User = get_user_model()

# The fields a reader cares about, with the words the history uses for them.
LABELS = {
    "title": gettext_lazy("title"), "description": gettext_lazy("description"),
    "strategy": gettext_lazy("strategy"), "cycle": gettext_lazy("cycle"), "owner_person": gettext_lazy("owner"),
    "owner_team": gettext_lazy("owning team"), "parent": gettext_lazy("aligned to"),
    "pillar": gettext_lazy("strategy pillar"), "kind": gettext_lazy("kind"), "visibility": gettext_lazy("visibility"),
    "status": gettext_lazy("status"), "score": gettext_lazy("score"), "reflection": gettext_lazy("reflection"),
    "direction": gettext_lazy("direction"), "start": gettext_lazy("start"), "target": gettext_lazy("target"),
    "range_low": gettext_lazy("range low"), "range_high": gettext_lazy("range high"), "unit": gettext_lazy("unit"),
    "weight": gettext_lazy("weight"), "owner": gettext_lazy("owner"), "position": gettext_lazy("position"),
    "stop_reason": gettext_lazy("reason for stopping"), "score_reason": gettext_lazy("reason for the score"),
    "kpi": gettext_lazy("follows KPI"), "kpi_factor": gettext_lazy("conversion from the KPI"),
}  # fmt: skip
SHOWN_FIELDS = set(LABELS)
CHOICES = {
    "kind": {**dict(Objective.Kind.choices), **dict(KeyResult.Kind.choices)},
    "visibility": dict(Objective.Visibility.choices),
    "status": dict(Objective.Status.choices),
    "direction": dict(KeyResult.Direction.choices),
}


@dataclass
class Change:
    """One save: who, when, what happened to which object, and each field's before -> after."""

    at: datetime
    who: str
    what: str  # "objective" or "key result"
    title: str
    action: str  # created, changed, deleted
    fields: list[tuple[str, str, str]] = field(default_factory=list)
    reason: str = ""
    kind: str = "objective"  # "objective" or "key result", untranslated (the API's word)
    object_id: int = 0
    action_code: str = "changed"  # created, changed, deleted, untranslated
    eased: bool = False  # a key result's target moved toward its start: the goal got easier


def eased(before, after) -> bool:
    """Whether a key result's change between two history rows made its goal easier: a
    target moved back toward the start, or a range widened."""
    if after.kind != KeyResult.Kind.METRIC or before.direction != after.direction:
        return False
    if after.direction == KeyResult.Direction.INCREASE:
        return after.target < before.target
    if after.direction == KeyResult.Direction.DECREASE:
        return after.target > before.target
    low_before, high_before = before.range_low, before.range_high
    if None in (low_before, high_before, after.range_low, after.range_high):
        return False
    return after.range_low < low_before or after.range_high > high_before


def as_dict(change: Change) -> dict:
    """A change as the API shows it."""
    return {
        "at": change.at,
        "who": change.who,
        "what": change.kind,
        "id": change.object_id,
        "title": change.title,
        "action": change.action_code,
        "reason": change.reason,
        "eased": change.eased,
        "fields": [
            {"field": label, "before": old, "after": new} for label, old, new in change.fields
        ],
    }


def _text(value) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, float):
        return number(value)
    return str(value)


def _changes(records, model, what: str, kind: str) -> list[Change]:
    """Turn one object's history rows (any order) into changes, oldest first."""
    by_object: dict[int, list] = {}
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        by_object.setdefault(record.id, []).append(record)
    result = []
    actions = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
    codes = {"+": "created", "~": "changed", "-": "deleted"}
    for rows in by_object.values():
        previous = None
        for record in rows:
            change = Change(
                at=record.history_date,
                who=display_name(record.history_user) if record.history_user else _("someone"),
                what=what,
                title=record.title,
                action=actions[record.history_type],
                reason=record.history_change_reason or "",
                kind=kind,
                object_id=record.id,
                action_code=codes[record.history_type],
            )
            if previous is not None and record.history_type == "~":
                delta = record.diff_against(previous, included_fields=SHOWN_FIELDS & _names(model))
                change.fields = [(c.field, c.old, c.new) for c in delta.changes]
                if not change.fields:
                    previous = record
                    continue
                if model is KeyResult:
                    change.eased = eased(previous, record)
            result.append(change)
            previous = record
    return result


def _names(model) -> set[str]:
    return {f.name for f in model._meta.concrete_fields}


def of_objective(objective: Objective, *, viewer, limit: int = 30) -> list[Change]:
    """The newest `limit` changes of the objective and its key results, as `viewer` may read
    them (three queries, and one more for the parents' names)."""
    objective_rows = Objective.history.filter(id=objective.pk).select_related(
        "history_user__profile"
    )
    key_result_rows = KeyResult.history.filter(objective_id=objective.pk).select_related(
        "history_user__profile"
    )
    changes = _changes(objective_rows, Objective, _("objective"), "objective") + _changes(
        key_result_rows, KeyResult, _("key result"), "key result"
    )
    changes.sort(key=lambda c: c.at, reverse=True)
    changes = changes[:limit]
    _describe(changes, viewer)
    return changes


# Fields that hold ids, and where their names come from.
REFERENCES = {
    "cycle": lambda ids: Cycle.objects.filter(pk__in=ids),
    "owner_team": lambda ids: Team.objects.filter(pk__in=ids),
    "parent": lambda ids: Objective.objects.filter(pk__in=ids),
    "pillar": lambda ids: StrategyPillar.objects.filter(pk__in=ids),
    "owner_person": lambda ids: User.objects.filter(pk__in=ids).select_related("profile"),
    "owner": lambda ids: User.objects.filter(pk__in=ids).select_related("profile"),
    "kpi": lambda ids: Kpi.objects.filter(pk__in=ids),
}


def _describe(changes: list[Change], viewer) -> None:
    """Replace field names by labels and ids by names (one query per kind of reference).

    A parent the viewer may not see is not named (the page hides it too); a reference
    deleted since says so rather than show a bare id.
    """
    wanted: dict[str, set] = {}
    for change in changes:
        for name, old, new in change.fields:
            if name in REFERENCES:
                wanted.setdefault(name, set()).update(v for v in (old, new) if v is not None)
    names: dict[tuple[str, object], str] = {}
    for name, ids in wanted.items():
        found = set()
        for obj in REFERENCES[name](ids):
            names[name, obj.pk] = display_name(obj) if isinstance(obj, User) else str(obj)
            found.add(obj.pk)
        if name == "parent":
            for pk in found - access.visible_ids(viewer, found):
                names[name, pk] = _("a private objective")
        for pk in ids - found:
            names[name, pk] = _("(deleted)")
    for name, choices in CHOICES.items():
        for value, label in choices.items():
            names[name, value] = str(label)
    for change in changes:
        change.fields = [
            (
                str(LABELS[name]),
                names.get((name, old), _text(old)),
                names.get((name, new), _text(new)),
            )
            for name, old, new in change.fields
        ]

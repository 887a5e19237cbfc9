"""Importing objectives and key results from a CSV or XLSX file (the shared OKR format).

One row per key result, the objective's columns repeated on each of its rows (an objective
without key results is one row with the key result columns empty); rows of one objective
are grouped by `objective_id`, else by (cycle, owner, objective). The columns are listed in
`COLUMNS`; the export's computed columns (`EXPORT_ONLY`) are accepted and ignored, so an
exported file re-imports as an update: `objective_id` and `key_result_id` name what to
update in place. A row without them updates the objective of that cycle, owner and title
when exactly one exists (and, in it, the key result of that title), else creates: importing
the same spreadsheet twice changes nothing the second time.

`parent` aligns an objective: an objective's id, or its exact title in the same cycle (an
objective of the file, earlier or later, or one already in Stretch); a title two objectives
share is refused as ambiguous.

The import runs the real writes, through `stretch.okrs.services`, as the importing person
(so the same rules decide: you may create objectives for yourself and teams you lead and
change those you may edit; administrators anything), inside one transaction that is rolled
back for a dry run or as soon as one row has a problem. So a dry run reports exactly what
applying would do, and applying writes the whole file or nothing.

From the command line (`stretch import-okrs`) the import acts as the first active
superuser (the lowest id), who may import anything; without one it refuses.
"""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stretch import access
from stretch.okrs import services as okrs
from stretch.okrs.models import Cycle, KeyResult, Objective
from stretch.org.models import StrategyPillar, Team
from stretch.params import LARGEST_ID, as_int
from stretch.transfer.importing import (
    Report,
    cli_actor,
    find_cycle,
    finish_command,
    read_file,
    sorted_problems,
)
from stretch.transfer.tabular import Cells, Problem, TableError, read_table

COLUMNS = (
    "cycle", "objective_id", "objective", "objective_description", "owner", "objective_kind",
    "visibility", "parent", "pillar", "key_result_id", "key_result", "kr_kind", "direction",
    "start", "target", "range_low", "range_high", "weight", "unit", "kr_owner",
)  # fmt: skip
EXPORT_ONLY = (
    "current", "confidence", "kr_progress", "objective_progress", "objective_status",
    "objective_score", "kr_score", "checked_in_at",
)  # fmt: skip
TEMPLATE = (
    "cycle,objective,owner,objective_kind,parent,key_result,direction,start,target,unit\r\n"
    "2026 Q1,Delight new customers,team:Sales,committed,,Raise NPS,increase,30,50,points\r\n"
    "2026 Q1,Delight new customers,team:Sales,committed,,Cut onboarding time,decrease,14,7,days\r\n"
    "2026 Q1,Answer every ticket within a day,ana@acme.test,aspirational,"
    "Delight new customers,Share answered within 24 h,range,,,%\r\n"
)
# Where a service's complaint about a field shows in the file.
OBJECTIVE_COLUMNS = {
    "title": "objective", "description": "objective_description", "owner_person": "owner",
    "owner_team": "owner", "kind": "objective_kind", "visibility": "visibility",
    "parent": "parent", "pillar": "pillar", "cycle": "cycle", "status": "objective",
}  # fmt: skip
KEY_RESULT_COLUMNS = {
    "title": "key_result", "kind": "kr_kind", "direction": "direction", "start": "start",
    "target": "target", "range_low": "range_low", "range_high": "range_high", "unit": "unit",
    "weight": "weight", "owner": "kr_owner", "reason": "key_result", "cycle": "cycle",
}  # fmt: skip
KR_NUMBERS = ("start", "target", "range_low", "range_high", "weight")
KR_DEFAULTS: dict[str, Any] = {
    "start": 0.0, "target": 1.0, "range_low": None, "range_high": None, "weight": 1.0,
    "unit": "", "kind": KeyResult.Kind.METRIC, "direction": KeyResult.Direction.INCREASE,
}  # fmt: skip


@dataclass
class KeyResultRow:
    line: int
    key_result_id: int | None
    fields: dict[str, Any]  # the key result's fields the file gives


@dataclass
class ObjectiveGroup:
    line: int
    objective_id: int | None
    cycle: Cycle
    fields: dict[str, Any]
    parent_text: str
    key_results: list[KeyResultRow] = field(default_factory=list)
    parent: "ObjectiveGroup | Objective | None" = None
    saved: Objective | None = None
    circular: bool = False  # its parent makes a loop (reported): left as it is


class _Resolver:
    """Looks up cycles, owners and pillars by the names a file uses, once each."""

    def __init__(self, actor, default_cycle: Cycle | None, problems: list[Problem]):
        self.actor, self.default_cycle, self.problems = actor, default_cycle, problems
        self.cycles = {c.name: c for c in Cycle.objects.all()}
        self.cycles_by_id = {str(c.pk): c for c in self.cycles.values()}
        self.pillars = {p.name: p for p in StrategyPillar.objects.all()}
        self.people: dict[str, Any] = {}
        self.teams: dict[str, list[Team]] = {}
        for team in Team.objects.all():
            self.teams.setdefault(team.name, []).append(team)

    def cycle(self, cells: Cells) -> Cycle | None:
        text = cells.text("cycle")
        if not text:
            if self.default_cycle is None:
                cells.problem("cycle", _("A value is needed (or choose a cycle for the file)."))
            return self.default_cycle
        found = self.cycles.get(text) or self.cycles_by_id.get(text)
        if found is None:
            cells.problem("cycle", _("Unknown cycle “%(name)s”.") % {"name": text})
        return found

    def person(self, text: str):
        key = text.lower()
        if key not in self.people:
            User = get_user_model()
            found = list(
                User.objects.filter(Q(username=text) | Q(email__iexact=text), is_active=True)[:2]
            )
            exact = [user for user in found if user.username == text]
            self.people[key] = exact[0] if exact else (found[0] if len(found) == 1 else None)
        return self.people[key]

    def owner(self, cells: Cells, column: str) -> dict[str, Any] | None:
        text = cells.text(column)
        if not text:
            return None
        if text.lower().startswith("team:"):
            name = text[5:].strip()
            teams = self.teams.get(name, [])
            if len(teams) != 1:
                message = (
                    _("Several teams are named “%(name)s”.")
                    if teams
                    else _("Unknown team “%(name)s”.")
                )
                cells.problem(column, message % {"name": name})
                return None
            return {"owner_team": teams[0], "owner_person": None}
        person = self.person(text)
        if person is None:
            cells.problem(
                column,
                _("Unknown person “%(name)s” (write an email, a login name or team:<name>).")
                % {"name": text},
            )
            return None
        return {"owner_person": person, "owner_team": None}


def text_limits() -> dict[str, int | None]:
    """The longest text each written column holds, as the models define it."""
    return {
        "objective": Objective._meta.get_field("title").max_length,
        "objective_description": Objective._meta.get_field("description").max_length,
        "key_result": KeyResult._meta.get_field("title").max_length,
        "unit": KeyResult._meta.get_field("unit").max_length,
    }


def _read_groups(rows, resolver: _Resolver, problems: list[Problem], columns: set[str]):
    groups: dict[Any, ObjectiveGroup] = {}
    limits = text_limits()
    for row in rows:
        cells = Cells(row, problems)
        before = len(problems)
        cells.check_lengths(limits)
        cycle = resolver.cycle(cells)
        title = cells.required("objective")
        owner_text = cells.required("owner")
        owner = resolver.owner(cells, "owner") if owner_text else None
        objective_id = _id(cells, "objective_id")
        fields: dict[str, Any] = {"title": title, **(owner or {})}
        if "objective_description" in columns:
            fields["description"] = cells.text("objective_description")
        if "objective_kind" in columns:
            fields["kind"] = cells.choice(
                "objective_kind", Objective.Kind.values, Objective.Kind.COMMITTED
            )
        if "visibility" in columns:
            fields["visibility"] = cells.choice(
                "visibility", Objective.Visibility.values, Objective.Visibility.PUBLIC
            )
        if "pillar" in columns:
            pillar = cells.text("pillar")
            fields["pillar"] = resolver.pillars.get(pillar) if pillar else None
            if pillar and fields["pillar"] is None:
                cells.problem("pillar", _("Unknown strategy pillar “%(name)s”.") % {"name": pillar})
        kr = _key_result(cells, resolver, columns)
        if len(problems) > before or cycle is None or owner is None:
            continue
        key = objective_id or (cycle.pk, owner_text.lower(), title)
        group = groups.get(key)
        if group is None:
            group = groups[key] = ObjectiveGroup(
                row.line, objective_id, cycle, {"cycle": cycle, **fields}, cells.text("parent")
            )
        if kr is not None:
            group.key_results.append(kr)
    return list(groups.values())


def _match_existing(groups: list[ObjectiveGroup], actor) -> None:
    """Give rows without ids the id of the one objective (key result) they already are.

    An objective is the same when its cycle, owner and title are; a key result when its
    objective and title are. Two candidates, or one another row names by id, match nothing.
    """
    claimed = {g.objective_id for g in groups if g.objective_id}
    unmatched = [g for g in groups if g.objective_id is None]
    if unmatched:
        candidates: dict[tuple[Any, ...], list[Objective]] = {}
        for objective in access.objectives_visible_to(actor, Objective.objects.all()).filter(
            cycle__in={g.cycle.pk for g in unmatched},
            title__in={g.fields["title"] for g in unmatched},
        ):
            candidates.setdefault(
                (
                    objective.cycle_id,
                    objective.owner_person_id,
                    objective.owner_team_id,
                    objective.title,
                ),
                [],
            ).append(objective)
        for group in unmatched:
            person, team = group.fields.get("owner_person"), group.fields.get("owner_team")
            wanted = (group.cycle.pk, person and person.pk, team and team.pk, group.fields["title"])
            found = [o for o in candidates.get(wanted, []) if o.pk not in claimed]
            if len(found) == 1:
                group.objective_id = found[0].pk
                claimed.add(found[0].pk)
    with_id = {g.objective_id: g for g in groups if g.objective_id}
    if not with_id:
        return
    titled: dict[tuple[int, str], list[int]] = {}
    for pk, objective_id, title in KeyResult.objects.filter(objective_id__in=with_id).values_list(
        "pk", "objective_id", "title"
    ):
        titled.setdefault((objective_id, title), []).append(pk)
    for objective_id, group in with_id.items():
        named = {kr.key_result_id for kr in group.key_results if kr.key_result_id}
        for kr in group.key_results:
            if kr.key_result_id is None and "title" in kr.fields:
                same = [
                    pk
                    for pk in titled.get((objective_id, kr.fields["title"]), [])
                    if pk not in named
                ]
                if len(same) == 1:
                    kr.key_result_id = same[0]
                    named.add(same[0])


def as_id(text: str) -> int | None:
    """The id `text` writes (ASCII digits, at most `LARGEST_ID`), else None: "²" is a digit
    to Python but no number, and a longer number than the database keys is no id."""
    return as_int(text) if text.isascii() and text.isdigit() else None


def _not_an_id(text: str) -> str:
    return _("“%(text)s” is not an id (a whole number up to %(largest)s).") % {
        "text": text,
        "largest": LARGEST_ID,
    }


def _id(cells: Cells, column: str) -> int | None:
    text = cells.text(column)
    if not text:
        return None
    found = as_id(text)
    if found is None:
        cells.problem(column, _not_an_id(text))
    return found


def _key_result(cells: Cells, resolver: _Resolver, columns: set[str]) -> KeyResultRow | None:
    key_result_id = _id(cells, "key_result_id")
    title = cells.text("key_result")
    if not title:
        if key_result_id is not None:
            cells.problem("key_result", _("A value is needed for key_result_id."))
        return None
    fields: dict[str, Any] = {"title": title}
    if "kr_kind" in columns:
        fields["kind"] = cells.choice("kr_kind", KeyResult.Kind.values, KeyResult.Kind.METRIC)
    if "direction" in columns:
        fields["direction"] = cells.choice(
            "direction", KeyResult.Direction.values, KeyResult.Direction.INCREASE
        )
    for name in KR_NUMBERS:
        if name in columns:
            value = cells.number(name)
            fields[name] = KR_DEFAULTS[name] if value is None else value
    if "unit" in columns:
        fields["unit"] = cells.text("unit")
    if fields.get("direction") == KeyResult.Direction.RANGE and fields.get("kind") != "milestone":
        for name in ("range_low", "range_high"):
            if not cells.text(name) and not any(p.column == name for p in cells.problems):
                cells.problem(name, _("A range key result needs range_low and range_high."))
    if cells.text("kr_owner"):
        person = resolver.person(cells.text("kr_owner"))
        if person is None:
            cells.problem(
                "kr_owner", _("Unknown person “%(name)s”.") % {"name": cells.text("kr_owner")}
            )
        fields["owner"] = person
    return KeyResultRow(cells.line, key_result_id, fields)


def _resolve_parents(groups: list[ObjectiveGroup], actor, problems: list[Problem]) -> None:
    by_id = {g.objective_id: g for g in groups if g.objective_id}
    by_title: dict[tuple[int, str], list[ObjectiveGroup]] = {}
    for group in groups:
        by_title.setdefault((group.cycle.pk, group.fields["title"]), []).append(group)
    for group in groups:
        text = group.parent_text
        if not text:
            continue
        if text.isascii() and text.isdigit():
            parent_id = as_id(text)
            if parent_id is None:
                problems.append(Problem(group.line, "parent", _not_an_id(text)))
                continue
            if parent_id in by_id:
                group.parent = by_id[parent_id]
                continue
            found = (
                access.objectives_visible_to(actor, Objective.objects.select_related("cycle"))
                .filter(pk=parent_id)
                .first()
            )
            if found is None:
                problems.append(
                    Problem(group.line, "parent", _("No objective with id %(id)s.") % {"id": text})
                )
            group.parent = found
            continue
        in_file = [g for g in by_title.get((group.cycle.pk, text), []) if g is not group]
        in_file_ids = {g.objective_id for g in in_file if g.objective_id}
        stored = list(
            access.objectives_visible_to(actor, Objective.objects.select_related("cycle"))
            .filter(cycle=group.cycle, title=text)
            .exclude(pk__in=in_file_ids | ({group.objective_id} - {None}))
        )
        matches: list[ObjectiveGroup | Objective] = [*in_file, *stored]
        if len(matches) == 1:
            group.parent = matches[0]
        elif not matches:
            problems.append(
                Problem(
                    group.line,
                    "parent",
                    _("No objective titled “%(title)s” in %(cycle)s.")
                    % {"title": text, "cycle": group.cycle.name},
                )
            )
        else:
            problems.append(
                Problem(
                    group.line,
                    "parent",
                    _("%(n)s objectives are titled “%(title)s” in %(cycle)s; give the parent's id.")
                    % {"n": len(matches), "title": text, "cycle": group.cycle.name},
                )
            )
    _check_alignment_cycles(groups, actor, problems)


def _check_alignment_cycles(groups: list[ObjectiveGroup], actor, problems: list[Problem]) -> None:
    """Refuse a parent that would make an objective sit below itself, through objectives of
    the file and ones already stored (a stored objective the file lists has the file's
    parent; one it does not list keeps its stored parent)."""
    by_id = {g.objective_id: g for g in groups if g.objective_id}
    stored_parents: dict[int, int | None] = {}

    def stored_parent(pk: int) -> int | None:
        if pk not in stored_parents:
            stored_parents[pk] = (
                Objective.objects.filter(pk=pk).values_list("parent_id", flat=True).first()
            )
        return stored_parents[pk]

    position = {id(group): index for index, group in enumerate(groups)}

    def key(node: "ObjectiveGroup | Objective") -> Any:
        """A node: ("file", n) for the file's n-th group (so a listed objective too), else
        the stored objective's id."""
        if isinstance(node, Objective):
            if node.pk not in by_id:
                return node.pk
            node = by_id[node.pk]
        return ("file", position[id(node)])

    def parent_of(node: Any) -> Any:
        pk = node
        if isinstance(node, tuple):
            group = groups[node[1]]
            if group.parent is not None or group.parent_text:
                return None if group.parent is None else key(group.parent)
            pk = group.objective_id  # the file keeps its stored parent
            if pk is None:
                return None
        parent = stored_parent(pk)
        if parent is None:
            return None
        return key(by_id[parent]) if parent in by_id else parent

    def titles(path: list[Any]) -> list[str]:
        stored = [node for node in path if not isinstance(node, tuple)]
        visible = dict(
            access.objectives_visible_to(
                actor, Objective.objects.filter(pk__in=stored)
            ).values_list("pk", "title")
        )
        return [
            groups[node[1]].fields["title"]
            if isinstance(node, tuple)
            else visible.get(node, _("an objective you cannot see"))
            for node in path
        ]

    reported: set[Any] = set()
    for group in groups:
        start = key(group)
        if group.parent is None or start in reported:
            continue
        path = find_cycle(start, parent_of)
        if path is None:
            continue
        reported.update(path)
        for node in path:
            if isinstance(node, tuple):
                groups[node[1]].circular = True
        problems.append(
            Problem(
                group.line,
                "parent",
                _("Circular alignment: %(path)s.")
                % {"path": " → ".join([*titles(path), group.fields["title"]])},
            )
        )


def _ordered(groups: list[ObjectiveGroup]) -> list[ObjectiveGroup]:
    """Parents of the file before their children."""
    done: set[int] = set()
    ordered: list[ObjectiveGroup] = []

    def visit(group: ObjectiveGroup) -> None:
        if id(group) in done:
            return
        done.add(id(group))
        if isinstance(group.parent, ObjectiveGroup):
            visit(group.parent)
        ordered.append(group)

    for group in groups:
        visit(group)
    return ordered


def _problem_of(
    error: Exception, line: int, columns: dict[str, str], default: str
) -> list[Problem]:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        return [
            Problem(line, columns.get(name, default), " ".join(messages))
            for name, messages in error.message_dict.items()
        ]
    if isinstance(error, ValidationError):
        return [Problem(line, default, " ".join(error.messages))]
    return [Problem(line, default, str(error) or _("You may not do this."))]


def _differs(obj, changes: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in changes.items() if getattr(obj, name) != value}


def _apply(groups: list[ObjectiveGroup], actor, reason: str, problems: list[Problem]) -> dict:
    summary = dict.fromkeys(
        (
            "objectives_created",
            "objectives_updated",
            "objectives_unchanged",
            "key_results_created",
            "key_results_updated",
            "key_results_unchanged",
        ),
        0,
    )
    for group in _ordered(groups):
        fields = dict(group.fields)
        if (group.parent is not None or group.parent_text) and not group.circular:
            parent = group.parent
            fields["parent"] = parent.saved if isinstance(parent, ObjectiveGroup) else parent
        try:
            with transaction.atomic():
                group.saved = _save_objective(actor, group, fields, reason, summary)
        except (ValidationError, PermissionDenied, Http404) as error:
            column = "objective_id" if group.objective_id else "owner"
            problems.extend(_problem_of(error, group.line, OBJECTIVE_COLUMNS, column))
            continue
        for kr in group.key_results:
            try:
                with transaction.atomic():
                    _save_key_result(actor, group.saved, kr, reason, summary)
            except (ValidationError, PermissionDenied, Http404) as error:
                column = "key_result_id" if kr.key_result_id else "key_result"
                problems.extend(_problem_of(error, kr.line, KEY_RESULT_COLUMNS, column))
    return summary


def _save_objective(actor, group: ObjectiveGroup, fields: dict, reason: str, summary) -> Objective:
    if group.objective_id is None:
        summary["objectives_created"] += 1
        return okrs.create_objective(actor, **fields)
    objective = access.get_objective_for_user(actor, group.objective_id, write=True)
    changes = _differs(objective, fields)
    if not changes:
        summary["objectives_unchanged"] += 1
        return objective
    summary["objectives_updated"] += 1
    return okrs.update_objective(actor, objective, changes, reason=reason)


def _save_key_result(actor, objective: Objective, kr: KeyResultRow, reason: str, summary) -> None:
    if kr.key_result_id is None:
        okrs.create_key_result(actor, objective, **kr.fields)
        summary["key_results_created"] += 1
        return
    found = access.get_key_result_for_user(actor, kr.key_result_id, write=True)
    if found.objective_id != objective.pk:
        raise ValidationError(
            {
                "title": _("Key result %(id)s belongs to another objective (%(objective)s).")
                % {"id": kr.key_result_id, "objective": found.objective_id}
            }
        )
    changes = _differs(found, kr.fields)
    if not changes:
        summary["key_results_unchanged"] += 1
        return
    okrs.update_key_result(actor, found, changes, reason=reason)
    summary["key_results_updated"] += 1


def resolve_cycle(value: str | int | None) -> Cycle | None:
    """The cycle a file's rows default to: by name or id; None without one."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    found = Cycle.objects.filter(name=text).first()
    cycle_id = as_id(text)
    if found is None and cycle_id is not None:
        found = Cycle.objects.filter(pk=cycle_id).first()
    if found is None:
        raise ValidationError({"cycle": _("Unknown cycle “%(name)s”.") % {"name": text}})
    return found


def run(
    data: bytes, actor, *, dry_run: bool, cycle: Cycle | None = None, filename: str = ""
) -> Report:
    """Check the file and, unless `dry_run` or it has a problem, import it all at once."""
    try:
        table = read_table(
            data,
            filename,
            columns=COLUMNS,
            required=("objective", "owner") if cycle else ("cycle", "objective", "owner"),
            ignored=EXPORT_ONLY,
            sheet="OKRs",
        )
    except TableError as error:
        return Report(error.problems, {})
    problems: list[Problem] = []
    resolver = _Resolver(actor, cycle, problems)
    groups = _read_groups(table.rows, resolver, problems, set(table.columns))
    _match_existing(groups, actor)
    if not table.rows:
        problems.append(Problem(None, "", _("The file has no rows below its header.")))
    # Rows with a problem are left out; the others still go through the real writes (rolled
    # back) so that the report lists every problem of the file, not just the first kind.
    _resolve_parents(groups, actor, problems)
    reason = _("Imported from %(file)s") % {"file": filename or _("a file")}
    with transaction.atomic():
        summary = _apply(groups, actor, reason, problems)
        if dry_run or problems:
            transaction.set_rollback(True)
    return Report(sorted_problems(problems), {} if problems else summary)


SUMMARY_LABELS = {
    "objectives_created": gettext_lazy("objectives created"),
    "objectives_updated": gettext_lazy("objectives updated"),
    "objectives_unchanged": gettext_lazy("objectives unchanged"),
    "key_results_created": gettext_lazy("key results created"),
    "key_results_updated": gettext_lazy("key results updated"),
    "key_results_unchanged": gettext_lazy("key results unchanged"),
}


def run_command(path: str, dry_run: bool = False, cycle: str | None = None) -> None:
    """`stretch import-okrs FILE [--dry-run] [--cycle NAME]`."""
    data = read_file(path)
    actor = cli_actor()
    default = resolve_cycle(cycle)
    if default is None:  # the one active cycle, when there is exactly one
        active = list(Cycle.objects.filter(status=Cycle.Status.ACTIVE)[:2])
        default = active[0] if len(active) == 1 else None
    report = run(data, actor, dry_run=dry_run, cycle=default, filename=path)
    finish_command(report, SUMMARY_LABELS, dry_run=dry_run)

"""Importing the org chart (people, teams, memberships) from a CSV or XLSX file.

One header row, then one row per team or person; the `type` column says which:

    type,team,parent_team,email,name,title,manager_email,teams
    team,Acme,,,,,,
    team,Engineering,Acme,,,,,
    team,Platform,Engineering,,,,,
    person,,,ana@acme.test,Ana Lima,CTO,,Acme:lead; Engineering:lead
    person,,,ben@acme.test,Ben Okoro,Engineer,ana@acme.test,Platform

- `team` rows: `team` (its name, required) and `parent_team` (the team above it; empty
  for the root team, the company: there is one).
- `person` rows: `email` (required, the key), `name` (required), `title`, `manager_email`
  (a person in the file or already in Stretch), `teams`: the teams they belong to,
  separated by `;`, each `Team` (a member) or `Team:lead` / `Team:member`.

Teams are known by name and people by email, in the file or already in Stretch, so either
may be named before the row that lists it. Re-importing an updated file updates in place:
a listed person's name, title, manager and memberships, and a listed team's parent, become
what the file says (a membership the file no longer names is removed); people and teams the
file does not list are left alone, and nothing is created twice. A new person gets the email
as login name and no password (they sign in once one is set, or through single sign-on).

The whole file is checked first (unknown manager or team, a manager cycle, a cycle in the
team tree, a repeated email or team, a bad role or type, a missing value, a second root) and
every problem reported with its line and column. Nothing is written unless the file has no
problem at all, and then all of it is written in one transaction. A dry run writes nothing.
"""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stretch import access
from stretch.org import services as org
from stretch.org.models import Membership, Profile, Team
from stretch.transfer.importing import (
    ImportFailed,
    Report,
    cli_actor,
    fail_with,
    find_cycle,
    finish_command,
    read_file,
    sorted_problems,
)
from stretch.transfer.tabular import Cells, Problem, Row, TableError, read_table

__all__ = ["ImportFailed", "Report", "fail_with", "read_file", "run", "run_command"]

COLUMNS = ("type", "team", "parent_team", "email", "name", "title", "manager_email", "teams")
REQUIRED = ("type",)
TEMPLATE = (
    "type,team,parent_team,email,name,title,manager_email,teams\r\n"
    "team,Acme,,,,,,\r\n"
    "team,Engineering,Acme,,,,,\r\n"
    "team,Platform,Engineering,,,,,\r\n"
    "person,,,ana@acme.test,Ana Lima,CTO,,Acme:lead; Engineering:lead\r\n"
    "person,,,ben@acme.test,Ben Okoro,Engineer,ana@acme.test,Platform\r\n"
)
ROLES = tuple(Membership.Role.values)


@dataclass
class TeamRow:
    line: int
    name: str
    parent: str


@dataclass
class PersonRow:
    line: int
    email: str
    name: str
    title: str
    manager: str
    teams: dict[str, str]  # team name -> role


@dataclass
class Plan:
    teams: list[TeamRow] = field(default_factory=list)
    people: list[PersonRow] = field(default_factory=list)


def run(data: bytes, actor, *, dry_run: bool, filename: str = "") -> Report:
    """Check the file and, unless `dry_run` or it has a problem, import it all at once."""
    if not access.can_manage_company(actor):
        raise PermissionDenied(_("Only administrators import the org chart."))
    try:
        table = read_table(data, filename, columns=COLUMNS, required=REQUIRED)
    except TableError as error:
        return Report(error.problems, {})
    problems: list[Problem] = []
    plan = _parse(table.rows, problems)
    if not plan.teams and not plan.people and not problems:
        problems.append(Problem(None, "", _("The file has no rows below its header.")))
    existing = _Existing(plan)
    _check(plan, existing, problems)
    if problems:
        return Report(sorted_problems(problems), {})
    with transaction.atomic():
        summary = _apply(plan, existing, actor)
        if dry_run:
            transaction.set_rollback(True)
    return Report([], summary)


def text_limits() -> dict[str, int | None]:
    """The longest text each written column holds, as the models define it."""
    return {
        "team": Team._meta.get_field("name").max_length,
        "email": get_user_model()._meta.get_field("email").max_length,
        "name": Profile._meta.get_field("display_name").max_length,
        "title": Profile._meta.get_field("title").max_length,
    }


def _parse(rows: list[Row], problems: list[Problem]) -> Plan:
    plan = Plan()
    limits = text_limits()
    for row in rows:
        cells = Cells(row, problems)
        cells.check_lengths(limits)
        kind = cells.text("type").lower()
        if kind == "team":
            name = cells.required("team")
            if name:
                plan.teams.append(TeamRow(row.line, name, cells.text("parent_team")))
        elif kind == "person":
            email = cells.required("email").lower()
            name = cells.required("name")
            if email:
                try:
                    validate_email(email)
                except ValidationError:
                    cells.problem(
                        "email", _("“%(email)s” is not an email address.") % {"email": email}
                    )
                    continue
            teams: dict[str, str] = {}
            for entry in cells.names("teams"):
                team, _sep, role = entry.partition(":")
                role = role.strip().lower() or Membership.Role.MEMBER
                if role not in ROLES:
                    cells.problem(
                        "teams",
                        _("“%(role)s” is not a role (write %(roles)s) in “%(entry)s”.")
                        % {"role": role, "roles": " or ".join(ROLES), "entry": entry},
                    )
                    continue
                teams[team.strip()] = role
            if email and name:
                plan.people.append(
                    PersonRow(
                        row.line,
                        email,
                        name,
                        cells.text("title"),
                        cells.text("manager_email").lower(),
                        teams,
                    )
                )
        elif not kind:
            cells.problem("type", _("A value is needed: team or person."))
        else:
            cells.problem(
                "type", _("“%(text)s” is not one of: team, person.") % {"text": cells.text("type")}
            )
    return plan


class _Existing:
    """What Stretch holds already of the teams and people the file names."""

    def __init__(self, plan: Plan):
        self.teams: dict[str, list[Team]] = {}
        for team in Team.objects.select_related("parent"):
            self.teams.setdefault(team.name, []).append(team)
        emails = {p.email for p in plan.people} | {p.manager for p in plan.people if p.manager}
        found: dict[str, dict[int, object]] = {}
        User = get_user_model()
        matches = User.objects.annotate(lower_email=Lower("email"), lower_name=Lower("username"))
        for user in matches.filter(lower_email__in=emails) | matches.filter(lower_name__in=emails):
            for key in {user.email.lower(), user.username.lower()} & emails:
                found.setdefault(key, {})[user.pk] = user
        self.people: dict[str, list] = {key: list(users.values()) for key, users in found.items()}
        self.managers = dict(Profile.objects.values_list("user_id", "manager_id"))
        self.emails = dict(User.objects.values_list("id", "email"))

    def team(self, name: str) -> Team | None:
        found = self.teams.get(name, [])
        return found[0] if len(found) == 1 else None

    def person(self, email: str):
        found = self.people.get(email, [])
        return found[0] if len(found) == 1 else None


def _check(plan: Plan, existing: _Existing, problems: list[Problem]) -> None:
    file_teams: dict[str, TeamRow] = {}
    for row in plan.teams:
        if row.name in file_teams:
            problems.append(
                Problem(
                    row.line,
                    "team",
                    _("The team “%(name)s” is on line %(first)s already.")
                    % {"name": row.name, "first": file_teams[row.name].line},
                )
            )
            continue
        file_teams[row.name] = row

    def known_team(name: str, line: int, column: str) -> bool:
        if len(existing.teams.get(name, [])) > 1 and name not in file_teams:
            problems.append(
                Problem(
                    line,
                    column,
                    _("Several teams are named “%(name)s”; rename one first.") % {"name": name},
                )
            )
            return False
        if name in file_teams or name in existing.teams:
            return True
        problems.append(Problem(line, column, _("Unknown team “%(name)s”.") % {"name": name}))
        return False

    for row in file_teams.values():
        if len(existing.teams.get(row.name, [])) > 1:
            problems.append(
                Problem(
                    row.line,
                    "team",
                    _("Several teams are named “%(name)s”; rename one first.") % {"name": row.name},
                )
            )
        if row.parent:
            known_team(row.parent, row.line, "parent_team")
    _check_team_tree(file_teams, existing, problems)

    file_people: dict[str, PersonRow] = {}
    all_emails = {row.email for row in plan.people}
    for person_row in plan.people:
        if person_row.email in file_people:
            problems.append(
                Problem(
                    person_row.line,
                    "email",
                    _("The email %(email)s is on line %(first)s already.")
                    % {"email": person_row.email, "first": file_people[person_row.email].line},
                )
            )
            continue
        file_people[person_row.email] = person_row
        if len(existing.people.get(person_row.email, [])) > 1:
            problems.append(
                Problem(
                    person_row.line,
                    "email",
                    _("Several people in Stretch have the email %(email)s.")
                    % {"email": person_row.email},
                )
            )
        if (
            person_row.manager
            and person_row.manager not in all_emails
            and person_row.manager not in existing.people
        ):
            problems.append(
                Problem(
                    person_row.line,
                    "manager_email",
                    _("Unknown manager %(email)s: not in the file nor in Stretch.")
                    % {"email": person_row.manager},
                )
            )
        for team in person_row.teams:
            known_team(team, person_row.line, "teams")
    _check_manager_cycles(file_people, existing, problems)


def _check_team_tree(
    file_teams: dict[str, TeamRow], existing: _Existing, problems: list[Problem]
) -> None:
    """After the import, the teams must still form one tree with one root."""

    def parent_of(name: str) -> str:
        if name in file_teams:
            return file_teams[name].parent
        team = existing.team(name)
        return team.parent.name if team is not None and team.parent is not None else ""

    reported: set[str] = set()
    for row in file_teams.values():
        path = find_cycle(row.name, lambda name: parent_of(name) or None)
        if path is not None and row.name not in reported:
            reported |= set(path)
            problems.append(
                Problem(
                    row.line,
                    "parent_team",
                    _("A cycle in the team tree: %(path)s.")
                    % {"path": " → ".join([*path, row.name])},
                )
            )
    roots = {name for name in file_teams if not file_teams[name].parent}
    roots |= {
        team.name
        for teams in existing.teams.values()
        for team in teams
        if team.parent is None and team.name not in file_teams
    }
    if len(roots) > 1:
        for name in sorted(roots & set(file_teams)):
            problems.append(
                Problem(
                    file_teams[name].line,
                    "parent_team",
                    _("There is one root team (%(roots)s); give “%(name)s” a parent team.")
                    % {"roots": ", ".join(sorted(roots)), "name": name},
                )
            )


def _check_manager_cycles(
    file_people: dict[str, PersonRow], existing: _Existing, problems: list[Problem]
) -> None:
    def manager_of(email: str) -> str:
        if email in file_people:
            return file_people[email].manager
        person = existing.person(email)
        if person is None:
            return ""
        manager_id = existing.managers.get(person.pk)
        return (existing.emails.get(manager_id) or "").lower() if manager_id else ""

    reported: set[str] = set()
    for row in file_people.values():
        path = find_cycle(row.email, lambda email: manager_of(email) or None)
        if path is not None and row.email not in reported:
            reported |= set(path)
            problems.append(
                Problem(
                    row.line,
                    "manager_email",
                    _("A manager cycle: %(path)s.") % {"path": " → ".join([*path, row.email])},
                )
            )


def _topological(teams: list[TeamRow]) -> list[TeamRow]:
    """Teams ordered so that each comes after its parent when the file lists both."""
    by_name = {row.name: row for row in teams}
    done: set[str] = set()
    ordered: list[TeamRow] = []

    def visit(row: TeamRow) -> None:
        if row.name in done:
            return
        done.add(row.name)
        if row.parent in by_name:
            visit(by_name[row.parent])
        ordered.append(row)

    for row in teams:
        visit(row)
    return ordered


def _username_for(email: str) -> str:
    User = get_user_model()
    base = email if len(email) <= 150 else email.split("@")[0][:140]
    candidate, n = base, 1
    while User.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base[:140]}-{n}"
    return candidate


def _apply(plan: Plan, existing: _Existing, actor) -> dict[str, int]:
    summary = dict.fromkeys(
        (
            "teams_created",
            "teams_updated",
            "people_created",
            "people_updated",
            "memberships_added",
            "memberships_changed",
            "memberships_removed",
        ),
        0,
    )
    teams: dict[str, Team] = {name: found[0] for name, found in existing.teams.items()}
    for team_row in _topological(plan.teams):
        parent = teams[team_row.parent] if team_row.parent else None
        team = existing.team(team_row.name)
        if team is None:
            teams[team_row.name] = org.create_team(actor, name=team_row.name, parent=parent)
            summary["teams_created"] += 1
        elif team.parent_id != (parent.pk if parent else None):
            org.move_team(team, parent)
            summary["teams_updated"] += 1
    people: dict[str, Any] = {}
    created: set[str] = set()
    for row in plan.people:
        person = existing.person(row.email)
        if person is None:
            person = org.create_person(
                _username_for(row.email), email=row.email, display_name=row.name, title=row.title
            )
            summary["people_created"] += 1
            created.add(row.email)
        people[row.email] = person
    team_by_id = {team.pk: team for team in teams.values()}
    for row in plan.people:
        person = people[row.email]
        manager = (people.get(row.manager) or existing.person(row.manager)) if row.manager else None
        profile = Profile.objects.filter(user=person).first()
        wanted = (row.name, row.title, manager.pk if manager else None)
        changed = profile is None or (
            (profile.display_name, profile.title, profile.manager_id) != wanted
        )
        if changed:
            org.update_profile(person, display_name=row.name, title=row.title, manager=manager)
        if person.email != row.email:
            person.email = row.email
            person.save(update_fields=["email"])
            changed = True
        if changed and row.email not in created:
            summary["people_updated"] += 1
        _set_memberships(person, row, teams, team_by_id, summary)
    return summary


def _set_memberships(
    person, row: PersonRow, teams: dict[str, Team], team_by_id: dict[int, Team], summary: dict
) -> None:
    current = {
        m.team_id: m for m in Membership.objects.filter(person=person).select_related("team")
    }
    wanted = {teams[name].pk: role for name, role in row.teams.items()}
    for team_id, membership in current.items():
        if team_id not in wanted:
            org.remove_membership(membership.team, person)
            summary["memberships_removed"] += 1
    for team_id, role in wanted.items():
        had = current.get(team_id)
        if had is not None and had.role == role:
            continue
        org.set_membership(team_by_id[team_id], person, role)
        summary["memberships_added" if had is None else "memberships_changed"] += 1


SUMMARY_LABELS = {
    "teams_created": gettext_lazy("teams created"),
    "teams_updated": gettext_lazy("teams updated"),
    "people_created": gettext_lazy("people created"),
    "people_updated": gettext_lazy("people updated"),
    "memberships_added": gettext_lazy("memberships added"),
    "memberships_changed": gettext_lazy("memberships changed"),
    "memberships_removed": gettext_lazy("memberships removed"),
}


def run_command(path: str, dry_run: bool = False) -> None:
    """`stretch import-org FILE [--dry-run]`, as the first administrator (see
    `importing.cli_actor`: the very first import of an empty installation may run before
    anyone exists)."""
    data = read_file(path)
    report = run(data, cli_actor(first_import=True), dry_run=dry_run, filename=path)
    finish_command(report, SUMMARY_LABELS, dry_run=dry_run)

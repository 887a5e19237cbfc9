"""What the org chart import and the OKR import share: their report, the command line's
way of reading a file, acting and printing the outcome, and the walk up a chain of parents
(teams, managers, aligned objectives) that finds a cycle."""

import sys
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from stretch.transfer.tabular import Problem

Node = TypeVar("Node", bound=Hashable)
# No chain of teams, managers or objectives is longer than this; a longer walk is a loop
# that does not pass through its start, reported from one of its own members.
LONGEST_CHAIN = 100_000


@dataclass
class Report:
    problems: list[Problem]
    summary: dict[str, int]

    @property
    def valid(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {"problems": [p.as_dict() for p in self.problems], "summary": self.summary}


def sorted_problems(problems: list[Problem]) -> list[Problem]:
    """In the file's order: by line, then column."""
    return sorted(problems, key=lambda p: (p.line or 0, p.column))


def find_cycle(start: Node, parent_of: Callable[[Node], Node | None]) -> list[Node] | None:
    """The chain `start`, its parent, the parent's parent ... when it comes back to `start`
    (a cycle through `start`), else None. `parent_of` answers None at the top."""
    path, seen = [start], {start}
    node = parent_of(start)
    while node is not None and len(path) < LONGEST_CHAIN:
        if node == start:
            return path
        if node in seen:
            return None  # a loop above `start`, not through it
        path.append(node)
        seen.add(node)
        node = parent_of(node)
    return None


class ImportFailed(Exception):
    """The file was refused: its problems were printed, this says nothing was written."""


def read_file(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as error:
        raise ImportFailed(
            _("cannot read %(path)s: %(error)s") % {"path": path, "error": error.strerror}
        ) from None


def fail_with(problems: list[Problem]) -> None:
    """Print every problem on stderr (one a line) and fail with one closing line."""
    if len(problems) == 1:
        raise ImportFailed(str(problems[0]))
    for problem in problems:
        print(problem, file=sys.stderr)
    raise ImportFailed(_("%(n)s problems; nothing was written.") % {"n": len(problems)})


def cli_actor(*, first_import: bool = False):
    """Who a command acts as: the first active administrator (the lowest id).

    Without one the command refuses, with one exception: the org chart import on an
    installation that has nobody at all yet (`first_import=True`, its very first import)
    acts as an administrator that exists only for the import and is never saved, so that
    the first people and teams can come from a file. Once anyone exists, an administrator
    is needed (`stretch createuser NAME --admin`).
    """
    User = get_user_model()
    found = User.objects.filter(is_active=True, is_superuser=True).order_by("pk").first()
    if found is not None:
        return found
    if first_import and not User.objects.exists():
        return User(username="stretch-cli", is_staff=True, is_superuser=True)
    raise ImportFailed(
        _("no administrator to import as; create one with `stretch createuser NAME --admin`")
    )


def finish_command(report: Report, labels: Mapping[str, Any], *, dry_run: bool) -> None:
    """A command's outcome: every problem (and exit 1), or one line counting what it did."""
    if report.problems:
        fail_with(report.problems)
    parts = ", ".join(f"{report.summary[key]} {label}" for key, label in labels.items())
    prefix = _("Dry run, nothing written") if dry_run else _("Imported")
    print(f"{prefix}: {parts}.", file=sys.stdout)

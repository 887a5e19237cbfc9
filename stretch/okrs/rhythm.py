"""The check-in rhythm: how often each key result is due, and whether it is stale.

A key result follows the cadence of the team that owns its objective; a person's objective
follows the person's team (a team they lead first, else the first they belong to); anyone in
no team follows the cycle's cadence.
"""

import calendar
from datetime import date, timedelta

from django.db.models import CharField, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from stretch.org.models import Membership


def _team_setting(field: str) -> Subquery:
    """A person's team's `field` for the owner of a key result's objective: a team they
    lead first, else the first they belong to."""
    return Subquery(
        Membership.objects.filter(person_id=OuterRef("objective__owner_person_id"))
        .order_by("role", "team_id")  # "lead" sorts before "member"
        .values(f"team__{field}")[:1]
    )


def key_result_cadence() -> Coalesce:
    """An expression for KeyResult querysets: the cadence ("weekly", …) the key result
    follows; use as `.annotate(cadence=key_result_cadence())`."""
    return Coalesce(
        "objective__owner_team__check_in_cadence",
        _team_setting("check_in_cadence"),
        "objective__cycle__cadence",
        output_field=CharField(),
    )


def key_result_weekday() -> Coalesce:
    """An expression for KeyResult querysets: the weekday (0 Monday … 6 Sunday) the key
    result is due on, picked like `key_result_cadence`; anyone in no team is due on Friday.
    Use as `.annotate(weekday=key_result_weekday())`."""
    return Coalesce(
        "objective__owner_team__check_in_weekday",
        _team_setting("check_in_weekday"),
        Value(DEFAULT_WEEKDAY),
        output_field=IntegerField(),
    )


# Due-date arithmetic: pure functions of dates, no database.
#
# A weekly key result is due on every `weekday`; every two weeks, on every other one, counted
# from a fixed Monday so a person's rhythm does not shift from cycle to cycle; monthly, on the
# last `weekday` of each month. A check-in counts for the next due day when it is made after
# the due day before it ("the current period").

DEFAULT_WEEKDAY = 4  # Friday, the default of Team.check_in_weekday
BIWEEKLY_EPOCH = date(2001, 1, 1)  # a Monday


def _last_weekday_of_month(year: int, month: int, weekday: int) -> date:
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _month_after(year: int, month: int, step: int = 1) -> tuple[int, int]:
    index = year * 12 + (month - 1) + step
    return index // 12, index % 12 + 1


def next_due_date(cadence: str, weekday: int, on: date) -> date:
    """The first day on or after `on` that a key result of this cadence and weekday is due."""
    if cadence == "monthly":
        due = _last_weekday_of_month(on.year, on.month, weekday)
        if due < on:
            year, month = _month_after(on.year, on.month)
            due = _last_weekday_of_month(year, month, weekday)
        return due
    due = on + timedelta(days=(weekday - on.weekday()) % 7)
    if cadence == "biweekly":
        first = BIWEEKLY_EPOCH + timedelta(days=weekday)
        if ((due - first).days // 7) % 2:
            due += timedelta(days=7)
    return due


def previous_due_date(cadence: str, weekday: int, before: date) -> date:
    """The last due day strictly before `before`."""
    if cadence == "monthly":
        due = _last_weekday_of_month(before.year, before.month, weekday)
        if due >= before:
            year, month = _month_after(before.year, before.month, -1)
            due = _last_weekday_of_month(year, month, weekday)
        return due
    step = 14 if cadence == "biweekly" else 7
    return next_due_date(cadence, weekday, before) - timedelta(days=step)


def checked_in_for(cadence: str, weekday: int, last_check_in: date | None, due: date) -> bool:
    """Whether a check-in made on `last_check_in` counts for the due day `due`: it was made
    after the due day before `due`."""
    if last_check_in is None:
        return False
    return last_check_in > previous_due_date(cadence, weekday, due)

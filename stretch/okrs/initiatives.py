"""Initiatives: the work meant to move a key result (a title, an owner, a status, a due
date and a link), listed under the key result and counted on its objective.

Deliberately small: an initiative is a line in a list, not a task in a project plan. Who
may read them is who may read the objective; who may change them is the key result's owner
and whoever may change the objective (`access.can_edit_initiatives`). Once the objective
or its cycle is closed they are history, like the rest of it.

Every change goes through here; views and API endpoints find the objects and call these
functions, which raise `ValidationError` naming the field, `PermissionDenied`, `Http404`
(a private objective is not there for an outsider) or `Conflict` (a stale version).
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from stretch import access
from stretch.errors import Conflict
from stretch.okrs.models import Cycle, Initiative, KeyResult, Objective
from stretch.org.models import display_name

Status = Initiative.Status
FIELDS = {"title", "owner", "status", "due", "link", "position"}
TITLE_MOST = Initiative._meta.get_field("title").max_length or 300
LINK_MOST = Initiative._meta.get_field("link").max_length or 500
# Work still to do: a dropped initiative is decided, so it is neither done nor open.
OPEN = (Status.TODO, Status.DOING)
FINISHED = (Status.DONE, Status.DROPPED)
_WEB_ADDRESS = URLValidator(schemes=["http", "https"])


class Counts(NamedTuple):
    """An objective's (or key result's) initiatives: done, still open, and all of them."""

    done: int
    open: int
    total: int

    @property
    def dropped(self) -> int:
        return self.total - self.done - self.open

    @property
    def planned(self) -> int:
        """The initiatives that count toward "n of m done": all but the dropped ones."""
        return self.done + self.open


NONE = Counts(0, 0, 0)


# Reading ------------------------------------------------------------------------------------


def visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """The initiatives of objectives `user` may see."""
    qs = Initiative.objects.all() if queryset is None else queryset
    if access.is_admin(user):
        return qs
    return qs.filter(key_result__objective__in=access.objectives_visible_to(user).values("id"))


def listed():
    """Initiatives with what a list shows: the owner's name, the key result and objective."""
    return Initiative.objects.select_related("owner__profile", "key_result__objective__cycle")


def for_key_result(user, key_result: KeyResult) -> list[Initiative]:
    """The initiatives of a key result, in their order (a 404 if `user` may not see it)."""
    _require_visible(user, key_result.objective)
    return list(listed().filter(key_result=key_result))


def for_objective(user, objective: Objective) -> dict[int, list[Initiative]]:
    """The initiatives of each key result of `objective`, by key result id, in one query."""
    _require_visible(user, objective)
    return by_key_result(listed().filter(key_result__objective=objective))


def by_key_result(initiatives: Iterable[Initiative]) -> dict[int, list[Initiative]]:
    grouped: dict[int, list[Initiative]] = {}
    for initiative in initiatives:
        grouped.setdefault(initiative.key_result_id, []).append(initiative)
    return grouped


def count(initiatives: Iterable[Initiative]) -> Counts:
    """Counts of initiatives already loaded (no query)."""
    statuses = [initiative.status for initiative in initiatives]
    done = sum(status == Status.DONE for status in statuses)
    still_open = sum(status in OPEN for status in statuses)
    return Counts(done, still_open, len(statuses))


def _tallies() -> dict[str, Count]:
    return {
        "done": Count("id", filter=Q(status=Status.DONE)),
        "still_open": Count("id", filter=Q(status__in=OPEN)),
        "total": Count("id"),
    }


def count_query(queryset: QuerySet) -> Counts:
    """Counts of the initiatives a queryset matches, in one query."""
    row = queryset.order_by().aggregate(**_tallies())
    return Counts(row["done"], row["still_open"], row["total"])


def counts_for(objective_ids: Iterable[int]) -> dict[int, Counts]:
    """Each objective's initiative counts, in one query; objectives without any are left
    out (use `counts.get(pk, NONE)`). The caller has checked the objectives are visible."""
    ids = set(objective_ids)
    if not ids:
        return {}
    rows = (
        Initiative.objects.filter(key_result__objective_id__in=ids)
        .values("key_result__objective_id")
        .annotate(**_tallies())
        .order_by()
    )
    return {
        row["key_result__objective_id"]: Counts(row["done"], row["still_open"], row["total"])
        for row in rows
    }


def is_overdue(initiative: Initiative, today: date | None = None) -> bool:
    """Due before today and neither done nor dropped."""
    if initiative.due is None or initiative.status in FINISHED:
        return False
    return initiative.due < (today or timezone.localdate())


# Rules --------------------------------------------------------------------------------------


def _require_visible(user, objective: Objective) -> None:
    if not access.can_view_objective(user, objective):
        raise Http404(_("No objective with id %(id)s.") % {"id": objective.pk})


def _require_editable(actor, key_result: KeyResult) -> None:
    """`actor` may change the initiatives of `key_result` now (its objective loaded)."""
    objective = key_result.objective
    _require_visible(actor, objective)
    if not access.can_edit_initiatives(actor, key_result):
        raise PermissionDenied(
            _("Only the key result's owner and those who may change the objective plan its work.")
        )
    if objective.status == Objective.Status.CLOSED:
        raise ValidationError(
            {"objective": _("The objective is closed; its initiatives can no longer change.")}
        )
    if objective.cycle.status == Cycle.Status.CLOSED:
        raise ValidationError(
            {
                "objective": _(
                    "The cycle %(name)s is closed; its initiatives can no longer change."
                )
                % {"name": objective.cycle.name}
            }
        )


def can_change(user, key_result: KeyResult) -> bool:
    """Whether `user` may change the initiatives of `key_result` now: allowed to, and the
    objective and its cycle still open (what the pages ask before showing their forms)."""
    try:
        _require_editable(user, key_result)
    except (Http404, PermissionDenied, ValidationError):
        return False
    return True


def clean_title(title: Any) -> str:
    text = title.strip() if isinstance(title, str) else ""
    if not text:
        raise ValidationError({"title": _("An initiative needs a title.")})
    if len(text) > TITLE_MOST:
        raise ValidationError(
            {"title": _("At most %(most)s characters, please.") % {"most": TITLE_MOST}}
        )
    return text


def clean_status(status: Any) -> str:
    if status not in Status.values:
        allowed = ", ".join(Status.values)
        raise ValidationError({"status": _("Must be one of: %(allowed)s.") % {"allowed": allowed}})
    return str(status)


def clean_due(due: Any) -> date | None:
    """A day, or none; an ISO date ("2026-11-30") is read as one."""
    if due is None or due == "":
        return None
    if isinstance(due, str):
        try:
            return date.fromisoformat(due.strip())
        except ValueError:
            pass
    elif isinstance(due, date) and not isinstance(due, datetime):
        return due
    raise ValidationError({"due": _("Give a date, such as 2026-11-30.")})


def clean_link(link: Any) -> str:
    """A web address (http or https) or nothing: no `javascript:` or other schemes."""
    if link is None:
        return ""
    if not isinstance(link, str):
        raise ValidationError({"link": _("Give a web address starting with http:// or https://.")})
    text = link.strip()
    if not text:
        return ""
    if len(text) > LINK_MOST:
        raise ValidationError(
            {"link": _("At most %(most)s characters, please.") % {"most": LINK_MOST}}
        )
    try:
        _WEB_ADDRESS(text)
    except ValidationError:
        raise ValidationError(
            {"link": _("Give a web address starting with http:// or https://.")}
        ) from None
    return text


def clean_owner(owner: Any, objective: Objective):
    """A known, active person who can see the objective, or no one."""
    if owner is None:
        return None
    if not getattr(owner, "pk", None) or not owner.is_active:
        raise ValidationError({"owner": _("Choose a person who works here.")})
    if not access.can_view_objective(owner, objective):
        raise ValidationError(
            {
                "owner": _(
                    "%(name)s cannot see this private objective; choose someone who can, "
                    "or make the objective public."
                )
                % {"name": display_name(owner)}
            }
        )
    return owner


def clean_position(position: Any) -> int:
    if isinstance(position, bool) or not isinstance(position, int) or position < 0:
        raise ValidationError({"position": _("A position is a whole number from 0.")})
    return position


# Changing -----------------------------------------------------------------------------------


def create(
    actor,
    key_result: KeyResult,
    *,
    title: str,
    owner=None,
    status: str = Status.TODO,
    due: date | str | None = None,
    link: str = "",
) -> Initiative:
    """Add an initiative at the end of the key result's list."""
    _require_editable(actor, key_result)
    fields = {
        "title": clean_title(title),
        "status": clean_status(status),
        "due": clean_due(due),
        "link": clean_link(link),
        "owner": clean_owner(owner, key_result.objective),
    }
    with transaction.atomic():
        KeyResult.objects.select_for_update().filter(pk=key_result.pk).first()  # one at a time
        last = Initiative.objects.filter(key_result=key_result).aggregate(last=Max("position"))
        position = 0 if last["last"] is None else last["last"] + 1
        return Initiative.objects.create(key_result=key_result, position=position, **fields)


def update(
    actor, initiative: Initiative, *, version: int | None = None, **changes: Any
) -> Initiative:
    """Change an initiative's title, owner, status, due date, link or position. With
    `version`, the change is refused (`Conflict`) if someone changed it since."""
    if unknown := sorted(set(changes) - FIELDS):
        raise ValidationError({unknown[0]: _("Unknown field.")})
    with transaction.atomic():
        current = (
            Initiative.objects.select_for_update(of=("self",))
            .select_related("key_result__objective__cycle", "owner__profile")
            .get(pk=initiative.pk)
        )
        key_result = current.key_result
        _require_editable(actor, key_result)
        if version is not None and current.version != version:
            raise Conflict(
                _("This was changed by someone else (now version %(version)s); reload and retry.")
                % {"version": current.version},
                current,
            )
        cleaners = {
            "title": clean_title,
            "status": clean_status,
            "due": clean_due,
            "link": clean_link,
            "position": clean_position,
            "owner": lambda owner: clean_owner(owner, key_result.objective),
        }
        for name, value in changes.items():
            setattr(current, name, cleaners[name](value))
        if changes:
            current.version += 1
            current.save()
    return current


def delete(actor, initiative: Initiative) -> None:
    key_result = KeyResult.objects.select_related("objective__cycle").get(
        pk=initiative.key_result_id
    )
    _require_editable(actor, key_result)
    Initiative.objects.filter(pk=initiative.pk).delete()


def reorder(actor, key_result: KeyResult, ordered_ids: Sequence[int]) -> list[Initiative]:
    """Put a key result's initiatives in the order of `ordered_ids`, in one write.

    Those not named keep their order after the named ones, so one added meanwhile by
    someone else is not lost from the list.
    """
    _require_editable(actor, key_result)
    with transaction.atomic():
        rows = list(
            Initiative.objects.select_for_update()
            .filter(key_result=key_result)
            .order_by("position", "id")
        )
        by_id = {row.pk: row for row in rows}
        if unknown := sorted(set(ordered_ids) - set(by_id)):
            raise ValidationError(
                {"order": _("Not initiatives of this key result: %(ids)s.") % {"ids": unknown}}
            )
        named = list(dict.fromkeys(ordered_ids))
        order = named + [row.pk for row in rows if row.pk not in set(named)]
        moved = []
        for position, pk in enumerate(order):
            if by_id[pk].position != position:
                by_id[pk].position = position
                by_id[pk].version += 1
                moved.append(by_id[pk])
        Initiative.objects.bulk_update(moved, ["position", "version"])
    return [by_id[pk] for pk in order]

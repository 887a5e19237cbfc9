"""Initiatives on the pages: the list under each key result (objective page and key result
page), with forms to add one, change its status, edit and delete it.

Every form is a plain POST that works without JavaScript: it redirects back to the page it
came from, at the key result's list, with a message saying what happened or why not. With
HTMX the answer is that list alone, swapped in place (a refusal shows inside it, as 200,
since HTMX swaps only 2xx answers), and the objective's count alongside it (out of band).
"""

from dataclasses import dataclass, field
from typing import ClassVar

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stretch import access
from stretch.errors import Conflict
from stretch.okrs import initiatives
from stretch.okrs.models import Initiative, KeyResult, Objective
from stretch.org.models import Membership, display_name
from stretch.params import as_int

PEOPLE_OFFERED = 200  # the owner select lists the people around the objective, at most this many
BACKS = {"objective", "key-result"}


@dataclass
class Panel:
    """One key result's list as a viewer sees it."""

    kr: KeyResult
    items: list[Initiative]
    can_edit: bool
    people: list[tuple[int, str]]
    back: str  # the page the forms come back to: "objective" or "key-result"
    counts: initiatives.Counts = initiatives.NONE
    refused: dict = field(default_factory=dict)  # a refused form: what was typed and why
    statuses: ClassVar = Initiative.Status.choices

    def __post_init__(self) -> None:
        self.counts = initiatives.count(self.items)
        today = timezone.localdate()
        for item in self.items:
            item.overdue = initiatives.is_overdue(item, today)  # type: ignore[attr-defined]
            item.owner_name = display_name(item.owner) if item.owner else ""  # type: ignore[attr-defined]


@dataclass
class ObjectiveWork:
    """The initiatives of an objective's key results, loaded in one query (two with the
    owner select for someone who may plan them)."""

    user: object
    objective: Objective
    key_results: list[KeyResult]
    back: str = "objective"
    by_key_result: dict[int, list[Initiative]] = field(init=False)
    people: list[tuple[int, str]] = field(init=False)

    def __post_init__(self) -> None:
        self.by_key_result = initiatives.for_objective(self.user, self.objective)
        editable = [kr for kr in self.key_results if initiatives.can_change(self.user, kr)]
        self.editable = {kr.pk for kr in editable}
        named = {i.owner_id for items in self.by_key_result.values() for i in items}
        self.people = people_around(self.objective, self.key_results, named) if editable else []

    def panel(self, kr: KeyResult, refused: dict | None = None) -> Panel:
        return Panel(
            kr=kr,
            items=self.by_key_result.get(kr.pk, []),
            can_edit=kr.pk in self.editable,
            people=self.people,
            back=self.back,
            refused=refused or {},
        )

    @property
    def counts(self) -> initiatives.Counts:
        return initiatives.count(i for items in self.by_key_result.values() for i in items)


def people_around(objective: Objective, key_results: list[KeyResult], named: set) -> list:
    """Whom the owner select offers: the objective's owner and their teams, the owning team,
    the key results' owners and whoever owns an initiative already (one query)."""
    owners = {objective.owner_person_id, *(kr.owner_id for kr in key_results), *named} - {None}
    around = Q(pk__in=owners)
    if objective.owner_team_id:
        around |= Q(memberships__team_id=objective.owner_team_id)
    if objective.owner_person_id:
        teams = Membership.objects.filter(person_id=objective.owner_person_id).values("team_id")
        around |= Q(memberships__team_id__in=teams)
    people = (
        get_user_model()
        .objects.filter(around, is_active=True)
        .select_related("profile")
        .distinct()[:PEOPLE_OFFERED]
    )
    return sorted(((p.pk, display_name(p)) for p in people), key=lambda c: c[1].casefold())


def objective_work(user, objective: Objective) -> ObjectiveWork:
    """For the objective page: its key results (annotated by `rollup.annotate`) with their
    initiatives."""
    return ObjectiveWork(user, objective, list(objective.key_result_list))


def key_result_panel(user, kr: KeyResult, refused: dict | None = None) -> Panel:
    """For the key result page: its own list."""
    work = ObjectiveWork(user, kr.objective, [kr], back="key-result")
    return work.panel(kr, refused)


# Answering a form ---------------------------------------------------------------------------


def _back(request) -> str:
    back = request.POST.get("back", "")
    return back if back in BACKS else "objective"


def _message(error: ValidationError) -> str:
    return " ".join(text for texts in error.message_dict.values() for text in texts)


def _answer(request, kr: KeyResult, *, done: str = "", refused: dict | None = None):
    """The list again (HTMX), or back to the page it came from with a message."""
    back = _back(request)
    if not request.htmx:
        if refused:
            messages.error(request, refused["message"])
        elif done:
            messages.success(request, done)
        if back == "key-result":
            url = reverse("key-result", args=[kr.pk])
        else:
            url = reverse("objective", args=[kr.objective_id])
        return redirect(f"{url}#initiatives-{kr.pk}")
    objective = kr.objective
    work = ObjectiveWork(request.user, objective, [kr], back=back)
    context = {
        "panel": work.panel(kr, refused),
        "initiative_counts": work.counts,
        "oob": back == "objective",
    }
    response = render(request, "okrs/_initiatives.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _fields(request) -> dict:
    """The fields a form posts (title, owner, due, link), resolving the owner's id."""
    fields = {}
    for name in ("title", "due", "link"):
        if name in request.POST:
            fields[name] = request.POST.get(name, "")
    if "owner" in request.POST:
        pk = request.POST.get("owner", "")
        fields["owner"] = None if pk == "" else access.get_person(as_int(pk, 0), field="owner")
    return fields


def _key_result(user, key_result_id: int) -> KeyResult:
    return access.get_key_result_for_user(user, key_result_id)


def _initiative(user, initiative_id: int) -> Initiative:
    found = initiatives.visible_to(user, initiatives.listed()).filter(pk=initiative_id).first()
    if found is None:
        raise Http404(_("No initiative with id %(id)s.") % {"id": initiative_id})
    return found


@require_POST
def add(request, key_result_id: int):
    kr = _key_result(request.user, key_result_id)
    typed = {name: request.POST.get(name, "") for name in ("title", "owner", "due", "link")}
    try:
        initiatives.create(request.user, kr, **_fields(request))
    except ValidationError as error:
        return _answer(request, kr, refused={"add": True, **typed, "message": _message(error)})
    return _answer(request, kr, done=_("Initiative added."))


@require_POST
def edit(request, initiative_id: int):
    initiative = _initiative(request.user, initiative_id)
    kr = initiative.key_result
    version = as_int(request.POST.get("version"))
    try:
        initiatives.update(request.user, initiative, version=version, **_fields(request))
    except Conflict as conflict:
        return _answer(request, kr, refused={"item": initiative.pk, "message": conflict.message})
    except ValidationError as error:
        typed = {name: request.POST.get(name, "") for name in ("title", "owner", "due", "link")}
        refused = {"edit": initiative.pk, **typed, "message": _message(error)}
        return _answer(request, kr, refused=refused)
    return _answer(request, kr, done=_("Initiative saved."))


@require_POST
def set_status(request, initiative_id: int):
    initiative = _initiative(request.user, initiative_id)
    kr = initiative.key_result
    version = as_int(request.POST.get("version"))
    status = request.POST.get("status", "")
    try:
        changed = initiatives.update(request.user, initiative, version=version, status=status)
    except Conflict as conflict:
        return _answer(request, kr, refused={"item": initiative.pk, "message": conflict.message})
    except ValidationError as error:
        return _answer(request, kr, refused={"item": initiative.pk, "message": _message(error)})
    done = _("“%(title)s” is now %(status)s.") % {
        "title": changed.title,
        "status": changed.get_status_display().lower(),
    }
    return _answer(request, kr, done=done)


@require_POST
def delete(request, initiative_id: int):
    initiative = _initiative(request.user, initiative_id)
    kr = initiative.key_result
    try:
        initiatives.delete(request.user, initiative)
    except ValidationError as error:
        return _answer(request, kr, refused={"item": initiative.pk, "message": _message(error)})
    return _answer(request, kr, done=_("Initiative deleted."))

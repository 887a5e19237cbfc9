"""Recognition pages: the company's wall and each team's, one recognition with its comments,
the form to recognise people, reactions, and the company values for administrators.

The views read the request and find things; `stretch.cfr.recognition` decides and changes.
Every form works without JavaScript (it posts, then comes back with a message); a refused
form shows the page again with what was typed and the problem beside its field (status 400).
With HTMX a reaction swaps only the card's reaction bar.
"""

from functools import reduce
from operator import or_
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from stretch import access
from stretch.cfr import recognition as services
from stretch.cfr.views import _errors
from stretch.okrs.models import Cycle, Objective
from stretch.okrs.views import pick_cycle
from stretch.org.models import CompanyValue, display_name
from stretch.params import as_int
from stretch.social import comments
from stretch.social.markdown import MENTION

PAGE_SIZE = 20
OBJECTIVES_OFFERED = 100  # the form's objective list stays short, however big the company
# Up to this many people, the form lists everyone; past it, the giver's circle (team mates,
# manager, reports) and an @name field with the mention autocomplete for anyone else.
PEOPLE_LISTED = 200
MOST_NAMED = 50  # as many as a recognition may have receivers


# Reading the request -----------------------------------------------------------------------


def _cycle(request) -> Cycle | None:
    """The cycle asked for (?cycle=all: every cycle), else the active one."""
    if request.GET.get("cycle") == "all":
        return None
    return pick_cycle(request)


def _value_filter(request):
    pk = as_int(request.GET.get("value"))
    return CompanyValue.objects.filter(pk=pk).first() if pk else None


def _person_filter(request):
    pk = as_int(request.GET.get("person"))
    return access.get_person(pk) if pk is not None else None


def _back(request, fallback: str) -> str:
    """Where a form came from (its `next` field), if it is on this site."""
    wanted = request.POST.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return wanted
    return fallback


# What the pages show -----------------------------------------------------------------------


def _people(user) -> tuple[list, bool]:
    """Whom the form lists, and whether that is everyone."""
    people = (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(pk=user.pk)
        .select_related("profile")
        .order_by("profile__display_name", "first_name", "username")
    )
    listed = list(people[: PEOPLE_LISTED + 1])
    if len(listed) <= PEOPLE_LISTED:
        return listed, True
    reach = access.reach(user)
    manager = getattr(getattr(user, "profile", None), "manager_id", None)
    circle = (
        Q(memberships__team_id__in=reach.member_teams)
        | Q(profile__manager_id=user.pk)
        | Q(pk=manager or 0)
    )
    return list(people.filter(circle).distinct()[:PEOPLE_LISTED]), False


def _named(text: str) -> list[int]:
    """The people an @name field names (usernames, as the mention autocomplete writes them)."""
    names = {match.group(1).lower(): match.group(1) for match in MENTION.finditer(text or "")}
    if not names:
        return []
    if len(names) > MOST_NAMED:
        raise ValidationError({"receivers": _("At most %(n)s people.") % {"n": MOST_NAMED}})
    anyone = reduce(or_, (Q(username__iexact=name) for name in names.values()))
    people = get_user_model().objects.filter(anyone, is_active=True)
    found = {username.lower(): pk for pk, username in people.values_list("pk", "username")}
    unknown = [f"@{name}" for key, name in names.items() if key not in found]
    if unknown:
        raise ValidationError(
            {"receivers": _("No one is called %(names)s.") % {"names": ", ".join(unknown)}}
        )
    return list(found.values())


def _objectives(user) -> tuple[list, list]:
    """Public objectives of the active cycles the giver may see: their own and their teams'
    first, then the others, at most OBJECTIVES_OFFERED."""
    teams = access.reach(user).member_teams
    close = Q(owner_person=user) | Q(owner_team__in=teams)
    rows = list(
        access.objectives_visible_to(user)
        .filter(cycle__status=Cycle.Status.ACTIVE, visibility=Objective.Visibility.PUBLIC)
        .exclude(status=Objective.Status.CLOSED)
        .annotate(
            far=Case(When(close, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        .order_by("far", "title", "id")
        .only("id", "title")[:OBJECTIVES_OFFERED]
    )
    return [o for o in rows if o.far == 0], [o for o in rows if o.far == 1]


def prepare(user, recognitions: list) -> set[int]:
    """Reactions and comment counts on each card; the linked objectives `user` may see."""
    services.reactions_of(recognitions, user)
    for recognition in recognitions:
        recognition.deletable = services.may_delete(user, recognition)
    return services.shown_objectives(user, recognitions)


def _wall(request, *, team=None, errors=None, status=200):
    user = request.user
    cycle, value, person = _cycle(request), _value_filter(request), _person_filter(request)
    found = services.loaded(services.wall(user, team=team, person=person, cycle=cycle, value=value))
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    recognitions = list(page.object_list)
    shown = prepare(user, recognitions)
    close, other = _objectives(user)
    people, everyone = _people(user)
    filters = {
        "cycle": cycle.pk if cycle else "all",
        **({"value": value.pk} if value else {}),
        **({"person": person.pk} if person else {}),
    }
    data = request.POST if errors else {}
    errors = {
        ("general" if key == "__all__" else key): text for key, text in (errors or {}).items()
    }
    context = {
        "team": team,
        "cycle": cycle,
        "cycles": Cycle.objects.order_by("-start", "-id"),
        "value": value,
        "person": person,
        "page": page,
        "recognitions": recognitions,
        "shown_objectives": shown,
        "counts": services.counts(user, team=team, cycle=cycle),
        "query": urlencode(filters),
        "here": request.get_full_path(),
        "emoji": comments.EMOJI,
        "people": people,
        "everyone_listed": everyone,
        "values": list(services.offered_values()),
        "all_values": CompanyValue.objects.all(),
        "close_objectives": close,
        "other_objectives": other,
        "errors": errors,
        "data": data,
        "chosen": data.getlist("receivers") if errors else [],
    }
    return render(request, "cfr/recognitions.html", context, status=status)


# The walls and one recognition -------------------------------------------------------------


@require_GET
def wall(request):
    return _wall(request)


@require_GET
def team_wall(request, team_id: int):
    return _wall(request, team=access.get_team(team_id))


@require_POST
def give(request):
    data = request.POST
    team_id = as_int(data.get("team"))
    team = access.get_team(team_id) if team_id is not None else None
    try:
        chosen = [r for r in data.getlist("receivers") if r]
        given = services.give(
            request.user,
            receivers=chosen
            + [pk for pk in _named(data.get("others", "")) if str(pk) not in chosen],
            message=data.get("message", ""),
            value=data.get("value") or None,
            objective=data.get("objective") or None,
        )
    except ValidationError as error:
        return _wall(request, team=team, errors=_errors(error), status=400)
    names = ", ".join(display_name(person) for person in given.receivers.all())
    messages.success(request, _("Recognition given. %(names)s will hear of it.") % {"names": names})
    if team is not None:
        return redirect("team-recognitions", team.pk)
    return redirect("recognitions")


@require_GET
def detail(request, recognition_id: int):
    found = services.get_recognition(request.user, recognition_id)
    context = {
        "r": found,
        "shown_objectives": prepare(request.user, [found]),
        "comment_section": comments.section(request.user, "recognition", found.pk),
        "here": request.get_full_path(),
        "emoji": comments.EMOJI,
    }
    return render(request, "cfr/recognition.html", context)


@require_POST
def react(request, recognition_id: int):
    found = services.get_recognition(request.user, recognition_id)
    try:
        services.toggle_reaction(request.user, found, request.POST.get("emoji", ""))
    except ValidationError as error:
        return HttpResponseBadRequest(" ".join(error.messages))
    if request.htmx:
        services.reactions_of([found], request.user)
        response = render(
            request,
            "cfr/_recognition_reactions.html",
            {"r": found, "emoji": comments.EMOJI, "here": _back(request, "")},
        )
        patch_vary_headers(response, ["HX-Request"])
        return response
    fallback = reverse("recognition", args=[found.pk])
    return redirect(_back(request, fallback) + f"#recognition-{found.pk}")


@require_POST
def delete(request, recognition_id: int):
    found = services.get_recognition(request.user, recognition_id)
    services.delete(request.user, found)  # PermissionDenied (403) for anyone else
    messages.success(request, _("The recognition was deleted."))
    back = _back(request, reverse("recognitions"))
    if back.startswith(reverse("recognition", args=[recognition_id])):
        back = reverse("recognitions")  # its own page is gone
    return redirect(back)


# Company values ----------------------------------------------------------------------------


def _values_page(request, errors=None, failed=None, status=200):
    counts = services.value_counts()
    rows = list(CompanyValue.objects.all())
    for row in rows:
        row.uses = counts.get(row.pk, 0)
    context = {
        "rows": rows,
        "can_manage": access.can_manage_company(request.user),
        "errors": errors or {},
        "failed": failed,  # the value whose form was refused ("new" for the add form)
        "data": request.POST if errors else {},
    }
    return render(request, "cfr/values.html", context, status=status)


def values(request):
    if request.method != "POST":
        return _values_page(request)
    if not access.can_manage_company(request.user):
        raise PermissionDenied(_("Only administrators set the company's values."))
    data = request.POST
    try:
        made = services.create_value(
            request.user, name=data.get("name", ""), description=data.get("description", "")
        )
    except ValidationError as error:
        return _values_page(request, _errors(error), "new", status=400)
    messages.success(request, _("Value “%(name)s” added.") % {"name": made.name})
    return redirect("values")


def _move(actor, value, step: int) -> None:
    """Swap a value with its neighbour (positions are renumbered 0, 1, 2… on the way)."""
    ordered = list(CompanyValue.objects.all())
    at = next(i for i, row in enumerate(ordered) if row.pk == value.pk)
    other = at + step
    if not 0 <= other < len(ordered):
        return
    ordered[at], ordered[other] = ordered[other], ordered[at]
    for position, row in enumerate(ordered):
        if row.position != position:
            services.update_value(actor, row, position=position)


@require_POST
def value(request, value_id: int):
    if not access.can_manage_company(request.user):
        raise PermissionDenied(_("Only administrators set the company's values."))
    found = services.get_value(value_id)
    data, action = request.POST, request.POST.get("action", "save")
    name = found.name
    try:
        if action == "up" or action == "down":
            _move(request.user, found, -1 if action == "up" else 1)
            done = _("Moved “%(name)s”.")
        elif action == "archive" or action == "restore":
            services.update_value(request.user, found, archived=action == "archive")
            done = _("Archived “%(name)s”.") if action == "archive" else _("“%(name)s” is back.")
        elif action == "delete":
            if services.delete_value(request.user, found):
                done = _("Deleted “%(name)s”.")
            else:
                done = _(
                    "Recognitions name “%(name)s”, so it was archived instead of deleted: "
                    "past recognitions keep it."
                )
        else:
            services.update_value(
                request.user,
                found,
                name=data.get("name", ""),
                description=data.get("description", ""),
            )
            name, done = found.name, _("Saved “%(name)s”.")
    except ValidationError as error:
        return _values_page(request, _errors(error), found.pk, status=400)
    messages.success(request, done % {"name": name})
    return redirect(reverse("values") + f"#value-{found.pk}")

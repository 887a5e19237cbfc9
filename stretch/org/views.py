"""Pages of the organisation: company, teams, people, and the first-run set-up.

Every page reads objectives through `access.objectives_visible_to`, takes the cycle from
`?cycle=` (default: the active one) and runs a fixed number of queries whatever the size of
the company: lists are loaded for a whole page at once and annotated in one roll-up.
"""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stretch import access
from stretch.okrs import alignment, alignment_map, alignment_tree, rollup
from stretch.okrs import progress as math
from stretch.okrs.forms import add_service_errors
from stretch.okrs.models import Cycle, Objective
from stretch.okrs.views import objectives_queryset, pick_cycle
from stretch.org import services
from stretch.org.forms import SetupForm
from stretch.org.models import (
    Cadence,
    Company,
    CompanyValue,
    Membership,
    Profile,
    StrategyPillar,
    Team,
    Weekday,
)
from stretch.params import as_int

PEOPLE_PER_PAGE = 50


@dataclass
class Summary:
    """How a set of objectives stands: how many, their mean progress and its health."""

    count: int
    progress: float
    expected: float

    @property
    def health(self) -> str:
        return math.health(self.progress, self.expected)


def summarise(objectives: list[Objective], expected: float) -> Summary:
    """Mean progress against the mean of each objective's own pace: a year's objective shown
    beside a quarter's is measured against the year."""
    if not objectives:
        return Summary(count=0, progress=0.0, expected=expected)
    mean = sum(o.progress for o in objectives) / len(objectives)
    pace = sum(o.expected_progress for o in objectives) / len(objectives)
    return Summary(count=len(objectives), progress=mean, expected=pace)


def _cycle_context(request) -> tuple[Cycle | None, dict]:
    cycle = pick_cycle(request)
    expected = rollup.expected_for(cycle) if cycle else 0.0
    return cycle, {"cycle": cycle, "cycles": Cycle.objects.all(), "expected": expected}


def _offset(request) -> int:
    return as_int(request.GET.get("offset"), 0) or 0


def _visible(request):
    return access.objectives_visible_to(request.user, objectives_queryset())


# Company -------------------------------------------------------------------------------------


def company(request):
    cycle, context = _cycle_context(request)
    company = Company.load()
    context |= {
        "company": company,
        "values": list(CompanyValue.objects.filter(archived=False).values_list("name", flat=True)),
        "pillars": StrategyPillar.objects.all(),
    }
    if cycle is not None:
        objectives = alignment.company_objectives(request.user, cycle)
        context |= {
            "objectives": objectives,
            "summary": summarise(objectives, context["expected"]),
            "groups": alignment_tree.company_tree(request.user, cycle),
        }
    return render(request, "org/company.html", context)


def tree_group(request):
    """More top-level objectives of one pillar's tree (?pillar=3 or none, ?offset=)."""
    cycle, context = _cycle_context(request)
    pillar = request.GET.get("pillar", "none")
    if cycle is None:
        raise Http404
    groups = alignment_tree.company_tree(
        request.user, cycle, pillar=pillar, offset=_offset(request)
    )
    if not groups:
        raise Http404
    context["group"] = groups[0]
    template = "org/tree.html#group-items" if request.htmx else "org/tree.html"
    return render(request, template, context)


def tree_children(request, objective_id: int):
    """The aligned objectives of one objective, for a node of the tree being opened."""
    parent = access.get_objective_for_user(request.user, objective_id)
    cycle, context = _cycle_context(request)
    if cycle is None:
        raise Http404
    context["branch"] = alignment_tree.children(
        request.user, cycle, parent, offset=_offset(request)
    )
    template = "org/tree.html#branch-items" if request.htmx else "org/tree.html"
    return render(request, template, context)


def alignment_map_page(request, objective_id: int):
    """The map of one branch; aligned objectives of the cycle asked for, else its own."""
    objective = access.get_objective_for_user(request.user, objective_id)
    cycle = pick_cycle(request) if request.GET.get("cycle") else objective.cycle
    if cycle is None:
        raise Http404
    return render(
        request,
        "org/map.html",
        {
            "cycle": cycle,
            "cycles": Cycle.objects.all(),
            "map": alignment_map.draw(request.user, objective, cycle),
            "limit": alignment_map.MAX_NODES,
        },
    )


# Teams ---------------------------------------------------------------------------------------


def team(request, team_id: int):
    team = access.get_team(team_id)
    cycle, context = _cycle_context(request)
    teams = {t.pk: t for t in Team.objects.only("id", "name", "parent_id")}
    crumbs: list[Team] = []
    parent_id = team.parent_id
    while parent_id in teams and len(crumbs) < len(teams):
        crumbs.insert(0, teams[parent_id])
        parent_id = teams[parent_id].parent_id
    sub_teams = sorted((t for t in teams.values() if t.parent_id == team.pk), key=str)
    memberships = list(
        Membership.objects.filter(team=team, person__is_active=True)
        .select_related("person__profile")
        .order_by("role", "person__profile__display_name", "person__username")
    )
    sizes = dict(
        Membership.objects.filter(team__in=sub_teams, person__is_active=True)
        .order_by()
        .values("team")
        .annotate(n=Count("id"))
        .values_list("team", "n")
    )
    objectives: list[Objective] = []
    if cycle is not None:
        members = Membership.objects.filter(team=team).values("person")
        objectives = list(
            _visible(request).filter(
                Q(owner_team_id__in=[team.pk, *(t.pk for t in sub_teams)])
                | Q(owner_person__in=members),
                cycle=cycle,
            )
        )
        rollup.annotate(objectives)
    by_team: dict[int, list[Objective]] = defaultdict(list)
    for objective in objectives:
        if objective.owner_team_id is not None:
            by_team[objective.owner_team_id].append(objective)
    own = by_team[team.pk]
    context |= {
        "team": team,
        "crumbs": crumbs,
        "leads": [m for m in memberships if m.role == Membership.Role.LEAD],
        "members": [m for m in memberships if m.role != Membership.Role.LEAD],
        "sub_teams": [
            (t, sizes.get(t.pk, 0), summarise(by_team[t.pk], context["expected"]))
            for t in sub_teams
        ],
        "objectives": own,
        "summary": summarise(own, context["expected"]),
        "member_objectives": [o for o in objectives if o.owner_person_id is not None],
        "can_create": access.can_own(request.user, owner_team=team),
        "can_set_rhythm": access.can_lead_team(request.user, team),
        "cadences": Cadence.choices,
        "weekdays": Weekday.choices,
    }
    return render(request, "org/team.html", context)


@require_POST
def team_rhythm(request, team_id: int):
    """A lead sets how often, and on which weekday, the team's key results are due."""
    team = access.get_team(team_id)
    try:
        services.set_check_in_rhythm(
            request.user,
            team,
            cadence=request.POST.get("check_in_cadence", ""),
            weekday=as_int(request.POST.get("check_in_weekday")),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Check-ins of %(team)s are now due %(cadence)s on %(weekday)s.")
            % {
                "team": team.name,
                "cadence": Cadence(team.check_in_cadence).label.lower(),
                "weekday": Weekday(team.check_in_weekday).label,
            },
        )
    return redirect("team", team_id=team.pk)


# People --------------------------------------------------------------------------------------


@dataclass
class PeopleFound:
    """The people page's list under its search (?q=), team (?team=) and cycle (?cycle=)."""

    user: Any
    cycle: Cycle | None
    context: dict
    persons: QuerySet
    query: str
    teams: list[Team]
    team: Team | None

    def summaries(self, persons: list, owners) -> list[tuple[Any, Summary]]:
        """Each of `persons` with a summary of their objectives in the cycle that the reader
        may see (`owners`: their ids, or a query of them), in one roll-up."""
        owned: dict[int, list[Objective]] = defaultdict(list)
        if self.cycle is not None:
            objectives = list(
                access.objectives_visible_to(
                    self.user, Objective.objects.select_related("cycle")
                ).filter(cycle=self.cycle, owner_person__in=owners)
            )
            rollup.annotate(objectives)
            for objective in objectives:
                if objective.owner_person_id is not None:
                    owned[objective.owner_person_id].append(objective)
        expected = self.context["expected"]
        return [(p, summarise(owned[p.pk], expected)) for p in persons]

    def rows(self) -> list[tuple[Any, Summary]]:
        """Everyone the list holds, over all its pages (the CSV download)."""
        return self.summaries(list(self.persons), self.persons.values("pk"))


def people_found(request) -> PeopleFound:
    cycle, context = _cycle_context(request)
    query = request.GET.get("q", "").strip()
    persons = (
        get_user_model()
        .objects.filter(is_active=True)
        .select_related("profile__manager__profile")
        .prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.select_related("team"))
        )
        .order_by("profile__display_name", "username")
    )
    if query:
        persons = persons.filter(
            Q(username__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(profile__display_name__icontains=query)
            | Q(profile__title__icontains=query)
        )
    teams = list(Team.objects.all())
    team_id = request.GET.get("team", "")
    chosen = next((t for t in teams if str(t.pk) == team_id), None)
    if chosen is not None:
        persons = persons.filter(memberships__team=chosen)
    return PeopleFound(request.user, cycle, context, persons, query, teams, chosen)


def people(request):
    found = people_found(request)
    page = Paginator(found.persons, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    context = found.context | {
        "page": page,
        "rows": found.summaries(list(page), [p.pk for p in page]),
        "query": found.query,
        "teams": found.teams,
        "team": found.team,
        "csv_query": request.GET.urlencode(),
    }
    return render(request, "org/people.html", context)


def person(request, person_id: int):
    person = access.get_person(person_id)
    cycle, context = _cycle_context(request)
    profile = Profile.objects.select_related("manager__profile").filter(user=person).first()
    memberships = list(Membership.objects.filter(person=person).select_related("team"))
    led = [m.team_id for m in memberships if m.role == Membership.Role.LEAD]
    objectives: list[Objective] = []
    if cycle is not None:
        objectives = list(
            _visible(request).filter(Q(owner_person=person) | Q(owner_team_id__in=led), cycle=cycle)
        )
        rollup.annotate(objectives)
    own = [o for o in objectives if o.owner_person_id == person.pk]
    context |= {
        "person": person,
        "profile": profile,
        "manager": profile.manager if profile and profile.manager else None,
        "reports": Profile.objects.filter(manager=person, user__is_active=True)
        .select_related("user")
        .order_by("display_name"),
        "memberships": memberships,
        "objectives": own,
        "summary": summarise(own, context["expected"]),
        "team_objectives": [o for o in objectives if o.owner_person_id is None],
    }
    return render(request, "org/person.html", context)


# First run -----------------------------------------------------------------------------------


@login_not_required
def setup(request):
    """Create the first administrator; there is nothing to set up once anyone exists."""
    if get_user_model().objects.exists():
        raise Http404
    form = SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.create_person(
                data["username"], email=data["email"], password=data["password1"], admin=True
            )
        except ValidationError as error:
            add_service_errors(form, error, {"password": "password1"})
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _(
                    "Welcome to Stretch. Next, set up your company, teams, people and first "
                    "cycle in Admin."
                ),
            )
            return redirect("home")
    return render(request, "org/setup.html", {"form": form}, status=400 if form.errors else 200)

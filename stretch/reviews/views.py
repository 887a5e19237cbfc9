"""Pages: the reviews section of an objective, the team review page, carrying over.

Views parse the form, find objects through `stretch.access` and call
`stretch.reviews.services`; the rules live there.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from stretch import access
from stretch.errors import Conflict
from stretch.okrs import rollup
from stretch.okrs.forms import add_service_errors
from stretch.okrs.models import Cycle, Objective
from stretch.okrs.views import objectives_queryset
from stretch.org.models import Team, display_name
from stretch.reviews import diagnosis, services
from stretch.reviews.forms import QUESTIONS, CarryOverForm, ReviewForm
from stretch.reviews.models import TEXT_FIELDS, Review


@dataclass
class Card:
    """One review (mid or final) of a subject as a page shows it, with its form if the
    reader may write it now."""

    kind: str
    title: str
    dom_id: str
    action: str
    review: Review | None = None
    may_write: bool = False  # the reader's right, whatever the phase
    refusal: str = ""  # why it cannot be written in this phase
    form: ReviewForm | None = None
    error: str = ""
    saved: bool = False
    open: bool = False
    answers: list[tuple[str, str]] = field(default_factory=list)
    author: str = ""
    explanation: str = ""

    @property
    def can_write(self) -> bool:
        return self.may_write and not self.refusal


def _form(kind: str, review: Review | None, data=None, initial=None) -> ReviewForm:
    if initial is None and review is not None:
        initial = {name: getattr(review, name) for name in TEXT_FIELDS}
        initial["version"] = review.version
    return ReviewForm(data, initial=initial, auto_id=f"review-{kind}-%s")


def cards_for(
    user,
    *,
    cycle: Cycle,
    action,
    dom_prefix: str,
    objective: Objective | None = None,
    team: Team | None = None,
    reviews: dict[str, Review],
) -> list[Card]:
    may_write = services.can_write(user, objective=objective, team=team)
    cards = []
    for kind, title in Review.Kind.choices:
        review = reviews.get(kind)
        card = Card(
            kind=kind,
            title=str(title),
            dom_id=f"{dom_prefix}-{kind}",
            action=action(kind),
            review=review,
            may_write=may_write,
            refusal=services.phase_refusal(cycle, kind) or "",
        )
        if review is not None:
            card.answers = [(str(QUESTIONS[name]), getattr(review, name)) for name in TEXT_FIELDS]
            card.author = display_name(review.author) if review.author else _("someone")
            if review.diagnosis:
                card.explanation = services.explain(review.diagnosis, review.diagnosis_data)
        if card.can_write:
            card.form = _form(kind, review)
            card.open = review is None
        cards.append(card)
    return cards


def _reviews_of(**subject) -> dict[str, Review]:
    return {r.kind: r for r in Review.objects.filter(**subject).select_related("author__profile")}


# The objective page's section ---------------------------------------------------------------


def _objective_action(objective: Objective):
    return lambda kind: reverse("objective-review", args=[objective.pk, kind])


def objective_section(request, objective: Objective) -> dict:
    """What the reviews section of the objective page shows (its template tag calls this):
    the two reviews, where the objective came from and went to, and the carry-over button.
    `objective` is the page's, annotated by `rollup`. Five queries at most."""
    user = request.user
    cards = cards_for(
        user,
        cycle=objective.cycle,
        action=_objective_action(objective),
        dom_prefix="objective",
        objective=objective,
        reviews=_reviews_of(objective=objective, cycle=objective.cycle),
    )
    origin = None
    if objective.origin_id is not None:
        origin = Objective.objects.select_related("cycle").filter(pk=objective.origin_id).first()
        if origin is not None and not access.can_view_objective(user, origin):
            origin = None
    copies = [
        c
        for c in services.carried_copies([objective]).get(objective.pk, [])
        if access.can_view_objective(user, c)
    ]
    target = None
    if objective.cycle.status in services.CLOSING and access.can_edit_objective(user, objective):
        target = services.next_cycle(objective.cycle)
        if target is not None and services.carry_over_refusal(objective, target) is not None:
            target = None
    return {"cards": cards, "origin": origin, "copies": copies, "carry_target": target}


@require_POST
def objective_review(request, objective_id: int, kind: str):
    objective = access.get_objective_for_user(request.user, objective_id)
    if kind not in Review.Kind.values:
        raise Http404
    back = reverse("objective", args=[objective.pk]) + f"#review-objective-{kind}"
    return _submit(
        request,
        kind,
        cycle=objective.cycle,
        back=back,
        subject={"objective": objective},
        action=_objective_action(objective),
        dom_prefix="objective",
        heading=objective.title,
    )


# Writing a review ---------------------------------------------------------------------------


def _submit(request, kind, *, cycle, back, subject, action, dom_prefix, heading):
    form = _form(kind, None, data=request.POST)
    error, status = "", 400
    if form.is_valid():
        data = form.cleaned_data
        texts = {name: data[name] for name in TEXT_FIELDS}
        try:
            services.write_review(
                request.user,
                cycle=cycle,
                kind=kind,
                expected_version=data["version"],
                **subject,
                **texts,
            )
        except ValidationError as failure:
            add_service_errors(form, failure)
        except Conflict as conflict:
            # Keep what they wrote; the next submit is based on the version they now see.
            error, status = conflict.message, 409
            form = _form(kind, None, initial={**texts, "version": conflict.current.version})
        else:
            if not request.htmx:
                return redirect(back)
            form, status = None, 200
    card = next(
        c
        for c in cards_for(
            request.user,
            cycle=cycle,
            action=action,
            dom_prefix=dom_prefix,
            reviews=_reviews_of(**subject, cycle=cycle),
            **subject,
        )
        if c.kind == kind
    )
    if form is not None:
        card.form, card.error, card.open = form, error, True
    else:
        card.saved = True
    if request.htmx:
        # HTMX swaps only 2xx answers: a form with errors comes back as 200 with them.
        return render(request, "reviews/_review_card.html", {"card": card})
    return render(
        request,
        "reviews/review_form.html",
        {"card": card, "back": back, "heading": heading},
        status=status,
    )


# The team review page -----------------------------------------------------------------------


def _team_action(team: Team, cycle: Cycle):
    return lambda kind: reverse("team-review-write", args=[team.pk, cycle.pk, kind])


def team_review(request, team_id: int, cycle_id: int):
    team = access.get_team(team_id)
    cycle = access.get_cycle(cycle_id)
    user = request.user
    objectives = list(
        access.objectives_visible_to(
            user, services.team_objectives(team, cycle, objectives_queryset())
        )
    )
    rollup.annotate(objectives)
    for objective in objectives:
        objective.measure = services.measure(objective)
    cards = cards_for(
        user,
        cycle=cycle,
        action=_team_action(team, cycle),
        dom_prefix="team",
        team=team,
        reviews=_reviews_of(team=team, cycle=cycle),
    )
    copies = services.carried_copies(objectives) if cycle.status in services.CLOSING else {}
    shown = access.visible_ids(user, {c.pk for found in copies.values() for c in found})
    copies = {pk: [c for c in found if c.pk in shown] for pk, found in copies.items()}
    target, carry = services.carry_plan(user, cycle, objectives, copies)
    rows = [(o, copies.get(o.pk, [])) for o in objectives]
    return render(
        request,
        "reviews/team_review.html",
        {
            "team": team,
            "cycle": cycle,
            "cycles": Cycle.objects.all(),
            "rows": rows,
            "mean": diagnosis.mean([o.measure for o in objectives]),
            "graded": bool(objectives) and all(o.score is not None for o in objectives),
            "cards": cards,
            "carry_target": target,
            "carry": carry,
        },
    )


@require_POST
def team_review_write(request, team_id: int, cycle_id: int, kind: str):
    team = access.get_team(team_id)
    cycle = access.get_cycle(cycle_id)
    if kind not in Review.Kind.values:
        raise Http404
    back = reverse("team-review", args=[team.pk, cycle.pk]) + f"#review-team-{kind}"
    return _submit(
        request,
        kind,
        cycle=cycle,
        back=back,
        subject={"team": team},
        action=_team_action(team, cycle),
        dom_prefix="team",
        heading=f"{team.name} · {cycle.name}",
    )


# Carry over ---------------------------------------------------------------------------------


@require_POST
def carry_over(request, objective_id: int):
    objective = access.get_objective_for_user(request.user, objective_id)
    back = reverse("objective", args=[objective.pk])
    wanted = request.POST.get("back", "")
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        back = wanted
    form = CarryOverForm(request.POST)
    cycle = None
    if form.is_valid():
        cycle = Cycle.objects.filter(pk=form.cleaned_data["cycle"]).first()
    if cycle is None:
        messages.error(request, _("Choose the cycle to carry the objective over into."))
        return _go(request, back)
    try:
        copy = services.carry_over(request.user, objective, cycle)
    except ValidationError as failure:
        messages.error(request, " ".join(failure.messages))
        return _go(request, back)
    messages.success(
        request,
        _("“%(title)s” is carried over into %(cycle)s.")
        % {"title": copy.title, "cycle": cycle.name},
    )
    return _go(request, reverse("objective", args=[copy.pk]))


def _go(request, url: str):
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)

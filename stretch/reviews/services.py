"""Reviews and carrying objectives over into the next cycle.

Who may write a review: of an objective, those who may change it (its owner, a lead of the
owning team, an administrator); of a team, its leads and administrators. A review of a
private objective is seen only by those who may see the objective; team reviews are open to
the whole company, like public OKRs.

When: a mid-cycle review while the cycle is active; an end-of-cycle review while it is
graded or once it is closed (a retrospective changes no OKR, so a closed cycle still takes
one). A review may be edited within the same phases; every save is kept in its history.

An end-of-cycle review closes with a diagnosis (see `diagnosis.py`) from the cycle's data,
computed again at every submission: the score (the objective's grade, or its progress
while ungraded; for a team the mean over its objectives) and the check-in rhythm (the
share of due check-ins made, per key result, by the due days of its owner's cadence).

Carry over: once a cycle is graded or closed, an unfinished objective may be copied into a
later cycle that is still open for writing, with its unfinished key results; each new key
result starts where the old one ended.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stretch import access
from stretch.errors import Conflict
from stretch.okrs import rhythm, rollup
from stretch.okrs import services as okrs
from stretch.okrs.formatting import number
from stretch.okrs.models import CheckIn, Cycle, KeyResult, Objective
from stretch.org.models import Team
from stretch.reviews import diagnosis
from stretch.reviews.models import TEXT_FIELDS, Review

MAX_TEXT = 10_000  # characters per answer

# Reading ------------------------------------------------------------------------------------


def reviews_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """The reviews `user` may read: every team review, and those of objectives they see."""
    qs = Review.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return qs.none()
    if access.is_admin(user):
        return qs
    return qs.filter(
        Q(team__isnull=False) | Q(objective__in=access.objectives_visible_to(user).values("id"))
    )


def get_review_for_user(user, pk) -> Review:
    review = (
        reviews_visible_to(
            user,
            Review.objects.select_related("cycle", "team", "objective", "author__profile"),
        )
        .filter(pk=pk)
        .first()
    )
    if review is None:
        raise Http404(_("No review with id %(id)s.") % {"id": pk})
    return review


def can_write(user, *, objective: Objective | None = None, team: Team | None = None) -> bool:
    """May `user` write (or edit) the reviews of this objective or team, phases aside."""
    if objective is not None:
        return access.can_edit_objective(user, objective)
    return team is not None and access.can_lead_team(user, team)


def phase_refusal(cycle: Cycle, kind: str) -> str | None:
    """Why a review of `kind` cannot be written in the cycle's phase now, or None."""
    name = {"name": cycle.name}
    if kind == Review.Kind.MID:
        if cycle.status == Cycle.Status.ACTIVE:
            return None
        if cycle.status == Cycle.Status.PLANNING:
            return _("The mid-cycle review opens when %(name)s is active.") % name
        return _("%(name)s is over; write the end-of-cycle review instead.") % name
    if cycle.status in (Cycle.Status.GRADING, Cycle.Status.CLOSED):
        return None
    return _("The end-of-cycle review opens when %(name)s is being graded.") % name


# Writing ------------------------------------------------------------------------------------


def _clean_texts(texts: Mapping[str, Any]) -> dict[str, str]:
    cleaned = {}
    for name in TEXT_FIELDS:
        value = texts.get(name)
        if value is not None and not isinstance(value, str):
            raise ValidationError({name: _("Must be text.")})
        value = (value or "").strip()
        if len(value) > MAX_TEXT:
            raise ValidationError(
                {name: _("At most %(count)s characters, please.") % {"count": MAX_TEXT}}
            )
        cleaned[name] = value
    if not any(cleaned.values()):
        raise ValidationError(
            {
                "went_well": _(
                    "Answer at least one question: what went well, what did not, what we "
                    "learned or what we change."
                )
            }
        )
    return cleaned


def _subject_filter(objective: Objective | None, team: Team | None) -> dict:
    return {"objective": objective} if objective is not None else {"team": team}


def _subject_name(objective: Objective | None, team: Team | None) -> str:
    return objective.title if objective is not None else str(team)


def write_review(
    actor,
    *,
    objective: Objective | None = None,
    team: Team | None = None,
    cycle: Cycle,
    kind: str,
    went_well: str = "",
    went_badly: str = "",
    learned: str = "",
    change_next: str = "",
    expected_version: int | None = None,
) -> Review:
    """Write the review of an objective or a team for a cycle, or edit it.

    There is one review per subject, cycle and kind: when it exists already, the edit must
    name the `expected_version` it was based on (a stale or missing one is a Conflict
    carrying the review as it is now), so nobody overwrites a review they have not read.
    """
    if (objective is None) == (team is None):
        raise ValidationError({"objective": _("Review either an objective or a team.")})
    if kind not in Review.Kind.values:
        allowed = ", ".join(Review.Kind.values)
        raise ValidationError({"kind": _("Must be one of: %(allowed)s.") % {"allowed": allowed}})
    if objective is not None:
        if not access.can_view_objective(actor, objective):
            raise Http404(_("No objective with id %(id)s.") % {"id": objective.pk})
        if objective.cycle_id != cycle.pk:
            raise ValidationError(
                {
                    "cycle": _("The objective belongs to the cycle %(name)s.")
                    % {"name": objective.cycle.name}
                }
            )
        if not access.can_edit_objective(actor, objective):
            raise PermissionDenied(_("Only those who may change the objective review it."))
    elif team is not None and not access.can_lead_team(actor, team):
        raise PermissionDenied(_("A team's leads and administrators review the team."))
    if refusal := phase_refusal(cycle, kind):
        raise ValidationError({"cycle": refusal})
    texts = _clean_texts(
        {
            "went_well": went_well,
            "went_badly": went_badly,
            "learned": learned,
            "change_next": change_next,
        }
    )
    subject = _subject_filter(objective, team)
    with transaction.atomic():
        review = (
            Review.objects.select_for_update().filter(**subject, cycle=cycle, kind=kind).first()
        )
        if review is not None:
            _check_version(review, expected_version, objective, team)
        else:
            review = Review(**subject, cycle=cycle, kind=kind, author=actor)
        for name, value in texts.items():
            setattr(review, name, value)
        if kind == Review.Kind.FINAL:
            evidence = (
                objective_evidence(objective, cycle)
                if objective is not None
                else team_evidence(team, cycle)
            )
            review.diagnosis = evidence.code
            review.diagnosis_data = evidence.data()
            review.explanation = explain(review.diagnosis, review.diagnosis_data)
        review._history_user = actor
        if review.pk is None:
            try:
                with transaction.atomic():
                    review.save()
            except IntegrityError:
                # Someone else wrote the first one at the same moment.
                current = Review.objects.get(**subject, cycle=cycle, kind=kind)
                raise Conflict(_already_written(current, objective, team), current) from None
        else:
            review.version = F("version") + 1
            review.save()
        review.refresh_from_db()
    return review


def _already_written(review: Review, objective, team) -> str:
    return _(
        "The %(kind)s of %(subject)s was written meanwhile (now version %(version)s); "
        "read it and edit it instead."
    ) % {
        "kind": review.get_kind_display().lower(),
        "subject": _subject_name(objective, team),
        "version": review.version,
    }


def _check_version(review: Review, expected_version: int | None, objective, team) -> None:
    if expected_version is None:
        raise Conflict(_already_written(review, objective, team), review)
    if review.version != expected_version:
        raise Conflict(
            _(
                "This review was changed by someone else (now version %(version)s); reload "
                "and retry."
            )
            % {"version": review.version},
            review,
        )


def update_review(
    actor, review: Review, changes: Mapping[str, Any], expected_version: int | None = None
) -> Review:
    """Change some answers of a review; without a version, the review as it is now is
    the one edited (the API's PATCH without If-Match)."""
    unknown = set(changes) - set(TEXT_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("Unknown field.")})
    texts = {name: getattr(review, name) for name in TEXT_FIELDS} | dict(changes)
    return write_review(
        actor,
        objective=review.objective,
        team=review.team,
        cycle=review.cycle,
        kind=review.kind,
        expected_version=review.version if expected_version is None else expected_version,
        **texts,
    )


# The diagnosis ------------------------------------------------------------------------------


@dataclass
class Evidence:
    """What the cycle's data say about a subject: the score and the check-in rhythm."""

    score: float | None = None
    graded: bool = False
    checked: int = 0
    periods: int = 0
    cadences: set[str] = field(default_factory=set)
    key_results: int = 0
    objectives: int = 0
    team: bool = False

    @property
    def code(self) -> str:
        return diagnosis.diagnose(self.score, self.checked, self.periods)

    def data(self) -> dict:
        cadence = next(iter(self.cadences)) if len(self.cadences) == 1 else "mixed"
        return {
            "score": None if self.score is None else round(self.score, 4),
            "graded": self.graded,
            "checked": self.checked,
            "periods": self.periods,
            "cadence": cadence if self.cadences else "",
            "key_results": self.key_results,
            "objectives": self.objectives,
            "team": self.team,
        }


def due_days(cadence: str, weekday: int, since: date, until: date) -> list[date]:
    """The days from `since` to `until` a key result of this rhythm was due."""
    days: list[date] = []
    due = rhythm.next_due_date(cadence, weekday, since)
    while due <= until:
        days.append(due)
        due = rhythm.next_due_date(cadence, weekday, due + timedelta(days=1))
    return days


def evidence_of(objectives: Sequence[Objective], cycle: Cycle, *, team: bool = False) -> Evidence:
    """The score and rhythm of objectives of `cycle` (with their cycle loaded), in four
    queries plus the roll-up's: the key results, their cadences and the check-in days."""
    result = Evidence(team=team, objectives=len(objectives))
    if not objectives:
        return result
    rollup.annotate(objectives)
    result.score = diagnosis.mean([measure(o) for o in objectives])
    result.graded = all(o.score is not None for o in objectives)
    until = min(cycle.end, rollup.today())
    key_results = list(
        KeyResult.objects.filter(objective__in=objectives)
        .annotate(cadence=rhythm.key_result_cadence(), weekday=rhythm.key_result_weekday())
        .values("pk", "created_at", "cadence", "weekday")
    )
    days: dict[int, list[date]] = defaultdict(list)
    for key_result_id, at in CheckIn.objects.filter(
        key_result__objective__in=objectives
    ).values_list("key_result_id", "created_at"):
        days[key_result_id].append(timezone.localtime(at).date())
    for kr in key_results:
        since = max(cycle.start, timezone.localtime(kr["created_at"]).date())
        due = due_days(kr["cadence"], kr["weekday"], since, until)
        result.checked += diagnosis.checked_periods(days[kr["pk"]], due, since)
        result.periods += len(due)
        result.cadences.add(kr["cadence"])
    result.key_results = len(key_results)
    return result


def objective_evidence(objective: Objective, cycle: Cycle) -> Evidence:
    fresh = Objective.objects.select_related("cycle").get(pk=objective.pk)
    return evidence_of([fresh], cycle)


def team_objectives(team: Team, cycle: Cycle, queryset: QuerySet | None = None) -> QuerySet:
    """The objectives a team review looks at: the team's own in the cycle, drafts aside."""
    qs = Objective.objects.all() if queryset is None else queryset
    return qs.filter(owner_team=team, cycle=cycle).exclude(status=Objective.Status.DRAFT)


def measure(objective: Objective) -> float:
    """What an objective (annotated by `rollup`) achieved: its grade, else its progress."""
    return objective.score if objective.score is not None else objective.progress


def team_evidence(team: Team | None, cycle: Cycle) -> Evidence:
    """Over the team's public objectives: a team review is read by the whole company, so its
    numbers (a count, a mean) must not reveal a private objective to those who may not see
    it."""
    objectives = (
        list(
            team_objectives(team, cycle)
            .filter(visibility=Objective.Visibility.PUBLIC)
            .select_related("cycle")
        )
        if team
        else []
    )
    return evidence_of(objectives, cycle, team=True)


def _measure(data: Mapping[str, Any]) -> str:
    score = float(data.get("score") or 0)
    count = int(data.get("objectives") or 0)
    values = {"score": number(round(score, 2)), "percent": round(score * 100), "count": count}
    if data.get("team"):
        if data.get("graded"):
            return (
                ngettext(
                    "a mean score of %(score)s over %(count)s objective",
                    "a mean score of %(score)s over %(count)s objectives",
                    count,
                )
                % values
            )
        return (
            ngettext(
                "a mean progress of %(percent)s%% over %(count)s objective (not all graded)",
                "a mean progress of %(percent)s%% over %(count)s objectives (not all graded)",
                count,
            )
            % values
        )
    if data.get("graded"):
        return _("a score of %(score)s") % values
    return _("a progress of %(percent)s%% (not graded yet)") % values


def _rhythm(data: Mapping[str, Any]) -> str:
    values = {"checked": data.get("checked", 0), "periods": data.get("periods", 0)}
    total = values["periods"]
    cadence = data.get("cadence")
    if cadence == "weekly":
        text = ngettext(
            "check-ins in %(checked)s of %(periods)s week",
            "check-ins in %(checked)s of %(periods)s weeks",
            total,
        )
    elif cadence == "biweekly":
        text = ngettext(
            "check-ins in %(checked)s of %(periods)s two-week period",
            "check-ins in %(checked)s of %(periods)s two-week periods",
            total,
        )
    elif cadence == "monthly":
        text = ngettext(
            "check-ins in %(checked)s of %(periods)s month",
            "check-ins in %(checked)s of %(periods)s months",
            total,
        )
    else:
        text = ngettext(
            "%(checked)s of %(periods)s due check-in made",
            "%(checked)s of %(periods)s due check-ins made",
            total,
        )
    text %= values
    count = data.get("key_results", 0)
    if count > 1:
        text += ngettext(
            " (counted per key result, over %(count)s key result)",
            " (counted per key result, over %(count)s key results)",
            count,
        ) % {"count": count}
    return text


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def explain(code: str, data: Mapping[str, Any]) -> str:
    """The diagnosis in words that show its numbers, in the current language."""
    if code == diagnosis.NOT_ENOUGH_DATA:
        if data.get("score") is None:
            if data.get("team"):
                return _(
                    "Not enough data for a diagnosis: the team has no objectives in this cycle."
                )
            return _("Not enough data for a diagnosis: there is no score or progress.")
        if not data.get("key_results"):
            return _(
                "%(measure)s, but no key results to judge the check-in rhythm by: not "
                "enough data to tell strategy from execution."
            ) % {"measure": _sentence(_measure(data))}
        periods = data.get("periods", 0)
        return ngettext(
            "%(measure)s, but only %(periods)s check-in was due: too few to tell strategy "
            "from execution.",
            "%(measure)s, but only %(periods)s check-ins were due: too few to tell strategy "
            "from execution.",
            periods,
        ) % {"measure": _sentence(_measure(data)), "periods": periods}
    values = {"measure": _sentence(_measure(data)), "rhythm": _rhythm(data)}
    if code == diagnosis.ON_TRACK:
        if data.get("periods"):
            return (
                _("%(measure)s with %(rhythm)s: 0.7 or more is success, the goal was reached.")
                % values
            )
        return _("%(measure)s: 0.7 or more is success, the goal was reached.") % values
    if code == diagnosis.STRATEGY:
        return (
            _(
                "%(measure)s with %(rhythm)s: the plan was followed and tracked, so look at "
                "the strategy — the bet did not pay off."
            )
            % values
        )
    return (
        _(
            "%(measure)s with only %(rhythm)s: the work was not followed up regularly, so "
            "look at the execution first."
        )
        % values
    )


# Carry over ---------------------------------------------------------------------------------

CLOSING = (Cycle.Status.GRADING, Cycle.Status.CLOSED)
OPEN = (Cycle.Status.PLANNING, Cycle.Status.ACTIVE)


def later_cycles(cycle: Cycle) -> QuerySet:
    """The cycles an objective of `cycle` may be carried into: open for writing, starting
    on or after the day `cycle` ends."""
    return Cycle.objects.filter(status__in=OPEN, start__gte=cycle.end).exclude(pk=cycle.pk)


def next_cycle(cycle: Cycle) -> Cycle | None:
    """The cycle to carry into by default: the soonest later one, of the most similar
    length (a quarter's next quarter rather than the next year)."""
    length = (cycle.end - cycle.start).days

    def distance(other: Cycle) -> tuple[int, date, int]:
        return (abs((other.end - other.start).days - length), other.start, other.pk)

    candidates = list(later_cycles(cycle).order_by("start")[:20])
    return min(candidates, key=distance) if candidates else None


def is_finished(objective: Objective) -> bool:
    """Graded at 1.0, or (ungraded) at full progress; needs `rollup.annotate`."""
    if objective.score is not None:
        return objective.score >= 1.0
    return objective.progress >= 1.0


def _key_result_finished(key_result: KeyResult) -> bool:
    """Reached (a metric at or past its target, a milestone done); a range is kept: it is
    held, never finished."""
    if key_result.direction == KeyResult.Direction.RANGE and key_result.kind == "metric":
        return False
    return key_result.progress >= 1.0


def carry_over_refusal(objective: Objective, into_cycle: Cycle) -> ValidationError | None:
    """Why `objective` (annotated by `rollup`) cannot be carried into `into_cycle`."""
    source = objective.cycle
    if source.status not in CLOSING:
        return ValidationError(
            {
                "objective": _(
                    "Objectives are carried over at the close: when %(name)s is being graded "
                    "or closed."
                )
                % {"name": source.name}
            }
        )
    if into_cycle.status not in OPEN:
        return ValidationError(
            {
                "cycle": _(
                    "%(name)s is %(status)s; carry over into a cycle being planned or active."
                )
                % {"name": into_cycle.name, "status": into_cycle.get_status_display().lower()}
            }
        )
    if into_cycle.pk == source.pk or into_cycle.start < source.end:
        return ValidationError(
            {
                "cycle": _("%(name)s does not start after %(source)s ends.")
                % {"name": into_cycle.name, "source": source.name}
            }
        )
    if is_finished(objective):
        return ValidationError(
            {"objective": _("The objective is finished; there is nothing to carry over.")}
        )
    if Objective.objects.filter(origin=objective, cycle=into_cycle).exists():
        return ValidationError(
            {
                "cycle": _("The objective was carried over into %(name)s already.")
                % {"name": into_cycle.name}
            }
        )
    return None


def _link_origin(model, copy_pk: int, origin_pk: int) -> None:
    """Set the origin link, also on the history row of the creation (so the history says
    the copy was born carried over, without a second change)."""
    model.objects.filter(pk=copy_pk).update(origin_id=origin_pk)
    model.history.filter(id=copy_pk).update(origin_id=origin_pk)


def carry_over(actor, objective: Objective, into_cycle: Cycle) -> Objective:
    """Copy an unfinished objective into a later cycle with its unfinished key results.

    The copy says the same (title, description, strategy, kind, visibility, owner, pillar)
    and stays aligned to its parent when the parent's cycle covers the new one. Each metric
    starts at its final value (its last check-in, else its old start) with the same target;
    a milestone keeps only its steps not done. Key results reached already (a metric at or
    past its target, a milestone done) are not copied: nothing is left to do there. Ranges
    are always copied. Everything is created through the OKR services (so their permission
    and validation rules hold) in one transaction, and linked to its origin.
    """
    if not access.can_view_objective(actor, objective):
        raise Http404(_("No objective with id %(id)s.") % {"id": objective.pk})
    if not access.can_edit_objective(actor, objective):
        raise PermissionDenied(_("Only those who may change the objective carry it over."))
    with transaction.atomic():
        source = (
            Objective.objects.select_for_update(of=("self",))
            .select_related("cycle", "parent__cycle", "owner_person", "owner_team", "pillar")
            .get(pk=objective.pk)
        )
        rollup.annotate([source])
        if refusal := carry_over_refusal(source, into_cycle):
            raise refusal
        parent = source.parent
        if parent is not None and not parent.cycle.covers(into_cycle):
            parent = None
        owner: dict[str, Any] = (
            {"owner_person": source.owner_person}
            if source.owner_person_id is not None
            else {"owner_team": source.owner_team}
        )
        copy = okrs.create_objective(
            actor,
            cycle=into_cycle,
            title=source.title,
            description=source.description,
            strategy=source.strategy,
            kind=source.kind,
            visibility=source.visibility,
            parent=parent,
            pillar=source.pillar,
            **owner,
        )
        _link_origin(Objective, copy.pk, source.pk)
        position = 0
        for kr in source.key_result_list:
            if _key_result_finished(kr):
                continue
            steps = [{"title": s.title, "weight": s.weight} for s in kr.steps.all() if not s.done]
            new = okrs.create_key_result(
                actor,
                copy,
                steps=steps,
                title=kr.title,
                kind=kr.kind,
                direction=kr.direction,
                start=kr.current if kr.current is not None else kr.start,
                target=kr.target,
                range_low=kr.range_low,
                range_high=kr.range_high,
                unit=kr.unit,
                weight=kr.weight,
                owner=kr.owner,
                position=position,
            )
            _link_origin(KeyResult, new.pk, kr.pk)
            position += 1
    return Objective.objects.select_related("cycle").get(pk=copy.pk)


def carry_plan(
    actor, cycle: Cycle, objectives: Sequence[Objective], copies: Mapping[int, list[Objective]]
) -> tuple[Cycle | None, set[int]]:
    """Where `actor` may carry objectives of `cycle` by default, and which of `objectives`
    (annotated by `rollup`): theirs to change, unfinished, not carried there already
    (`copies` as from `carried_copies`)."""
    may_carry = [o for o in objectives if access.can_edit_objective(actor, o)]
    if not may_carry or cycle.status not in CLOSING:
        return None, set()
    target = next_cycle(cycle)
    if target is None:
        return None, set()
    return target, {
        o.pk
        for o in may_carry
        if not is_finished(o) and not any(c.cycle_id == target.pk for c in copies.get(o.pk, []))
    }


def carry_over_candidates(actor, cycle: Cycle) -> list[Objective]:
    """The objectives of a closing `cycle` that `actor` may carry over: theirs to change,
    unfinished. Each gets `carried_into`: the ids of cycles it was carried into already."""
    if cycle.status not in CLOSING or not actor.is_authenticated:
        return []
    qs = access.objectives_visible_to(
        actor, Objective.objects.select_related("cycle", "owner_person__profile", "owner_team")
    ).filter(cycle=cycle)
    objectives = [o for o in qs if access.can_edit_objective(actor, o)]
    rollup.annotate(objectives)
    carried: dict[int, set[int]] = defaultdict(set)
    for origin_id, cycle_id in Objective.objects.filter(origin__in=objectives).values_list(
        "origin_id", "cycle_id"
    ):
        carried[origin_id].add(cycle_id)
    result = []
    for objective in objectives:
        if is_finished(objective):
            continue
        objective.carried_into = carried[objective.pk]  # type: ignore[attr-defined]
        result.append(objective)
    return result


def carried_copies(objectives: Iterable[Objective]) -> dict[int, list[Objective]]:
    """The copies made of each objective, by origin id (one query)."""
    copies: dict[int, list[Objective]] = defaultdict(list)
    for copy in Objective.objects.filter(origin__in=list(objectives)).select_related("cycle"):
        if copy.origin_id is not None:
            copies[copy.origin_id].append(copy)
    return copies

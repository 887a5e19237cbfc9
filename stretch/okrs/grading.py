"""Grading: scores for key results and objectives in the grading phase.

Each key result gets a score from 0.0 to 1.0 in steps of 0.1, suggested from its progress
(a milestone 0 or 1, a metric its progress rounded); a score away from the suggestion needs
a reason. The objective's score is suggested as the weighted mean of its key results'
scores; a committed objective graded below 1.0 needs an explanation (its reflection), and
an aspirational one at 1.0 is flagged as maybe not ambitious enough. Every grade is kept in
the change history.
"""

import math as floats
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from stretch import access
from stretch.okrs import phases, rollup, services
from stretch.okrs import progress as math
from stretch.okrs.models import KeyResult, Objective
from stretch.social import events

SCORE_STEPS = [f"{tenth / 10:.1f}" for tenth in range(11)]  # 0.0, 0.1, ... 1.0, for forms
NOT_AMBITIOUS = "not_ambitious"  # an aspirational objective fully achieved
COMMITTED_SHORT = "committed_short"  # a committed objective below 1.0


def _valid_score(score) -> float:
    if isinstance(score, bool) or score is None:
        raise ValidationError({"score": _("A score is a number from 0.0 to 1.0.")})
    try:
        value = float(score)
    except (TypeError, ValueError):
        raise ValidationError({"score": _("A score is a number from 0.0 to 1.0.")}) from None
    if not floats.isfinite(value) or not 0 <= value <= 1:
        raise ValidationError({"score": _("A score is between 0.0 and 1.0.")})
    tenths = Decimal(str(value)) * 10
    if tenths != tenths.to_integral_value():
        raise ValidationError({"score": _("A score goes in steps of 0.1, e.g. 0.6 or 0.7.")})
    return round(value, 1)


def suggested_key_result_score(key_result: KeyResult) -> float:
    """The score suggested for a key result annotated by `rollup`."""
    return math.suggest_key_result_grade(key_result.kind, key_result.progress)


def suggested_objective_score(objective: Objective) -> float | None:
    """The weighted mean of the key results' scores, rounded to 0.1; None while a key
    result is ungraded. Without key results: the objective's progress, rounded."""
    key_results = objective.key_result_list
    if not key_results:
        return math.suggest_grade(objective.progress)
    if any(kr.score is None for kr in key_results):
        return None
    mean = math.weighted_mean((kr.score or 0.0, kr.weight) for kr in key_results)
    return math.suggest_grade(mean or 0.0)


def flags(objective: Objective) -> list[str]:
    """What a grade says about the goal itself: advice, never a block."""
    if objective.score is None:
        return []
    if objective.kind == Objective.Kind.ASPIRATIONAL and objective.score >= 1.0:
        return [NOT_AMBITIOUS]
    if objective.kind == Objective.Kind.COMMITTED and objective.score < 1.0:
        return [COMMITTED_SHORT]
    return []


def _require_gradable(actor, objective: Objective) -> None:
    phases.require(objective.cycle, phases.GRADE)
    if objective.status == Objective.Status.DRAFT:
        raise ValidationError({"objective": _("A draft objective is not graded.")})


def grade_key_result(actor, key_result: KeyResult, score, reason: str = "") -> KeyResult:
    """Give a key result its score; a score other than the suggested one needs a reason."""
    key_result = KeyResult.objects.select_related("objective__cycle").get(pk=key_result.pk)
    if not access.can_check_in(actor, key_result):
        raise PermissionDenied(_("You may not grade this key result."))
    _require_gradable(actor, key_result.objective)
    value = _valid_score(score)
    rollup.annotate_key_results([key_result], key_result.objective.cycle)
    suggested = suggested_key_result_score(key_result)
    reason = (reason or "").strip()
    if value != suggested and not reason:
        raise ValidationError(
            {
                "reason": _(
                    "The suggested score is %(suggested)s from the progress; say why it "
                    "should be %(score)s."
                )
                % {"suggested": suggested, "score": value}
            }
        )
    with transaction.atomic():
        key_result = KeyResult.objects.select_for_update().get(pk=key_result.pk)
        key_result.score, key_result.score_reason = value, reason
        services.save_change(actor, key_result, reason)
    return key_result


def grade_objective(
    actor,
    objective: Objective,
    score=None,
    reason: str = "",
    reflection: str | None = None,
    expected_version: int | None = None,
) -> Objective:
    """Give an objective its score: by default the weighted mean of its key results' scores.

    A score other than that needs a reason; a committed objective below 1.0 needs an
    explanation in its reflection (what got in the way, what we learned).
    """
    objective = Objective.objects.select_related("cycle").get(pk=objective.pk)
    if not access.can_edit_objective(actor, objective):
        raise PermissionDenied(_("You may not grade this objective."))
    _require_gradable(actor, objective)
    rollup.annotate([objective])
    suggested = suggested_objective_score(objective)
    if suggested is None and score is None:
        graded = sum(kr.score is not None for kr in objective.key_result_list)
        raise ValidationError(
            {
                "score": _(
                    "Grade every key result first (%(graded)s of %(count)s graded), or give "
                    "the objective's score with a reason."
                )
                % {"graded": graded, "count": len(objective.key_result_list)}
            }
        )
    value = _valid_score(suggested if score is None else score)
    reason = (reason or "").strip()
    if value != suggested and not reason:
        raise ValidationError(
            {
                "reason": _(
                    "The key results' weighted mean gives %(suggested)s; say why the "
                    "objective's score should be %(score)s."
                )
                % {"suggested": suggested, "score": value}
            }
            if suggested is not None
            else {"reason": _("Say why the score is %(score)s.") % {"score": value}}
        )
    explanation = objective.reflection if reflection is None else reflection.strip()
    if objective.kind == Objective.Kind.COMMITTED and value < 1.0 and not explanation:
        raise ValidationError(
            {
                "reflection": _(
                    "A committed objective is expected to reach 1.0: explain what got in the "
                    "way at %(score)s."
                )
                % {"score": value}
            }
        )
    with transaction.atomic():
        objective = Objective.objects.select_for_update().get(pk=objective.pk)
        services.check_version(objective, expected_version)
        objective.score, objective.score_reason = value, reason
        objective.reflection = explanation
        services.save_change(actor, objective, reason)
        events.record(events.Verb.GRADED, actor, objective=objective, data={"score": value})
    return objective

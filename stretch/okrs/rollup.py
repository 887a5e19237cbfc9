"""Progress, pace and health for objectives and key results, loaded in bounded queries.

The arithmetic is in `progress.py`; this module only gathers its inputs from the database
and hangs the results on the model instances (`progress`, `expected_progress`, `health`,
`attainment`), so pages and endpoints show the same numbers.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from django.utils import timezone

from stretch.okrs import progress as math
from stretch.okrs import rhythm
from stretch.okrs.models import Cycle, KeyResult, Objective


def today() -> date:
    return timezone.localdate()


def expected_for(cycle: Cycle, on: date | None = None) -> float:
    """The share of `cycle` elapsed by `on` (today): where progress should be by now."""
    return math.expected_progress(cycle.start, cycle.end, on or today())


def steps_of(key_result: KeyResult) -> list[math.Step]:
    return [math.Step(weight=s.weight, done=s.done) for s in key_result.steps.all()]


def key_results_query():
    """Key results with what their numbers need: the cadence they follow (for staleness)."""
    return KeyResult.objects.annotate(cadence=rhythm.key_result_cadence())


def progress_at(key_result: KeyResult, current: float | None, steps: Sequence[math.Step]) -> float:
    """The key result's progress by `progress.py` at a value and steps done (now, or as a
    past check-in left them)."""
    return math.key_result_progress(
        kind=key_result.kind,
        direction=key_result.direction,
        start=key_result.start,
        target=key_result.target,
        current=current,
        range_low=key_result.range_low,
        range_high=key_result.range_high,
        steps=steps,
    )


def progress_of(key_result: KeyResult) -> float:
    """The key result's progress now, its steps prefetched."""
    return progress_at(key_result, key_result.current, steps_of(key_result))


def is_finished(key_result: KeyResult) -> bool:
    """Done (a milestone that happened, a metric at its target), steps prefetched: a
    finished key result owes no more check-ins."""
    return progress_of(key_result) >= 1.0


def is_stale(key_result: KeyResult, cycle: Cycle, on: date | None = None) -> bool:
    """Not checked in within its cadence, while check-ins are due: an active objective of
    an active cycle, not finished yet."""
    if cycle.status != Cycle.Status.ACTIVE or key_result.progress >= 1.0:
        return False
    loaded = KeyResult.objective.is_cached(key_result)  # type: ignore[attr-defined]
    if loaded and key_result.objective.status != Objective.Status.ACTIVE:
        return False
    cadence = getattr(key_result, "cadence", None) or cycle.cadence
    last = timezone.localdate(key_result.checked_in_at) if key_result.checked_in_at else None
    created = timezone.localdate(key_result.created_at) if key_result.created_at else cycle.start
    return math.is_stale(last, max(cycle.start, created), on or today(), cadence)


def annotate_key_result(
    key_result: KeyResult, expected: float, cycle: Cycle | None = None, on: date | None = None
) -> KeyResult:
    """Set progress, attainment and health on a key result whose steps are prefetched, and
    with its `cycle`, whether it is stale on `on` (today)."""
    key_result.progress = progress_of(key_result)
    metric = key_result.kind == KeyResult.Kind.METRIC and key_result.direction != math.RANGE
    key_result.attainment = (
        math.attainment(key_result.start, key_result.target, key_result.current)
        if metric
        else key_result.progress
    )
    key_result.expected_progress = expected
    key_result.health = math.health(key_result.progress, expected, key_result.confidence)
    key_result.stale = cycle is not None and is_stale(key_result, cycle, on)
    return key_result


def annotate_key_results(key_results: Sequence[KeyResult], cycle: Cycle) -> Sequence[KeyResult]:
    """`annotate_key_result` on key results of one cycle, whose steps are prefetched."""
    expected = expected_for(cycle)
    for key_result in key_results:
        annotate_key_result(key_result, expected, cycle)
    return key_results


def annotate(objectives: Sequence[Objective], on: date | None = None) -> Sequence[Objective]:
    """Hang progress, expected progress, health and key results on each objective.

    Objectives need their cycle loaded (select_related). Runs two queries for the key
    results and their steps, plus three per level of aligned children below any objective
    that has no key results of its own. Children count whatever their visibility: a
    roll-up is a number, not the children themselves. Children that are in `objectives`
    themselves are used as they are, so a parent and its children may be annotated together.
    """
    on = on or today()
    nodes: dict[int, Objective] = {o.pk: o for o in objectives}
    key_results = _key_results(list(nodes))
    children: dict[int, list[Objective]] = defaultdict(list)
    # Walk down from the objectives without key results: their progress is their children's.
    frontier = [pk for pk in nodes if not key_results[pk]]
    walked: set[int] = set()
    while frontier:
        walked.update(frontier)
        new: list[Objective] = []
        for child in Objective.objects.filter(parent_id__in=frontier).select_related("cycle"):
            if child.parent_id is None:  # not possible here; narrows the type
                continue
            if child.pk not in nodes:
                nodes[child.pk] = child
                new.append(child)
            children[child.parent_id].append(nodes[child.pk])
        key_results.update(_key_results([c.pk for c in new]))
        frontier = [
            c.pk
            for parent in frontier
            for c in children[parent]
            if not key_results[c.pk] and c.pk not in walked
        ]

    done: set[int] = set()  # id() of the instances annotated already

    def visit(objective: Objective, path: frozenset[int]) -> float:
        """Annotate `objective` after its children; `path` guards against a cycle."""
        if id(objective) in done:
            return objective.progress
        expected = expected_for(objective.cycle, on)
        for kr in key_results[objective.pk]:
            kr.objective = objective  # no query: the instance we have
        krs = [
            annotate_key_result(kr, expected, objective.cycle, on)
            for kr in key_results[objective.pk]
        ]
        below = path | {objective.pk}
        child_progress = (
            [] if krs else [visit(c, below) for c in children[objective.pk] if c.pk not in below]
        )
        objective.key_result_list = krs
        objective.stale_count = sum(kr.stale for kr in krs)
        objective.progress = math.objective_progress(
            ((kr.progress, kr.weight) for kr in krs), child_progress
        )
        objective.expected_progress = expected
        confidences = [kr.confidence for kr in krs if kr.confidence is not None]
        objective.confidence = min(confidences) if confidences else None
        objective.health = math.health(objective.progress, expected, objective.confidence)
        done.add(id(objective))
        return objective.progress

    for objective in objectives:
        visit(objective, frozenset())
    return objectives


def _key_results(objective_ids: list[int]) -> dict[int, list[KeyResult]]:
    """The key results (steps prefetched) of each objective, in their order."""
    by_objective: dict[int, list[KeyResult]] = defaultdict(list)
    if objective_ids:
        query = key_results_query().filter(objective_id__in=objective_ids).prefetch_related("steps")
        for key_result in query:
            by_objective[key_result.objective_id].append(key_result)
    return by_objective

"""A meeting's agenda with the live progress of each linked objective and key result.

Links are shown only while the reader may still see the OKR (visibility may change after
the link was made); the talking point itself stays. Bounded queries, whatever the length.
"""

from stretch import access
from stretch.cfr.models import AgendaItem, Meeting
from stretch.okrs import rollup
from stretch.okrs.models import KeyResult, Objective


def agenda_of(user, meeting: Meeting | None) -> list[AgendaItem]:
    if meeting is None:
        return []
    items = list(meeting.agenda.select_related("author__profile"))
    kr_ids = {i.key_result_id for i in items if i.key_result_id}
    key_results = {
        kr.pk: kr
        for kr in KeyResult.objects.filter(pk__in=kr_ids)
        .select_related("objective__cycle")
        .prefetch_related("steps")
    }
    objective_ids = {i.objective_id for i in items if i.objective_id}
    visible = access.visible_ids(
        user, objective_ids | {kr.objective_id for kr in key_results.values()}
    )
    objectives = {
        o.pk: o
        for o in rollup.annotate(
            list(Objective.objects.filter(pk__in=objective_ids & visible).select_related("cycle"))
        )
    }
    for kr in key_results.values():
        cycle = kr.objective.cycle
        rollup.annotate_key_result(kr, rollup.expected_for(cycle), cycle)
    for item in items:
        item.linked_objective = objectives.get(item.objective_id)  # type: ignore[attr-defined]
        kr = key_results.get(item.key_result_id)  # type: ignore[arg-type]
        item.linked_key_result = (  # type: ignore[attr-defined]
            kr if kr is not None and kr.objective_id in visible else None
        )
    return items


def progress_out(item: AgendaItem) -> dict | None:
    """The linked OKR of an agenda item (from `agenda_of`) as the API shows it."""
    kr = getattr(item, "linked_key_result", None)
    if kr is not None:
        return {
            "type": "key_result",
            "id": kr.pk,
            "title": kr.title,
            "objective": kr.objective_id,
            "progress": kr.progress,
            "expected_progress": kr.expected_progress,
            "health": kr.health,
        }
    objective = getattr(item, "linked_objective", None)
    if objective is not None:
        return {
            "type": "objective",
            "id": objective.pk,
            "title": objective.title,
            "objective": objective.pk,
            "progress": objective.progress,
            "expected_progress": objective.expected_progress,
            "health": objective.health,
        }
    return None

"""The coach beside the objective editor: its findings as the person types (HTMX)."""

from django.shortcuts import render
from django.views.decorators.http import require_POST

from stretch.okrs import coach
from stretch.okrs.coach_api import DraftObjective, draft_of
from stretch.okrs.forms import KEY_RESULT_PREFIX as PREFIX
from stretch.params import as_int

MAX_ROWS = 50


def draft_from_editor(user, data, editing: int | None) -> coach.Draft:
    """The editor's fields, as typed so far, in the coach's terms."""
    kind, _sep, owner_id = data.get("owner", "").partition(":")
    owner = as_int(owner_id)
    objective = DraftObjective(
        title=data.get("title", ""),
        kind=data.get("kind", "committed"),
        cycle=as_int(data.get("cycle")),
        owner_person=owner if kind == "person" else None,
        owner_team=owner if kind == "team" else None,
        parent=as_int(data.get("parent")),
    )
    rows = min(as_int(data.get(f"{PREFIX}-TOTAL_FORMS"), 0) or 0, MAX_ROWS)
    key_results = []
    for n in range(rows):
        p = f"{PREFIX}-{n}"
        if data.get(f"{p}-DELETE"):
            continue
        key_results.append(
            {
                "title": data.get(f"{p}-title", ""),
                "kind": data.get(f"{p}-kind", "metric"),
                "direction": data.get(f"{p}-direction", "increase"),
                "start": data.get(f"{p}-start"),
                "target": data.get(f"{p}-target"),
                "weight": data.get(f"{p}-weight"),
                "steps": [line for line in data.get(f"{p}-steps", "").splitlines() if line.strip()],
            }
        )
    return draft_of(user, objective, key_results, editing=editing is not None)


@require_POST
def coach_panel(request):
    editing = as_int(request.GET.get("objective"))
    findings = coach.check(draft_from_editor(request.user, request.POST, editing))
    return render(request, "okrs/_coach.html", {"findings": findings})

"""/api/v1/coach/check: the OKR coach's findings on a draft, before anything is saved."""

from django.db.models import Q
from ninja import Field, Router, Schema

from stretch import access
from stretch.okrs import coach
from stretch.org.models import Team
from stretch.params import as_int

router = Router(tags=["coach"])


class DraftObjective(Schema):
    title: str = ""
    kind: str = "committed"
    cycle: int | None = None
    owner_person: int | None = None
    owner_team: int | None = None
    parent: int | None = None
    standalone_reason: str = Field("", description="why it aligns to nothing, if it does not")


class DraftKeyResult(Schema):
    title: str = ""
    kind: str = "metric"
    direction: str = "increase"
    start: float | None = None
    target: float | None = None
    weight: float | None = None
    confidence: int | None = None
    steps: list[dict] = []


class DraftIn(Schema):
    objective: DraftObjective
    key_results: list[DraftKeyResult] = []


class FindingOut(Schema):
    check: str
    level: str = Field(description="warning or advice; the coach never blocks")
    message: str
    why: str
    weak_example: str
    strong_example: str


class FindingsOut(Schema):
    findings: list[FindingOut]


def objectives_of_owner(user, objective: DraftObjective) -> int:
    """How many objectives the owner already has in the cycle, among those `user` may see."""
    cycle = as_int(objective.cycle)
    person, team = as_int(objective.owner_person), as_int(objective.owner_team)
    if cycle is None or (person is None and team is None):
        return 0
    owner = Q(owner_person_id=person) if person is not None else Q(owner_team_id=team)
    return access.objectives_visible_to(user).filter(owner, cycle_id=cycle).count()


def draft_of(user, objective: DraftObjective, key_results: list[dict], editing: bool = False):
    """The coach's view of a draft: the owner's other objectives counted as `user` sees them
    (less the one being edited), and whether the root team owns it."""
    team = as_int(objective.owner_team)
    others = objectives_of_owner(user, objective) - (1 if editing else 0)
    return coach.Draft(
        title=objective.title,
        kind=objective.kind,
        has_parent=objective.parent is not None,
        standalone_reason=objective.standalone_reason.strip(),
        is_company_objective=team is not None
        and Team.objects.filter(pk=team, parent=None).exists(),
        objectives_of_owner=max(0, others),
        key_results=key_results,
    )


@router.post("/coach/check", response=FindingsOut, summary="Writing advice on a draft OKR")
def coach_check(request, payload: DraftIn):
    key_results = [kr.dict() for kr in payload.key_results]
    draft = draft_of(request.auth, payload.objective, key_results)
    return {"findings": [finding.__dict__ for finding in coach.check(draft)]}

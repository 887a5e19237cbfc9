"""Analytics in the JSON API: `/analytics/summary` and one endpoint per section.

Every endpoint takes `cycle` (required) and `team` (a team and the teams below it; none:
the whole company) and counts only objectives the caller may see. A missing or unknown
cycle or team is a 400 naming the field.
"""

from dataclasses import asdict
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from stretch import access
from stretch.params import LARGEST_ID
from stretch.reviews import analytics

router = Router(tags=["analytics"])


# Shapes ---------------------------------------------------------------------------------------


class ScopeOut(Schema):
    cycle: int
    cycle_name: str
    team: int | None
    team_name: str | None
    today: date
    expected_progress: float


class BucketOut(Schema):
    label: str
    low: float
    high: float
    count: int


class ProgressOut(Schema):
    objectives: list[BucketOut]
    key_results: list[BucketOut]
    objective_count: int
    key_result_count: int


class ScoreBinOut(Schema):
    score: float
    colour: str
    count: int


class ScoresOut(Schema):
    objectives: list[ScoreBinOut]
    key_results: list[ScoreBinOut]
    graded_objectives: int
    graded_key_results: int


class TeamComplianceOut(Schema):
    team: int | None
    name: str
    key_results: int
    on_time: int
    stale: int
    share: float | None


class ComplianceOut(Schema):
    as_of: date
    teams: list[TeamComplianceOut]
    total: TeamComplianceOut


class WeekOut(Schema):
    week: date
    confidence: float | None
    check_ins: int


class ConfidenceOut(Schema):
    weeks: list[WeekOut]


class RiskItemOut(Schema):
    key_result: int
    key_result_title: str
    objective: int
    objective_title: str
    owner: str
    status: str
    progress: float
    expected_progress: float
    confidence: int | None
    last_check_in: datetime | None
    stale: bool


class RiskListOut(Schema):
    count: int
    items: list[RiskItemOut]


class RisksOut(Schema):
    limit: int
    offset: int
    at_risk: RiskListOut
    stale: RiskListOut


class OutcomeOut(Schema):
    kind: str
    objectives: int
    mean_progress: float | None
    graded: int
    mean_score: float | None
    share_success: float | None
    share_perfect: float | None


class OutcomesOut(Schema):
    outcomes: list[OutcomeOut]


class SummaryOut(Schema):
    scope: ScopeOut
    progress: ProgressOut
    scores: ScoresOut
    compliance: ComplianceOut
    confidence: ConfidenceOut
    risks: RisksOut
    outcomes: OutcomesOut


# Conversions ----------------------------------------------------------------------------------


def scope_out(scope: analytics.Scope) -> dict:
    return {
        "cycle": scope.cycle.pk,
        "cycle_name": scope.cycle.name,
        "team": scope.team.pk if scope.team else None,
        "team_name": scope.team.name if scope.team else None,
        "today": scope.today,
        "expected_progress": scope.expected,
    }


def progress_out(found: analytics.ProgressDistribution) -> dict:
    return asdict(found)


def scores_out(found: analytics.ScoreDistribution) -> dict:
    return asdict(found)


def _team_out(t: analytics.TeamCompliance) -> dict:
    return {
        "team": t.team_id,
        "name": t.team,
        "key_results": t.key_results,
        "on_time": t.on_time,
        "stale": t.stale,
        "share": t.share,
    }


def compliance_out(found: analytics.Compliance) -> dict:
    return {
        "as_of": found.as_of,
        "teams": [_team_out(t) for t in found.teams],
        "total": _team_out(found.total),
    }


def confidence_out(weeks: list[analytics.Week]) -> dict:
    return {"weeks": [asdict(w) for w in weeks]}


def _item_out(item: analytics.RiskItem) -> dict:
    return {
        "key_result": item.key_result_id,
        "key_result_title": item.key_result,
        "objective": item.objective_id,
        "objective_title": item.objective,
        "owner": item.owner,
        "status": item.status,
        "progress": item.progress,
        "expected_progress": item.expected,
        "confidence": item.confidence,
        "last_check_in": item.last_check_in,
        "stale": item.stale,
    }


def risks_out(found: analytics.Risks) -> dict:
    return {
        "limit": found.limit,
        "offset": found.offset,
        "at_risk": {
            "count": found.at_risk.count,
            "items": [_item_out(i) for i in found.at_risk.items],
        },
        "stale": {"count": found.stale.count, "items": [_item_out(i) for i in found.stale.items]},
    }


def outcomes_out(found: list[analytics.Outcome]) -> dict:
    return {"outcomes": [asdict(o) for o in found]}


# Endpoints ------------------------------------------------------------------------------------


class Filters(Schema):
    cycle: int | None = Field(None, ge=0, le=LARGEST_ID, description="a cycle id (required)")
    team: int | None = Field(
        None, ge=0, le=LARGEST_ID, description="a team id: it and the teams below it"
    )


def _scope(request, filters: Filters) -> analytics.Scope:
    if filters.cycle is None:
        raise ValidationError({"cycle": _("Choose a cycle: ?cycle=<id>.")})
    cycle = access.get_cycle(filters.cycle, field="cycle")
    team = access.get_team(filters.team, field="team") if filters.team is not None else None
    return analytics.Scope(request.auth, cycle, team)


@router.get("/analytics/summary", response=SummaryOut, summary="Every analytics section of a cycle")
def summary(
    request,
    filters: Query[Filters],
    limit: int = Query(analytics.LIST_LIMIT, ge=1, le=500),
):
    scope = _scope(request, filters)
    found = analytics.summary(scope, limit)
    return {
        "scope": scope_out(scope),
        "progress": progress_out(found.progress),
        "scores": scores_out(found.scores),
        "compliance": compliance_out(found.compliance),
        "confidence": confidence_out(found.confidence),
        "risks": risks_out(found.risks),
        "outcomes": outcomes_out(found.outcomes),
    }


@router.get(
    "/analytics/progress", response=ProgressOut, summary="Histogram of objective and KR progress"
)
def progress(request, filters: Query[Filters]):
    return progress_out(analytics.progress_distribution(_scope(request, filters)))


@router.get("/analytics/scores", response=ScoresOut, summary="Distribution of the scores given")
def scores(request, filters: Query[Filters]):
    return scores_out(analytics.score_distribution(_scope(request, filters)))


@router.get(
    "/analytics/compliance", response=ComplianceOut, summary="Key results checked in on time"
)
def compliance(request, filters: Query[Filters]):
    return compliance_out(analytics.compliance(_scope(request, filters)))


@router.get(
    "/analytics/confidence", response=ConfidenceOut, summary="Mean check-in confidence per week"
)
def confidence(request, filters: Query[Filters]):
    return confidence_out(analytics.confidence_trend(_scope(request, filters)))


@router.get("/analytics/risks", response=RisksOut, summary="Key results at risk, and stale ones")
def risks(
    request,
    filters: Query[Filters],
    limit: int = Query(analytics.LIST_LIMIT, ge=1, le=500),
    offset: int = Query(0, ge=0, le=LARGEST_ID),
):
    return risks_out(analytics.risks(_scope(request, filters), limit, offset))


@router.get("/analytics/outcomes", response=OutcomesOut, summary="Committed against aspirational")
def outcomes(request, filters: Query[Filters]):
    return outcomes_out(analytics.outcomes(_scope(request, filters)))

"""Request and response shapes of the OKR endpoints."""

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema

from stretch.pagination import Paged

ObjectiveKind = Literal["committed", "aspirational"]
Visibility = Literal["public", "private"]
ObjectiveStatus = Literal["draft", "active", "stopped", "closed"]
Phase = Literal["planning", "active", "grading", "closed"]
GradeColour = Literal["green", "yellow", "red"]
KeyResultKind = Literal["metric", "milestone"]
Direction = Literal["increase", "decrease", "range"]
Health = Literal["on_track", "at_risk", "off_track"]


class CycleOut(Schema):
    id: int
    name: str
    start: date
    end: date
    status: Literal["planning", "active", "grading", "closed"]
    cadence: Literal["weekly", "biweekly", "monthly"]
    closes_on: date = Field(..., description="grading ends and the cycle closes on this day")
    auto_advance: bool = Field(..., description="moves from phase to phase by its dates")
    phase_by_date: Phase = Field(..., description="the phase its dates give today")
    expected_progress: float


class CycleIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    start: date
    end: date
    status: Literal["planning", "active", "grading", "closed"] = "planning"
    cadence: Literal["weekly", "biweekly", "monthly"] = "weekly"
    closes_on: date | None = None
    auto_advance: bool = True


class CyclePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    start: date | None = None
    end: date | None = None
    status: Literal["planning", "active", "grading", "closed"] | None = None
    cadence: Literal["weekly", "biweekly", "monthly"] | None = None
    closes_on: date | None = None
    auto_advance: bool | None = None


class PhaseIn(Schema):
    phase: Phase


class CyclePage(Paged):
    items: list[CycleOut]


class StepOut(Schema):
    id: int
    title: str
    weight: float
    done: bool


class StepIn(Schema):
    title: str = Field(..., min_length=1, max_length=300)
    weight: float = 1


class KeyResultOut(Schema):
    id: int
    objective: int
    title: str
    owner: int | None
    kind: KeyResultKind
    direction: Direction
    start: float
    target: float
    current: float | None
    range_low: float | None
    range_high: float | None
    unit: str
    weight: float
    confidence: int | None
    progress: float = Field(..., description="0-1, clamped")
    attainment: float = Field(..., description="unclamped share of the way to target")
    expected_progress: float
    status: Health = Field(..., description="on_track, at_risk or off_track")
    stale: bool = Field(..., description="not checked in within its team's cadence")
    checked_in_at: datetime | None
    steps: list[StepOut]
    score: float | None = Field(..., description="the grade, 0.0-1.0, given at grading")
    score_reason: str
    suggested_score: float = Field(..., description="from progress: milestone 0 or 1")
    position: int
    kpi: int | None = Field(..., description="the KPI it follows: each measurement checks in")
    kpi_factor: float = Field(..., description="key result units per KPI unit")
    version: int


class KeyResultIn(Schema):
    title: str = Field(..., min_length=1, max_length=300)
    kind: KeyResultKind = "metric"
    direction: Direction = "increase"
    start: float = 0
    target: float | None = None
    range_low: float | None = None
    range_high: float | None = None
    unit: str = Field("", max_length=30)
    weight: float = 1
    owner: int | None = None
    steps: list[StepIn] = []
    kpi: int | None = Field(None, description="a KPI id: a metric that follows the KPI")
    kpi_factor: float | None = Field(
        None,
        description="key result units per KPI unit (default 1); needed when the units differ",
    )


class KeyResultPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=300)
    kind: KeyResultKind | None = None
    direction: Direction | None = None
    start: float | None = None
    target: float | None = None
    range_low: float | None = None
    range_high: float | None = None
    unit: str | None = Field(None, max_length=30)
    weight: float | None = None
    owner: int | None = None
    position: int | None = Field(None, ge=0)
    kpi: int | None = Field(None, description="a KPI id to follow; null: follow none")
    kpi_factor: float | None = Field(None, description="key result units per KPI unit")
    reason: str | None = Field(
        None, max_length=2000, description="why; needed for start, target or weight mid-cycle"
    )
    version: int | None = Field(None, description="the version you edited; 409 if stale")


class KeyResultPage(Paged):
    items: list[KeyResultOut]


class OwnerOut(Schema):
    type: Literal["person", "team"]
    id: int
    name: str


class ObjectiveOut(Schema):
    id: int
    title: str
    description: str
    strategy: str
    cycle: int
    owner_person: int | None
    owner_team: int | None
    owner: OwnerOut
    parent: int | None
    pillar: int | None
    kind: ObjectiveKind
    visibility: Visibility
    status: ObjectiveStatus
    progress: float
    expected_progress: float
    health: Health
    stop_reason: str
    score: float | None
    score_reason: str
    suggested_score: float | None = Field(
        ..., description="weighted mean of the key results' scores (None: some ungraded)"
    )
    grade_colour: GradeColour | None
    grade_flags: list[Literal["not_ambitious", "committed_short"]]
    reflection: str
    origin: int | None = Field(..., description="the objective this one carries over")
    version: int
    can_edit: bool
    key_results: list[KeyResultOut]
    created_at: datetime
    updated_at: datetime


class ObjectiveIn(Schema):
    title: str = Field(..., min_length=1, max_length=300)
    description: str = ""
    strategy: str = ""
    cycle: int
    owner_person: int | None = Field(None, description="a person id; default: you")
    owner_team: int | None = Field(None, description="a team id, instead of owner_person")
    parent: int | None = None
    pillar: int | None = None
    kind: ObjectiveKind = "committed"
    visibility: Visibility = "public"
    status: ObjectiveStatus = "active"


class ObjectivePatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = None
    strategy: str | None = None
    cycle: int | None = None
    owner_person: int | None = None
    owner_team: int | None = None
    parent: int | None = None
    pillar: int | None = None
    kind: ObjectiveKind | None = None
    visibility: Visibility | None = None
    status: ObjectiveStatus | None = None
    score: float | None = Field(None, ge=0, le=1)
    reflection: str | None = None
    stop_reason: str | None = Field(None, max_length=2000)
    reason: str | None = Field(
        None, max_length=2000, description="why; needed to stop or move an objective mid-cycle"
    )
    version: int | None = Field(None, description="the version you edited; 409 if stale")


class GradeIn(Schema):
    score: float | None = Field(
        None, description="0.0-1.0 in steps of 0.1; for an objective, default the suggestion"
    )
    reason: str = Field("", max_length=2000, description="needed when not the suggested score")
    reflection: str | None = Field(
        None, max_length=10000, description="objectives: what got in the way, what we learned"
    )


class FieldChangeOut(Schema):
    field: str
    before: str
    after: str


class ChangeOut(Schema):
    at: datetime
    who: str
    what: Literal["objective", "key result"]
    id: int
    title: str
    action: Literal["created", "changed", "deleted"]
    reason: str
    eased: bool = Field(..., description="a target moved toward the start: the goal got easier")
    fields: list[FieldChangeOut]


class HistoryOut(Schema):
    items: list[ChangeOut]


class ObjectivePage(Paged):
    items: list[ObjectiveOut]


class CheckInIn(Schema):
    value: float | None = Field(None, description="the new value of a metric")
    done: bool | None = Field(None, description="a milestone: done or not")
    steps: list[int] | None = Field(None, description="a milestone's steps that are done")
    confidence: int | None = Field(None, ge=1, le=10)
    note: str = Field("", max_length=10000)


class CheckInOut(Schema):
    id: int
    key_result: int
    author: int | None
    value: float
    confidence: int | None
    note: str
    done_steps: list[int]
    created_at: datetime


class CheckInPage(Paged):
    items: list[CheckInOut]


class AlignmentNode(Schema):
    id: int
    title: str
    cycle: int
    owner: OwnerOut
    level: Literal["company", "team", "person"]
    kind: ObjectiveKind
    status: ObjectiveStatus
    progress: float
    health: Health
    context: bool = Field(False, description="from an enclosing cycle, shown for its children")
    children: list["AlignmentNode"]


class PillarNode(Schema):
    id: int | None
    name: str
    objectives: list[AlignmentNode]


class AlignmentOut(Schema):
    cycle: CycleOut
    mission: str
    vision: str
    pillars: list[PillarNode]
    progress: float
    objective_count: int

"""Request and response shapes of the KPI endpoints (`stretch.kpis.api`)."""

from datetime import date as Date
from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import ConfigDict, Field, StrictBool, StrictFloat, StrictInt

from stretch.pagination import Paged

Band = Literal["above", "below", "within"]
Cadence = Literal["weekly", "monthly", "quarterly"]
HealthOut = Literal["green", "yellow", "red", ""]


class Ref(Schema):
    id: int
    name: str


class RecoveryRef(Schema):
    id: int
    title: str
    progress: float = Field(..., description="0-1, the objective's progress")


class KeyResultRef(Schema):
    id: int
    title: str


class Limits(Schema):
    green: float | None = Field(..., description="above / below: the green threshold")
    red: float | None = Field(..., description="above / below: the red threshold")
    green_low: float | None = Field(..., description="within: green from here…")
    green_high: float | None = Field(..., description="…to here")
    red_low: float | None = Field(..., description="within: red below this")
    red_high: float | None = Field(..., description="within: red above this")


class KpiOut(Limits):
    id: int
    team: Ref
    owner: Ref | None
    name: str
    description: str
    unit: str
    cadence: Cadence
    band: Band = Field(..., description="above, below or within a range")
    latest_value: float | None
    latest_date: Date | None
    health: HealthOut = Field(..., description="of the latest value by the band now; '' unmeasured")
    red_streak: int = Field(..., description="newest measurements in a row that were red")
    recovery: RecoveryRef | None = Field(
        ..., description="the objective bringing it back (null also when you may not see it)"
    )
    key_results: list[KeyResultRef] = Field(..., description="key results following it")
    version: int
    archived: bool
    can_manage: bool = Field(..., description="whether you may change and measure it")


class KpiPage(Paged):
    items: list[KpiOut]


class KpiIn(Schema):
    model_config = ConfigDict(extra="forbid")

    team: int
    name: str = Field(..., max_length=200)
    unit: str = Field("", max_length=30)
    band: Band
    green: float | None = None
    red: float | None = None
    green_low: float | None = None
    green_high: float | None = None
    red_low: float | None = None
    red_high: float | None = None
    description: str = Field("", max_length=10000)
    owner: int | None = Field(None, description="a person id")
    cadence: Cadence = "weekly"


class KpiPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    team: int | None = None
    name: str | None = Field(None, max_length=200)
    unit: str | None = Field(None, max_length=30)
    band: Band | None = None
    green: float | None = None
    red: float | None = None
    green_low: float | None = None
    green_high: float | None = None
    red_low: float | None = None
    red_high: float | None = None
    description: str | None = Field(None, max_length=10000)
    owner: int | None = Field(None, description="a person id; null: no owner")
    cadence: Cadence | None = None
    archived: StrictBool | None = Field(None, description="false restores an archived KPI")
    version: int | None = Field(None, description="the version you edited; 409 if stale")


class KpiConflict(Schema):
    detail: str
    current: KpiOut


class MeasurementOut(Schema):
    id: int
    value: float
    date: Date
    health: Literal["green", "yellow", "red"] = Field(..., description="by the band then")
    note: str
    author: Ref | None
    created_at: datetime


class MeasurementPage(Paged):
    items: list[MeasurementOut]


class MeasurementIn(Schema):
    model_config = ConfigDict(extra="forbid")

    value: StrictInt | StrictFloat
    date: Date = Field(..., description="YYYY-MM-DD, today or earlier, one per date")
    note: str = Field("", max_length=500)


class ImportOut(Schema):
    count: int
    items: list[MeasurementOut] = Field(..., description="the measurements added, oldest first")


class BoardItem(Limits):
    id: int
    name: str
    team: Ref
    unit: str
    band: Band
    health: HealthOut
    latest_value: float | None
    latest_date: Date | None
    red_streak: int
    trend: list[float] = Field(..., description="the last 12 measurements, oldest first")
    trend_direction: Literal["up", "down", "flat"]


class BoardOut(Schema):
    items: list[BoardItem]


class DraftKeyResult(Schema):
    title: str
    unit: str
    start: float | None
    target: float
    direction: Literal["increase", "decrease"]
    kpi: int


class DraftOut(Schema):
    title: str
    cycle: Ref | None = Field(..., description="the active cycle it would go into")
    owner_person: Ref | None
    owner_team: Ref | None
    key_result: DraftKeyResult
    current: RecoveryRef | None = Field(..., description="the recovery objective under way")


class RecoveryIn(Schema):
    model_config = ConfigDict(extra="forbid")

    cycle: int | None = Field(None, description="default: the active cycle")
    title: str | None = Field(None, max_length=300)
    target: float | None = Field(None, description="default: the nearest green value")
    owner_person: int | None = None
    owner_team: int | None = None


class RecoveryCreated(Schema):
    id: int
    url: str

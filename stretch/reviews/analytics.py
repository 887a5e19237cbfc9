"""Analytics of a cycle for any team subtree, computed with aggregate SQL.

What a scope covers: the cycle's objectives that are not drafts (active, stopped and closed
ones; a stopped objective's miss is shown, never hidden), owned by the chosen team or any
team below it, or by a person who belongs to one of those teams; without a team, the whole
company. Only objectives the viewer may see count (`access.objectives_visible_to`), so a
private objective never shows in a list or a number for someone who may not read it.

Check-in compliance, the stale list and the at-risk list look at active objectives only:
stopped and closed ones take no more check-ins, nor does a key result at 100 % (as in
`rollup.is_stale`). Staleness is judged today, or on the cycle's last day once it is over,
so a cycle in grading or closed still shows how well its rhythm was kept.

Every section runs a fixed number of queries whatever the number of objectives: progress
and scores are bucketed in the database (conditional counts over the progress math of
`progress.py` written as SQL), compliance and the confidence trend are grouped there. The
one exception is the roll-up of objectives without key results (the mean of their aligned
children): one query per level of such nesting, at most MAX_CHILD_LEVELS.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any

from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from stretch import access
from stretch.okrs import progress as math
from stretch.okrs import rhythm, rollup
from stretch.okrs.models import CheckIn, Cycle, KeyResult, MilestoneStep, Objective
from stretch.org.models import Membership, Team, display_name
from stretch.reviews import diagnosis

# Progress buckets: 0-10 %, 10-20 %, ... 90-100 % (100 % falls in the last). A share a hair
# below an edge through float arithmetic (0.3 computed as 0.29999999999999998) counts above
# it, the same in SQL and in Python.
BUCKETS = 10
EPSILON = 1e-9
EDGES = tuple(k / BUCKETS - EPSILON for k in range(1, BUCKETS))
SCORES = tuple(k / 10 for k in range(11))  # 0.0, 0.1, ... 1.0
MAX_CHILD_LEVELS = 8
LIST_LIMIT = 50  # items of the at-risk and stale lists shown by default


# The progress math as SQL ----------------------------------------------------------------------


def _float(value: float) -> Value:
    return Value(value, output_field=FloatField())


def key_result_progress() -> Case:
    """An expression for KeyResult querysets: `progress.key_result_progress` in SQL.

    metric up or down: (current - start) / (target - start) clamped to [0, 1] (0 without a
    check-in or when target equals start); range: 1 within [range_low, range_high], else 0;
    milestone: the weighted share of done steps, or with no steps 1 when done (current >= 1).
    """
    steps = MilestoneStep.objects.filter(key_result_id=OuterRef("pk"))
    total = Subquery(
        steps.values("key_result_id").annotate(total=Sum("weight")).values("total"),
        output_field=FloatField(),
    )
    done = Subquery(
        steps.filter(done=True)
        .values("key_result_id")
        .annotate(total=Sum("weight"))
        .values("total"),
        output_field=FloatField(),
    )
    ratio = (F("current") - F("start")) / (F("target") - F("start"))
    return Case(
        When(
            kind=KeyResult.Kind.MILESTONE,
            then=Case(
                When(
                    Exists(steps),
                    then=Least(Coalesce(done, _float(0.0)) / total, _float(1.0)),
                ),
                When(current__gte=1, then=_float(1.0)),
                default=_float(0.0),
            ),
        ),
        When(
            direction=KeyResult.Direction.RANGE,
            then=Case(
                When(
                    range_low__isnull=False,
                    range_high__isnull=False,
                    current__gte=F("range_low"),
                    current__lte=F("range_high"),
                    then=_float(1.0),
                ),
                default=_float(0.0),
            ),
        ),
        When(current__isnull=True, then=_float(0.0)),
        When(target=F("start"), then=_float(0.0)),
        default=Greatest(Least(ratio, _float(1.0)), _float(0.0)),
        output_field=FloatField(),
    )


def bucket_of(share: float) -> int:
    """The progress bucket (0-9) of a share 0-1."""
    return sum(1 for edge in EDGES if share >= edge)


def _bucket_q(name: str, k: int) -> Q:
    q = Q()
    if k > 0:
        q &= Q(**{f"{name}__gte": EDGES[k - 1]})
    if k < BUCKETS - 1:
        q &= Q(**{f"{name}__lt": EDGES[k]})
    return q


def _score_q(name: str, score: float) -> Q:
    return Q(**{f"{name}__gte": score - 0.05, f"{name}__lt": score + 0.05})


def tenths(score: float) -> int:
    return round(score * 10)


def bucket_label(k: int) -> str:
    return f"{k * 10}\u2013{(k + 1) * 10}%"


# The scope -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamNode:
    id: int
    name: str
    parent_id: int | None
    depth: int


def team_tree() -> list[TeamNode]:
    """Every team in tree order (each team before the teams below it), in one query."""
    rows = list(Team.objects.order_by("name", "id").values_list("id", "name", "parent_id"))
    known = {pk for pk, _name, _parent in rows}
    below: dict[int | None, list[tuple[int, str, int | None]]] = defaultdict(list)
    for row in rows:
        below[row[2] if row[2] in known else None].append(row)
    ordered: list[TeamNode] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for pk, name, parent_id in below[parent]:
            if pk in seen:
                continue
            seen.add(pk)
            ordered.append(TeamNode(pk, name, parent_id, depth))
            walk(pk, depth + 1)

    walk(None, 0)
    return ordered


class Scope:
    """A cycle and a team subtree as one viewer sees them; sections read from it.

    Queries it runs once and keeps: the team tree, and the objective rows behind the
    objective progress, scores and outcomes.
    """

    def __init__(self, viewer, cycle: Cycle, team: Team | None = None, today: date | None = None):
        self.viewer = viewer
        self.cycle = cycle
        self.team = team
        self.today = today or rollup.today()
        # Staleness is judged today, or on the cycle's last day once it is over.
        self.as_of = min(self.today, cycle.end)
        self.expected = rollup.expected_for(cycle, self.today)
        self.teams = team_tree()
        self.team_names = {node.id: node.name for node in self.teams}
        self.team_ids: frozenset[int] | None = None
        if team is not None:
            ids = {team.pk}
            for node in self.teams:  # tree order: a parent comes before its children
                if node.parent_id in ids:
                    ids.add(node.id)
            self.team_ids = frozenset(ids)

    @cached_property
    def objectives(self) -> QuerySet:
        """The objectives counted: of the cycle, not drafts, in the subtree, visible."""
        qs = Objective.objects.filter(cycle=self.cycle).exclude(status=Objective.Status.DRAFT)
        if self.team_ids is not None:
            members = Membership.objects.filter(team_id__in=self.team_ids).values("person_id")
            qs = qs.filter(Q(owner_team_id__in=self.team_ids) | Q(owner_person_id__in=members))
        return access.objectives_visible_to(self.viewer, qs)

    @property
    def active_objectives(self) -> QuerySet:
        return self.objectives.filter(status=Objective.Status.ACTIVE)

    def key_results(self, active_only: bool = False) -> QuerySet:
        objectives = self.active_objectives if active_only else self.objectives
        return KeyResult.objects.filter(objective__in=objectives.values("id"))

    def team_of_key_result(self) -> Coalesce:
        """An expression for KeyResult querysets: the team a key result counts for, the
        objective's owning team or its owner's team (a team they lead first, else the
        first they belong to; within the subtree when there is one)."""
        memberships = Membership.objects.filter(person_id=OuterRef("objective__owner_person_id"))
        if self.team_ids is not None:
            memberships = memberships.filter(team_id__in=self.team_ids)
        person_team = memberships.order_by("role", "team_id").values("team_id")[:1]
        return Coalesce(
            "objective__owner_team_id", Subquery(person_team), output_field=IntegerField()
        )

    def fresh(self) -> Q:
        """Q for KeyResult querysets annotated with `cadence` and `share` (progress):
        checked in on time, i.e. not stale by `progress.is_stale` on `as_of` (the latest of
        the last check-in, the cycle's start and the key result's creation lies within the
        cadence), or finished: a key result at 100 % owes no more check-ins, as in
        `rollup.is_stale`."""
        q = Q(share__gte=1.0)
        known = []
        for cadence, days in math.CADENCE_DAYS.items():
            known.append(cadence)
            q |= Q(cadence=cadence) & self._within(days)
        return q | (~Q(cadence__in=known) & self._within(7))

    def _within(self, days: int) -> Q:
        cutoff = self.as_of - timedelta(days=days)
        if self.cycle.start >= cutoff:
            return Q()
        moment = timezone.make_aware(datetime.combine(cutoff, time.min))
        return Q(checked_in_at__gte=moment) | Q(created_at__gte=moment)

    @cached_property
    def objective_rows(self) -> list[dict[str, Any]]:
        """id, kind, score and progress of each objective counted (progress rolled up from
        the key results in SQL; without key results, the mean of the aligned children)."""
        rows = list(_with_key_result_sums(self.objectives).values(*_ROW_FIELDS))
        _roll_up(rows)
        return rows


_ROW_FIELDS = ("id", "kind", "score", "parent_id", "kr_sum", "kr_weight")


def _with_key_result_sums(objectives: QuerySet) -> QuerySet:
    key_results = KeyResult.objects.filter(objective_id=OuterRef("pk")).values("objective_id")
    return objectives.annotate(
        kr_sum=Subquery(
            key_results.annotate(s=Sum(key_result_progress() * F("weight"))).values("s"),
            output_field=FloatField(),
        ),
        kr_weight=Subquery(
            key_results.annotate(w=Sum("weight")).values("w"), output_field=FloatField()
        ),
    )


def _own_progress(row: dict[str, Any]) -> float | None:
    weight = row["kr_weight"]
    if weight is None or weight <= 0:
        return None
    return math.clamp((row["kr_sum"] or 0.0) / weight)


def _roll_up(rows: list[dict[str, Any]]) -> None:
    """Set row["progress"]: from its key results, else the mean of its aligned children
    (whatever their visibility or cycle, as `rollup.annotate` does), else 0."""
    own: dict[int, float | None] = {row["id"]: _own_progress(row) for row in rows}
    children: dict[int, list[int]] = defaultdict(list)
    frontier = [pk for pk, value in own.items() if value is None]
    walked: set[int] = set()
    for _level in range(MAX_CHILD_LEVELS):
        if not frontier:
            break
        walked.update(frontier)
        found = _with_key_result_sums(Objective.objects.filter(parent_id__in=frontier))
        new = []
        for child in found.values(*_ROW_FIELDS):
            children[child["parent_id"]].append(child["id"])
            if child["id"] not in own:
                own[child["id"]] = _own_progress(child)
                new.append(child["id"])
        frontier = [pk for pk in new if own[pk] is None and pk not in walked]

    def value(pk: int, path: frozenset[int]) -> float:
        if own.get(pk) is not None:
            return own[pk] or 0.0
        below = [value(c, path | {pk}) for c in children[pk] if c not in path and c != pk]
        return math.objective_progress((), below)

    for row in rows:
        row["progress"] = value(row["id"], frozenset())


# Sections --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    index: int
    label: str  # "0-10%" (with an en dash)
    low: float
    high: float
    count: int


@dataclass(frozen=True)
class ProgressDistribution:
    objectives: list[Bucket]
    key_results: list[Bucket]
    objective_count: int
    key_result_count: int


def _buckets(counts: Sequence[int]) -> list[Bucket]:
    return [
        Bucket(k, bucket_label(k), k / BUCKETS, (k + 1) / BUCKETS, counts[k])
        for k in range(BUCKETS)
    ]


def progress_distribution(scope: Scope) -> ProgressDistribution:
    objective_counts = [0] * BUCKETS
    for row in scope.objective_rows:
        objective_counts[bucket_of(row["progress"])] += 1
    found = (
        scope.key_results()
        .annotate(share=key_result_progress())
        .aggregate(**{f"b{k}": Count("pk", filter=_bucket_q("share", k)) for k in range(BUCKETS)})
    )
    kr_counts = [found[f"b{k}"] or 0 for k in range(BUCKETS)]
    return ProgressDistribution(
        objectives=_buckets(objective_counts),
        key_results=_buckets(kr_counts),
        objective_count=sum(objective_counts),
        key_result_count=sum(kr_counts),
    )


@dataclass(frozen=True)
class ScoreBin:
    score: float
    label: str  # "0.7"
    colour: str  # progress.GREEN, YELLOW or RED
    count: int


@dataclass(frozen=True)
class ScoreDistribution:
    objectives: list[ScoreBin]
    key_results: list[ScoreBin]
    graded_objectives: int
    graded_key_results: int


def _bins(counts: Sequence[int]) -> list[ScoreBin]:
    return [
        ScoreBin(score, f"{score:.1f}", math.grade_colour(score), counts[k])
        for k, score in enumerate(SCORES)
    ]


def score_distribution(scope: Scope) -> ScoreDistribution:
    """Scores of the graded objectives and key results, in steps of 0.1."""
    objective_counts = [0] * len(SCORES)
    for row in scope.objective_rows:
        if row["score"] is not None:
            objective_counts[min(10, max(0, tenths(row["score"])))] += 1
    found = scope.key_results().aggregate(
        **{f"s{k}": Count("pk", filter=_score_q("score", s)) for k, s in enumerate(SCORES)}
    )
    kr_counts = [found[f"s{k}"] or 0 for k in range(len(SCORES))]
    return ScoreDistribution(
        objectives=_bins(objective_counts),
        key_results=_bins(kr_counts),
        graded_objectives=sum(objective_counts),
        graded_key_results=sum(kr_counts),
    )


@dataclass(frozen=True)
class TeamCompliance:
    team_id: int | None  # None: people in no team
    team: str
    depth: int
    key_results: int
    on_time: int

    @property
    def stale(self) -> int:
        return self.key_results - self.on_time

    @property
    def share(self) -> float | None:
        return self.on_time / self.key_results if self.key_results else None


@dataclass(frozen=True)
class Compliance:
    teams: list[TeamCompliance]
    total: TeamCompliance
    as_of: date


def compliance(scope: Scope) -> Compliance:
    """The share of key results of active objectives checked in on time, by team."""
    grouped = (
        scope.key_results(active_only=True)
        .annotate(
            cadence=rhythm.key_result_cadence(),
            team=scope.team_of_key_result(),
            share=key_result_progress(),
        )
        .annotate(is_fresh=Case(When(scope.fresh(), then=1), default=0))
        .values("team")
        .annotate(total=Count("pk"), on_time=Sum("is_fresh"))
        .order_by()
    )
    by_team = {row["team"]: (row["total"], row["on_time"] or 0) for row in grouped}
    teams = []
    for node in scope.teams:
        if node.id in by_team:
            total, on_time = by_team.pop(node.id)
            teams.append(TeamCompliance(node.id, node.name, node.depth, total, on_time))
    if by_team:  # people in no team
        total = sum(total for total, _on_time in by_team.values())
        on_time = sum(on_time for _total, on_time in by_team.values())
        teams.append(TeamCompliance(None, _("No team"), 0, total, on_time))
    all_total = sum(t.key_results for t in teams)
    all_on_time = sum(t.on_time for t in teams)
    name = scope.team.name if scope.team is not None else _("Whole company")
    return Compliance(
        teams=teams,
        total=TeamCompliance(
            scope.team.pk if scope.team else None, name, 0, all_total, all_on_time
        ),
        as_of=scope.as_of,
    )


@dataclass(frozen=True)
class Week:
    week: date  # its Monday
    confidence: float | None  # the mean confidence of the week's check-ins
    check_ins: int


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def confidence_trend(scope: Scope) -> list[Week]:
    """The mean confidence of check-ins per week of the cycle (every week, empty or not)."""
    first, last = _monday(scope.cycle.start), _monday(scope.cycle.end)
    since = timezone.make_aware(datetime.combine(first, time.min))
    until = timezone.make_aware(datetime.combine(last + timedelta(days=7), time.min))
    rows = (
        CheckIn.objects.filter(
            key_result__objective__in=scope.objectives.values("id"),
            confidence__isnull=False,
            created_at__gte=since,
            created_at__lt=until,
        )
        .annotate(week=TruncWeek("created_at"))
        .values("week")
        .annotate(mean=Avg("confidence"), n=Count("pk"))
        .order_by("week")
    )
    found = {_as_date(row["week"]): (row["mean"], row["n"]) for row in rows}
    weeks = []
    day = first
    while day <= last:
        mean, n = found.get(day, (None, 0))
        weeks.append(Week(day, float(mean) if mean is not None else None, n))
        day += timedelta(days=7)
    return weeks


def _as_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


@dataclass(frozen=True)
class RiskItem:
    key_result_id: int
    key_result: str
    objective_id: int
    objective: str
    owner: str
    status: str  # progress.ON_TRACK, AT_RISK or OFF_TRACK
    progress: float
    expected: float
    confidence: int | None
    last_check_in: datetime | None
    stale: bool


@dataclass(frozen=True)
class RiskList:
    count: int
    items: list[RiskItem]


@dataclass(frozen=True)
class Risks:
    at_risk: RiskList
    stale: RiskList
    limit: int
    offset: int


def _risk_queryset(scope: Scope) -> QuerySet:
    expected = _float(scope.expected)
    return (
        scope.key_results(active_only=True)
        .annotate(
            share=key_result_progress(),
            cadence=rhythm.key_result_cadence(),
        )
        .annotate(
            gap=expected - F("share"),
            is_fresh=Case(When(scope.fresh(), then=1), default=0),
        )
        .select_related(
            "owner__profile", "objective__owner_person__profile", "objective__owner_team"
        )
    )


def _at_risk_q() -> Q:
    """`progress.health` is at risk or off track: not done, and behind the pace or with a
    low confidence."""
    return Q(share__lt=1.0) & (
        Q(gap__gt=math.AT_RISK_GAP) | Q(confidence__lte=math.AT_RISK_CONFIDENCE)
    )


def _off_track_q() -> Q:
    return Q(share__lt=1.0) & (
        Q(gap__gt=math.OFF_TRACK_GAP) | Q(confidence__lte=math.OFF_TRACK_CONFIDENCE)
    )


def _item(kr: Any, expected: float) -> RiskItem:
    objective = kr.objective
    if kr.owner is not None:
        owner = display_name(kr.owner)
    elif objective.owner_person is not None:
        owner = display_name(objective.owner_person)
    else:
        owner = objective.owner_team.name if objective.owner_team else ""
    return RiskItem(
        key_result_id=kr.pk,
        key_result=kr.title,
        objective_id=objective.pk,
        objective=objective.title,
        owner=owner,
        status=math.health(kr.share, expected, kr.confidence),
        progress=kr.share,
        expected=expected,
        confidence=kr.confidence,
        last_check_in=kr.checked_in_at,
        stale=not kr.is_fresh,
    )


def _risk_page(scope: Scope, qs: QuerySet, limit: int | None, offset: int) -> RiskList:
    count = qs.count()
    items = qs[offset : offset + limit] if limit is not None else qs[offset:]
    return RiskList(count, [_item(kr, scope.expected) for kr in items])


def at_risk(scope: Scope, limit: int | None = LIST_LIMIT, offset: int = 0) -> RiskList:
    """Key results of active objectives off track or at risk, worst first; `limit` None
    lists them all."""
    qs = (
        _risk_queryset(scope)
        .filter(_at_risk_q())
        .annotate(severity=Case(When(_off_track_q(), then=2), default=1))
        .order_by("-severity", "-gap", "pk")
    )
    return _risk_page(scope, qs, limit, offset)


def stale(scope: Scope, limit: int | None = LIST_LIMIT, offset: int = 0) -> RiskList:
    """Key results of active objectives not checked in on time, longest silent first;
    `limit` None lists them all."""
    qs = (
        _risk_queryset(scope)
        .filter(is_fresh=0)
        .order_by(F("checked_in_at").asc(nulls_first=True), "pk")
    )
    return _risk_page(scope, qs, limit, offset)


def risks(scope: Scope, limit: int | None = LIST_LIMIT, offset: int = 0) -> Risks:
    """Key results off track or at risk (worst first), and stale ones (longest silent
    first), of active objectives; `limit` None lists them all."""
    return Risks(at_risk(scope, limit, offset), stale(scope, limit, offset), limit or 0, offset)


@dataclass(frozen=True)
class Outcome:
    kind: str  # committed or aspirational
    label: str
    objectives: int
    mean_progress: float | None
    graded: int
    mean_score: float | None
    share_success: float | None  # of the graded: scored 0.7 or more
    share_perfect: float | None  # of the graded: scored 1.0


def outcomes(scope: Scope) -> list[Outcome]:
    """Committed against aspirational objectives: how far they got and how they scored."""
    found = []
    for kind, label in Objective.Kind.choices:
        rows = [row for row in scope.objective_rows if row["kind"] == kind]
        scores = [row["score"] for row in rows if row["score"] is not None]
        found.append(
            Outcome(
                kind=kind,
                label=str(label),
                objectives=len(rows),
                mean_progress=diagnosis.mean([row["progress"] for row in rows]),
                graded=len(scores),
                mean_score=diagnosis.mean(scores),
                share_success=(
                    sum(1 for s in scores if tenths(s) >= 7) / len(scores) if scores else None
                ),
                share_perfect=(
                    sum(1 for s in scores if tenths(s) >= 10) / len(scores) if scores else None
                ),
            )
        )
    return found


@dataclass(frozen=True)
class Summary:
    cycle: Cycle
    team: Team | None
    today: date
    expected: float
    progress: ProgressDistribution
    scores: ScoreDistribution
    compliance: Compliance
    confidence: list[Week]
    risks: Risks
    outcomes: list[Outcome]


def summary(scope: Scope, limit: int | None = LIST_LIMIT) -> Summary:
    return Summary(
        cycle=scope.cycle,
        team=scope.team,
        today=scope.today,
        expected=scope.expected,
        progress=progress_distribution(scope),
        scores=score_distribution(scope),
        compliance=compliance(scope),
        confidence=confidence_trend(scope),
        risks=risks(scope, limit),
        outcomes=outcomes(scope),
    )

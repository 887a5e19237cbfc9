"""Cycles, objectives, key results and check-ins: the OKR method's data."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from stretch.org.models import Cadence, StrategyPillar, Team


class Cycle(models.Model):
    """A period OKRs are set for, such as "2026" or "2026 Q4".

    A quarter's objectives may align to objectives of the year that contains it.
    """

    class Status(models.TextChoices):
        PLANNING = "planning", _("Planning")  # OKRs are drafted and agreed
        ACTIVE = "active", _("Active")  # people check in on their key results
        GRADING = "grading", _("Grading")  # the cycle is over; OKRs are scored
        CLOSED = "closed", _("Closed")  # read-only history

    Cadence = Cadence  # the default rhythm of people in no team; teams set their own

    name = models.CharField(max_length=100, unique=True)
    start = models.DateField()
    end = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNING)
    cadence = models.CharField(max_length=10, choices=Cadence.choices, default=Cadence.WEEKLY)
    # Grading ends and the cycle closes on this day (by default two weeks after the end).
    closes_on = models.DateField(null=True, blank=True)
    # Move from phase to phase by the dates (planning until the start, active until the end,
    # grading until `closes_on`); an administrator may always move it by hand.
    auto_advance = models.BooleanField(default=True)

    class Meta:
        ordering = ["-start", "end", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="cycle_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def covers(self, other: "Cycle") -> bool:
        return self.start <= other.start and other.end <= self.end


class Objective(models.Model):
    """What a person or a team wants to achieve in a cycle, aligned to a parent objective."""

    class Kind(models.TextChoices):
        COMMITTED = "committed", _("Committed")  # expected to reach 1.0
        ASPIRATIONAL = "aspirational", _("Aspirational")  # ~0.7 is success; a miss is allowed

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")  # anyone in the company may read it
        PRIVATE = "private", _("Private")  # owner, owning team, its leads, managers and admins

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")  # being written and agreed
        ACTIVE = "active", _("Active")  # committed to and checked in on
        STOPPED = "stopped", _("Stopped")  # given up mid-cycle, with a reason
        CLOSED = "closed", _("Closed")  # finished; no more check-ins

    cycle = models.ForeignKey("Cycle", on_delete=models.PROTECT, related_name="objectives")
    owner_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objectives",
    )
    owner_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="objectives"
    )
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    strategy = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    pillar = models.ForeignKey(
        StrategyPillar, null=True, blank=True, on_delete=models.SET_NULL, related_name="objectives"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.COMMITTED)
    visibility = models.CharField(
        max_length=8, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    stop_reason = models.TextField(blank=True)
    # The grade: by default the weighted mean of its key results' scores.
    score = models.FloatField(null=True, blank=True)
    score_reason = models.TextField(blank=True)
    # Looking back at grading: why a committed objective fell short, what was learned.
    reflection = models.TextField(blank=True)
    # The objective of an earlier cycle this one carries over.
    origin = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried_to"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Every change to what the objective says, kept with who made it (shown on its page).
    history = HistoricalRecords(excluded_fields=["version", "updated_at"])

    _history_user: object  # who makes the change now, for the history (set by services)
    _change_reason: str  # why, for the history (set by services; simple-history reads it)

    # Computed by `rollup.annotate`, never stored: they move with every check-in and day.
    key_result_list: list["KeyResult"]
    shown_parent_id: int | None  # the parent if the viewer may see it (api)
    progress: float
    expected_progress: float
    confidence: int | None
    health: str
    stale_count: int

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(owner_person__isnull=False) & Q(owner_team__isnull=True))
                | (Q(owner_person__isnull=True) & Q(owner_team__isnull=False)),
                name="objective_has_one_owner",
            ),
        ]
        indexes = [models.Index(fields=["cycle", "status"])]

    def __str__(self) -> str:
        return self.title


class KeyResult(models.Model):
    """A measurable result of an objective: a number moving toward a target, or a milestone."""

    class Kind(models.TextChoices):
        METRIC = "metric", _("Metric")  # a number from start to target, or within a range
        MILESTONE = "milestone", _("Milestone")  # happens or not, or weighted steps

    class Direction(models.TextChoices):
        INCREASE = "increase", _("Increase")  # from start up to target
        DECREASE = "decrease", _("Decrease")  # from start down to target
        RANGE = "range", _("Stay within range")  # between range_low and range_high

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="key_results")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="key_results",
    )
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.METRIC)
    direction = models.CharField(
        max_length=10, choices=Direction.choices, default=Direction.INCREASE
    )
    start = models.FloatField(default=0)
    target = models.FloatField(default=1)
    current = models.FloatField(null=True, blank=True)
    range_low = models.FloatField(null=True, blank=True)
    range_high = models.FloatField(null=True, blank=True)
    unit = models.CharField(max_length=30, blank=True)
    weight = models.FloatField(default=1)
    confidence = models.PositiveSmallIntegerField(null=True, blank=True)
    # When the newest check-in was made: a key result not checked in within its owner's
    # cadence is stale.
    checked_in_at = models.DateTimeField(null=True, blank=True)
    # The grade, 0.0-1.0, given in the grading phase (suggested from progress).
    score = models.FloatField(null=True, blank=True)
    score_reason = models.TextField(blank=True)
    origin = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried_to"
    )
    position = models.PositiveIntegerField(default=0)
    # A key result may follow a KPI: each new measurement (times `kpi_factor`, the stated
    # conversion when the units differ) checks in on it, by the system.
    kpi = models.ForeignKey(
        "kpis.Kpi", null=True, blank=True, on_delete=models.SET_NULL, related_name="key_results"
    )
    kpi_factor = models.FloatField(default=1)
    version = models.PositiveIntegerField(default=1)
    # Every change to the key result's definition and grade; check-ins keep their own history.
    history = HistoricalRecords(
        excluded_fields=["version", "updated_at", "current", "confidence", "checked_in_at"]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    _history_user: object  # who makes the change now, for the history (set by services)
    _change_reason: str  # why, for the history (set by services; simple-history reads it)

    # Computed by `rollup.annotate_key_result`, never stored.
    progress: float
    attainment: float
    expected_progress: float
    health: str
    stale: bool

    class Meta:
        ordering = ["objective", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gt=0), name="key_result_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class MilestoneStep(models.Model):
    """One weighted step of a milestone key result; progress is the weighted share done."""

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="steps")
    title = models.CharField(max_length=300)
    weight = models.FloatField(default=1)
    done = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["key_result", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gt=0), name="milestone_step_weight_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class CheckIn(models.Model):
    """A weekly update on a key result: the new value, how confident the owner is, a note.

    The key result's `current` and `confidence` are those of its newest check-in.
    """

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="check_ins")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="check_ins"
    )
    value = models.FloatField()
    confidence = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.TextField(blank=True)
    done_steps = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(db_index=True)
    # Made by the system from a KPI's measurement (no author); goes when the measurement goes.
    measurement = models.ForeignKey(
        "kpis.Measurement",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="check_ins",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["key_result", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.key_result}: {self.value}"


class Initiative(models.Model):
    """A piece of work meant to move a key result: listed under it, counted on its
    objective. Deliberately small: not a project-management suite."""

    class Status(models.TextChoices):
        TODO = "todo", _("To do")
        DOING = "doing", _("Doing")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="initiatives")
    title = models.CharField(max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="initiatives",
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.TODO)
    due = models.DateField(null=True, blank=True)
    link = models.URLField(max_length=500, blank=True)
    position = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key_result", "position", "id"]

    def __str__(self) -> str:
        return self.title


# Setting OKRs together ----------------------------------------------------------------------


class Proposal(models.Model):
    """A draft objective put to a reviewer (the owner's manager, or a lead above the owning
    team) to be discussed and agreed before it is published. Each round is its own row, so
    the history of asking and answering is kept."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")  # the reviewer has not answered yet
        CHANGES_REQUESTED = "changes_requested", _("Changes asked for")  # propose again
        AGREED = "agreed", _("Agreed")  # the objective was published
        WITHDRAWN = "withdrawn", _("Withdrawn")  # the proposer took it back

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="proposals")
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    message = models.TextField(blank=True)
    answer = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["objective"],
                condition=Q(state="pending"),
                name="one_pending_proposal_per_objective",
            ),
        ]
        indexes = [models.Index(fields=["reviewer", "state"])]

    def __str__(self) -> str:
        return f"proposal of {self.objective_id} ({self.state})"


class AlignmentRequest(models.Model):
    """Bottom-up alignment: the owner of an objective asks that it contribute to someone
    else's (the target); the target's owner accepts (the child is aligned) or declines."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")  # the objective is now aligned to the target
        DECLINED = "declined", _("Declined")  # with the target owner's reason
        WITHDRAWN = "withdrawn", _("Withdrawn")  # the requester took it back

    objective = models.ForeignKey(
        Objective, on_delete=models.CASCADE, related_name="alignment_requests"
    )
    target = models.ForeignKey(
        Objective, on_delete=models.CASCADE, related_name="incoming_alignment_requests"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    reason = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["objective", "target"],
                condition=Q(state="pending"),
                name="one_pending_alignment_request_per_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"align {self.objective_id} to {self.target_id} ({self.state})"


class Dependency(models.Model):
    """An objective needs another team's help; that team sees it and confirms or declines."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for the team")
        CONFIRMED = "confirmed", _("Confirmed")  # the team will help
        DECLINED = "declined", _("Declined")  # with the team's reason

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="dependencies")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="dependencies")
    note = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "dependencies"
        constraints = [
            models.UniqueConstraint(fields=["objective", "team"], name="depend_on_a_team_once"),
        ]

    def __str__(self) -> str:
        return f"{self.objective_id} needs {self.team_id} ({self.state})"

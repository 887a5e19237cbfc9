"""Mid-cycle and end-of-cycle reviews of an objective or a team."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from stretch.okrs.models import Cycle, Objective
from stretch.org.models import Team
from stretch.reviews import diagnosis

# The four questions of a review, in the order they are asked.
TEXT_FIELDS = ("went_well", "went_badly", "learned", "change_next")


class Review(models.Model):
    """What went well, what did not, what we learned and what we change, once per subject
    (an objective or a team), cycle and kind. A final review closes with a diagnosis drawn
    from the cycle's data when it is submitted."""

    class Kind(models.TextChoices):
        MID = "mid", _("Mid-cycle review")
        FINAL = "final", _("End-of-cycle review")

    class Diagnosis(models.TextChoices):
        ON_TRACK = diagnosis.ON_TRACK, _("Achieved")
        STRATEGY = diagnosis.STRATEGY, _("Look at the strategy")
        EXECUTION = diagnosis.EXECUTION, _("Look at the execution")
        NOT_ENOUGH_DATA = diagnosis.NOT_ENOUGH_DATA, _("Not enough data")

    objective = models.ForeignKey(
        Objective, null=True, blank=True, on_delete=models.CASCADE, related_name="reviews"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="reviews"
    )
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="reviews")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviews",
    )
    went_well = models.TextField(_("What went well"), blank=True)
    went_badly = models.TextField(_("What did not"), blank=True)
    learned = models.TextField(_("What we learned"), blank=True)
    change_next = models.TextField(_("What we change"), blank=True)
    # Final reviews: the diagnosis code, the numbers it was drawn from ({score, graded,
    # checked, periods, cadence, key_results, objectives}) and its explanation in the
    # author's words at submission; pages explain the numbers in the reader's language.
    diagnosis = models.CharField(max_length=16, choices=Diagnosis.choices, blank=True)
    diagnosis_data = models.JSONField(default=dict, blank=True)
    explanation = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["version", "updated_at"])

    _history_user: object  # who makes the change now, for the history (set by services)

    class Meta:
        ordering = ["cycle", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(objective__isnull=False) & Q(team__isnull=True))
                | (Q(objective__isnull=True) & Q(team__isnull=False)),
                name="review_has_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["mid", "final"]), name="review_kind_mid_or_final"
            ),
            models.UniqueConstraint(
                fields=["objective", "cycle", "kind"],
                condition=Q(objective__isnull=False),
                name="review_once_per_objective_cycle_kind",
            ),
            models.UniqueConstraint(
                fields=["team", "cycle", "kind"],
                condition=Q(team__isnull=False),
                name="review_once_per_team_cycle_kind",
            ),
        ]

    def __str__(self) -> str:
        subject = self.objective if self.objective_id else self.team
        return f"{self.get_kind_display()}: {subject} ({self.cycle})"

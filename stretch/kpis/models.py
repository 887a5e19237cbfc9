"""KPIs: steady indicators of a team's health, measured on a cadence and judged against a
band (green / yellow / red limits), beside the OKRs that change things.

A key result may follow a KPI (`okrs.KeyResult.kpi`): each new measurement checks in on it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stretch.org.models import Team


class Kpi(models.Model):
    class Band(models.TextChoices):
        ABOVE = "above", _("Above a threshold")  # green at or above `green`, red below `red`
        BELOW = "below", _("Below a threshold")  # green at or below `green`, red above `red`
        WITHIN = "within", _("Within a range")  # green inside [green_low, green_high]

    class Cadence(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="kpis")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="kpis",
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=30, blank=True)
    cadence = models.CharField(max_length=10, choices=Cadence.choices, default=Cadence.WEEKLY)
    band = models.CharField(max_length=6, choices=Band.choices, default=Band.ABOVE)
    # above / below: the green and red thresholds
    green = models.FloatField(null=True, blank=True)
    red = models.FloatField(null=True, blank=True)
    # within: red_low ≤ green_low ≤ green_high ≤ red_high
    green_low = models.FloatField(null=True, blank=True)
    green_high = models.FloatField(null=True, blank=True)
    red_low = models.FloatField(null=True, blank=True)
    red_high = models.FloatField(null=True, blank=True)
    archived = models.BooleanField(default=False)
    # Denormalised from the newest measurement (by date), kept inside the write transaction.
    latest_value = models.FloatField(null=True, blank=True)
    latest_date = models.DateField(null=True, blank=True)
    health = models.CharField(max_length=6, blank=True)  # green / yellow / red, "" unmeasured
    red_streak = models.PositiveIntegerField(default=0)  # newest measurements red in a row
    # The objective made to bring it back into its band (see `services.create_recovery`).
    recovery = models.ForeignKey(
        "okrs.Objective", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team", "name", "id"]
        verbose_name = "KPI"
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="kpi_name_unique_in_team"),
            models.CheckConstraint(
                condition=Q(band="within") | (Q(green__isnull=False) & Q(red__isnull=False)),
                name="kpi_threshold_band_has_limits",
            ),
            models.CheckConstraint(
                condition=~Q(band="within")
                | (
                    Q(green_low__isnull=False)
                    & Q(green_high__isnull=False)
                    & Q(red_low__isnull=False)
                    & Q(red_high__isnull=False)
                ),
                name="kpi_range_band_has_limits",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Measurement(models.Model):
    """One reading of a KPI on a date (one per date)."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="measurements")
    value = models.FloatField()
    date = models.DateField()
    health = models.CharField(max_length=6)  # by the band at the time it was entered
    note = models.CharField(max_length=500, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "date"], name="one_measurement_per_kpi_date")
        ]
        indexes = [models.Index(fields=["kpi", "-date"])]

    def __str__(self) -> str:
        return f"{self.kpi}: {self.value} on {self.date}"

"""Data in and out: an uploaded spreadsheet waiting between its dry run and its apply."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    """One uploaded file (an org chart or OKRs): checked on upload, applied on request.

    The file's bytes are kept so that "apply" imports exactly what the dry run checked.
    """

    class Kind(models.TextChoices):
        ORG = "org", _("Org chart")
        OKRS = "okrs", _("OKRs")

    class Status(models.TextChoices):
        VALID = "valid", _("Checked, ready to apply")
        INVALID = "invalid", _("Has problems")
        APPLIED = "applied", _("Applied")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255, blank=True)
    file_format = models.CharField(max_length=10)  # "csv" or "xlsx"
    content = models.BinaryField()
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    report = models.JSONField(default=dict, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import {self.pk} ({self.filename})"

"""Notifications and what the rhythm has sent.

`Notification` is what a person reads in the inbox (the bell in the header);
`NotificationPreference` says what they want by email; `ReminderLog` and `DigestLog` record
what the rhythm has sent, with unique constraints so that two workers racing can never send
a person two reminders in one day or two digests in one week.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message to one person, shown in their inbox (and usually sent by email too)."""

    class Kind(models.TextChoices):
        REMINDER_DUE = "reminder_due", _("Check-in due")
        REMINDER_OVERDUE = "reminder_overdue", _("Check-in overdue")
        DIGEST = "digest", _("Weekly digest")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)  # a path inside Stretch, e.g. /check-in/
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """What a person wants besides the in-app notifications (every default is on)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_reminders = models.BooleanField(
        _("email me check-in reminders"),
        default=True,
    )
    weekly_digest = models.BooleanField(
        _("send me the weekly digest"),
        default=True,
        help_text=_("In the inbox, and by email unless email is off for it."),
    )
    email_digest = models.BooleanField(_("email me the weekly digest"), default=True)

    def __str__(self) -> str:
        return f"preferences of {self.user}"


class ReminderLog(models.Model):
    """A check-in reminder sent to a person on a day: at most one per person per day."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_logs"
    )
    day = models.DateField()
    kind = models.CharField(max_length=32, choices=Notification.Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "day"], name="one_reminder_per_person_day")
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.person} on {self.day}"


class DigestLog(models.Model):
    """A weekly digest sent to a person for the week starting on `week_start` (a Monday).

    A person's digest covers their own objectives and every team they belong to, so one
    email a week carries both the personal and the team digest.
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_logs"
    )
    week_start = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "week_start"], name="one_digest_per_person_week"
            )
        ]

    def __str__(self) -> str:
        return f"digest to {self.person} for {self.week_start}"

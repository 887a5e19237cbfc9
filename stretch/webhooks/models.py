"""Outgoing webhooks: a team's chat or HTTP endpoint and what was delivered to it.

Transparency does not stop at the app: a team hears of its OKRs where it already talks
(Slack, Microsoft Teams, DingTalk, Feishu/Lark, or any HTTP endpoint). Each `Delivery` is an
outbox row written in the transaction of the activity it tells of, so an event is never sent
for a change that rolled back and never lost when the receiver is down: the background
worker sends it, and retries it with backoff, keeping every try as an `Attempt`.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stretch.social.models import Activity


def new_secret() -> str:
    return secrets.token_hex(32)


class Webhook(models.Model):
    """A team's endpoint, told of what happens to the team's public OKRs.

    Which activities it hears of: those of the verbs in `events` on a **public** objective
    (a private objective is never sent out of the app) owned by the team, by a team below it,
    or by a person who belongs to the team or to a team below it — what the team page rolls
    up. So a webhook on the root team hears of the whole company.
    """

    class Format(models.TextChoices):
        GENERIC = "generic", _("Generic JSON (signed)")
        SLACK = "slack", _("Slack")
        TEAMS = "teams", _("Microsoft Teams")
        DINGTALK = "dingtalk", _("DingTalk")
        FEISHU = "feishu", _("Feishu / Lark")

    team = models.ForeignKey("org.Team", on_delete=models.CASCADE, related_name="webhooks")
    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(_("URL"), max_length=1000)
    format = models.CharField(
        _("format"), max_length=16, choices=Format.choices, default=Format.GENERIC
    )
    # The key of the HMAC-SHA256 signature in X-Stretch-Signature, for the receiver to check.
    secret = models.CharField(max_length=64, default=new_secret)
    # Activity verbs (Activity.Verb values) this webhook is told of.
    events = models.JSONField(_("events"), default=list)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team_id", "name", "id"]

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    """One event to send to one webhook (the outbox row) and how sending it went.

    The payload is rendered when the event happens, in the company's language, so what is
    sent is what was true then, and a retry sends the same bytes (and signature) again.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")  # waiting to be sent, or to be tried again
        DELIVERED = "delivered", _("Delivered")  # the receiver answered 2xx; never sent again
        FAILED = "failed", _("Failed")  # gave up after the last retry (an admin may retry)

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    # None for a test ping.
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    event = models.CharField(max_length=32)  # the activity's verb, or "ping"
    payload = models.JSONField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A worker sending it holds it until then, so no other worker sends it at the same time.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["webhook", "activity"],
                condition=models.Q(activity__isnull=False),
                name="one_delivery_per_webhook_activity",
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["webhook", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.webhook_id} ({self.status})"


class Attempt(models.Model):
    """One try at sending a delivery: the delivery log's line."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)  # None: no answer
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.status_code or self.error[:40]} at {self.at}"

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

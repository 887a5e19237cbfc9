"""Conversations (1:1s): two people meet on a cadence, with a shared agenda, shared notes,
private notes only their author sees, and action items that carry over until done.

Only the two participants ever see a conversation's content (administrators included:
`services.get_conversation` answers 404 to everyone else).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Conversation(models.Model):
    class Cadence(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        BIWEEKLY = "biweekly", _("Every two weeks")
        MONTHLY = "monthly", _("Monthly")
        NONE = "none", _("No repeat")

    person_a = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations_as_a"
    )
    person_b = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations_as_b"
    )
    title = models.CharField(max_length=200)
    cadence = models.CharField(max_length=10, choices=Cadence.choices, default=Cadence.WEEKLY)
    template = models.CharField(max_length=32, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(person_a=F("person_b")), name="conversation_two_different_people"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def participant_ids(self) -> set[int]:
        return {self.person_a_id, self.person_b_id}

    def other(self, user):
        return self.person_b if user.pk == self.person_a_id else self.person_a


class Meeting(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="meetings"
    )
    scheduled_at = models.DateTimeField()
    shared_notes = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)

    class Meta:
        ordering = ["scheduled_at", "id"]

    def __str__(self) -> str:
        return f"{self.conversation} at {self.scheduled_at:%Y-%m-%d %H:%M}"


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.CharField(max_length=500)
    objective = models.ForeignKey(
        "okrs.Objective", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    key_result = models.ForeignKey(
        "okrs.KeyResult", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class PrivateNote(models.Model):
    """A participant's own note on a meeting: only its author ever sees it."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="private_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "author"], name="one_private_note_each")
        ]

    def __str__(self) -> str:
        return f"private note #{self.pk}"


class ActionItem(models.Model):
    """Something one participant will do; it shows in every next meeting until done."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="action_items"
    )
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="action_items"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="action_items"
    )
    text = models.CharField(max_length=500)
    due = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["done_at", "due", "id"]

    def __str__(self) -> str:
        return self.text


class CfrNoticeLog(models.Model):
    """A reminder sent once: the meeting reminder or the action-item due notice, per person."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "key"], name="cfr_notice_once")]

    def __str__(self) -> str:
        return f"{self.key} to {self.person}"


class FeedbackRequest(models.Model):
    """One person asked for feedback by another (a request to several people is one row
    each, so each can answer or decline on their own)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        ANSWERED = "answered", _("Answered")
        DECLINED = "declined", _("Declined")

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback_requests_made"
    )
    asked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback_requests"
    )
    about = models.CharField(max_length=300)
    question = models.TextField(blank=True)
    objective = models.ForeignKey(
        "okrs.Objective", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    decline_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(requester=F("asked")), name="feedback_request_not_oneself"
            )
        ]

    def __str__(self) -> str:
        return f"feedback request #{self.pk}"


class Feedback(models.Model):
    """Words from one person to another. Who may read them is `visibility`, enforced by
    `stretch.cfr.feedback.visible_feedback` alone (administrators get nothing extra)."""

    class Visibility(models.TextChoices):
        PRIVATE = "private", _("Only the receiver")
        MANAGER = "manager", _("The receiver and their managers")
        PUBLIC = "public", _("Everyone")

    giver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback_given"
    )
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback_received"
    )
    body = models.TextField()
    visibility = models.CharField(
        max_length=8, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    objective = models.ForeignKey(
        "okrs.Objective", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    request = models.OneToOneField(
        FeedbackRequest,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="answer",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(giver=F("receiver")), name="feedback_not_oneself")
        ]

    def __str__(self) -> str:
        return f"feedback #{self.pk}"


class Recognition(models.Model):
    """Public kudos from one person to one or more others, optionally for living a company
    value and for work on an objective. Everyone in the company may read it, react and
    comment (comments and reactions are the social app's, with `recognition` as target)."""

    giver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="recognitions_given",
    )
    receivers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="recognitions")
    message = models.TextField()
    html = models.TextField()  # the message's Markdown, sanitised (social.markdown)
    value = models.ForeignKey(
        "org.CompanyValue",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recognitions",
    )
    objective = models.ForeignKey(
        "okrs.Objective",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recognitions",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    # Set by `recognition.reactions_of` for the cards, never stored.
    reaction_list: list[tuple[str, int, bool]]
    comment_count: int

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"recognition #{self.pk}"

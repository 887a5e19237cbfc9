"""Comments, follows, the activity log, notifications and what the rhythm has sent.

`Activity` is the one record of "something happened" (an objective created, a check-in, a
comment, a grade, a proposal…): the activity feed reads it, and `events.record` hands each
new one to the listeners that notify followers and queue webhooks, in the same transaction.

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
        MENTION = "mention", _("Mention")
        COMMENT = "comment", _("Comment")
        CHECK_IN = "check_in", _("Check-in on an aligned objective")
        OFF_TRACK = "off_track", _("Key result off track")
        ALIGNMENT_REQUEST = "alignment_request", _("Alignment request")
        ALIGNMENT_ANSWER = "alignment_answer", _("Alignment request answered")
        AGREEMENT_REQUEST = "agreement_request", _("Agreement request")
        AGREEMENT_ANSWER = "agreement_answer", _("Agreement answered")
        DEPENDENCY = "dependency", _("Dependency")
        ACTIVITY = "activity", _("Activity on what you follow")
        RECOGNITION = "recognition", _("Recognition")
        FEEDBACK = "feedback", _("Feedback")
        ONE_ON_ONE = "one_on_one", _("1:1")
        KPI_RED = "kpi_red", _("KPI in the red")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)  # a path inside Stretch, e.g. /check-in/
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # What it tells of (None for reminders and digests).
    activity = models.ForeignKey(
        "Activity", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    # Waiting for the recipient's daily email (their preference is "once a day").
    email_pending = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["email_pending", "recipient"]),
        ]

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

    class Email(models.TextChoices):
        EACH = "each", _("Each one as it happens")
        DAILY = "daily", _("Once a day, in one email")
        NEVER = "never", _("Never")

    # Mentions, comments, check-ins, requests and key results going off track: what the
    # person hears of (in the inbox), and how such notifications reach them by email.
    on_mention = models.BooleanField(_("when someone mentions me"), default=True)
    on_comment = models.BooleanField(
        _("when someone comments on what I own or follow"), default=True
    )
    on_check_in = models.BooleanField(
        _("when there is news on an objective aligned to mine or one I follow"),
        help_text=_("Check-ins, new objectives and grades."),
        default=True,
    )
    on_request = models.BooleanField(
        _("when someone asks me to agree an objective, align to mine or help"), default=True
    )
    on_off_track = models.BooleanField(
        _("when a key result I own or follow goes off track"), default=True
    )
    on_recognition = models.BooleanField(_("when someone recognises me"), default=True)
    email_activity = models.CharField(
        _("email me these"), max_length=5, choices=Email.choices, default=Email.EACH
    )

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


class NotificationEmailLog(models.Model):
    """The daily email of a person's notifications sent on a day: at most one a day."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_emails"
    )
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "day"], name="one_daily_email_per_day")
        ]

    def __str__(self) -> str:
        return f"daily email to {self.person} on {self.day}"


class Activity(models.Model):
    """Something that happened to the company's OKRs: the activity feed and the source of
    notifications and webhooks.

    It is seen by those who may see its objective (an activity on no objective, such as a
    recognition, is seen by everyone in the company). `team` and `person` are the owner of
    the objective at the time, so that team and personal feeds need no join through it.
    """

    class Verb(models.TextChoices):
        OBJECTIVE_CREATED = "objective_created", _("created an objective")
        OBJECTIVE_PUBLISHED = "objective_published", _("published an objective")
        CHECK_IN = "check_in", _("checked in")
        OFF_TRACK = "off_track", _("key result went off track")
        COMMENT = "comment", _("commented")
        GRADED = "graded", _("graded an objective")
        PROPOSED = "proposed", _("proposed an objective")
        AGREED = "agreed", _("agreed an objective")
        CHANGES_REQUESTED = "changes_requested", _("asked for changes")
        ALIGNMENT_REQUESTED = "alignment_requested", _("asked to align")
        ALIGNMENT_ACCEPTED = "alignment_accepted", _("accepted an alignment")
        ALIGNMENT_DECLINED = "alignment_declined", _("declined an alignment")
        DEPENDENCY_ADDED = "dependency_added", _("asked a team for help")
        DEPENDENCY_CONFIRMED = "dependency_confirmed", _("confirmed a dependency")
        DEPENDENCY_DECLINED = "dependency_declined", _("declined a dependency")
        RECOGNITION = "recognition", _("recognised someone")

    verb = models.CharField(max_length=32, choices=Verb.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    objective = models.ForeignKey(
        "okrs.Objective",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    key_result = models.ForeignKey(
        "okrs.KeyResult", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    check_in = models.ForeignKey(
        "okrs.CheckIn", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    comment = models.ForeignKey(
        "Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="activities"
    )
    recognition = models.ForeignKey(
        "cfr.Recognition",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    # The objective's owner when it happened (or the team or person it is about).
    team = models.ForeignKey(
        "org.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What the feed line and the webhook message say besides the objects: a value, a score,
    # a message, the other objective's id and title…
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "activities"
        indexes = [
            models.Index(fields=["team", "-created_at"]),
            models.Index(fields=["person", "-created_at"]),
            models.Index(fields=["actor", "-created_at"]),
            models.Index(fields=["objective", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.verb} {self.objective_id or ''}"


class Follow(models.Model):
    """A person following an objective, a team or another person.

    Owners, the leads of an owning team and the owners of objectives aligned to one follow
    it without a row; a row with `following=False` is an unfollow of such an automatic
    follow (or of an explicit one).
    """

    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    objective = models.ForeignKey(
        "okrs.Objective", null=True, blank=True, on_delete=models.CASCADE, related_name="follows"
    )
    team = models.ForeignKey(
        "org.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="follows"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="followers",
    )
    following = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(objective__isnull=False, team__isnull=True, person__isnull=True)
                    | models.Q(objective__isnull=True, team__isnull=False, person__isnull=True)
                    | models.Q(objective__isnull=True, team__isnull=True, person__isnull=False)
                ),
                name="follow_has_one_subject",
            ),
            models.UniqueConstraint(
                fields=["follower", "objective"],
                condition=models.Q(objective__isnull=False),
                name="follow_objective_once",
            ),
            models.UniqueConstraint(
                fields=["follower", "team"],
                condition=models.Q(team__isnull=False),
                name="follow_team_once",
            ),
            models.UniqueConstraint(
                fields=["follower", "person"],
                condition=models.Q(person__isnull=False),
                name="follow_person_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.follower} follows {self.objective or self.team or self.person}"


class Comment(models.Model):
    """A comment on an objective, a key result, a check-in or a recognition: anyone who may
    see the objective may comment (OKRs are open to discussion), and anyone on a recognition
    (recognitions are public). Markdown in `body`; `html` is the sanitised rendering, kept so
    that pages never render Markdown on read.

    Either `objective` is set (the key result's or check-in's objective too, for the
    visibility rule; `key_result` and `check_in` say what exactly it is on), or
    `recognition` is.
    """

    objective = models.ForeignKey(
        "okrs.Objective", null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    recognition = models.ForeignKey(
        "cfr.Recognition",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
    )
    key_result = models.ForeignKey(
        "okrs.KeyResult", null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    check_in = models.ForeignKey(
        "okrs.CheckIn", null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    # A reply to another comment on the same thing (threads are one level deep on the page;
    # a reply to a reply joins the same thread).
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="comments"
    )
    body = models.TextField()
    html = models.TextField()
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="mentioned_in"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    # A deleted comment with replies stays as "deleted" so the thread keeps its shape.
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["objective", "created_at"]),
            models.Index(fields=["key_result", "created_at"]),
            models.Index(fields=["check_in", "created_at"]),
            models.Index(fields=["recognition", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(objective__isnull=False, recognition__isnull=True)
                    | models.Q(
                        objective__isnull=True,
                        recognition__isnull=False,
                        key_result__isnull=True,
                        check_in__isnull=True,
                    )
                ),
                name="comment_on_objective_or_recognition",
            )
        ]

    def __str__(self) -> str:
        return self.body[:50]


class Reaction(models.Model):
    """One person's emoji on a comment or a recognition, from a small fixed set."""

    class Emoji(models.TextChoices):
        THUMBS_UP = "👍", "👍"
        HEART = "❤️", "❤️"
        TADA = "🎉", "🎉"
        EYES = "👀", "👀"
        THINKING = "🤔", "🤔"
        ROCKET = "🚀", "🚀"

    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="reactions"
    )
    recognition = models.ForeignKey(
        "cfr.Recognition",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reactions",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions"
    )
    emoji = models.CharField(max_length=8, choices=Emoji.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "person", "emoji"],
                condition=models.Q(comment__isnull=False),
                name="reaction_once_per_person",
            ),
            models.UniqueConstraint(
                fields=["recognition", "person", "emoji"],
                condition=models.Q(recognition__isnull=False),
                name="reaction_on_recognition_once_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(comment__isnull=False, recognition__isnull=True)
                | models.Q(comment__isnull=True, recognition__isnull=False),
                name="reaction_on_one_thing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.emoji} by {self.person} on {self.comment_id or self.recognition_id}"

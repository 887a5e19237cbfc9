"""The organisation: the company, its strategy, its teams and its people."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Company(models.Model):
    """The one company this installation serves: the top of every alignment tree.

    Mission and vision sit above the strategy pillars, which company objectives name.
    """

    name = models.CharField(max_length=200, default="Our company")
    mission = models.TextField(blank=True)
    vision = models.TextField(blank=True)
    # Setting OKRs together: a draft is proposed to the owner's manager (or the lead above)
    # and published once agreed. Off: the owner publishes a draft directly.
    okrs_need_agreement = models.BooleanField(
        _("objectives need agreement"),
        default=False,
        help_text=_("A draft objective is published only once its reviewer has agreed it."),
    )

    class Meta:
        verbose_name_plural = "company"

    def __str__(self) -> str:
        return self.name

    @classmethod
    def load(cls) -> "Company":
        company, _created = cls.objects.get_or_create(pk=1)
        return company


class CompanyValue(models.Model):
    """A value the company lives by, set by administrators: recognitions may name one.

    A value no longer offered is archived rather than deleted, so that past recognitions
    keep saying what they were for.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveIntegerField(default=0)
    archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class StrategyPillar(models.Model):
    """A strategy theme of the company; company objectives say which pillar they serve."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Cadence(models.TextChoices):
    """How often people check in on their key results."""

    WEEKLY = "weekly", _("Weekly")
    BIWEEKLY = "biweekly", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Team(models.Model):
    """A node of the team tree: the root is the company, below it departments and teams.

    Company objectives are owned by the root team.
    """

    name = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.TextField(blank=True)
    # The team's check-in rhythm: its members' key results are due on this weekday, this often.
    check_in_cadence = models.CharField(
        max_length=10, choices=Cadence.choices, default=Cadence.WEEKLY
    )
    check_in_weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, default=Weekday.FRIDAY
    )

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="team_name_unique_in_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's place in a team: a lead may change the team's OKRs, a member contributes."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        MEMBER = "member", _("Member")

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "team"], name="membership_once_per_team"),
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.team} ({self.role})"


class Profile(models.Model):
    """What the company knows of a person beyond their login: name, title and manager.

    The manager line is what lets a manager see a report's private objectives.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    display_name = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=200, blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    LOCALES = [("", _("Browser's language")), *settings.LANGUAGES]
    locale = models.CharField(max_length=10, choices=LOCALES, default="", blank=True)
    timezone = models.CharField(max_length=64, default="UTC")

    def __str__(self) -> str:
        return self.display_name or self.user.get_username()


def display_name(user) -> str:
    """The name to show for a person: their display name, else their full name or login."""
    profile = getattr(user, "profile", None)
    if profile is not None and profile.display_name:
        return profile.display_name
    return user.get_full_name() or user.get_username()


class ApiToken(models.Model):
    """A personal API token for scripts: `Authorization: Bearer <token>`.

    Only a SHA-256 hash of the token is stored; the token itself is shown once.
    """

    PREFIX = "stk_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    name = models.CharField(max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    # A read token may only GET; tokens made before scopes existed keep full access.
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.WRITE)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # A revoked token stays listed (who revoked it, when) but never authenticates again.
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    def __str__(self) -> str:
        return f"token {self.name or self.pk} of {self.user}"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def new_raw(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)


class SignInIdentity(models.Model):
    """A person's account at the company's OpenID Connect provider: (issuer, subject).

    Signing in again finds the person by this pair, so a changed email address at the
    provider updates the person instead of creating a second one.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_in_identities"
    )
    issuer = models.CharField(max_length=500)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sign_in_identity_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"

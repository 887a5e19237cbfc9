"""Every change to notifications and preferences goes through here (pages and API alike)."""

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from stretch import access
from stretch.social.models import Notification, NotificationPreference
from stretch.social.notify import preferences_of  # noqa: F401 (the pages read it from here)

SWITCHES = (
    "email_reminders",
    "weekly_digest",
    "email_digest",
    "on_mention",
    "on_comment",
    "on_check_in",
    "on_request",
    "on_off_track",
    "on_recognition",
)
PREFERENCE_FIELDS = (*SWITCHES, "email_activity")


def readable(user) -> Q:
    """Notifications about an objective the person may no longer see (made private since)
    are kept out of sight, as the objective is."""
    if access.is_admin(user):
        return Q()
    return (
        Q(activity__isnull=True)
        | Q(activity__objective__isnull=True)
        | Q(activity__objective__in=access.objectives_visible_to(user).values("id"))
    )


def inbox(user) -> QuerySet:
    """A person's notifications, newest first: only ever their own."""
    return (
        Notification.objects.filter(recipient=user)
        .filter(readable(user))
        .select_related(
            "recipient__profile",
            "activity__actor__profile",
            "activity__objective",
            "activity__key_result",
            "activity__comment__parent",
        )
        .order_by("-created_at", "-id")
    )


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(readable(user), recipient=user, read_at=None).count()


def get_notification(user, pk) -> Notification:
    """The person's own notification `pk`; anyone else's is 404, as if it did not exist."""
    found = inbox(user).filter(pk=pk).first()
    if found is None:
        raise Http404(_("No notification with id %(id)s.") % {"id": pk})
    return found


def mark_read(user, pk) -> Notification:
    notification = get_notification(user, pk)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at=None).update(
            read_at=notification.read_at
        )
    return notification


def mark_all_read(user) -> int:
    """Mark every unread notification of the person read; returns how many."""
    return inbox(user).filter(read_at=None).update(read_at=timezone.now())


def update_preferences(user, changes: dict) -> NotificationPreference:
    """Change some of the person's preferences: the switches (true or false) and how
    notifications reach them by email (`email_activity`: each, daily or never)."""
    for name, value in changes.items():
        if name not in PREFERENCE_FIELDS:
            raise ValidationError({name: _("There is no such preference.")})
        if name == "email_activity":
            if value not in NotificationPreference.Email.values:
                raise ValidationError({name: _("Use each, daily or never.")})
        elif not isinstance(value, bool):
            raise ValidationError({name: _("Use true or false.")})
    preferences, _created = NotificationPreference.objects.get_or_create(user=user)
    for name, value in changes.items():
        setattr(preferences, name, value)
    preferences.save()
    return preferences

"""Notifications: in-app and by email.

`notify()` is the one way anything tells a person something: it stores the notification for
their inbox and, unless they turned email off for that kind, sends it by email in their
language with a link back to Stretch (settings.STRETCH_BASE_URL + the notification's path).
"""

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from stretch.social.models import Notification, NotificationPreference

logger = logging.getLogger(__name__)

REMINDER_KINDS = {Notification.Kind.REMINDER_DUE, Notification.Kind.REMINDER_OVERDUE}


def preferences_of(user: Any) -> NotificationPreference:
    """The person's preferences; the defaults (everything on) when they never set any.

    Reading never writes: a person without saved preferences gets an unsaved instance.
    """
    found = NotificationPreference.objects.filter(user=user).first()
    return found if found is not None else NotificationPreference(user=user)


def language_of(user: Any) -> str:
    """The language a person reads Stretch in: the one on their profile, else the default."""
    profile = getattr(user, "profile", None)
    locale = getattr(profile, "locale", "") if profile is not None else ""
    return locale or settings.LANGUAGE_CODE


def wants_email(preferences: NotificationPreference, kind: str) -> bool:
    if kind in REMINDER_KINDS:
        return preferences.email_reminders
    if kind == Notification.Kind.DIGEST:
        return preferences.weekly_digest and preferences.email_digest
    return preferences.email_activity == NotificationPreference.Email.EACH


def absolute_url(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return settings.STRETCH_BASE_URL + (path if path.startswith("/") else "/" + path)


def notify(
    recipient: Any,
    kind: str,
    title: str,
    body: str,
    url: str,
    *,
    email: bool = True,
    html_template: str | None = None,
    context: dict[str, Any] | None = None,
    preferences: NotificationPreference | None = None,
) -> Notification:
    """Store a notification for `recipient` and email it when they want that kind by email.

    `title` and `body` are already in the recipient's language (build them inside
    `translation.override(language_of(recipient))`). The email's plain text is the body and
    the link; its HTML alternative is `html_template` (default social/email/notification.html)
    rendered with `context` plus notification, link and body. A failing mail server is
    logged and does not lose the in-app notification.
    """
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, title=title[:300], body=body, url=url
    )
    if email:
        email_if_wanted(
            recipient, notification, preferences, html_template=html_template, context=context
        )
    return notification


def email_if_wanted(
    recipient: Any,
    notification: Notification,
    preferences: NotificationPreference | None = None,
    *,
    html_template: str | None = None,
    context: dict[str, Any] | None = None,
) -> bool:
    """Email `notification` when the recipient has an address and wants its kind by email."""
    prefs = preferences if preferences is not None else preferences_of(recipient)
    if not getattr(recipient, "email", "") or not wants_email(prefs, notification.kind):
        return False
    return send_email(recipient, notification, html_template=html_template, context=context)


def send_email(
    recipient: Any,
    notification: Notification,
    *,
    html_template: str | None = None,
    context: dict[str, Any] | None = None,
) -> bool:
    link = absolute_url(notification.url or "/notifications/")
    with translation.override(language_of(recipient)):
        data = {
            **(context or {}),
            "notification": notification,
            "link": link,
            "base_url": settings.STRETCH_BASE_URL,
            "preferences_link": absolute_url("/notifications/#preferences"),
        }
        text = render_to_string("social/email/notification.txt", data)
        html = render_to_string(html_template or "social/email/notification.html", data)
        subject = _("[Stretch] %(title)s") % {"title": notification.title}
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
    )
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception:  # the inbox still has it; the next notification tries again
        logger.exception("Could not email notification %s to %s", notification.pk, recipient)
        return False
    return True

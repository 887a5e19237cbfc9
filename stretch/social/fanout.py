"""From an activity to the notifications it causes: who hears of it, and how.

The listener runs inside the transaction that recorded the activity, so the inbox rows
commit with it. Who hears of what:

- a comment: the people it mentions (as a mention), and the objective's followers, the key
  result's owner, the check-in's author and the author of the comment replied to;
- a check-in: the objective's followers and the owners of the objective it is aligned to
  (check-ins on an objective aligned to mine); going off track: the same and the key
  result's owner;
- a proposal, an alignment request, a dependency and their answers: the people the service
  names in `recipients`;
- a new, published or graded objective: those who follow its owner, and the owners of the
  objective it is aligned to.

Never the actor, never someone who may not see the objective, never someone who turned
that kind off. Email follows the person's choice: each one as it happens (sent by the
worker after the commit), once a day (the daily email), or never.
"""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from stretch import access
from stretch.org.models import display_name
from stretch.social import activity_text, events, follows
from stretch.social.models import (
    Activity,
    Notification,
    NotificationEmailLog,
    NotificationPreference,
)
from stretch.social.notify import language_of, send_email

Verb = Activity.Verb
Kind = Notification.Kind

# Each verb: the kind of notification it makes and the preference that turns it off.
KINDS: dict[str, tuple[str, str]] = {
    Verb.COMMENT: (Kind.COMMENT, "on_comment"),
    Verb.CHECK_IN: (Kind.CHECK_IN, "on_check_in"),
    Verb.OFF_TRACK: (Kind.OFF_TRACK, "on_off_track"),
    Verb.PROPOSED: (Kind.AGREEMENT_REQUEST, "on_request"),
    Verb.AGREED: (Kind.AGREEMENT_ANSWER, "on_request"),
    Verb.CHANGES_REQUESTED: (Kind.AGREEMENT_ANSWER, "on_request"),
    Verb.ALIGNMENT_REQUESTED: (Kind.ALIGNMENT_REQUEST, "on_request"),
    Verb.ALIGNMENT_ACCEPTED: (Kind.ALIGNMENT_ANSWER, "on_request"),
    Verb.ALIGNMENT_DECLINED: (Kind.ALIGNMENT_ANSWER, "on_request"),
    Verb.DEPENDENCY_ADDED: (Kind.DEPENDENCY, "on_request"),
    Verb.DEPENDENCY_CONFIRMED: (Kind.DEPENDENCY, "on_request"),
    Verb.DEPENDENCY_DECLINED: (Kind.DEPENDENCY, "on_request"),
    Verb.OBJECTIVE_CREATED: (Kind.ACTIVITY, "on_check_in"),
    Verb.OBJECTIVE_PUBLISHED: (Kind.ACTIVITY, "on_check_in"),
    Verb.GRADED: (Kind.ACTIVITY, "on_check_in"),
}
ANSWERS_AND_REQUESTS = {verb for verb, (_kind, pref) in KINDS.items() if pref == "on_request"}
BODY_LENGTH = 500


def _ids(people: Iterable[Any]) -> set[int]:
    return {getattr(p, "pk", p) for p in people if p is not None and getattr(p, "pk", p)}


def _parent_owners(activity: Activity) -> set[int]:
    objective = activity.objective
    if objective is None or objective.parent_id is None:
        return set()
    return follows.owners_of(objective.parent)


def audience(activity: Activity, context: dict[str, Any]) -> dict[int, str]:
    """Who hears of `activity`, each with the kind of notification they get."""
    verb = activity.verb
    if verb not in KINDS or context.get("quiet"):
        return {}
    kind = KINDS[verb][0]
    objective = activity.objective
    people: set[int] = set()
    if verb in ANSWERS_AND_REQUESTS:
        people = _ids(context.get("recipients", ()))
    elif verb == Verb.COMMENT and context.get("edited"):
        people = set()  # an edited comment tells only the people it newly mentions
    elif verb == Verb.COMMENT:
        comment = activity.comment
        people = follows.followers(objective) if objective is not None else set()
        if activity.key_result_id:
            people |= _ids([activity.key_result.owner_id])
        if activity.check_in_id:
            people |= _ids([activity.check_in.author_id])
        if comment is not None and comment.parent_id:
            people |= _ids([comment.parent.author_id])
    elif verb in (Verb.CHECK_IN, Verb.OFF_TRACK):
        people = follows.followers(objective) | _parent_owners(activity)
        if verb == Verb.OFF_TRACK and activity.key_result_id:
            people |= _ids([activity.key_result.owner_id])
    elif objective is not None:  # created, published, graded
        subject = {"person_id": objective.owner_person_id, "team_id": objective.owner_team_id}
        people = _parent_owners(activity) | follows.subject_followers(**subject)
    heard = dict.fromkeys(people, kind)
    if verb == Verb.COMMENT:
        heard |= dict.fromkeys(_ids(context.get("mentions", ())), Kind.MENTION)
    heard.pop(activity.actor_id, None)
    return heard


PREFERENCE_OF_KIND = {Kind.MENTION: "on_mention"} | {kind: pref for kind, pref in KINDS.values()}


@events.listen
def notify_activity(activity: Activity, context: dict[str, Any]) -> list[Notification]:
    """Store the notifications `activity` causes, and queue their emails after the commit."""
    heard = audience(activity, context)
    if not heard:
        return []
    people = list(
        get_user_model()
        .objects.filter(pk__in=heard, is_active=True)
        .select_related("profile", "notification_preference")
    )
    created: list[Notification] = []
    for person in people:
        kind = heard[person.pk]
        preferences = _preferences(person)
        if not getattr(preferences, PREFERENCE_OF_KIND[kind]):
            continue
        if activity.objective is not None and not access.can_view_objective(
            person, activity.objective
        ):
            continue
        title, body = message(activity, kind, person)
        created.append(
            Notification(
                recipient=person,
                kind=kind,
                title=title[:300],
                body=body,
                url=activity_text.path(activity),
                activity=activity,
                email_pending=bool(person.email)
                and preferences.email_activity == NotificationPreference.Email.DAILY,
            )
        )
    Notification.objects.bulk_create(created)
    each = NotificationPreference.Email.EACH
    emailed = [
        n.pk
        for n in created
        if n.recipient.email and _preferences(n.recipient).email_activity == each
    ]
    if emailed:
        transaction.on_commit(lambda: email_notifications.enqueue(emailed))
    return created


def _preferences(person) -> NotificationPreference:
    try:
        return person.notification_preference
    except NotificationPreference.DoesNotExist:
        return NotificationPreference(user=person)


def message(activity: Activity, kind: str, person, language: str | None = None) -> tuple[str, str]:
    """The notification's title and body, in `language` (by default `person`'s)."""
    with translation.override(language or language_of(person)):
        if kind == Kind.MENTION:
            what = activity.key_result if activity.key_result_id else activity.objective
            title = _("%(who)s mentioned you on “%(what)s”") % {
                "who": _who(activity),
                "what": what.title if what is not None else "",
            }
        elif kind == Kind.COMMENT and activity.comment is not None and activity.comment.parent_id:
            parent = activity.comment.parent
            if parent.author_id == person.pk:
                title = _("%(who)s replied to your comment on “%(what)s”") % {
                    "who": _who(activity),
                    "what": activity.objective.title,
                }
            else:
                title = activity_text.sentence(activity)
        else:
            title = activity_text.sentence(activity)
        body = activity_text.detail(activity)
    if len(body) > BODY_LENGTH:
        body = body[: BODY_LENGTH - 1] + "…"
    return title, body


def title_now(notification: Notification) -> str:
    """A notification's title in the language the page is shown in (its stored title was
    written in the recipient's language of the moment, for the email)."""
    if notification.activity_id is None or notification.activity is None:
        return notification.title
    activity, person = notification.activity, notification.recipient
    return message(activity, notification.kind, person, translation.get_language())[0]


def _who(activity: Activity) -> str:
    return display_name(activity.actor) if activity.actor_id else _("Someone")


@task()
def email_notifications(ids: list[int]) -> int:
    """Email notifications one by one (queued after the commit that made them)."""
    sent = 0
    for notification in Notification.objects.filter(pk__in=ids).select_related(
        "recipient__profile"
    ):
        sent += send_email(notification.recipient, notification)
    return sent


def send_daily_emails(today: date | None = None) -> int:
    """One email per person with notifications waiting for their daily email; returns how
    many were sent. Run by the rhythm pass; the log row makes it once a day."""
    today = today or timezone.localdate()
    waiting = Notification.objects.filter(email_pending=True)
    recipients = set(waiting.values_list("recipient_id", flat=True).distinct())
    sent = 0
    for person in get_user_model().objects.filter(pk__in=recipients).select_related("profile"):
        try:
            with transaction.atomic():
                log = NotificationEmailLog.objects.create(person=person, day=today)
        except IntegrityError:
            continue  # sent today already (by another worker, or an earlier pass)
        items = list(waiting.filter(recipient=person).order_by("created_at", "id"))
        if not items or not person.email:
            waiting.filter(recipient=person).update(email_pending=False)
            continue
        with translation.override(language_of(person)):
            summary = Notification(
                recipient=person,
                kind=items[-1].kind,
                title=ngettext(
                    "%(count)s new notification", "%(count)s new notifications", len(items)
                )
                % {"count": len(items)},
                body="\n".join(f"• {n.title}" for n in items),
                url="/notifications/",
            )
        if send_email(person, summary):
            Notification.objects.filter(pk__in=[n.pk for n in items]).update(email_pending=False)
            log.count = len(items)
            log.save(update_fields=["count"])
            sent += 1
        else:
            log.delete()  # the next pass tries again
    return sent

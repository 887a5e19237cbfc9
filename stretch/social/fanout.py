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
- a new, published or graded objective: its followers (also those who follow its owner),
  and the owners of the objective it is aligned to;
- a recognition: the people recognised and those its message mentions; a comment on one:
  its giver, the people recognised and the people it mentions.

Never the actor, never someone who may not see the objective, never someone who turned
that kind off (a mention falls back to a comment notice, off track to a check-in notice).
Email follows the person's choice: each one as it happens (queued for the worker in the same
transaction), once a day (the daily email), or never; both re-check before sending that the
recipient may still see the objective.
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
    Verb.RECOGNITION: (Kind.RECOGNITION, "on_recognition"),
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


def audience(activity: Activity, context: dict[str, Any]) -> dict[int, list[str]]:
    """Who hears of `activity`, each with the kinds of notification it may be for them, the
    first one first: a person who turned that kind off gets the next (a mentioned follower
    who turned mentions off still hears of the comment)."""
    verb = activity.verb
    if verb not in KINDS or context.get("quiet") or context.get("goes_off_track"):
        return {}  # history being loaded; or a check-in whose off-track news says it all
    kind = KINDS[verb][0]
    fallback = [Kind.CHECK_IN] if verb == Verb.OFF_TRACK else []
    objective = activity.objective
    people: set[int] = set()
    if verb in ANSWERS_AND_REQUESTS:
        people = _ids(context.get("recipients", ()))
    elif verb == Verb.COMMENT and context.get("edited"):
        people = set()  # an edited comment tells only the people it newly mentions
    elif verb == Verb.RECOGNITION:
        people = _ids(context.get("recipients", ()))
    elif verb == Verb.COMMENT:
        comment, key_result, entry = activity.comment, activity.key_result, activity.check_in
        people = follows.followers(objective) if objective is not None else set()
        if activity.recognition is not None:  # the giver and the people recognised
            people |= _ids([activity.recognition.giver_id])
            people |= set(activity.recognition.receivers.values_list("pk", flat=True))
        if key_result is not None:
            people |= _ids([key_result.owner_id])
        if entry is not None:
            people |= _ids([entry.author_id])
        if comment is not None and comment.parent is not None:
            people |= _ids([comment.parent.author_id])
    elif verb in (Verb.CHECK_IN, Verb.OFF_TRACK) and objective is not None:
        people = follows.followers(objective) | _parent_owners(activity)
        if verb == Verb.OFF_TRACK and activity.key_result is not None:
            people |= _ids([activity.key_result.owner_id])
    elif objective is not None:  # created, published, graded
        people = _parent_owners(activity) | follows.followers(objective)
    heard = {person: [kind, *fallback] for person in people}
    if verb in (Verb.COMMENT, Verb.RECOGNITION):
        for person in _ids(context.get("mentions", ())):
            heard[person] = [Kind.MENTION, *heard.get(person, [])]
    if activity.actor_id is not None:
        heard.pop(activity.actor_id, None)
    return heard


PREFERENCE_OF_KIND = {Kind.MENTION: "on_mention"} | {kind: pref for kind, pref in KINDS.values()}


@events.listen
def notify_activity(activity: Activity, context: dict[str, Any]) -> list[Notification]:
    """Store the notifications `activity` causes and queue their emails, in the same
    transaction (the task queue is in the database: the emails commit with them)."""
    heard = audience(activity, context)
    if not heard:
        return []
    people = list(
        get_user_model()
        .objects.filter(pk__in=heard, is_active=True)
        .select_related("profile", "notification_preference")
    )
    viewers = access.viewers_of(activity.objective) if activity.objective is not None else None
    created: list[Notification] = []
    for person in people:
        preferences = _preferences(person)
        kind = next(
            (k for k in heard[person.pk] if getattr(preferences, PREFERENCE_OF_KIND[k])), None
        )
        if kind is None:
            continue
        if viewers is not None and person.pk not in viewers:
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
        email_notifications.enqueue(emailed)
    return created


def still_tellable(notification: Notification) -> bool:
    """May its recipient still read it: is its objective (if any) still visible to them?"""
    activity = notification.activity
    if activity is None or activity.objective is None:
        return True
    return access.can_view_objective(notification.recipient, activity.objective)


def _preferences(person) -> NotificationPreference:
    try:
        return person.notification_preference
    except NotificationPreference.DoesNotExist:
        return NotificationPreference(user=person)


def message(activity: Activity, kind: str, person, language: str | None = None) -> tuple[str, str]:
    """The notification's title and body, in `language` (by default `person`'s)."""
    with translation.override(language or language_of(person)):
        if kind == Kind.MENTION and activity.recognition_id:
            title = _("%(who)s mentioned you in a recognition of %(whom)s") % {
                "who": activity_text.who(activity),
                "whom": activity_text.receivers(activity),
            }
        elif kind == Kind.MENTION:
            what = activity.key_result if activity.key_result_id else activity.objective
            title = _("%(who)s mentioned you on “%(what)s”") % {
                "who": activity_text.who(activity),
                "what": what.title if what is not None else "",
            }
        elif (
            kind == Kind.COMMENT
            and activity.comment is not None
            and activity.comment.parent is not None
            and activity.comment.parent.author_id == person.pk
            and not activity.recognition_id
        ):
            title = _("%(who)s replied to your comment on “%(what)s”") % {
                "who": activity_text.who(activity),
                "what": activity.objective.title if activity.objective is not None else "",
            }
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


@task()
def email_notifications(ids: list[int]) -> int:
    """Email notifications one by one (queued with them). One whose objective went private
    since, or whose recipient turned email off since, is not sent; one the mail server
    refused waits for the daily email."""
    sent = 0
    rows = Notification.objects.filter(pk__in=ids).select_related(
        "recipient__profile", "recipient__notification_preference", "activity__objective"
    )
    for notification in rows:
        preference = _preferences(notification.recipient).email_activity
        if preference == NotificationPreference.Email.NEVER or not still_tellable(notification):
            continue
        if send_email(notification.recipient, notification):
            sent += 1
        else:
            Notification.objects.filter(pk=notification.pk).update(email_pending=True)
    return sent


def send_daily_emails(today: date | None = None) -> int:
    """One email per person with notifications waiting for their daily email; returns how
    many were sent. Run by the rhythm pass; the log row makes it once a day."""
    today = today or timezone.localdate()
    waiting = Notification.objects.filter(email_pending=True)
    recipients = set(waiting.values_list("recipient_id", flat=True).distinct())
    sent = 0
    people = get_user_model().objects.filter(pk__in=recipients)
    for person in people.select_related("profile", "notification_preference"):
        try:
            with transaction.atomic():
                log = NotificationEmailLog.objects.create(person=person, day=today)
        except IntegrityError:
            continue  # sent today already (by another worker, or an earlier pass)
        mine = waiting.filter(recipient=person).select_related("activity__objective")
        items = [n for n in mine.order_by("created_at", "id") if still_tellable(n)]
        never = _preferences(person).email_activity == NotificationPreference.Email.NEVER
        if not items or not person.email or never:
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

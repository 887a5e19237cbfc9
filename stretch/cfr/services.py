"""Every change to a 1:1, in one transaction each, and the reads that guard privacy.

Only the two participants see a conversation (`access.visible_conversations`):
`get_conversation` answers 404 to anyone else, administrators included. A private note is
read only through `private_note_of`, which returns the asking person's own note and nothing
else.
"""

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Min, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stretch import access
from stretch.cfr.models import ActionItem, AgendaItem, Conversation, Meeting, PrivateNote
from stretch.okrs.models import KeyResult, Objective
from stretch.org.models import display_name
from stretch.social.models import Notification
from stretch.social.notify import language_of, notify


@dataclass(frozen=True)
class Template:
    label: str
    points: tuple[str, ...]


# Each template's talking points are added to every new meeting of its conversations.
TEMPLATES: dict[str, Template] = {
    "weekly": Template(
        gettext_lazy("Weekly 1:1"),
        (
            gettext_lazy("How are you doing?"),
            gettext_lazy("Wins since last time"),
            gettext_lazy("Blockers and where you need help"),
        ),
    ),
    "okr_planning": Template(
        gettext_lazy("OKR planning"),
        (
            gettext_lazy("What matters most next cycle"),
            gettext_lazy("Draft objectives and key results"),
            gettext_lazy("Alignment with the team's objectives"),
        ),
    ),
    "mid_cycle": Template(
        gettext_lazy("Mid-cycle review"),
        (
            gettext_lazy("Progress of each key result"),
            gettext_lazy("What is off track and why"),
            gettext_lazy("Keep, change or drop"),
        ),
    ),
    "career": Template(
        gettext_lazy("Career conversation"),
        (
            gettext_lazy("Where do you want to be in a year?"),
            gettext_lazy("Skills to grow"),
            gettext_lazy("Opportunities to stretch"),
        ),
    ),
}


def template_choices() -> list[tuple[str, str]]:
    return [("", _("None")), *((key, str(t.label)) for key, t in TEMPLATES.items())]


# Reads -------------------------------------------------------------------------------------


def conversations_for(user) -> QuerySet:
    """The user's own 1:1s with their next and last meeting times, in one query."""
    return (
        access.visible_conversations(user)
        .select_related("person_a__profile", "person_b__profile")
        .annotate(
            next_at=Min("meetings__scheduled_at", filter=Q(meetings__status="scheduled")),
            last_at=Max("meetings__scheduled_at", filter=Q(meetings__status="done")),
        )
        .order_by("next_at", "-id")
    )


def get_conversation(user, pk) -> Conversation:
    conversation = conversations_for(user).filter(pk=pk).first()
    if conversation is None:
        raise Http404(_("No conversation with id %(id)s.") % {"id": pk})
    return conversation


def get_meeting(user, conversation: Conversation, pk) -> Meeting:
    meeting = Meeting.objects.filter(conversation=conversation, pk=pk).first()
    if meeting is None:
        raise Http404(_("No meeting with id %(id)s.") % {"id": pk})
    meeting.conversation = conversation
    return meeting


def next_meeting(conversation: Conversation) -> Meeting | None:
    meeting = (
        conversation.meetings.filter(status=Meeting.Status.SCHEDULED)
        .order_by("scheduled_at", "id")
        .first()
    )
    if meeting is not None:
        meeting.conversation = conversation
    return meeting


def private_note_of(user, meeting: Meeting) -> str:
    """The user's own private note on the meeting (never anyone else's)."""
    note = PrivateNote.objects.filter(meeting=meeting, author=user).first()
    return note.text if note is not None else ""


def open_action_items(conversation: Conversation) -> QuerySet:
    return conversation.action_items.filter(done_at__isnull=True).select_related("owner__profile")


# Writes ------------------------------------------------------------------------------------


def _participant(pk, field: str):
    try:
        return access.get_person(int(pk), field=field)
    except (TypeError, ValueError):
        raise ValidationError({field: _("Not a person id: %(id)s.") % {"id": pk}}) from None


def _check_choice(value: str, choices, field: str) -> None:
    if value not in {c[0] for c in choices}:
        raise ValidationError({field: _("Unknown choice: %(value)s.") % {"value": value}})


def _add_meeting(conversation: Conversation, at: datetime) -> Meeting:
    meeting = Meeting.objects.create(conversation=conversation, scheduled_at=at)
    template = TEMPLATES.get(conversation.template)
    if template is not None:
        AgendaItem.objects.bulk_create(
            AgendaItem(meeting=meeting, text=str(point), position=i)
            for i, point in enumerate(template.points)
        )
    return meeting


def create_conversation(
    actor, *, participants, title: str, cadence: str, first_meeting_at, template: str = ""
) -> Conversation:
    """A 1:1 of two different people, the actor one of them (or an administrator)."""
    if not isinstance(participants, list | tuple) or len(participants) != 2:
        raise ValidationError({"participants": _("A 1:1 has exactly two participants.")})
    a, b = (_participant(pk, "participants") for pk in participants)
    if a.pk == b.pk:
        raise ValidationError({"participants": _("A 1:1 needs two different people.")})
    if actor.pk not in {a.pk, b.pk} and not access.is_admin(actor):
        raise ValidationError({"participants": _("You must be one of the participants.")})
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the 1:1 a title.")})
    if len(title) > 200:
        raise ValidationError({"title": _("At most 200 characters.")})
    _check_choice(cadence, Conversation.Cadence.choices, "cadence")
    _check_choice(template or "", template_choices(), "template")
    if not isinstance(first_meeting_at, datetime):
        raise ValidationError({"first_meeting_at": _("Give the first meeting's date and time.")})
    if timezone.is_naive(first_meeting_at):
        first_meeting_at = timezone.make_aware(first_meeting_at)
    with transaction.atomic():
        conversation = Conversation.objects.create(
            person_a=a,
            person_b=b,
            title=title,
            cadence=cadence,
            template=template or "",
            created_by=actor,
        )
        _add_meeting(conversation, first_meeting_at)
    return conversation


def following(at: datetime, cadence: str) -> datetime | None:
    """When the meeting after one at `at` is, by the cadence (None: no repeat)."""
    if cadence == Conversation.Cadence.WEEKLY:
        return at + timedelta(days=7)
    if cadence == Conversation.Cadence.BIWEEKLY:
        return at + timedelta(days=14)
    if cadence == Conversation.Cadence.MONTHLY:
        year, month = (at.year + 1, 1) if at.month == 12 else (at.year, at.month + 1)
        day = min(at.day, calendar.monthrange(year, month)[1])
        return at.replace(year=year, month=month, day=day)
    return None


def _require_participant(actor, conversation: Conversation) -> None:
    if actor.pk not in conversation.participant_ids():
        raise Http404(_("No conversation with id %(id)s.") % {"id": conversation.pk})


def update_meeting(actor, meeting: Meeting, *, shared_notes=None, status=None) -> Meeting:
    """Edit the shared notes or the status; a meeting done (or cancelled) schedules the next
    one by the cadence, unless a later one is scheduled already."""
    conversation = meeting.conversation
    _require_participant(actor, conversation)
    if status is not None:
        _check_choice(status, Meeting.Status.choices, "status")
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        meeting.conversation = conversation
        was = meeting.status
        if shared_notes is not None:
            meeting.shared_notes = shared_notes
        if status is not None:
            meeting.status = status
        meeting.save()
        closing = was == Meeting.Status.SCHEDULED and meeting.status != was
        later = conversation.meetings.filter(
            status=Meeting.Status.SCHEDULED, scheduled_at__gt=meeting.scheduled_at
        )
        at = following(meeting.scheduled_at, conversation.cadence)
        if closing and at is not None and not later.exists():
            _add_meeting(conversation, at)
    return meeting


def _linked_okr(actor, conversation: Conversation, objective_id, key_result_id):
    """The objective and key result to link, each visible to both participants."""
    other = conversation.other(actor)
    objective = key_result = None
    if key_result_id is not None:
        key_result = KeyResult.objects.select_related("objective").filter(pk=key_result_id).first()
        if key_result is None or not access.can_view_objective(actor, key_result.objective):
            raise ValidationError(
                {"key_result": _("No key result with id %(id)s.") % {"id": key_result_id}}
            )
        if not access.can_view_objective(other, key_result.objective):
            raise ValidationError(
                {"key_result": _("The other participant cannot see this key result.")}
            )
    if objective_id is not None:
        objective = Objective.objects.filter(pk=objective_id).first()
        if objective is None or not access.can_view_objective(actor, objective):
            raise ValidationError(
                {"objective": _("No objective with id %(id)s.") % {"id": objective_id}}
            )
        if not access.can_view_objective(other, objective):
            raise ValidationError(
                {"objective": _("The other participant cannot see this objective.")}
            )
        if key_result is not None and key_result.objective_id != objective.pk:
            raise ValidationError(
                {"key_result": _("This key result is not of the objective chosen.")}
            )
    return objective, key_result


def _page_url(conversation: Conversation) -> str:
    return reverse("one-on-one", args=[conversation.pk])


def add_agenda_item(actor, conversation: Conversation, *, text, objective=None, key_result=None):
    """A talking point on the next meeting; the other participant hears of it."""
    _require_participant(actor, conversation)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the talking point.")})
    if len(text) > 500:
        raise ValidationError({"text": _("At most 500 characters.")})
    linked_objective, linked_kr = _linked_okr(actor, conversation, objective, key_result)
    meeting = next_meeting(conversation)
    if meeting is None:
        raise ValidationError({"meeting": _("This 1:1 has no meeting scheduled.")})
    with transaction.atomic():
        last = meeting.agenda.order_by("-position").values_list("position", flat=True).first()
        item = AgendaItem.objects.create(
            meeting=meeting,
            author=actor,
            text=text,
            objective=linked_objective,
            key_result=linked_kr,
            position=(last or 0) + 1,
        )
        other = conversation.other(actor)
        with translation.override(language_of(other)):
            title = _("%(name)s added to the agenda of “%(title)s”") % {
                "name": display_name(actor),
                "title": conversation.title,
            }
            notify(other, Notification.Kind.ONE_ON_ONE, title, text, _page_url(conversation))
    return item


def set_agenda_item_done(actor, item: AgendaItem, done: bool) -> AgendaItem:
    _require_participant(actor, item.meeting.conversation)
    with transaction.atomic():
        item.done = bool(done)
        item.save(update_fields=["done"])
    return item


def set_private_note(actor, meeting: Meeting, text: str) -> PrivateNote:
    _require_participant(actor, meeting.conversation)
    with transaction.atomic():
        note, _created = PrivateNote.objects.update_or_create(
            meeting=meeting, author=actor, defaults={"text": text or ""}
        )
    return note


def add_action_item(actor, conversation: Conversation, *, text, owner, due=None) -> ActionItem:
    _require_participant(actor, conversation)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the action item.")})
    if len(text) > 500:
        raise ValidationError({"text": _("At most 500 characters.")})
    try:
        owner_id = int(owner)
    except (TypeError, ValueError):
        owner_id = None
    if owner_id not in conversation.participant_ids():
        raise ValidationError({"owner": _("The owner must be one of the two participants.")})
    with transaction.atomic():
        return ActionItem.objects.create(
            conversation=conversation,
            meeting=next_meeting(conversation),
            owner_id=owner_id,
            text=text,
            due=due,
        )


def get_action_item(user, pk) -> ActionItem:
    item = (
        ActionItem.objects.filter(conversation__in=access.visible_conversations(user), pk=pk)
        .select_related("conversation", "owner__profile")
        .first()
    )
    if item is None:
        raise Http404(_("No action item with id %(id)s.") % {"id": pk})
    return item


def set_action_item_done(actor, item: ActionItem, done: bool) -> ActionItem:
    if actor.pk not in item.conversation.participant_ids():
        raise PermissionDenied(_("You may not change this action item."))
    with transaction.atomic():
        item.done_at = timezone.now() if done else None
        item.save(update_fields=["done_at"])
    return item

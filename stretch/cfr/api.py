"""/api/v1/conversations and /api/v1/action-items: a person's own 1:1s.

Everything here answers 404 about a conversation the caller is not part of, administrators
included; a private note is only ever the caller's own.
"""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, StrictBool

from stretch.cfr import services
from stretch.cfr.agenda import agenda_of, progress_out
from stretch.cfr.models import ActionItem, AgendaItem, Conversation, Meeting
from stretch.org.models import display_name
from stretch.pagination import paginate

router = Router(tags=["conversations"])


class ConversationIn(Schema):
    model_config = ConfigDict(extra="forbid")

    participants: list[int]
    title: str
    cadence: str = "weekly"
    first_meeting_at: datetime | None = None
    template: str = ""


class AgendaIn(Schema):
    model_config = ConfigDict(extra="forbid")

    text: str
    objective: int | None = None
    key_result: int | None = None


class MeetingPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    shared_notes: str | None = None
    status: str | None = None


class NoteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    text: str


class ActionItemIn(Schema):
    model_config = ConfigDict(extra="forbid")

    conversation: int
    text: str
    owner: int
    due: date | None = None


class ActionItemPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    done: StrictBool


def person_out(user) -> dict[str, Any]:
    return {"id": user.pk, "name": display_name(user)}


def meeting_out(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.pk,
        "scheduled_at": meeting.scheduled_at,
        "status": meeting.status,
        "shared_notes": meeting.shared_notes,
    }


def conversation_out(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "title": conversation.title,
        "cadence": conversation.cadence,
        "template": conversation.template,
        "participants": [person_out(conversation.person_a), person_out(conversation.person_b)],
        "next_meeting_at": getattr(conversation, "next_at", None),
        "last_meeting_at": getattr(conversation, "last_at", None),
    }


def action_item_out(item: ActionItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "conversation": item.conversation_id,
        "meeting": item.meeting_id,
        "owner": person_out(item.owner),
        "text": item.text,
        "due": item.due,
        "done": item.done_at is not None,
        "done_at": item.done_at,
    }


def agenda_item_out(item: AgendaItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "meeting": item.meeting_id,
        "author": person_out(item.author) if item.author else None,
        "text": item.text,
        "done": item.done,
        "position": item.position,
        "linked": progress_out(item),
    }


def conversation_detail(user, conversation: Conversation) -> dict[str, Any]:
    now_next = services.next_meeting(conversation)
    meetings = list(conversation.meetings.order_by("scheduled_at", "id"))
    return {
        **conversation_out(conversation),
        "next_meeting": meeting_out(now_next) if now_next else None,
        "upcoming": [meeting_out(m) for m in meetings if m.status == Meeting.Status.SCHEDULED],
        "past": [meeting_out(m) for m in reversed(meetings) if m.status != "scheduled"],
        "action_items": [action_item_out(i) for i in services.open_action_items(conversation)],
    }


@router.get("/conversations")
def list_conversations(request, limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0)):
    return paginate(services.conversations_for(request.auth), limit, offset, conversation_out)


@router.post("/conversations", response={201: dict})
def create_conversation(request, payload: ConversationIn):
    conversation = services.create_conversation(request.auth, **payload.dict())
    conversation = services.get_conversation(request.auth, conversation.pk)
    return Status(201, conversation_detail(request.auth, conversation))


@router.get("/conversations/{conversation_id}")
def get_conversation(request, conversation_id: int):
    conversation = services.get_conversation(request.auth, conversation_id)
    return conversation_detail(request.auth, conversation)


@router.get("/conversations/{conversation_id}/agenda")
def get_agenda(request, conversation_id: int):
    conversation = services.get_conversation(request.auth, conversation_id)
    meeting = services.next_meeting(conversation)
    return {
        "meeting": meeting_out(meeting) if meeting else None,
        "items": [agenda_item_out(i) for i in agenda_of(request.auth, meeting)],
    }


@router.post("/conversations/{conversation_id}/agenda", response={201: dict})
def add_agenda_item(request, conversation_id: int, payload: AgendaIn):
    conversation = services.get_conversation(request.auth, conversation_id)
    item = services.add_agenda_item(request.auth, conversation, **payload.dict())
    shown = next(i for i in agenda_of(request.auth, item.meeting) if i.pk == item.pk)
    return Status(201, agenda_item_out(shown))


@router.patch("/conversations/{conversation_id}/meetings/{meeting_id}")
def update_meeting(request, conversation_id: int, meeting_id: int, payload: MeetingPatch):
    conversation = services.get_conversation(request.auth, conversation_id)
    meeting = services.get_meeting(request.auth, conversation, meeting_id)
    meeting = services.update_meeting(request.auth, meeting, **payload.dict(exclude_unset=True))
    return meeting_out(meeting)


@router.get("/conversations/{conversation_id}/meetings/{meeting_id}/private-note")
def get_private_note(request, conversation_id: int, meeting_id: int):
    conversation = services.get_conversation(request.auth, conversation_id)
    meeting = services.get_meeting(request.auth, conversation, meeting_id)
    return {"meeting": meeting.pk, "text": services.private_note_of(request.auth, meeting)}


@router.put("/conversations/{conversation_id}/meetings/{meeting_id}/private-note")
def put_private_note(request, conversation_id: int, meeting_id: int, payload: NoteIn):
    conversation = services.get_conversation(request.auth, conversation_id)
    meeting = services.get_meeting(request.auth, conversation, meeting_id)
    note = services.set_private_note(request.auth, meeting, payload.text)
    return {"meeting": meeting.pk, "text": note.text}


@router.get("/action-items")
def list_action_items(request, limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0)):
    mine = ActionItem.objects.filter(owner=request.auth, done_at__isnull=True).select_related(
        "owner__profile"
    )
    return paginate(mine.order_by("due", "id"), limit, offset, action_item_out)


@router.post("/action-items", response={201: dict})
def create_action_item(request, payload: ActionItemIn):
    try:
        conversation = services.get_conversation(request.auth, payload.conversation)
    except Http404 as missing:
        raise ValidationError({"conversation": str(missing)}) from None
    data = payload.dict(exclude={"conversation"})
    item = services.add_action_item(request.auth, conversation, **data)
    return Status(201, action_item_out(item))


@router.patch("/action-items/{item_id}")
def update_action_item(request, item_id: int, payload: ActionItemPatch):
    item = services.get_action_item(request.auth, item_id)
    return action_item_out(services.set_action_item_done(request.auth, item, payload.done))

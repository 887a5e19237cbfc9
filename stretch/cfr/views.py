"""The 1:1 pages: my 1:1s with the form to start one, and one 1:1's next meeting.

Plain forms that work without JavaScript; a refused form shows the page again with the
problem beside its field (status 400).
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stretch import access
from stretch.cfr import services
from stretch.cfr.agenda import agenda_of
from stretch.cfr.models import Conversation, Meeting
from stretch.okrs.models import Cycle, KeyResult
from stretch.org.models import display_name
from stretch.params import as_int

PAST_SHOWN = 20


def _errors(error: ValidationError) -> dict[str, str]:
    if hasattr(error, "error_dict"):
        return {field: str(messages[0]) for field, messages in error.message_dict.items()}
    return {"__all__": str(error.messages[0])}


def _people(user):
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(pk=user.pk)
        .select_related("profile")
        .order_by("username")
    )


def one_on_ones(request):
    errors: dict[str, str] = {}
    data = request.POST
    if request.method == "POST":
        raw_at = parse_datetime(data.get("first_meeting_at", "") or "")
        try:
            conversation = services.create_conversation(
                request.user,
                participants=[request.user.pk, as_int(data.get("other"), -1)],
                title=data.get("title", ""),
                cadence=data.get("cadence", ""),
                first_meeting_at=raw_at,
                template=data.get("template", ""),
            )
        except ValidationError as error:
            errors = _errors(error)
        else:
            return redirect("one-on-one", conversation.pk)
    now = timezone.now()
    conversations = list(services.conversations_for(request.user))
    context = {
        "upcoming": [c for c in conversations if c.next_at is not None],
        "past": (
            Meeting.objects.filter(conversation__in=[c.pk for c in conversations])
            .exclude(status=Meeting.Status.SCHEDULED)
            .select_related("conversation__person_a__profile", "conversation__person_b__profile")
            .order_by("-scheduled_at")[:PAST_SHOWN]
        ),
        "now": now,
        "people": _people(request.user),
        "cadences": Conversation.Cadence.choices,
        "templates": services.template_choices(),
        "errors": errors,
        "data": data,
    }
    return render(request, "cfr/list.html", context, status=400 if errors else 200)


def _shared_key_results(user, other):
    """The key results of active cycles both participants may see, to link to the agenda."""
    both = access.objectives_visible_to(user).filter(
        pk__in=access.objectives_visible_to(other).values("pk"),
        cycle__status=Cycle.Status.ACTIVE,
    )
    return (
        KeyResult.objects.filter(objective__in=both.values("pk"))
        .select_related("objective")
        .order_by("objective__title", "position", "id")
    )


def _render(request, conversation: Conversation, errors=None, data=None):
    user = request.user
    meeting = services.next_meeting(conversation)
    past = list(
        conversation.meetings.exclude(status=Meeting.Status.SCHEDULED).order_by("-scheduled_at")[
            :10
        ]
    )
    context = {
        "conversation": conversation,
        "other": display_name(conversation.other(user)),
        "meeting": meeting,
        "agenda": agenda_of(user, meeting),
        "private_note": services.private_note_of(user, meeting) if meeting else "",
        "action_items": list(services.open_action_items(conversation)),
        "participants": [conversation.person_a, conversation.person_b],
        "key_results": _shared_key_results(user, conversation.other(user)),
        "past": past,
        "errors": errors or {},
        "data": data or {},
    }
    return render(request, "cfr/one_on_one.html", context, status=400 if errors else 200)


def one_on_one(request, conversation_id: int):
    conversation = services.get_conversation(request.user, conversation_id)
    return _render(request, conversation)


def _act(request, conversation: Conversation, action):
    try:
        action()
    except ValidationError as error:
        return _render(request, conversation, _errors(error), request.POST)
    return redirect("one-on-one", conversation.pk)


@require_POST
def add_agenda_item(request, conversation_id: int):
    conversation = services.get_conversation(request.user, conversation_id)
    return _act(
        request,
        conversation,
        lambda: services.add_agenda_item(
            request.user,
            conversation,
            text=request.POST.get("text", ""),
            key_result=as_int(request.POST.get("key_result")),
        ),
    )


@require_POST
def update_meeting(request, conversation_id: int, meeting_id: int):
    conversation = services.get_conversation(request.user, conversation_id)
    meeting = services.get_meeting(request.user, conversation, meeting_id)
    changes = {}
    if "shared_notes" in request.POST:
        changes["shared_notes"] = request.POST["shared_notes"]
    if request.POST.get("status"):
        changes["status"] = request.POST["status"]
    return _act(
        request, conversation, lambda: services.update_meeting(request.user, meeting, **changes)
    )


@require_POST
def private_note(request, conversation_id: int, meeting_id: int):
    conversation = services.get_conversation(request.user, conversation_id)
    meeting = services.get_meeting(request.user, conversation, meeting_id)
    return _act(
        request,
        conversation,
        lambda: services.set_private_note(request.user, meeting, request.POST.get("text", "")),
    )


@require_POST
def add_action_item(request, conversation_id: int):
    conversation = services.get_conversation(request.user, conversation_id)
    due = parse_date(request.POST.get("due", "") or "")
    return _act(
        request,
        conversation,
        lambda: services.add_action_item(
            request.user,
            conversation,
            text=request.POST.get("text", ""),
            owner=request.POST.get("owner"),
            due=due,
        ),
    )


@require_POST
def complete_action_item(request, conversation_id: int, item_id: int):
    conversation = services.get_conversation(request.user, conversation_id)
    item = services.get_action_item(request.user, item_id)
    if item.conversation_id != conversation.pk:
        raise Http404(_("No action item with id %(id)s.") % {"id": item_id})
    services.set_action_item_done(request.user, item, request.POST.get("done") != "0")
    return redirect("one-on-one", conversation.pk)

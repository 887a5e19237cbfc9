"""/api/v1/recognitions and /api/v1/values: public kudos, their reactions and counts, and
the company values a recognition may name.

Endpoints parse and find; `stretch.cfr.recognition` decides and changes. Comments on a
recognition go through /api/v1/comments with `recognition`.
"""

from datetime import datetime
from typing import Any

from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field, StrictBool

from stretch import access
from stretch.cfr import recognition as services
from stretch.cfr.api import person_out
from stretch.cfr.models import Recognition
from stretch.org.models import CompanyValue
from stretch.pagination import Paged, paginate

router = Router(tags=["recognition"])


# Schemas -----------------------------------------------------------------------------------


class PersonRef(Schema):
    id: int
    name: str


class ValueRef(Schema):
    id: int
    name: str


class ObjectiveRef(Schema):
    id: int
    title: str


class ReactionOut(Schema):
    emoji: str
    count: int
    mine: bool = Field(..., description="whether you gave this emoji")


class RecognitionOut(Schema):
    id: int
    giver: PersonRef | None = Field(..., description="null once the giver's account is gone")
    receivers: list[PersonRef]
    message: str = Field(..., description="the message as written (Markdown)")
    html: str = Field(..., description="the message rendered and sanitised")
    value: ValueRef | None = Field(..., description="the company value it is for, if any")
    objective: ObjectiveRef | None = Field(
        ..., description="the linked objective; null also when you may not see it"
    )
    reactions: list[ReactionOut]
    comments: int = Field(..., description="how many comments it has")
    created_at: datetime
    can_delete: bool = Field(..., description="whether you may delete it (giver, administrator)")


class RecognitionPage(Paged):
    items: list[RecognitionOut]


class RecognitionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    receivers: list[int] = Field(..., description="the people recognised (not yourself)")
    message: str = Field(
        ..., description=f"what they did, Markdown, at most {services.MAX_MESSAGE}"
    )
    value: int | None = Field(None, description="a company value that is not archived")
    objective: int | None = Field(None, description="a public objective")


class ReactionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    emoji: str


class PersonCount(Schema):
    person: PersonRef
    count: int


class ValueCount(Schema):
    value: ValueRef
    count: int


class CountsOut(Schema):
    total: int = Field(..., description="recognitions given")
    givers: int = Field(..., description="different people who gave them")
    people: list[PersonCount] = Field(..., description="the most recognised, most first")
    values: list[ValueCount] = Field(..., description="values named, most first")


class ValueOut(Schema):
    id: int
    name: str
    description: str
    position: int
    archived: bool
    recognitions: int = Field(..., description="how many recognitions name it, ever")


class ValueIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""


class ValuePatch(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    description: str | None = None
    position: int | None = Field(None, description="the order in lists, from 0")
    archived: StrictBool | None = Field(None, description="an archived value is not offered")


# Rendering ---------------------------------------------------------------------------------


def recognition_out(user, item: Recognition, shown: set[int]) -> dict[str, Any]:
    """A recognition as the API shows it; `reactions_of` must have run on it, and `shown`
    holds the linked objectives `user` may see (`shown_objectives`)."""
    return {
        "id": item.pk,
        "giver": person_out(item.giver) if item.giver_id else None,
        "receivers": [person_out(person) for person in item.receivers.all()],
        "message": item.message,
        "html": item.html,
        "value": {"id": item.value.pk, "name": item.value.name} if item.value_id else None,
        "objective": (
            {"id": item.objective_id, "title": item.objective.title}
            if item.objective_id and item.objective_id in shown
            else None
        ),
        "reactions": [
            {"emoji": emoji, "count": count, "mine": mine}
            for emoji, count, mine in item.reaction_list
        ],
        "comments": item.comment_count,
        "created_at": item.created_at,
        "can_delete": services.may_delete(user, item),
    }


def _load(user, pk) -> dict[str, Any]:
    item = services.get_recognition(user, pk)
    services.reactions_of([item], user)
    return recognition_out(user, item, services.shown_objectives(user, [item]))


def value_out(value: CompanyValue, used: dict[int, int]) -> dict[str, Any]:
    return {
        "id": value.pk,
        "name": value.name,
        "description": value.description,
        "position": value.position,
        "archived": value.archived,
        "recognitions": used.get(value.pk, 0),
    }


# Recognitions ------------------------------------------------------------------------------


@router.get(
    "/recognitions",
    response=RecognitionPage,
    summary="The recognition wall, newest first",
    description="Every recognition in the company (they are public inside it), or those "
    "of a team (received by anyone in it or a team below), a person (received or given), "
    "a cycle (given within its dates) or a company value. An unknown id is a 400 naming "
    "the filter.",
)
def list_recognitions(
    request,
    team: int | None = Query(None, description="a team id: received in it or below"),
    person: int | None = Query(None, description="a person id: received or given"),
    cycle: int | None = Query(None, description="a cycle id: given within its dates"),
    value: int | None = Query(None, description="a company value id (archived ones too)"),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0),
):
    user = request.auth
    queryset = services.wall(
        user,
        team=access.get_team(team, field="team") if team is not None else None,
        person=access.get_person(person, field="person") if person is not None else None,
        cycle=access.get_cycle(cycle, field="cycle") if cycle is not None else None,
        value=services.get_value(value, field="value") if value is not None else None,
    )
    shown: set[int] = set()

    def prepare(items):
        services.reactions_of(items, user)
        shown.update(services.shown_objectives(user, items))

    return paginate(
        services.loaded(queryset),
        limit,
        offset,
        render=lambda item: recognition_out(user, item, shown),
        prepare=prepare,
    )


@router.post(
    "/recognitions",
    response={201: RecognitionOut},
    summary="Recognise one or more people",
    description="Public kudos with a message, optionally for a company value (not "
    "archived) and a public objective. Not for yourself. Each person recognised is "
    "notified, as are the people the message @mentions. Bad input is a 400 naming the "
    "field (`receivers`, `message`, `value` or `objective`).",
)
def give_recognition(request, payload: RecognitionIn):
    item = services.give(request.auth, **payload.dict())
    return Status(201, _load(request.auth, item.pk))


@router.get(
    "/recognitions/counts",
    response=CountsOut,
    summary="Who was recognised how often, and for which values",
    description="Over the whole company or a team's wall (counting the team's people "
    "only), over all time or a cycle's dates.",
)
def recognition_counts(
    request,
    cycle: int | None = Query(None, description="a cycle id: given within its dates"),
    team: int | None = Query(None, description="a team id: its people and those below"),
    limit: int = Query(10, ge=1, le=100, description="at most this many people"),
):
    found = services.counts(
        request.auth,
        team=access.get_team(team, field="team") if team is not None else None,
        cycle=access.get_cycle(cycle, field="cycle") if cycle is not None else None,
        limit=limit,
    )
    return {
        "total": found.total,
        "givers": found.givers,
        "people": [{"person": person_out(p), "count": n} for p, n in found.people],
        "values": [{"value": {"id": v.pk, "name": v.name}, "count": n} for v, n in found.values],
    }


@router.get("/recognitions/{recognition_id}", response=RecognitionOut, summary="One recognition")
def get_recognition(request, recognition_id: int):
    return _load(request.auth, recognition_id)


@router.delete(
    "/recognitions/{recognition_id}",
    response={204: None},
    summary="Take a recognition back (its giver or an administrator)",
    description="Deletes it with its comments and reactions; anyone else gets a 403.",
)
def delete_recognition(request, recognition_id: int):
    item = services.get_recognition(request.auth, recognition_id)
    services.delete(request.auth, item)
    return Status(204, None)


@router.post(
    "/recognitions/{recognition_id}/reactions",
    response=RecognitionOut,
    summary="Add my emoji",
    description="Giving the same emoji twice keeps one. An emoji outside the fixed set is "
    "a 400 naming `emoji`.",
)
def add_reaction(request, recognition_id: int, payload: ReactionIn):
    item = services.get_recognition(request.auth, recognition_id)
    services.react(request.auth, item, payload.emoji)
    return _load(request.auth, recognition_id)


@router.delete(
    "/recognitions/{recognition_id}/reactions/{emoji}",
    response=RecognitionOut,
    summary="Take my emoji back (URL-encoded)",
    description="Taking back an emoji not given changes nothing.",
)
def remove_reaction(request, recognition_id: int, emoji: str):
    item = services.get_recognition(request.auth, recognition_id)
    services.unreact(request.auth, item, emoji)
    return _load(request.auth, recognition_id)


# Company values ----------------------------------------------------------------------------


@router.get(
    "/values",
    response=list[ValueOut],
    summary="The company's values, in order",
    description="Those a recognition may name now; with `archived=true`, the archived "
    "ones too (past recognitions keep them).",
)
def list_values(
    request, archived: bool = Query(False, description="include archived values")
):  # fmt: skip
    values = CompanyValue.objects.all() if archived else services.offered_values()
    used = services.value_counts()
    return [value_out(value, used) for value in values.order_by("position", "id")]


@router.post(
    "/values",
    response={201: ValueOut},
    summary="Add a company value (administrators)",
    description="It goes last. Names are unique, whatever their case.",
)
def create_value(request, payload: ValueIn):
    value = services.create_value(request.auth, **payload.dict())
    return Status(201, value_out(value, {}))


@router.get("/values/{value_id}", response=ValueOut, summary="One company value")
def get_value(request, value_id: int):
    return value_out(services.get_value(value_id), services.value_counts())


@router.patch(
    "/values/{value_id}",
    response=ValueOut,
    summary="Rename, describe, move, archive or bring back a value (administrators)",
    description="Only the fields given change. An archived value is no longer offered for "
    "new recognitions; past ones keep showing it.",
)
def update_value(request, value_id: int, payload: ValuePatch):
    value = services.get_value(value_id)
    value = services.update_value(request.auth, value, **payload.dict(exclude_unset=True))
    return value_out(value, services.value_counts())


@router.delete(
    "/values/{value_id}",
    response={200: ValueOut, 204: None},
    summary="Delete a company value (administrators)",
    description="204 when it is deleted. A value that recognitions name is archived "
    "instead, so they keep saying what they were for: the answer is then 200 with the "
    "value, `archived` true.",
)
def delete_value(request, value_id: int):
    value = services.get_value(value_id)
    if services.delete_value(request.auth, value):
        return Status(204, None)
    return Status(200, value_out(value, services.value_counts()))

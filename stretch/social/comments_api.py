"""/api/v1/comments: comments on objectives, key results, check-ins and recognitions, their
reactions, and the people an @mention may name.

Endpoints parse and find; `stretch.social.comments` decides and changes.
"""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict

from stretch.org.models import display_name
from stretch.pagination import Paged, paginate
from stretch.social import comments
from stretch.social.models import Comment

router = Router(tags=["comments"])
MOST_SUGGESTIONS = 8


class PersonRef(Schema):
    id: int
    name: str


class ReactionOut(Schema):
    emoji: str
    count: int
    mine: bool


class CommentOut(Schema):
    id: int
    objective: int | None
    key_result: int | None
    check_in: int | None
    recognition: int | None
    parent: int | None
    author: PersonRef | None
    body: str
    html: str
    mentions: list[PersonRef]
    reactions: list[ReactionOut]
    created_at: datetime
    edited_at: datetime | None
    edited: bool
    deleted: bool


class CommentPage(Paged):
    items: list[CommentOut]


class CommentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    objective: int | None = None
    key_result: int | None = None
    check_in: int | None = None
    recognition: int | None = None
    body: str
    parent: int | None = None


class CommentPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    body: str


class ReactionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    emoji: str


class MentionOut(Schema):
    id: int
    username: str
    name: str


def _person(user) -> dict | None:
    return {"id": user.pk, "name": display_name(user)} if user is not None else None


def comment_out(comment: Comment) -> dict:
    """A comment as the API shows it; `reactions_of` must have run on it."""
    deleted = comment.deleted_at is not None
    return {
        "id": comment.pk,
        "objective": comment.objective_id,
        "key_result": comment.key_result_id,
        "check_in": comment.check_in_id,
        "recognition": comment.recognition_id,
        "parent": comment.parent_id,
        "author": None if deleted else _person(comment.author),
        "body": comment.body,
        "html": comment.html,
        "mentions": [_person(person) for person in comment.mentions.all()],
        "reactions": [
            {"emoji": emoji, "count": count, "mine": mine}
            for emoji, count, mine in comment.reaction_list
        ],
        "created_at": comment.created_at,
        "edited_at": comment.edited_at,
        "edited": comment.edited_at is not None,
        "deleted": deleted,
    }


def _queryset():
    people = get_user_model().objects.select_related("profile")
    return Comment.objects.select_related("author__profile").prefetch_related(
        Prefetch("mentions", queryset=people)
    )


def _load(user, pk) -> dict:
    comment = comments.get_comment_for_user(user, pk)
    found = _queryset().get(pk=comment.pk)
    comments.reactions_of([found], user)
    return comment_out(found)


@router.get(
    "/comments",
    response=CommentPage,
    summary="The comments on one objective, key result, check-in or recognition, oldest first",
)
def list_comments(
    request,
    objective: int | None = Query(None, description="an objective's own comments"),
    key_result: int | None = Query(None, description="a key result's own comments"),
    check_in: int | None = Query(None, description="a check-in's comments"),
    recognition: int | None = Query(None, description="a recognition's comments"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
):
    given = [
        (name, pk)
        for name, pk in (
            ("objective", objective),
            ("key_result", key_result),
            ("check_in", check_in),
            ("recognition", recognition),
        )
        if pk is not None
    ]
    if len(given) != 1:
        raise ValidationError(
            {
                (given[1][0] if given else "objective"): _(
                    "Filter by one of objective, key_result, check_in or recognition."
                )
            }
        )
    name, pk = given[0]
    qs = comments.visible_comments(request.auth, comments.on_target(name, pk, _queryset()))
    return paginate(
        qs.order_by("created_at", "id"),
        limit,
        offset,
        render=comment_out,
        prepare=lambda page: comments.reactions_of(page, request.auth),
    )


@router.post("/comments", response={201: CommentOut}, summary="Comment on one thing")
def create_comment(request, payload: CommentIn):
    comment = comments.create_comment(request.auth, **payload.dict())
    return Status(201, _load(request.auth, comment.pk))


@router.get("/comments/{comment_id}", response=CommentOut)
def get_comment(request, comment_id: int):
    return _load(request.auth, comment_id)


@router.patch("/comments/{comment_id}", response=CommentOut, summary="Edit (the author only)")
def edit_comment(request, comment_id: int, payload: CommentPatch):
    comment = comments.get_comment_for_user(request.auth, comment_id)
    comments.edit_comment(request.auth, comment, payload.body)
    return _load(request.auth, comment_id)


@router.delete(
    "/comments/{comment_id}",
    response={204: None},
    summary="Delete (the author or an administrator)",
)
def delete_comment(request, comment_id: int):
    comment = comments.get_comment_for_user(request.auth, comment_id)
    comments.delete_comment(request.auth, comment)
    return Status(204, None)


@router.post("/comments/{comment_id}/reactions", response=CommentOut, summary="Add my emoji")
def add_reaction(request, comment_id: int, payload: ReactionIn):
    comment = comments.get_comment_for_user(request.auth, comment_id)
    comments.react(request.auth, comment, payload.emoji)
    return _load(request.auth, comment_id)


@router.delete(
    "/comments/{comment_id}/reactions/{emoji}",
    response=CommentOut,
    summary="Take my emoji back (URL-encoded)",
)
def remove_reaction(request, comment_id: int, emoji: str):
    comment = comments.get_comment_for_user(request.auth, comment_id)
    comments.unreact(request.auth, comment, emoji)
    return _load(request.auth, comment_id)


@router.get(
    "/people/mentions",
    response=list[MentionOut],
    url_name="people-mentions",
    summary="People an @mention may name: login or name starting with q (at most 8)",
)
def mention_suggestions(request, q: str = Query("", max_length=150)):
    text = q.strip().lstrip("@")
    people = get_user_model().objects.filter(is_active=True).select_related("profile")
    if text:
        people = people.filter(
            Q(username__istartswith=text) | Q(profile__display_name__istartswith=text)
        )
    return [
        {"id": person.pk, "username": person.get_username(), "name": display_name(person)}
        for person in people.order_by("username")[:MOST_SUGGESTIONS]
    ]

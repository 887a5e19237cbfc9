"""/api/v1/feed and /api/v1/follows: the activity feed, and following objectives, teams and
people."""

from datetime import datetime
from typing import Any, Literal

from ninja import Query, Router, Schema
from pydantic import ConfigDict, StrictBool, StrictInt

from stretch import access
from stretch.org.models import display_name
from stretch.pagination import Paged, paginate
from stretch.social import activity_text, follows
from stretch.social.feed import feed
from stretch.social.models import Activity, Follow

router = Router(tags=["feed"])

Verb = Literal[tuple(Activity.Verb.values)]  # type: ignore[valid-type]


class Ref(Schema):
    id: int
    name: str


class TitleRef(Schema):
    id: int
    title: str


class ActivityOut(Schema):
    id: int
    verb: str
    text: str
    detail: str
    url: str
    created_at: datetime
    actor: Ref | None
    objective: TitleRef | None
    key_result: TitleRef | None
    comment: int | None
    check_in: int | None
    team: Ref | None
    person: Ref | None
    data: dict[str, Any]


class FeedPage(Paged):
    items: list[ActivityOut]


def _person(user) -> dict | None:
    return {"id": user.pk, "name": display_name(user)} if user is not None else None


def activity_out(activity: Activity) -> dict:
    return {
        "id": activity.pk,
        "verb": activity.verb,
        "text": activity_text.sentence(activity),
        "detail": activity_text.detail(activity),
        "url": activity_text.path(activity),
        "created_at": activity.created_at,
        "actor": _person(activity.actor),
        "objective": {"id": activity.objective.pk, "title": activity.objective.title}
        if activity.objective
        else None,
        "key_result": {"id": activity.key_result.pk, "title": activity.key_result.title}
        if activity.key_result
        else None,
        "comment": activity.comment_id,
        "check_in": activity.check_in_id,
        "team": {"id": activity.team.pk, "name": activity.team.name} if activity.team else None,
        "person": _person(activity.person),
        # A comment's excerpt is left out: `detail` is its text as it is now (edited, deleted).
        "data": {k: v for k, v in activity.data.items() if k != "excerpt"},
    }


@router.get("/feed", response=FeedPage, summary="What changed, newest first")
def list_feed(
    request,
    team: int | None = None,
    person: int | None = None,
    verb: Verb | None = None,
    following: bool = False,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0),
):
    """The company's feed; with `team`, that team's (and the teams below it); with
    `person`, what that person did and what happened to their objectives; with
    `following=true`, only what the caller owns, belongs to or follows. Only what the
    caller may see."""
    scope = {
        "team": access.get_team(team, field="team") if team is not None else None,
        "person": access.get_person(person, field="person") if person is not None else None,
    }
    activities = feed(request.auth, verb=verb, following=following, **scope)
    return paginate(activities, limit, offset, activity_out)


class FollowIn(Schema):
    model_config = ConfigDict(extra="forbid")

    objective: StrictInt | None = None
    team: StrictInt | None = None
    person: StrictInt | None = None
    following: StrictBool = True


class FollowOut(Schema):
    id: int
    objective: TitleRef | None
    team: Ref | None
    person: Ref | None
    following: bool
    created_at: datetime


class FollowPage(Paged):
    items: list[FollowOut]


def follow_out(follow: Follow) -> dict:
    return {
        "id": follow.pk,
        "objective": {"id": follow.objective.pk, "title": follow.objective.title}
        if follow.objective
        else None,
        "team": {"id": follow.team.pk, "name": follow.team.name} if follow.team else None,
        "person": _person(follow.person),
        "following": follow.following,
        "created_at": follow.created_at,
    }


@router.get("/follows", response=FollowPage, summary="What I follow by choice")
def list_follows(request, limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0)):
    return paginate(follows.follows_of(request.auth), limit, offset, follow_out)


@router.post(
    "/follows", response=FollowOut, summary="Follow or unfollow an objective, team or person"
)
def set_follow(request, payload: FollowIn):
    """Send exactly one of `objective`, `team`, `person`; `following: false` stops following
    (also an objective followed automatically as its owner or aligned owner)."""
    subject = follows.subject_for(
        request.auth, objective=payload.objective, team=payload.team, person=payload.person
    )
    return follow_out(follows.set_following(request.auth, following=payload.following, **subject))

"""Notifications in the API: the inbox, marking read, preferences (always the caller's own)."""

from datetime import datetime
from typing import Literal

from ninja import Query, Router, Schema
from pydantic import ConfigDict, StrictBool

from stretch.pagination import Paged, paginate
from stretch.social import services
from stretch.social.models import Notification, NotificationPreference

router = Router(tags=["notifications"])

Kind = Literal[tuple(Notification.Kind.values)]  # type: ignore[valid-type]
EmailChoice = Literal["each", "daily", "never"]


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    activity: int | None
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None
    read: bool


class NotificationPage(Paged):
    unread: int
    items: list[NotificationOut]


class MarkedOut(Schema):
    marked: int


class PreferencesOut(Schema):
    email_reminders: bool
    weekly_digest: bool
    email_digest: bool
    on_mention: bool
    on_comment: bool
    on_check_in: bool
    on_request: bool
    on_off_track: bool
    on_recognition: bool
    email_activity: EmailChoice


class PreferencesPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    email_reminders: StrictBool | None = None
    weekly_digest: StrictBool | None = None
    email_digest: StrictBool | None = None
    on_mention: StrictBool | None = None
    on_comment: StrictBool | None = None
    on_check_in: StrictBool | None = None
    on_request: StrictBool | None = None
    on_off_track: StrictBool | None = None
    on_recognition: StrictBool | None = None
    email_activity: EmailChoice | None = None


def notification_out(notification: Notification) -> dict:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "activity": notification.activity_id,
        "title": notification.title,
        "body": notification.body,
        "url": notification.url,
        "created_at": notification.created_at,
        "read_at": notification.read_at,
        "read": notification.read_at is not None,
    }


def preferences_out(preferences: NotificationPreference) -> dict:
    return {name: getattr(preferences, name) for name in services.PREFERENCE_FIELDS}


@router.get("/notifications", response=NotificationPage, summary="My notifications, newest first")
def list_notifications(
    request,
    unread: bool | None = None,
    kind: Kind | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
):
    qs = services.inbox(request.auth)
    if unread is not None:
        qs = qs.filter(read_at__isnull=unread)
    if kind:
        qs = qs.filter(kind=kind)
    page = paginate(qs, limit, offset, notification_out)
    page["unread"] = services.unread_count(request.auth)
    return page


@router.post(
    "/notifications/read-all", response=MarkedOut, summary="Mark all my notifications read"
)
def read_all(request):
    return {"marked": services.mark_all_read(request.auth)}


@router.post(
    "/notifications/{notification_id}/read",
    response=NotificationOut,
    summary="Mark one of my notifications read",
)
def read_one(request, notification_id: int):
    return notification_out(services.mark_read(request.auth, notification_id))


@router.get("/notifications/preferences", response=PreferencesOut)
def get_preferences(request):
    return preferences_out(services.preferences_of(request.auth))


@router.patch("/notifications/preferences", response=PreferencesOut)
def update_preferences(request, payload: PreferencesPatch):
    changes = payload.model_dump(exclude_unset=True)
    return preferences_out(services.update_preferences(request.auth, changes))

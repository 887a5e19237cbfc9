"""/api/v1/webhooks: administrators manage a team's webhooks and read their delivery log.

The secret (the HMAC key of X-Stretch-Signature) is in the answer to the create and to a
webhook's own detail, never in the list.
"""

from datetime import datetime
from typing import Any, Literal

from django.db.models import Count, Prefetch, Q
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, StrictBool

from stretch import access
from stretch.pagination import Paged, paginate
from stretch.webhooks import services
from stretch.webhooks.models import Attempt, Delivery, Webhook

router = Router(tags=["webhooks"])


class WebhookIn(Schema):
    model_config = ConfigDict(extra="forbid")

    team: int
    name: str
    url: str
    format: str = "generic"
    events: list[str] | None = None
    active: StrictBool = True


class WebhookPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    url: str | None = None
    format: str | None = None
    events: list[str] | None = None
    active: StrictBool | None = None


class WebhookOut(Schema):
    id: int
    team: int
    team_name: str
    name: str
    url: str
    format: str
    events: list[str]
    active: bool
    created_by: int | None
    created_at: datetime
    pending: int
    failed: int


class WebhookDetail(WebhookOut):
    secret: str


class WebhookPage(Paged):
    items: list[WebhookOut]


class AttemptOut(Schema):
    at: datetime
    status_code: int | None
    error: str
    duration_ms: int


class DeliveryOut(Schema):
    id: int
    webhook: int
    activity: int | None
    event: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    delivered_at: datetime | None
    created_at: datetime
    payload: dict[str, Any]
    attempt_log: list[AttemptOut]


class DeliveryPage(Paged):
    items: list[DeliveryOut]


def with_counts(qs):
    return qs.annotate(
        pending_count=Count("deliveries", filter=Q(deliveries__status="pending")),
        failed_count=Count("deliveries", filter=Q(deliveries__status="failed")),
    )


def webhook_out(webhook: Webhook, secret: bool = False) -> dict:
    out = {
        "id": webhook.pk,
        "team": webhook.team_id,
        "team_name": webhook.team.name,
        "name": webhook.name,
        "url": webhook.url,
        "format": webhook.format,
        "events": webhook.events,
        "active": webhook.active,
        "created_by": webhook.created_by_id,
        "created_at": webhook.created_at,
        "pending": getattr(webhook, "pending_count", 0),
        "failed": getattr(webhook, "failed_count", 0),
    }
    if secret:
        out["secret"] = webhook.secret
    return out


def detail_out(user, pk: int) -> dict:
    webhook = with_counts(services.webhooks_for(user)).get(pk=pk)
    return webhook_out(webhook, secret=True)


def delivery_out(delivery: Delivery) -> dict:
    return {
        "id": delivery.pk,
        "webhook": delivery.webhook_id,
        "activity": delivery.activity_id,
        "event": delivery.event,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "delivered_at": delivery.delivered_at,
        "created_at": delivery.created_at,
        "payload": delivery.payload,
        "attempt_log": [
            {
                "at": a.at,
                "status_code": a.status_code,
                "error": a.error,
                "duration_ms": a.duration_ms,
            }
            for a in delivery.attempt_log.all()
        ],
    }


def deliveries_of(webhook: Webhook):
    return webhook.deliveries.prefetch_related(
        Prefetch("attempt_log", queryset=Attempt.objects.order_by("at", "id"))
    ).order_by("-created_at", "-id")


@router.get("/webhooks", response=WebhookPage, summary="Webhooks (administrators)")
def list_webhooks(
    request,
    team: int | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
):
    qs = with_counts(services.webhooks_for(request.auth)).order_by("team__name", "name", "id")
    if team is not None:
        qs = qs.filter(team_id=team)
    return paginate(qs, limit, offset, webhook_out)


@router.post("/webhooks", response={201: WebhookDetail}, summary="Add a webhook to a team")
def create_webhook(request, payload: WebhookIn):
    services.require_admin(request.auth)
    fields = payload.model_dump(exclude_unset=True)
    team = access.get_team(fields.pop("team"), field="team")
    if fields.get("events") is None:
        fields.pop("events", None)
    webhook = services.create_webhook(request.auth, team, request=request, **fields)
    return Status(201, detail_out(request.auth, webhook.pk))


@router.get("/webhooks/{webhook_id}", response=WebhookDetail, summary="A webhook, with its secret")
def get_webhook(request, webhook_id: int):
    webhook = services.get_webhook(request.auth, webhook_id)
    return detail_out(request.auth, webhook.pk)


@router.patch("/webhooks/{webhook_id}", response=WebhookDetail, summary="Change a webhook")
def update_webhook(request, webhook_id: int, payload: WebhookPatch):
    webhook = services.get_webhook(request.auth, webhook_id)
    changes = payload.model_dump(exclude_unset=True)
    for name in ("name", "url", "format", "events", "active"):
        if name in changes and changes[name] is None:
            changes.pop(name)  # null means "leave it"
    services.update_webhook(request.auth, webhook, changes, request=request)
    return detail_out(request.auth, webhook.pk)


@router.delete("/webhooks/{webhook_id}", response={204: None}, summary="Remove a webhook")
def delete_webhook(request, webhook_id: int):
    services.delete_webhook(request.auth, services.get_webhook(request.auth, webhook_id))
    return Status(204, None)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response=DeliveryPage,
    summary="A webhook's delivery log, newest first, with every attempt",
)
def list_deliveries(
    request,
    webhook_id: int,
    status: Literal["pending", "delivered", "failed"] | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
):
    webhook = services.get_webhook(request.auth, webhook_id)
    qs = deliveries_of(webhook)
    if status:
        qs = qs.filter(status=status)
    return paginate(qs, limit, offset, delivery_out)


def load_delivery(pk: int) -> dict:
    return delivery_out(
        Delivery.objects.prefetch_related(
            Prefetch("attempt_log", queryset=Attempt.objects.order_by("at", "id"))
        ).get(pk=pk)
    )


@router.post(
    "/webhooks/{webhook_id}/test",
    response={202: DeliveryOut},
    summary="Queue a test message to the webhook",
)
def test_webhook(request, webhook_id: int):
    webhook = services.get_webhook(request.auth, webhook_id)
    return Status(202, load_delivery(services.send_test(request.auth, webhook).pk))


@router.post(
    "/webhooks/deliveries/{delivery_id}/retry",
    response={202: DeliveryOut},
    summary="Try a pending or failed delivery again now",
)
def retry_delivery(request, delivery_id: int):
    delivery = services.get_delivery(request.auth, delivery_id)
    return Status(202, load_delivery(services.retry(request.auth, delivery).pk))

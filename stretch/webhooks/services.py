"""Every change to webhooks: add, change, remove, send a test, retry a delivery.

Webhooks send the company's OKRs out of the app, so only administrators manage them
(`access.can_manage_company`); anyone else is refused with 403, reads included.
A webhook may not point at Stretch itself (settings.STRETCH_BASE_URL, or the host that
serves the request): the app posting to its own API would be a loop at best.
"""

import ipaddress
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from stretch import access
from stretch.social.models import Activity
from stretch.webhooks import formats, outbox
from stretch.webhooks.models import Delivery, Webhook

EVENTS = [verb.value for verb in Activity.Verb]
FORMATS = [fmt.value for fmt in Webhook.Format]
DEFAULT_EVENTS = ["objective_created", "objective_published", "check_in", "off_track", "graded"]
FIELDS = {"name", "url", "format", "events", "active"}
DEFAULT_PORTS = {"http": 80, "https": 443}
HOST_NAME = re.compile(
    r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?", re.I
)
LOOPBACK_NAMES = {"localhost", "ip6-localhost", "ip6-loopback"}


def require_admin(user) -> None:
    if not access.can_manage_company(user):
        raise PermissionDenied(_("Only administrators manage webhooks."))


def webhooks_for(user):
    require_admin(user)
    return Webhook.objects.select_related("team")


def get_webhook(user, pk) -> Webhook:
    webhook = webhooks_for(user).filter(pk=pk).first()
    if webhook is None:
        raise Http404(_("No webhook with id %(id)s.") % {"id": pk})
    return webhook


def get_delivery(user, pk) -> Delivery:
    require_admin(user)
    found = Delivery.objects.select_related("webhook__team").filter(pk=pk).first()
    if found is None:
        raise Http404(_("No delivery with id %(id)s.") % {"id": pk})
    return found


# Validation ----------------------------------------------------------------------------------


def _endpoint(scheme: str, host: str, port: int | None) -> tuple[str, int]:
    return host.lower().rstrip(".").strip("[]"), port or DEFAULT_PORTS.get(scheme, 0)


def _loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _same_place(a: tuple[str, int], b: tuple[str, int]) -> bool:
    """The same server: same host (any name of this machine counts as one) and port, or
    the same host on the web's default ports (http and https of one site)."""
    same_host = a[0] == b[0] or (_loopback(a[0]) and _loopback(b[0]))
    default = set(DEFAULT_PORTS.values())
    return same_host and (a[1] == b[1] or (a[1] in default and b[1] in default))


def app_endpoints(request=None) -> list[tuple[str, int]]:
    """Where Stretch itself is reached: its base URL, and the host serving `request`."""
    base = urlsplit(settings.STRETCH_BASE_URL)
    found = [_endpoint(base.scheme, base.hostname or "", base.port)]
    if request is not None:
        served = urlsplit(f"{request.scheme}://{request.get_host()}")
        found.append(_endpoint(served.scheme, served.hostname or "", served.port))
    return found


def _host_name(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return bool(HOST_NAME.fullmatch(host))


def clean_url(url, request=None) -> str:
    if not isinstance(url, str) or not url.strip():
        raise ValidationError({"url": _("Enter the address to send to.")})
    url = url.strip()
    wrong = ValidationError({"url": _("Enter an http:// or https:// address with a host.")})
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise wrong from None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or len(url) > 1000:
        raise wrong
    # Any host name will do, dotted or not: an intranet chat server is often just "chat".
    if not _host_name(parts.hostname) or any(c.isspace() or ord(c) < 32 for c in url):
        raise wrong
    target = _endpoint(parts.scheme, parts.hostname, port)
    if any(_same_place(target, own) for own in app_endpoints(request)):
        raise ValidationError({"url": _("A webhook may not point at Stretch itself.")})
    return url


def clean_events(events) -> list[str]:
    if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
        raise ValidationError({"events": _("Send a list of event names.")})
    if unknown := sorted(set(events) - set(EVENTS)):
        raise ValidationError(
            {
                "events": _("Unknown events: %(names)s. Known: %(known)s.")
                % {"names": ", ".join(unknown), "known": ", ".join(EVENTS)}
            }
        )
    if not events:
        raise ValidationError({"events": _("Choose at least one event.")})
    return list(dict.fromkeys(events))


def clean(changes: dict, request=None) -> dict:
    cleaned = dict(changes)
    if "name" in changes:
        name = changes["name"].strip() if isinstance(changes["name"], str) else ""
        if not name:
            raise ValidationError({"name": _("Give the webhook a name.")})
        if len(name) > 200:
            raise ValidationError({"name": _("At most 200 characters.")})
        cleaned["name"] = name
    if "url" in changes:
        cleaned["url"] = clean_url(changes["url"], request)
    if "format" in changes and changes["format"] not in FORMATS:
        raise ValidationError(
            {"format": _("Choose one of: %(formats)s.") % {"formats": ", ".join(FORMATS)}}
        )
    if "events" in changes:
        cleaned["events"] = clean_events(changes["events"])
    if "active" in changes and not isinstance(changes["active"], bool):
        raise ValidationError({"active": _("Send true or false.")})
    return cleaned


# Changes ------------------------------------------------------------------------------------


def create_webhook(actor, team, *, request=None, **fields) -> Webhook:
    require_admin(actor)
    if unknown := sorted(set(fields) - FIELDS):
        raise ValidationError({unknown[0]: _("Unknown field.")})
    fields.setdefault("format", Webhook.Format.GENERIC)
    fields.setdefault("events", list(DEFAULT_EVENTS))
    for required in ("name", "url"):
        fields.setdefault(required, "")
    cleaned = clean(fields, request)
    return Webhook.objects.create(team=team, created_by=actor, **cleaned)


def update_webhook(actor, webhook: Webhook, changes: dict, *, request=None) -> Webhook:
    require_admin(actor)
    if unknown := sorted(set(changes) - FIELDS):
        raise ValidationError({unknown[0]: _("Unknown field.")})
    for name, value in clean(changes, request).items():
        setattr(webhook, name, value)
    webhook.save()
    return webhook


def delete_webhook(actor, webhook: Webhook) -> None:
    """Its deliveries and their log go with it."""
    require_admin(actor)
    webhook.delete()


def send_test(actor, webhook: Webhook) -> Delivery:
    """Queue a test message to the webhook (sent by the worker, like any delivery)."""
    require_admin(actor)
    now = timezone.now()
    with transaction.atomic():
        test = Delivery.objects.create(
            webhook=webhook,
            event=formats.PING,
            payload=formats.render(webhook.format, formats.ping_message(webhook, actor, now)),
            next_attempt_at=now,
            created_at=now,
        )
        outbox.hand_to_worker(test.pk)
    return test


def retry(actor, delivery: Delivery) -> Delivery:
    """Try a pending or failed delivery now (a failed one gets one more try)."""
    require_admin(actor)
    if delivery.status == Delivery.Status.DELIVERED:
        raise ValidationError({"delivery": _("It was delivered already; it is sent only once.")})
    now = timezone.now()
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).exclude(status=Delivery.Status.DELIVERED).update(
            status=Delivery.Status.PENDING, next_attempt_at=now
        )
        outbox.hand_to_worker(delivery.pk)
    delivery.refresh_from_db()
    return delivery

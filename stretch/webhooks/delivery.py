"""Sending a delivery: claim it, POST it, log the attempt, and schedule the retry.

Each try is three steps, so that no database transaction stays open during the HTTP call
(on SQLite an open write transaction would block every other writer for up to the timeout):

1. `claim`: in a short transaction, take the row if it is due and nobody holds it, and hold
   it for `LEASE` (on PostgreSQL the row is read with SELECT … FOR UPDATE SKIP LOCKED, so a
   second worker passes it over instead of waiting; on SQLite the write transaction itself
   serialises claims). Two workers therefore never send the same delivery at once.
2. `post`: the HTTP request, with a timeout of `TIMEOUT` seconds and no redirects followed.
3. `record`: an `Attempt` row; a 2xx answer makes the delivery delivered (it is never sent
   again), anything else schedules the next try after `backoff(attempts)`, until
   `MAX_ATTEMPTS` tries have failed: then it is failed, and waits for an admin's retry.

A worker that dies mid-send leaves a claim that runs out after `LEASE`; the sweep then
tries again. The receiver may dedupe on X-Stretch-Delivery.
"""

import hashlib
import hmac
import http.client
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from stretch.webhooks.models import Attempt, Delivery

TIMEOUT = 10  # seconds
LEASE = timedelta(seconds=60)  # longer than any one try (connect + answer)
MAX_ATTEMPTS = 8
FIRST_DELAY = (
    30  # seconds; then four times longer each time: 30 s, 2 min, 8 min, 32 min, 2 h 8 min…
)
LONGEST_DELAY = 12 * 3600
USER_AGENT = "Stretch-Webhooks/1"
ERROR_LIMIT = 500


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try before the next one."""
    return timedelta(seconds=min(FIRST_DELAY * 4 ** max(attempts - 1, 0), LONGEST_DELAY))


def due(now: datetime) -> Q:
    """Pending, of an active webhook, its time come, and held by no worker."""
    return Q(status=Delivery.Status.PENDING, webhook__active=True, next_attempt_at__lte=now) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )


def claim(delivery_id: int, now: datetime) -> Delivery | None:
    """Hold the delivery for this worker, if it is due and free; None otherwise."""
    with transaction.atomic():
        row = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(due(now), pk=delivery_id)
            .only("pk")
            .first()
        )
        if row is None:
            return None
        Delivery.objects.filter(pk=row.pk).update(claimed_until=now + LEASE)
    return Delivery.objects.select_related("webhook").get(pk=row.pk)


def body_of(delivery: Delivery) -> bytes:
    return json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()


def sign(secret: str, body: bytes) -> str:
    """X-Stretch-Signature: the HMAC-SHA256 of the raw body, keyed with the secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Outcome:
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A 3xx is an answer to log, not a place to follow (a redirect could lead anywhere)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post(delivery: Delivery) -> Outcome:
    body = body_of(delivery)
    request = urllib.request.Request(
        delivery.webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Stretch-Event": delivery.event,
            "X-Stretch-Delivery": str(delivery.pk),
            "X-Stretch-Signature": sign(delivery.webhook.secret, body),
        },
    )
    started = time.monotonic()
    code: int | None = None
    error = ""
    try:
        with _opener.open(request, timeout=TIMEOUT) as response:
            code = response.status
            response.read(65536)
    except urllib.error.HTTPError as answer:
        code = answer.code
        text = answer.read(ERROR_LIMIT).decode("utf-8", "replace").strip()
        error = f"HTTP {code} {answer.reason}" + (f": {text}" if text else "")
    except urllib.error.URLError as failure:
        error = str(failure.reason)
    except (OSError, http.client.HTTPException, ValueError) as failure:
        error = str(failure) or type(failure).__name__
    duration = int((time.monotonic() - started) * 1000)
    if code is not None and not 200 <= code < 300 and not error:
        error = f"HTTP {code}"
    return Outcome(code, error[:ERROR_LIMIT], duration)


def record(delivery: Delivery, outcome: Outcome, now: datetime) -> Delivery:
    """Log the try and move the delivery on: delivered, retried later, or failed."""
    attempts = delivery.attempts + 1
    changes: dict = {
        "attempts": F("attempts") + 1,
        "claimed_until": None,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error,
    }
    if outcome.ok:
        changes |= {"status": Delivery.Status.DELIVERED, "delivered_at": now}
        changes["next_attempt_at"] = None
    elif attempts >= MAX_ATTEMPTS:
        changes |= {"status": Delivery.Status.FAILED, "next_attempt_at": None}
    else:
        changes |= {"status": Delivery.Status.PENDING, "next_attempt_at": now + backoff(attempts)}
    with transaction.atomic():
        Attempt.objects.create(
            delivery=delivery,
            at=now,
            status_code=outcome.status_code,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
        )
        Delivery.objects.filter(pk=delivery.pk).update(**changes)
    delivery.refresh_from_db()
    return delivery


def attempt(delivery_id: int, now: datetime | None = None) -> Delivery | None:
    """One try at `delivery_id`, if it is due and free; returns it afterwards (or None)."""
    delivery = claim(delivery_id, now or timezone.now())
    if delivery is None:
        return None
    outcome = post(delivery)
    return record(delivery, outcome, now or timezone.now())


def sweep(now: datetime | None = None, limit: int = 100) -> int:
    """Try every due delivery (up to `limit`, oldest first); returns how many were tried."""
    now = now or timezone.now()
    ids = list(
        Delivery.objects.filter(due(now))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    return sum(1 for pk in ids if attempt(pk, now) is not None)

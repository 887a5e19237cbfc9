"""The JSON API at /api/v1/: each app's router, one set of error answers."""

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError
from django.http import Http404
from django.http.request import RawPostDataException
from django.utils.translation import gettext as _
from ninja import NinjaAPI

from stretch.auth import SessionAuth, TokenAuth
from stretch.cfr.api import router as cfr_router
from stretch.cfr.feedback_api import router as feedback_router
from stretch.cfr.recognition_api import router as recognition_router
from stretch.errors import Conflict
from stretch.kpis.api import router as kpis_router
from stretch.okrs.agreement_api import router as agreement_router
from stretch.okrs.api import router as okrs_router
from stretch.okrs.api import serialize_conflict
from stretch.okrs.coach_api import router as coach_router
from stretch.okrs.initiatives_api import router as initiatives_router
from stretch.org.api import router as org_router
from stretch.org.strategy_api import router as strategy_router
from stretch.org.tokens_api import router as tokens_router
from stretch.params import LARGEST_ID
from stretch.reviews.analytics_api import router as analytics_router
from stretch.reviews.api import router as reviews_router
from stretch.social.api import router as social_router
from stretch.social.comments_api import router as comments_router
from stretch.social.feed_api import router as feed_router
from stretch.transfer.exports_api import router as exports_router
from stretch.transfer.imports_api import router as imports_router
from stretch.webhooks.api import router as webhooks_router

api = NinjaAPI(
    title="Stretch API",
    version="1",
    description="Objectives, key results, check-ins and alignment. Authenticate with "
    "`Authorization: Bearer <token>` (see `stretch token`) or a browser session.",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
)
api.add_router("", org_router)
api.add_router("", okrs_router)
api.add_router("", coach_router)
api.add_router("", reviews_router)
api.add_router("", analytics_router)
api.add_router("", social_router)
api.add_router("", comments_router)
api.add_router("", feed_router)
api.add_router("", agreement_router)
api.add_router("", webhooks_router)
api.add_router("", cfr_router)
api.add_router("", feedback_router)
api.add_router("", recognition_router)
api.add_router("", kpis_router)
api.add_router("", initiatives_router)
api.add_router("", strategy_router)
api.add_router("", tokens_router)
api.add_router("", imports_router)
api.add_router("", exports_router)


def validation_errors(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors = validation_errors(exc)
    field, messages = next(iter(errors.items()))
    return api.create_response(
        request,
        {"detail": f"{field}: {messages[0]}", "field": field, "errors": errors},
        status=400,
    )


def _too_large(request) -> str:
    """The request field holding a number beyond what the database stores ("" if none)."""
    fields: list[tuple[str, object]] = list(request.GET.items())
    if request.resolver_match is not None:
        fields += list(request.resolver_match.kwargs.items())
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, RawPostDataException):
        body = {}
    if isinstance(body, dict):
        fields += list(body.items())
    for name, value in fields:
        text = str(value).strip().lstrip("-")
        if text.isdigit() and int(text) > LARGEST_ID:
            return name
    return ""


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def on_number_too_large(request, exc: Exception):
    """A number past the database's integers (a huge id or offset) is bad input, not a 500."""
    field = _too_large(request)
    if not field:
        raise exc
    message = _("The number is too large.")
    return api.create_response(
        request,
        {"detail": f"{field}: {message}", "field": field, "errors": {field: [message]}},
        status=400,
    )


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc: PermissionDenied):
    return api.create_response(
        request, {"detail": str(exc) or _("You may not do this.")}, status=403
    )


@api.exception_handler(Http404)
def on_not_found(request, exc: Http404):
    return api.create_response(request, {"detail": str(exc) or _("Not found.")}, status=404)


@api.exception_handler(Conflict)
def on_conflict(request, exc: Conflict):
    return api.create_response(
        request,
        {"detail": exc.message, "current": serialize_conflict(exc.current, request.auth)},
        status=409,
    )

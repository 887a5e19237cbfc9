"""The webhook pages (administrators only): a team's webhooks with the form to add one, and
each webhook's settings, secret and delivery log with "Retry now"."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stretch import access
from stretch.pagination import paginate
from stretch.params import as_int
from stretch.webhooks import services
from stretch.webhooks.api import deliveries_of, with_counts
from stretch.webhooks.forms import WebhookForm

PAGE_SIZE = 25


def _add_errors(form: WebhookForm, error: ValidationError) -> None:
    for field, problems in error.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)


def team_webhooks(request, team_id: int):
    services.require_admin(request.user)
    team = access.get_team(team_id)
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            webhook = services.create_webhook(request.user, team, request=request, **form.changes())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _("The webhook “%(name)s” was added. Its secret is below.")
                % {"name": webhook.name},
            )
            return redirect("webhook", webhook_id=webhook.pk)
    webhooks = with_counts(services.webhooks_for(request.user).filter(team=team))
    return render(
        request,
        "webhooks/team_webhooks.html",
        {"team": team, "webhooks": webhooks, "form": form},
        status=400 if form.errors else 200,
    )


def webhook_detail(request, webhook_id: int):
    webhook = services.get_webhook(request.user, webhook_id)
    form = (
        WebhookForm(request.POST) if request.method == "POST" else WebhookForm.for_webhook(webhook)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_webhook(request.user, webhook, form.changes(), request=request)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The webhook was saved."))
            return redirect("webhook", webhook_id=webhook.pk)
    webhook.refresh_from_db()  # a refused change leaves it as it was
    offset = as_int(request.GET.get("offset"), 0) or 0
    page = paginate(deliveries_of(webhook), PAGE_SIZE, offset)
    return render(
        request,
        "webhooks/webhook.html",
        {
            "webhook": webhook,
            "team": webhook.team,
            "form": form,
            "page": page,
            "previous_offset": max(offset - PAGE_SIZE, 0) if offset else None,
            "next_offset": offset + PAGE_SIZE if offset + PAGE_SIZE < page["count"] else None,
        },
        status=400 if form.errors else 200,
    )


@require_POST
def webhook_delete(request, webhook_id: int):
    webhook = services.get_webhook(request.user, webhook_id)
    team_id, name = webhook.team_id, webhook.name
    services.delete_webhook(request.user, webhook)
    messages.success(request, _("The webhook “%(name)s” was removed.") % {"name": name})
    return redirect("team-webhooks", team_id=team_id)


@require_POST
def webhook_test(request, webhook_id: int):
    webhook = services.get_webhook(request.user, webhook_id)
    services.send_test(request.user, webhook)
    messages.success(request, _("A test message is queued; the worker sends it in a moment."))
    return redirect("webhook", webhook_id=webhook.pk)


@require_POST
def delivery_retry(request, delivery_id: int):
    delivery = services.get_delivery(request.user, delivery_id)
    try:
        services.retry(request.user, delivery)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The delivery will be tried again now."))
    return redirect("webhook", webhook_id=delivery.webhook_id)

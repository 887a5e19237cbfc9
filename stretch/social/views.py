"""The inbox page: notifications newest first, marking them read, email preferences.

Works without JavaScript (forms post and come back); with HTMX a row or the list is swapped
in place and the bell in the header follows (an out-of-band swap).
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from stretch.social import services
from stretch.social.forms import PreferencesForm

PAGE_SIZE = 20


def _page(request, number=None):
    paginator = Paginator(services.inbox(request.user), PAGE_SIZE)
    return paginator.get_page(number if number is not None else request.GET.get("page"))


def _back(request):
    page = request.POST.get("page") or ""
    target = "notifications"
    response = redirect(target)
    if page.isdigit():
        response["Location"] += f"?page={page}"
    return response


@require_GET
def inbox(request):
    return render(
        request,
        "social/inbox.html",
        {
            "page": _page(request),
            "form": PreferencesForm(instance=services.preferences_of(request.user)),
        },
    )


@require_GET
def open_notification(request, notification_id: int):
    """Follow a notification's link, marking it read on the way."""
    notification = services.mark_read(request.user, notification_id)
    url = notification.url or "/notifications/"
    if not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        url = "/notifications/"
    return redirect(url)


@require_POST
def read_one(request, notification_id: int):
    notification = services.mark_read(request.user, notification_id)
    if request.htmx:
        return render(
            request,
            "social/inbox.html#row",
            {
                "notification": notification,
                "page_number": request.POST.get("page", ""),
                "oob": True,
            },
        )
    return _back(request)


@require_POST
def read_all(request):
    marked = services.mark_all_read(request.user)
    if request.htmx:
        return render(
            request,
            "social/inbox.html#list",
            {"page": _page(request, request.POST.get("page")), "oob": True},
        )
    if marked:
        messages.success(request, _("All notifications are marked read."))
    return _back(request)


@require_POST
def preferences(request):
    form = PreferencesForm(request.POST, instance=services.preferences_of(request.user))
    if form.is_valid():
        services.update_preferences(
            request.user, {name: form.cleaned_data[name] for name in services.PREFERENCE_FIELDS}
        )
        saved = True
    else:
        saved = False
    if request.htmx:
        return render(
            request,
            "social/inbox.html#preferences",
            {"form": form, "saved": saved},
            status=200 if saved else 400,
        )
    if saved:
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notifications")
    return render(request, "social/inbox.html", {"page": _page(request), "form": form}, status=400)

"""Views that belong to no one app."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from stretch.middleware import LANGUAGE_SESSION_KEY
from stretch.org.models import Profile


@login_not_required
@require_POST
def set_language(request):
    """Switch the language; a signed-in person keeps the choice on their profile."""
    language = request.POST.get("language", "")
    response = django_set_language(request)
    kept = request.user.is_authenticated and language in dict(Profile.LOCALES)
    if kept:
        Profile.objects.filter(user=request.user).update(locale=language)
        request.session[LANGUAGE_SESSION_KEY] = language
    if kept or request.POST.get("language") == "":
        # No language cookie: it would outlive the session and speak this choice to the next
        # person signing in on the browser, and it would beat "the browser's language".
        response.delete_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


@login_not_required
@require_GET
def healthz(request):
    """For load balancers and the benchmark's framework floor: the process answers; no query."""
    return HttpResponse("ok\n", content_type="text/plain")

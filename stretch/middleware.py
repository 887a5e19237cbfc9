from django.contrib.auth import get_user_model
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpResponseRedirect, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

from stretch.org.models import Profile


class LoginRequiredExceptApiMiddleware(LoginRequiredMiddleware):
    """Every page needs a signed-in user unless it opts out with `login_not_required`.

    The JSON API answers 401 itself (session or bearer token), so it is left to Ninja rather
    than redirected to the login page.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class ApiErrorsAsJsonMiddleware:
    """Every error under /api/ is JSON with a `detail`, even those Django answers itself.

    Ninja's own errors are JSON already; this covers an unknown path (404), a method the
    endpoint lacks (405) and an unexpected failure (500), which Django answers in HTML.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path_info.startswith("/api/")
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        if response.status_code == 405:
            allowed = response.get("Allow", "")
            detail = _("Method %(method)s is not allowed here; use %(allowed)s.") % {
                "method": request.method,
                "allowed": allowed,
            }
        elif response.status_code == 404:
            detail = _("No such endpoint: %(path)s") % {"path": request.path_info}
        elif response.status_code >= 500:
            detail = _("Something went wrong on the server; it has been logged.")
        else:
            detail = response.reason_phrase
        json_response = JsonResponse({"detail": detail}, status=response.status_code)
        if "Allow" in response:
            json_response["Allow"] = response["Allow"]
        return json_response


LANGUAGE_SESSION_KEY = "stretch_language"


class UserLanguageMiddleware:
    """Speak the language a signed-in person chose; without a choice, the browser's.

    The choice lives on the person's profile (so it follows them to every device) and is
    copied into the session at the first request, so later requests cost no query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            language = request.session.get(LANGUAGE_SESSION_KEY)
            if language is None:
                profile = Profile.objects.filter(user=request.user).only("locale").first()
                language = profile.locale if profile else ""
                request.session[LANGUAGE_SESSION_KEY] = language
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)


class FirstRunMiddleware:
    """Until anyone has an account, every page leads to /setup/ to create the first admin.

    Once a person exists, this process remembers it (accounts are not all deleted while
    Stretch runs), so a request costs no query from then on. The API, static files and the
    language switch are left alone.
    """

    users_exist = False
    SETUP_PATH = "/setup/"
    LEFT_ALONE = (SETUP_PATH, "/api/", "/static/", "/i18n/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not FirstRunMiddleware.users_exist and not request.path_info.startswith(self.LEFT_ALONE):
            if not get_user_model().objects.exists():
                return HttpResponseRedirect(self.SETUP_PATH)
            FirstRunMiddleware.users_exist = True
        return self.get_response(request)

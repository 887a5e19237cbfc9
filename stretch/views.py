"""Views that belong to no one app."""

from django.contrib.auth.decorators import login_not_required
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from stretch.middleware import LANGUAGE_SESSION_KEY
from stretch.org.models import Profile


@login_not_required
@require_POST
def set_language(request):
    """Switch the language; a signed-in person keeps the choice on their profile."""
    language = request.POST.get("language", "")
    response = django_set_language(request)
    if request.user.is_authenticated and language in dict(Profile.LOCALES):
        Profile.objects.filter(user=request.user).update(locale=language)
        request.session[LANGUAGE_SESSION_KEY] = language
    return response

"""How API callers prove who they are: a personal token, or the browser's session."""

from django.conf import settings
from django.utils import timezone
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie

from stretch.org.models import ApiToken


class TokenAuth(HttpBearer):
    """`Authorization: Bearer stk_…`, a token made by `stretch token USERNAME`."""

    def authenticate(self, request, token: str):
        found = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash(token), revoked_at=None, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        now = timezone.now()
        # Record use at most once a minute, so reads do not turn into writes.
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


class SessionAuth(APIKeyCookie):
    """The signed-in browser session; unsafe methods must carry the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        # Without a signed-in session there is nothing to protect, and a token caller
        # should hear "401", not "CSRF failed".
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        return request.user if request.user.is_authenticated else None

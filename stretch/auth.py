"""How API callers prove who they are: a personal token, or the browser's session."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie

from stretch.org.models import ApiToken

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenAuth(HttpBearer):
    """`Authorization: Bearer stk_…`, a token made on /settings/tokens/, through
    /api/v1/tokens or by `stretch token USERNAME`; a read token may only GET."""

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
        # A read token is refused here, before any endpoint runs: Ninja answers an exception
        # raised by an authenticator at once (403 through the PermissionDenied handler)
        # instead of trying the session next and answering 401.
        if found.scope == ApiToken.Scope.READ and request.method not in SAFE_METHODS:
            raise PermissionDenied(_("This token may only read (scope: read)."))
        request.user = found.user
        request.api_token = found  # which token this request came with
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

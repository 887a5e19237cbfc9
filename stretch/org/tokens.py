"""Personal API tokens: made by their owner (or by an operator with `stretch token`), listed,
and revoked by their owner or an administrator.

Only the SHA-256 hash of a token is stored; the raw token is handed back once, by the call
that makes it, and is never logged. A revoked token stays listed with who revoked it and
when, but never authenticates again (`stretch.auth.TokenAuth`).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from stretch import access
from stretch.org.models import ApiToken
from stretch.params import as_int

NAME_MAX = ApiToken._meta.get_field("name").max_length or 100


def clean_name(name) -> str:
    """A label to recognise the token by: optional, trimmed, at most 100 characters."""
    if name is None:
        return ""
    if not isinstance(name, str):
        raise ValidationError({"name": _("Write it as text.")})
    name = name.strip()
    if len(name) > NAME_MAX:
        raise ValidationError({"name": _("At most %(n)s characters.") % {"n": NAME_MAX}})
    return name


def clean_scope(scope) -> str:
    if scope not in ApiToken.Scope.values:
        allowed = ", ".join(ApiToken.Scope.values)
        raise ValidationError({"scope": _("Must be one of: %(allowed)s.") % {"allowed": allowed}})
    return str(scope)


def issue(user, name: str = "", scope: str = ApiToken.Scope.WRITE) -> tuple[ApiToken, str]:
    """Make a token for `user` without asking who wants it (the `stretch token` command):
    the stored row and the raw token, which exists nowhere else."""
    name, scope = clean_name(name), clean_scope(scope)
    raw = ApiToken.new_raw()
    token = ApiToken.objects.create(user=user, name=name, scope=scope, key_hash=ApiToken.hash(raw))
    return token, raw


def create_token(actor, name: str = "", scope: str = ApiToken.Scope.WRITE) -> tuple[ApiToken, str]:
    """A signed-in person makes a token for themselves (never for someone else)."""
    if not (actor.is_authenticated and actor.is_active):
        raise PermissionDenied(_("Sign in to make a token."))
    return issue(actor, name, scope)


def _listed() -> QuerySet:
    return ApiToken.objects.select_related("user__profile", "revoked_by__profile").order_by(
        "-created_at", "-pk"
    )


def tokens_of(user) -> QuerySet:
    """The person's own tokens, newest first, revoked ones included."""
    return _listed().filter(user=user)


def all_tokens(actor, *, active_only: bool = False) -> QuerySet:
    """Everyone's tokens (administrators)."""
    if not access.is_admin(actor):
        raise PermissionDenied(_("Only administrators see everyone's tokens."))
    tokens = _listed()
    return tokens.filter(revoked_at=None) if active_only else tokens


def may_manage(actor, token: ApiToken) -> bool:
    return token.user_id == actor.pk or access.is_admin(actor)


def get_token_for_user(actor, token_id) -> ApiToken:
    """The token with this id if `actor` may manage it; someone else's token is a 404,
    as if it did not exist."""
    pk = as_int(token_id)
    found = _listed().filter(pk=pk).first() if pk is not None else None
    if found is None or not may_manage(actor, found):
        raise Http404(_("No token with id %(id)s.") % {"id": token_id})
    return found


def revoke_token(actor, token: ApiToken) -> ApiToken:
    """Stop the token from working, now and for good. Revoking it again changes nothing."""
    if not may_manage(actor, token):
        raise PermissionDenied(_("Only the token's owner or an administrator may revoke it."))
    now = timezone.now()
    # Filtered on revoked_at so that two revocations at once keep the first one's record.
    if ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(
        revoked_at=now, revoked_by=actor
    ):
        token.revoked_at, token.revoked_by = now, actor
    else:
        token.refresh_from_db(fields=["revoked_at", "revoked_by"])
    return token

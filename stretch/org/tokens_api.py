"""/api/v1/tokens: personal API tokens (create, list, revoke).

The raw token is in the answer to its creation only; no answer ever carries its hash.
"""

from datetime import datetime

from ninja import Field, Query, Router, Schema, Status

from stretch.org import tokens
from stretch.org.models import ApiToken, display_name
from stretch.pagination import Paged, paginate

router = Router(tags=["tokens"])


class PersonRef(Schema):
    id: int
    name: str


class TokenOut(Schema):
    id: int
    name: str
    scope: str = Field(..., description="read: GET only; write: read and change")
    owner: PersonRef
    created_at: datetime
    last_used_at: datetime | None = Field(..., description="to the minute")
    revoked_at: datetime | None
    revoked_by: PersonRef | None


class TokenPage(Paged):
    items: list[TokenOut]


class TokenIn(Schema):
    name: str = Field("", description="a label to recognise it by; at most 100 characters")
    scope: str = Field(..., description="read (GET only) or write (read and change)")


class TokenCreated(Schema):
    id: int
    name: str
    scope: str
    created_at: datetime
    token: str = Field(..., description="the token itself: shown in this answer only")


def _person(user) -> dict | None:
    return None if user is None else {"id": user.pk, "name": display_name(user)}


def token_out(token: ApiToken) -> dict:
    return {
        "id": token.pk,
        "name": token.name,
        "scope": token.scope,
        "owner": _person(token.user),
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
        "revoked_by": _person(token.revoked_by),
    }


@router.get(
    "/tokens",
    response=TokenPage,
    summary="Your API tokens, newest first (administrators: everyone's with all=true)",
)
def list_tokens(
    request,
    all: bool = Query(False, description="everyone's tokens (administrators only)"),
    active: bool | None = Query(None, description="true: not revoked; false: revoked"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
):
    listed = tokens.all_tokens(request.auth) if all else tokens.tokens_of(request.auth)
    if active is not None:
        listed = listed.filter(revoked_at__isnull=active)
    return paginate(listed, limit, offset, render=token_out)


@router.post(
    "/tokens",
    response={201: TokenCreated},
    summary="Make a token for yourself; the answer holds the token, shown this once",
)
def create_token(request, payload: TokenIn):
    token, raw = tokens.create_token(request.auth, payload.name, payload.scope)
    return Status(
        201,
        {
            "id": token.pk,
            "name": token.name,
            "scope": token.scope,
            "created_at": token.created_at,
            "token": raw,
        },
    )


@router.delete(
    "/tokens/{token_id}",
    response={204: None},
    summary="Revoke a token (yours; administrators: anyone's); it never works again",
)
def revoke_token(request, token_id: int):
    tokens.revoke_token(request.auth, tokens.get_token_for_user(request.auth, token_id))
    return Status(204, None)

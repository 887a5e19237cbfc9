"""/api/v1/tokens: personal API tokens (create, list, revoke)."""

from ninja import Router

router = Router(tags=["tokens"])

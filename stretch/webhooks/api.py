"""/api/v1/webhooks: administrators manage a team's webhooks and read their delivery log."""

from ninja import Router

router = Router(tags=["webhooks"])

"""/api/v1/feed and /api/v1/follows: the activity feed and following."""

from ninja import Router

router = Router(tags=["feed"])

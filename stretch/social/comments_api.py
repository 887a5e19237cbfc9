"""/api/v1/comments: comments on objectives, key results and check-ins."""

from ninja import Router

router = Router(tags=["comments"])

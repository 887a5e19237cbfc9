"""Setting OKRs together in the API: proposals, alignment requests, dependencies."""

from ninja import Router

router = Router(tags=["agreement"])

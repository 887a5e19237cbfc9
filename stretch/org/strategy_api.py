"""/api/v1/pillars and /api/v1/strategy-map: the company's strategy and how the OKRs serve it."""

from ninja import Router

router = Router()

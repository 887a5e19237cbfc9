"""/api/v1/kpis and /api/v1/kpis/{id}/measurements: KPIs, their bands and measurements."""

from ninja import Router

router = Router()

"""/api/v1/exports: a cycle's OKRs as CSV or XLSX, a list's current filter as CSV."""

from ninja import Router

router = Router(tags=["exports"])

"""/api/v1/imports: upload a file, read its dry-run report, apply it."""

from ninja import Router

router = Router(tags=["imports"])

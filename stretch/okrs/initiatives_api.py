"""/api/v1/initiatives: the work that moves a key result."""

from ninja import Router

router = Router()
